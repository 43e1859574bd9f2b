package drill

import (
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
	// Meltdown, when set, is the share of its capacity a web instance
	// still serves once offered over 120% of it: workers forked past
	// memory, the OOM killer taking masters, processes restarting cold.
	Meltdown float64
	// LaunchSeconds is the range new instances take to come into service.
	LaunchSeconds [2]int
	Groups        []GroupSpec
	WebGroup      string // the group that serves the traffic
	Edges         []string
	// Front, when set, names a front HAProxy instance that spreads traffic
	// over the edges (each a server of its backend "edges"): a rolling
	// reload drains each edge there first.
	Front  string
	Alerts []AlertRule
	Chat   []ChatLine
	// Existing alerts and activities that were there before the drill began.
	OpenAlerts []integrations.Alert
	// Slots, when set, gives each edge that many server-template slots,
	// filled once at the start and re-resolved only by a reload: the slot
	// sync is broken. Zero: the edges follow the group.
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
	// Optional names the optional features the edges can shed, each with
	// the share of traffic it carries.
	Optional map[string]float64
	// Models builds the scenario's systems beyond the web tier, fresh for
	// each world.
	Models func() []Model
	// Horizon is how long the drill runs at most (6 h or less).
	Horizon time.Duration
	// Reference is the real incident's recovery as a plan, and
	// ReferenceTTM how long the real incident took to mitigate.
	Reference    []PlanStep
	ReferenceTTM time.Duration
	// Healthy, when set, is what must also hold for the world to count as
	// mitigated, beyond an error rate under 1% and no alert open.
	Healthy func(Signal) bool
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
	IDs               []string // ids of the first instances, so a plan can name them
	Activities        []integrations.ScalingActivity
}

// Signal is what an alert rule, a chat line and the scorecard watch.
type Signal struct {
	ErrorRate   float64 // fraction of requests failing
	Utilisation float64 // offered load ÷ capacity, after throttling
	// Offered is this second's demand; Failed the requests that failed and
	// TurnedAway those throttled or shed on purpose.
	Offered, Failed, TurnedAway float64
	// Gauges are the models' own figures, by name (see Gauge).
	Gauges map[string]float64
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

// ChatLine is one scripted message, said At seconds after its trigger:
// the start (After ""), an alert's first firing (After "alert:PD-5XX") or
// a milestone a model reached (After "scale-up"). A line whose trigger came
// before the recovery but whose time comes after is not said; nor is one
// whose If milestone was not reached by then (the chat never assumes an
// action nobody took).
type ChatLine struct {
	After string
	If    string
	At    int
	User  string
	Text  string
}

// Scenarios lists the built-in scenarios.
func Scenarios() []Scenario {
	return []Scenario{mondaySurge(), staleSlots(), repairOverload(), diskFull(), holidayDB()}
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
