package haproxy

import "github.com/warroomhq/warroom/integrations"

// Info declares the source: it feeds the fleet pane, changes server states,
// throttles, reloads and sheds optional features.
func (f *Fleet) Info() integrations.SourceInfo {
	return integrations.SourceInfo{Name: f.Name(), Feeds: []integrations.Feed{integrations.FeedFleet}, Acts: integrations.Actions{LoadBalancer: f, Shedder: f}}
}
