package integrations

// Feed names the part of the screen a source's data fills. A pane's
// staleness mark reads the status of every source feeding it, so a
// source declares its feeds once, here, and the screen is told.
type Feed string

const (
	FeedAlerts Feed = "alerts" // AlertsSnapshot
	FeedFleet  Feed = "fleet"  // FleetSnapshot and BackendsSnapshot
	FeedChat   Feed = "chat"   // ChatPosted
)

// Capability is one kind of change a source can be asked to make, looked
// up per source: with two alert sources, acknowledging an alert reaches
// the alert's own source.
type Capability string

const (
	CanAcknowledge   Capability = "acknowledge"      // AlertActor.Acknowledge
	CanResolve       Capability = "resolve"          // AlertActor.Resolve
	CanNote          Capability = "note"             // AlertActor.AddNote
	CanReadAlert     Capability = "read-alert"       // AlertActor.ReadAlert: a timed-out change is settled by reading back
	CanPost          Capability = "post"             // ChatPoster
	CanReadChat      Capability = "read-chat"        // ChatReader: a timed-out post is settled by reading back
	CanScale         Capability = "scale"            // Scaler
	CanRunCommands   Capability = "commands"         // CommandRunner
	CanBoundCommands Capability = "bounded-commands" // BoundedCommandRunner: host by host, stop at the first failure
	CanBalance       Capability = "balance"          // LoadBalancer
	CanCheckConfig   Capability = "check-config"     // ConfigChecker: a roll checks configurations first
	CanMeterTiers    Capability = "meter-tiers"      // TierMeter: a roll verifies each batch
	CanShed          Capability = "shed"             // LoadShedder
	CanShedStatus    Capability = "shed-status"      // ShedStatuser: a shed plan names the status answered
	CanReplicas      Capability = "replicas"         // ReplicaPool
)

// Source names of the adapters warroom ships (the drill world publishes
// under the same names, so its panes and replay behave as live ones do).
const (
	SourcePagerDuty = "pagerduty"
	SourceSlack     = "slack"
	SourceAWS       = "aws"
	SourceHAProxy   = "haproxy"
	SourceProxySQL  = "proxysql"
	SourceDrill     = "drill"
)

// ReplayKey says what an observation record is about (its subject) and
// what it says of it, so that a restarted source, which reports again
// everything it reported before, is not recorded twice; ok is false for a
// record that is no observation of the world and never a replay.
type ReplayKey func(r Record) (subject, value string, ok bool)

// SourceInfo is what a source declares about itself, once, next to its
// code: its name, the panes it feeds, how its records replay, and the
// changes it can make.
type SourceInfo struct {
	Name  string
	Feeds []Feed
	// Replay keys its observations; nil means StandardReplay, which knows
	// every kind declared in kinds.go.
	Replay ReplayKey
	// Acts is what the source can be asked to do; nil members are
	// capabilities it lacks.
	Acts Actions
}

// Described is a Source that declares itself. The application reads the
// declaration when it opens; a source that is not Described feeds no pane
// and can do nothing.
type Described interface {
	Source
	Info() SourceInfo
}

// Has reports whether a holds capability c: whether its slot is filled.
func (a Actions) Has(c Capability) bool {
	switch c {
	case CanAcknowledge, CanResolve, CanNote:
		return a.Alerts != nil
	case CanReadAlert:
		return a.Alerts != nil // ReadAlert is part of AlertActor
	case CanPost:
		return a.Chat != nil
	case CanReadChat:
		return a.ChatReader != nil
	case CanScale:
		return a.Scaler != nil
	case CanRunCommands:
		return a.Commands != nil
	case CanBoundCommands:
		return a.BoundedCommands != nil
	case CanBalance:
		return a.LoadBalancer != nil
	case CanCheckConfig:
		return a.ConfigChecks != nil
	case CanMeterTiers:
		return a.TierMeter != nil
	case CanShed:
		return a.Shedder != nil
	case CanShedStatus:
		return a.ShedStatus != nil
	case CanReplicas:
		return a.Replicas != nil
	}
	return false
}

// Impersonator is a Source that publishes under several names (the drill
// world, which stands in for every adapter): it declares each of them.
type Impersonator interface {
	Source
	Infos() []SourceInfo
}
