package haproxy

import "github.com/warroomhq/warroom/integrations"

// Info declares the source: it feeds the fleet pane, changes server states,
// throttles and reloads (checking configurations first and measuring its
// tiers), and sheds optional features with the status it names.
func (f *Fleet) Info() integrations.SourceInfo {
	return integrations.SourceInfo{Name: f.Name(), Feeds: []integrations.Feed{integrations.FeedFleet},
		Acts: f.Actions()}
}

// Actions are the fleet's capabilities, for a caller that holds the
// fleet itself (`warroom config check`, tests).
func (f *Fleet) Actions() integrations.Actions {
	return integrations.Actions{LoadBalancer: f, ConfigChecks: f, TierMeter: f, Shedder: f, ShedStatus: f}
}
