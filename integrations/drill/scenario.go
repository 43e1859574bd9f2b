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
	// Slots, when set, gives each edge that many server-template slots,
	// filled once at the start and re-resolved only by a reload: the slot
	// sync is broken (incidents.md §2). Zero: the edges follow the group.
	Slots int
	// TerminateOldest makes a scale-in remove the oldest instances first.
	TerminateOldest bool
	// Schedule lists capacity changes that happen by themselves.
	Schedule []Scheduled
	// FailingEdge, when set, names an edge that fails FailingShare of the
	// requests it receives by itself (it ran out of ephemeral ports, say)
	// until it is reloaded: an odd one out among the edges.
	FailingEdge  string
	FailingShare float64
}

// Scheduled is a capacity change at a scenario second (a scheduled
// scaling action).
type Scheduled struct {
	At      int
	Group   string
	Desired int
	Cause   string
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
	AfterReload                      // At seconds after the first HAProxy reload
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
	return []Scenario{mondaySurge(), staleSlots()}
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

// webAlerts are the alert rules both web scenarios share.
func webAlerts() []AlertRule {
	return []AlertRule{
		{ID: "PD-5XX", Service: "web", Severity: integrations.SeverityCritical,
			Title: "HTTP 5xx above 5% at the load balancers",
			Body:  "edge HAProxy 5xx ratio over 5% for 30 s.",
			Fire:  func(s Signal) bool { return s.ErrorRate > 0.05 }, FireFor: 30,
			Clear: func(s Signal) bool { return s.ErrorRate < 0.01 }, ClearFor: 60},
		{ID: "PD-CPU", Service: "web", Severity: integrations.SeverityError,
			Title: "CPU above 90% on every web host",
			Body:  "All in-service web hosts above 90% CPU for 20 s.",
			Fire:  func(s Signal) bool { return s.Utilisation > 0.9 }, FireFor: 20,
			Clear: func(s Signal) bool { return s.Utilisation < 0.8 }, ClearFor: 60},
	}
}

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
		Alerts: append(webAlerts(), AlertRule{
			ID: "PD-OOM", Service: "web", Severity: integrations.SeverityCritical,
			Title: "OOM killer took the app master process",
			Body:  "Workers forked past memory; the OOM killer is terminating app masters.",
			Fire:  func(s Signal) bool { return s.Utilisation > 1.8 }, FireFor: 60,
			Clear: func(s Signal) bool { return s.Utilisation < 0.9 }, ClearFor: 60}),
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

// staleSlots replays the stale load-balancer slot incident (incidents.md
// §2): the edges' server-template slots stopped following the web group in
// the morning; the evening scale-in removes the oldest hosts, the only ones
// the slots know, and adding capacity does not help. A rolling reload of
// the edges re-resolves the slots.
func staleSlots() Scenario {
	start := time.Date(2026, time.May, 12, 18, 40, 0, 0, time.UTC)
	return Scenario{
		Name:  "stale-slots",
		Title: "Evening 503s: HAProxy slots stale since the morning",
		Description: "The slot sync has failed since morning; the scheduled scale-in removes the hosts " +
			"the edges still route to, and new capacity gets no slot (incidents.md §2). " +
			"edge-3, short of ephemeral ports, fails a share of its requests by itself: the odd one out.",
		Start:   start,
		Channel: "#inc-evening-503s",
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
		// edge-3 has been short of ephemeral ports since the afternoon:
		// a few 503s of its own, which only its restart clears.
		FailingEdge:  "edge-3",
		FailingShare: 0.08,
		Schedule: []Scheduled{
			{At: 45, Group: "web", Desired: 14, Cause: "scheduled action evening-scale-in"},
			{At: 150, Group: "web", Desired: 10, Cause: "scheduled action evening-scale-in (step 2)"},
		},
		Alerts: webAlerts(),
		Chat: []ChatLine{
			{Trigger: AtSecond, At: 15, User: "dave (web)", Text: "Evening scale-in starts in a minute, as every day."},
			{Trigger: AfterAlert, Ref: "PD-5XX", At: 20, User: "erin (sre)", Text: "503s on every edge. The web fleet looks healthy in AWS."},
			{Trigger: AfterAlert, Ref: "PD-5XX", At: 50, User: "frank (ic)", Text: "I'm IC. Let's add web capacity first."},
			{Trigger: AfterScaleUp, At: 150, User: "erin (sre)", Text: "New web hosts are in service but the edges send them nothing."},
			{Trigger: AfterAlert, Ref: "PD-5XX", At: 140, User: "erin (sre)", Text: "The edges' slots still point at hosts the scale-in terminated. The slot sync has been failing since 09:12: no free slot, so it exits before freeing dead ones."},
			{Trigger: AfterReload, At: 10, User: "frank (ic)", Text: "A reload re-resolved that edge's slots. Roll it through every edge, one at a time."},
			{Trigger: AfterRecovery, At: 5, User: "frank (ic)", Text: "5xx back under 1%. Follow-up: the sync's alert never fired."},
		},
	}
}
