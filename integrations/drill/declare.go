package drill

import "github.com/warroomhq/warroom/integrations"

// Infos declares the sources the drill stands in for, under their live
// names, each with the panes it feeds and the capabilities the live
// adapter would offer, so the drill's panes, replay and keys behave as a
// live war-room's do.
func (w *World) Infos() []integrations.SourceInfo {
	a := w.Actions()
	return []integrations.SourceInfo{
		{Name: integrations.SourcePagerDuty, Feeds: []integrations.Feed{integrations.FeedAlerts}, Acts: integrations.Actions{Alerts: a.Alerts}},
		{Name: integrations.SourceAWS, Feeds: []integrations.Feed{integrations.FeedFleet}, Acts: integrations.Actions{Scaler: a.Scaler, Commands: a.Commands, BoundedCommands: a.BoundedCommands}},
		{Name: integrations.SourceHAProxy, Feeds: []integrations.Feed{integrations.FeedFleet}, Acts: integrations.Actions{LoadBalancer: a.LoadBalancer,
			ConfigChecks: a.ConfigChecks, TierMeter: a.TierMeter, Shedder: a.Shedder, ShedStatus: a.ShedStatus}},
		{Name: integrations.SourceSlack, Feeds: []integrations.Feed{integrations.FeedChat}, Acts: integrations.Actions{Chat: a.Chat, ChatReader: a.ChatReader}},
		{Name: integrations.SourceProxySQL, Acts: integrations.Actions{Replicas: a.Replicas}},
	}
}
