package drill

import (
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Scenario is a scripted incident the drill world replays: its clock, its
// channel and cast, the alerts that watch it, and the systems it composes
// as models (Models), a web tier among them when it serves traffic.
type Scenario struct {
	Name        string
	Title       string
	Description string
	Start       time.Time // the scenario's own clock at its first second
	Channel     string
	Alerts      []AlertRule
	Chat        []ChatLine
	// Existing alerts that were open before the drill began.
	OpenAlerts []integrations.Alert
	// Models builds the scenario's systems, fresh for each world, in the
	// order they step: a Web when it serves traffic (first), then the
	// systems behind it.
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
	// StableFor is how long the world must stay mitigated for the drill
	// to end (DefaultStableFor when zero).
	StableFor time.Duration
}

// DefaultStableFor is how long a world must stay mitigated for its drill
// to end, unless its scenario says otherwise.
const DefaultStableFor = 10 * time.Minute

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
