package aws

import "github.com/warroomhq/warroom/integrations"

// Info declares the source: it feeds the fleet pane, scales its groups and
// runs commands on their hosts, within SSM's concurrency and error bounds.
func (s *Source) Info() integrations.SourceInfo {
	return integrations.SourceInfo{Name: SourceName, Feeds: []integrations.Feed{integrations.FeedFleet},
		Acts: integrations.Actions{Scaler: s, Commands: s, BoundedCommands: s}}
}
