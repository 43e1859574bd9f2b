package drill

import (
	"math"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// repairOverload replays a shared datastore degraded by a background
// repair under high load: inbound events rejected and notifications late.
// Stopping the repair helps until the day's load grows past what the
// cluster carries; shedding optional load is the lasting lever; a repair
// restarted by hand costs more than the first and brings the collapse back.
func repairOverload() Scenario {
	start := time.Date(2026, time.June, 9, 14, 0, 0, 0, time.UTC)
	return Scenario{
		Name:  "repair-overload",
		Title: "Events rejected: a repair on the shared datastore under peak load",
		Description: "A background repair on one datastore node plus the day's load: inbound events " +
			"rejected, notifications late. Stopping the repair helps for a while; shedding optional load lasts.",
		Start:   start,
		Channel: "#inc-events-rejected",
		Models: func() []Model {
			// The repair runs as a unit; its process is nodetool's.
			repair := &Service{Name: "cassandra-repair", Manager: "systemd", Running: true}
			job := &Job{PID: 4242, Name: "nodetool", Cmd: "nodetool repair -full events", Lock: "/var/lock/cassandra-repair.lock",
				Since: start.Add(-3 * time.Hour)}
			job.onKill = func(w *World) { repair.Running = false; w.mark("repair-stopped") }
			node := &Host{ID: "i-0c4551a2b3d4e5f63", Name: "cass-3", Jobs: []*Job{job}, Services: []*Service{
				{Name: "cassandra", Manager: "systemd", Running: true}, repair}}
			return []Model{
				&Web{
					// The day's load climbs for hours.
					Demand: func(t float64) float64 {
						return 700 + 560*(1-math.Exp(-t/5400))
					},
					FreeShare:     0.3,
					PerInstance:   320,
					LaunchSeconds: [2]int{180, 300},
					WebGroup:      "api",
					Groups: []GroupSpec{
						{Name: "api", Desired: 6, Min: 3, Max: 12},
					},
					Edges:    []string{"edge-1", "edge-2"},
					Optional: map[string]float64{"enrichment": 0.2, "status-webhooks": 0.12},
				},
				&cluster{capacity: 1000, repair: repair, repairCost: 0.25, restartCost: 0.2},
				&hosts{list: []*Host{node}},
			}
		},
		Alerts: []AlertRule{
			{ID: "PD-REJECT", Service: "events-api", Severity: integrations.SeverityCritical,
				Title: "inbound events rejected above 2%",
				Body:  "The events API is failing to write a share of inbound events to the datastore.",
				Fire:  func(s Signal) bool { return s.Gauge(GaugeRejected) > 0.02 }, FireFor: 60,
				Clear: func(s Signal) bool { return s.Gauge(GaugeRejected) < 0.005 }, ClearFor: 120},
			{ID: "PD-LATE", Service: "notifications", Severity: integrations.SeverityError,
				Title: "notifications more than 5 min late above 5%",
				Body:  "The notification workers are behind on the datastore.",
				Fire:  func(s Signal) bool { return s.Gauge(GaugeLate) > 0.05 }, FireFor: 60,
				Clear: func(s Signal) bool { return s.Gauge(GaugeLate) < 0.01 }, ClearFor: 120},
		},
		Healthy:      func(s Signal) bool { return s.Gauge(GaugeLate) < 0.01 },
		Horizon:      6 * time.Hour,
		ReferenceTTM: 6 * time.Hour, // the cluster flapped for six hours
		Reference: []PlanStep{
			{At: 10 * time.Minute, Runbook: "clear-stuck-job", Params: map[string]string{"instance": "cass-3", "job": "nodetool", "lock": "/var/lock/cassandra-repair.lock"}},
			{At: 15 * time.Minute, Runbook: "shed-optional-load", Params: map[string]string{"feature": "enrichment"}},
			{At: 16 * time.Minute, Runbook: "shed-optional-load", Params: map[string]string{"feature": "status-webhooks"}},
		},
		Chat: []ChatLine{
			{At: 30, User: "gina (support)", Text: "Customers say some events return 500 and a few alerts arrived late."},
			{After: "alert:PD-REJECT", At: 30, User: "hal (data)", Text: "cass-3 is running a repair; the whole cluster's write latency is up."},
			{After: "alert:PD-REJECT", At: 90, User: "ivy (ic)", Text: "I'm IC. Stop the repair first. Which features can we shed without losing core events?"},
			{After: MilestoneShed, At: 20, User: "hal (data)", Text: "Enrichment shed at the edges: the cluster's write load is down."},
			{After: MilestoneRecovered, At: 10, User: "ivy (ic)", Text: "Rejections under 1%. Nobody restarts that repair until we have capacity."},
		},
	}
}
