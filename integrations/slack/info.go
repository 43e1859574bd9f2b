package slack

import "github.com/warroomhq/warroom/integrations"

// Info declares the source: it feeds the chat pane, posts to the incident
// channel and reads it back.
func (s *Source) Info() integrations.SourceInfo {
	return integrations.SourceInfo{Name: Name, Feeds: []integrations.Feed{integrations.FeedChat}, Acts: integrations.Actions{Chat: s, ChatReader: s}}
}
