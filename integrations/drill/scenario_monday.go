package drill

import (
	"math"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

func mondaySurge() Scenario {
	start := time.Date(2026, time.January, 12, 7, 15, 0, 0, time.UTC)
	friday := start.Add(-61 * time.Hour)
	return Scenario{
		Name:  "monday-surge",
		Title: "Monday surge: web fleet stuck at its weekend size",
		Description: "Autoscaling stalled over the weekend behind a hung provisioner lock; " +
			"Monday traffic climbs far past the web fleet's capacity, and new instances take long to arrive.",
		Start:   start,
		Channel: "#inc-monday-surge",
		Models: func() []Model {
			job := &Job{PID: 8812, Name: "provision-web", Cmd: "provision-web --group web --step register", Lock: "/var/lock/provision-web.lock", Since: friday.Add(2 * time.Minute)}
			prov := &Host{ID: "i-0b7e2c1d9a4f60812", Name: "provisioner-1", Jobs: []*Job{job}}
			return []Model{
				&Web{
					Demand: func(t float64) float64 {
						return 600 + 1000*(1-math.Exp(-t/120))
					},
					FreeShare:   0.6,
					PerInstance: 300,
					Meltdown:    0.6,
					// With the lock free a launch takes 8-12 min; behind the hung
					// lock, each waits out the launch hook first.
					LaunchSeconds: [2]int{480, 720},
					WebGroup:      "web",
					Groups: []GroupSpec{
						{Name: "web", Desired: 4, Min: 4, Max: 20, Activities: []integrations.ScalingActivity{
							{ID: "act-fri-2", Description: "Launching a new EC2 instance", Cause: "scheduled action weekday-scale-up",
								Status: integrations.ActivityFailed, Message: "provisioner lock held by job 8812; launch hook timed out",
								Start: friday.Add(2 * time.Minute), End: friday.Add(62 * time.Minute)},
							{ID: "act-fri-1", Description: "Terminating 8 EC2 instances", Cause: "scheduled action weekend-scale-down",
								Status: integrations.ActivitySuccessful, Start: friday, End: friday.Add(4 * time.Minute)},
						}},
						{Name: "worker", Desired: 6, Min: 2, Max: 12},
					},
					Edges: []string{"edge-1", "edge-2", "edge-3"},
				},
				&provisioner{group: "web", job: job, alert: "PD-LOCK", usual: [2]int{480, 720}, held: [2]int{960, 1440}},
				&hosts{list: []*Host{prov}},
			}
		},
		Horizon:      3 * time.Hour,
		ReferenceTTM: 2*time.Hour + 50*time.Minute, // a partial outage of just under three hours
		Reference: []PlanStep{
			{At: 3 * time.Minute, Runbook: "clear-stuck-job", Params: map[string]string{"instance": "i-0b7e2c1d9a4f60812", "job": "provision-web", "lock": "/var/lock/provision-web.lock"}},
			{At: 4 * time.Minute, Runbook: "throttle-tier", Params: map[string]string{"tier": "free", "percent": "50"}},
			{At: 5 * time.Minute, Runbook: "scale-up", Params: map[string]string{"group": "web", "desired": "12"}},
			{At: 25 * time.Minute, Runbook: "lift-throttle", Params: map[string]string{"tier": "free"}},
		},
		OpenAlerts: []integrations.Alert{{
			ID: "PD-LOCK", Service: "provisioner", Severity: integrations.SeverityWarning,
			Status: integrations.AlertTriggered, Title: "lock wait over 30 min (job 8812)",
			Body:      "The web provisioner's cron job has held its lock since Friday. Low urgency: does not page.",
			CreatedAt: friday.Add(32 * time.Minute), UpdatedAt: friday.Add(32 * time.Minute),
		}},
		Alerts: append(webAlerts(), AlertRule{
			ID: "PD-OOM", Service: "web", Severity: integrations.SeverityCritical,
			Title: "OOM killer took the app master process",
			Body:  "Workers forked past memory; the OOM killer is terminating app masters.",
			Fire:  func(s Signal) bool { return s.Utilisation > 1.2 }, FireFor: 60,
			Clear: func(s Signal) bool { return s.Utilisation < 0.9 }, ClearFor: 60}),
		Chat: []ChatLine{
			{At: 20, User: "alice (support)", Text: "Customers in EU report slow page loads and some 502s."},
			{At: 60, User: "bob (sre)", Text: "Web latency is climbing. The fleet looks small for a Monday morning."},
			{After: "alert:PD-5XX", At: 15, User: "carol (ic)", Text: "I'm incident commander. Who has the web fleet?"},
			{After: "alert:PD-5XX", At: 45, User: "bob (sre)", Text: "web is at 4 instances: the Sunday-night scale-up never ran. Provisioner lock held since Friday."},
			{After: "alert:PD-5XX", At: 90, User: "carol (ic)", Text: "Plan: scale web up by hand, throttle free-tier traffic at the LB until capacity is in. Paid users are never throttled."},
			{After: MilestoneScaleUp, At: 10, User: "bob (sre)", Text: "New web instances launching: 8-12 min each, 15-25 while the provisioner lock is held (each waits out its launch hook)."},
			{After: MilestoneThrottle, At: 20, User: "alice (support)", Text: "Free-tier users now get 429s; paid customers say pages load again."},
			{After: MilestoneRecovered, If: MilestoneThrottle, At: 5, User: "carol (ic)", Text: "Error rate is back under 1%. Keep the throttle until every new instance is in service."},
			{After: "lock-cleared", At: 10, User: "bob (sre)", Text: "Killed the hung provisioner job; its lock is free. New launches should take their usual 8-12 min."},
			{After: MilestoneLifted, At: 5, User: "carol (ic)", Text: "Throttle lifted. Watching the error rate for the next 15 minutes."},
		},
	}
}
