package drill

import (
	"math"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Scenario is a scripted incident the drill world replays. The simulation
// (traffic, capacity, alerts) runs the same for every scenario; a scenario
// sets the starting fleet, the traffic curve and the people in the channel.
type Scenario struct {
	Name        string
	Title       string
	Description string
	Start       time.Time // the scenario's own clock at its first second
	Channel     string
	// Demand is the offered load in requests per second, seconds after Start.
	Demand func(elapsed float64) float64
	// FreeShare is the fraction of traffic from the free tier.
	FreeShare float64
	// PerInstance is what one web instance serves before it overloads.
	PerInstance float64
	// LaunchSeconds is the range new instances take to come into service.
	LaunchSeconds [2]int
	Groups        []GroupSpec
	WebGroup      string // the group that serves the traffic
	Edges         []string
	Alerts        []AlertRule
	Chat          []ChatLine
	// Existing alerts and activities that were there before the drill began.
	OpenAlerts []integrations.Alert
}

// GroupSpec is a group's starting shape.
type GroupSpec struct {
	Name              string
	Desired, Min, Max int
	Activities        []integrations.ScalingActivity
}

// Signal is what an alert rule or a chat line watches.
type Signal struct {
	ErrorRate   float64 // fraction of requests failing
	Utilisation float64 // offered load ÷ capacity, after throttling
}

// AlertRule fires when Fire holds for FireFor seconds and resolves when
// Clear holds for ClearFor seconds.
type AlertRule struct {
	ID       string
	Service  string
	Severity integrations.Severity
	Title    string
	Body     string
	Fire     func(Signal) bool
	FireFor  int
	Clear    func(Signal) bool
	ClearFor int
}

// Trigger is what sets a chat line off.
type Trigger int

const (
	AtSecond          Trigger = iota // At seconds after the start
	AfterAlert                       // At seconds after alert Ref first fires
	AfterScaleUp                     // At seconds after the web group's desired first rises
	AfterThrottle                    // At seconds after a throttle is first set above 0
	AfterRecovery                    // At seconds after the error rate falls under 1% once it had passed 5%
	AfterLiftThrottle                // At seconds after every throttle is back at 0 following one
)

// ChatLine is one scripted message.
type ChatLine struct {
	Trigger Trigger
	Ref     string // alert id for AfterAlert
	At      int
	User    string
	Text    string
}

// Scenarios lists the built-in scenarios.
func Scenarios() []Scenario {
	return []Scenario{mondaySurge()}
}

// Lookup finds a scenario by name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// DefaultScenario is what `warroom` opens with no configuration.
const DefaultScenario = "monday-surge"

func mondaySurge() Scenario {
	start := time.Date(2026, time.January, 12, 7, 15, 0, 0, time.UTC)
	friday := start.Add(-61 * time.Hour)
	return Scenario{
		Name:  "monday-surge",
		Title: "Monday surge: web fleet stuck at its weekend size",
		Description: "Autoscaling stalled over the weekend behind a hung provisioner lock; " +
			"Monday traffic climbs far past the web fleet's capacity (incidents.md §1).",
		Start:   start,
		Channel: "#inc-monday-surge",
		Demand: func(t float64) float64 {
			return 600 + 1600*(1-math.Exp(-t/300))
		},
		FreeShare:     0.6,
		PerInstance:   160,
		LaunchSeconds: [2]int{60, 120},
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
		OpenAlerts: []integrations.Alert{{
			ID: "PD-LOCK", Service: "provisioner", Severity: integrations.SeverityWarning,
			Status: integrations.AlertTriggered, Title: "lock wait over 30 min (job 8812)",
			Body:      "The web provisioner's cron job has held its lock since Friday. Low urgency: does not page.",
			CreatedAt: friday.Add(32 * time.Minute), UpdatedAt: friday.Add(32 * time.Minute),
		}},
		Alerts: []AlertRule{
			{ID: "PD-5XX", Service: "web", Severity: integrations.SeverityCritical,
				Title: "HTTP 5xx above 5% at the load balancers",
				Body:  "edge HAProxy 5xx ratio over 5% for 30 s.",
				Fire:  func(s Signal) bool { return s.ErrorRate > 0.05 }, FireFor: 30,
				Clear: func(s Signal) bool { return s.ErrorRate < 0.01 }, ClearFor: 60},
			{ID: "PD-CPU", Service: "web", Severity: integrations.SeverityError,
				Title: "CPU above 90% on every web host",
				Body:  "All in-service web hosts above 90% CPU for 20 s.",
				Fire:  func(s Signal) bool { return s.Utilisation > 0.9 }, FireFor: 20,
				Clear: func(s Signal) bool { return s.Utilisation < 0.7 }, ClearFor: 60},
			{ID: "PD-OOM", Service: "web", Severity: integrations.SeverityCritical,
				Title: "OOM killer took the app master process",
				Body:  "Workers forked past memory; the OOM killer is terminating app masters.",
				Fire:  func(s Signal) bool { return s.Utilisation > 1.8 }, FireFor: 60,
				Clear: func(s Signal) bool { return s.Utilisation < 0.9 }, ClearFor: 60},
		},
		Chat: []ChatLine{
			{Trigger: AtSecond, At: 20, User: "alice (support)", Text: "Customers in EU report slow page loads and some 502s."},
			{Trigger: AtSecond, At: 60, User: "bob (sre)", Text: "Web latency is climbing. The fleet looks small for a Monday morning."},
			{Trigger: AfterAlert, Ref: "PD-5XX", At: 15, User: "carol (ic)", Text: "I'm incident commander. Who has the web fleet?"},
			{Trigger: AfterAlert, Ref: "PD-5XX", At: 45, User: "bob (sre)", Text: "web is at 4 instances: the Sunday-night scale-up never ran. Provisioner lock held since Friday."},
			{Trigger: AfterAlert, Ref: "PD-5XX", At: 90, User: "carol (ic)", Text: "Plan: scale web up by hand, throttle free-tier traffic at the LB until capacity is in. Paid users are never throttled."},
			{Trigger: AfterScaleUp, At: 10, User: "bob (sre)", Text: "New web instances launching, 60-120 s each."},
			{Trigger: AfterThrottle, At: 20, User: "alice (support)", Text: "Free-tier users now get 429s; paid customers say pages load again."},
			{Trigger: AfterRecovery, At: 5, User: "carol (ic)", Text: "Error rate is back under 1%. Keep the throttle until every new instance is in service."},
			{Trigger: AfterLiftThrottle, At: 5, User: "carol (ic)", Text: "Throttle lifted. Watching the error rate for the next 15 minutes."},
		},
	}
}
