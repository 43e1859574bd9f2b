package drill

import (
	"math"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// staleSlots replays a stale load-balancer slot incident: the edges'
// server-template slots stopped following the web group in the morning;
// the evening scale-in removes the oldest hosts, the only ones the slots
// know, and adding capacity does not help. A rolling reload of
// the edges re-resolves the slots.
func staleSlots() Scenario {
	start := time.Date(2026, time.May, 12, 18, 40, 0, 0, time.UTC)
	return Scenario{
		Name:  "stale-slots",
		Title: "Evening 503s: HAProxy slots stale since the morning",
		Description: "The slot sync has failed since morning; the scheduled scale-in removes the hosts " +
			"the edges still route to, and new capacity gets no slot. " +
			"edge-3, short of ephemeral ports, fails a share of its requests by itself: the odd one out. " +
			"A front spreads traffic over the edges, so a roll drains each there first.",
		Start:   start,
		Channel: "#inc-evening-503s",
		Models: func() []Model {
			return []Model{
				&Web{
					// Evening traffic falls: the scale-in is right about capacity,
					// wrong about which hosts the edges know.
					Demand: func(t float64) float64 {
						return 1200 + 800*math.Exp(-t/60)
					},
					FreeShare:       0.5,
					PerInstance:     160,
					LaunchSeconds:   [2]int{60, 120},
					WebGroup:        "web",
					Slots:           16,
					TerminateOldest: true,
					Groups: []GroupSpec{
						{Name: "web", Desired: 20, Min: 4, Max: 40, Activities: []integrations.ScalingActivity{
							{ID: "act-am", Description: "Launching 9 EC2 instances", Cause: "manual: scale up 75% after the morning database incident",
								Status: integrations.ActivitySuccessful, Start: start.Add(-9*time.Hour - 30*time.Minute), End: start.Add(-9*time.Hour - 25*time.Minute)},
						}},
						{Name: "worker", Desired: 6, Min: 2, Max: 12},
					},
					Edges: []string{"edge-1", "edge-2", "edge-3"},
					Front: "front-1",
					// edge-3 has been short of ephemeral ports since the afternoon:
					// a few 503s of its own, which only its restart clears.
					FailingEdge:  "edge-3",
					FailingShare: 0.08,
					Schedule: []Scheduled{
						{At: 45, Group: "web", Desired: 14, Cause: "scheduled action evening-scale-in"},
						{At: 150, Group: "web", Desired: 10, Cause: "scheduled action evening-scale-in (step 2)"},
					},
				},
			}
		},
		Alerts:  webAlerts(),
		Horizon: 2 * time.Hour,
		// The evening outage lasted about three hours before the roll.
		ReferenceTTM: 3 * time.Hour,
		Reference: []PlanStep{
			{At: 5 * time.Minute, Runbook: "haproxy-rolling-restart"},
		},
		Chat: []ChatLine{
			{At: 15, User: "dave (web)", Text: "Evening scale-in starts in a minute, as every day."},
			{After: "alert:PD-5XX", At: 20, User: "erin (sre)", Text: "503s on every edge. The web fleet looks healthy in AWS."},
			{After: "alert:PD-5XX", At: 50, User: "frank (ic)", Text: "I'm IC. Let's add web capacity first."},
			{After: MilestoneScaleUp, At: 150, User: "erin (sre)", Text: "New web hosts are in service but the edges send them nothing."},
			{After: "alert:PD-5XX", At: 140, User: "erin (sre)", Text: "The edges' slots still point at hosts the scale-in terminated. The slot sync has been failing since 09:12: no free slot, so it exits before freeing dead ones."},
			{After: MilestoneReload, At: 10, User: "frank (ic)", Text: "A reload re-resolved that edge's slots. Roll it through every edge, one at a time."},
			{After: MilestoneRecovered, At: 5, User: "frank (ic)", Text: "5xx back under 1%. Follow-up: the sync's alert never fired."},
		},
	}
}
