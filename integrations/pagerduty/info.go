package pagerduty

import "github.com/warroomhq/warroom/integrations"

// Info declares the source: it feeds the alerts pane and acknowledges,
// resolves, annotates and reads back its incidents.
func (s *Source) Info() integrations.SourceInfo {
	return integrations.SourceInfo{Name: Name, Feeds: []integrations.Feed{integrations.FeedAlerts}, Acts: integrations.Actions{Alerts: s}}
}
