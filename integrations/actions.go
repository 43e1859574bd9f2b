package integrations

import (
	"context"
	"time"
)

// The interfaces below are how runbooks and the screen change the world.
// Each is implemented by a real adapter and by the drill world, so a
// runbook runs the same way against both. Every method honours ctx
// (deadline and cancellation) and returns errors that never carry secrets.

// Scaler changes and reads Auto Scaling groups.
type Scaler interface {
	SetDesiredCapacity(ctx context.Context, group string, desired int) error
	DescribeGroup(ctx context.Context, group string) (Group, error)
}

// CommandResult is the outcome of a command on one host.
type CommandResult struct {
	Target   string // instance id
	Status   string // Success, Failed, TimedOut, Cancelled
	ExitCode int
	Output   string // bounded by the caller's limit
}

// CommandRunner runs a command on hosts (SSM SendCommand, or the drill).
// The command is passed as one string to the host's shell by the service;
// runbook parameters are substituted as data before it gets here.
type CommandRunner interface {
	RunCommand(ctx context.Context, targets []string, command string, maxOutput int) ([]CommandResult, error)
}

// ProcessInfo describes an HAProxy master's workers, as `show proc` reports.
type ProcessInfo struct {
	Reloads       int
	FailedReloads int
	CurrentPID    int
	OldWorkers    int
}

// LoadBalancer is one fleet of HAProxy instances reached through their
// Runtime API and master CLI.
type LoadBalancer interface {
	// Instances names the configured HAProxy instances, in rolling order.
	Instances() []string
	// Throttling names the instances that carry the tiered throttle (a
	// throttle map): a throttle applies there and nowhere else, so a
	// front and its edges never both reject the same tier.
	Throttling() []string
	Servers(ctx context.Context, instance string) ([]Backend, error)
	SetServerState(ctx context.Context, instance, backend, server string, state ServerState) error
	// Throttle reads and sets the percentage of a traffic tier rejected by
	// an instance; other tiers are untouched. The setting must survive a
	// reload (written to the map file as well as the running map).
	Throttles(ctx context.Context, instance string) (map[string]int, error)
	SetThrottle(ctx context.Context, instance, tier string, percent int) error
	// Reload checks the configuration, then reloads through the master
	// CLI, carrying server states and throttles across; it returns once a
	// new worker serves or ctx ends.
	Reload(ctx context.Context, instance string) (ProcessInfo, error)
	Process(ctx context.Context, instance string) (ProcessInfo, error)
	// Upstream names the server on a front HAProxy instance that sends
	// traffic to instance, so a rolling reload can drain it first; ok is
	// false when no upstream is configured.
	Upstream(instance string) (ref UpstreamRef, ok bool)
}

// ConfigChecker looks at a LoadBalancer's instances beyond the Runtime
// API: which can be reloaded, and what their configuration files say. A
// rolling reload checks these before it changes anything.
type ConfigChecker interface {
	// Reloadable names, in rolling order, the instances with a master CLI.
	Reloadable() []string
	// CheckConfig reads and validates one instance's configuration and
	// checks the names it is configured with; it changes nothing.
	CheckConfig(ctx context.Context, instance string) []Finding
}

// TierMeter measures what a LoadBalancer's tier answered over a window
// from now: a rolling reload compares a tier's error ratio after
// each batch with its ratio before the run. A tier is one backend of an
// instance (the front backend sending traffic to the instances rolled), or
// every watched backend of the instance when backend is "".
type TierMeter interface {
	// TierRates reads the tier's counters now and again once window has
	// passed, and returns the delta: the zero Rates (not measured) when
	// the counters restarted in between (the instance was reloaded).
	TierRates(ctx context.Context, instance, backend string, window time.Duration) (Rates, error)
}

// Finding is one result of a check made before anything changes.
type Finding struct {
	Level FindingLevel
	Text  string
}

// FindingLevel says what a Finding means for a change: fine, a risk to
// name before going ahead, or a reason to refuse.
type FindingLevel int

const (
	FindingOK FindingLevel = iota
	FindingWarn
	FindingFail
)

// UpstreamRef points at one server line on a front HAProxy instance.
type UpstreamRef struct {
	Instance string
	Backend  string
	Server   string
}

// ChatPoster posts to the incident channel.
type ChatPoster interface {
	Post(ctx context.Context, text, threadID string) (Message, error)
}

// ChatReader reads a ChatPoster's channel back: a post whose answer never
// came (a timed-out call may still have landed) is settled by looking.
type ChatReader interface {
	// FindPosted looks for a message with exactly text, posted by this
	// poster at or after since; found is false when the channel holds
	// none, and err says the channel could not be read (outcome unknown).
	FindPosted(ctx context.Context, text string, since time.Time) (m Message, found bool, err error)
}

// AlertActor acknowledges, resolves and annotates alerts.
type AlertActor interface {
	Acknowledge(ctx context.Context, alertID string) error
	Resolve(ctx context.Context, alertID string) error
	AddNote(ctx context.Context, alertID, note string) error
	// ReadAlert reads one alert back as its source holds it now, resolved
	// included: a change whose answer never came (a timed-out call may
	// still have landed) is settled by looking.
	ReadAlert(ctx context.Context, alertID string) (Alert, error)
}

// CommandOptions bound how far a host command reaches at once: the
// service runs it on at most MaxConcurrency hosts at a time and stops
// sending it once MaxErrors hosts have failed (SSM's MaxConcurrency and
// MaxErrors). Zero values mean one host at a time and stop at the first
// error: a command never hits the whole fleet at once unless asked.
type CommandOptions struct {
	MaxConcurrency int
	MaxErrors      int
	MaxOutput      int // bytes of output kept per host
}

// BoundedCommandRunner runs a CommandRunner's commands within
// CommandOptions.
type BoundedCommandRunner interface {
	RunCommandBounded(ctx context.Context, targets []string, command string, opts CommandOptions) ([]CommandResult, error)
}

// LoadShedder answers a configured status (503 by default) for optional
// paths or features at the load balancer: the feature toggle that sheds
// optional load while the core keeps working. The toggle lives in a map
// changed through the Runtime API and written to the map file, so it
// survives reloads.
type LoadShedder interface {
	// Sheddable names the optional features an instance can shed.
	Sheddable(instance string) []string
	// Shedding reads which features an instance sheds now.
	Shedding(ctx context.Context, instance string) (map[string]bool, error)
	SetShedding(ctx context.Context, instance, feature string, shed bool) error
}

// ShedStatuser says which status a LoadShedder's rule answers a shed
// feature with on an instance, so a plan can name it.
type ShedStatuser interface {
	ShedStatus(instance string) int
}

// ReplicaStatus is a database replica's place in rotation, in ProxySQL's
// words.
type ReplicaStatus string

const (
	ReplicaOnline      ReplicaStatus = "ONLINE"
	ReplicaOfflineSoft ReplicaStatus = "OFFLINE_SOFT" // finishes its queries, takes no new ones
	ReplicaOfflineHard ReplicaStatus = "OFFLINE_HARD"
	ReplicaShunned     ReplicaStatus = "SHUNNED"
)

// Replica is one database server behind a proxy layer.
type Replica struct {
	Hostgroup   int
	Host        string
	Port        int
	Status      ReplicaStatus
	Weight      int
	Connections int // connections in use, where the proxy reports them
}

// ReplicaPool takes database replicas out of rotation and back through the
// proxy layer in front of them (ProxySQL's admin interface, or the drill).
// SetReplicaStatus returns once the proxy's runtime shows the new status.
type ReplicaPool interface {
	Replicas(ctx context.Context) ([]Replica, error)
	SetReplicaStatus(ctx context.Context, host string, port int, status ReplicaStatus) error
}

// Actions bundles what a runbook may act through, one slot per
// capability. A source fills the slots it offers in its declaration
// (SourceInfo.Acts); a nil slot means the capability is not there, and
// actions that need it fail with a clear error before anything is sent,
// or their plan says what cannot be checked. The optional slots extend
// the one named in their comment and come from the same source: they are
// never found by asserting on another slot's value.
type Actions struct {
	Scaler          Scaler
	Commands        CommandRunner
	BoundedCommands BoundedCommandRunner // Commands, within CommandOptions
	LoadBalancer    LoadBalancer
	ConfigChecks    ConfigChecker // LoadBalancer's reloadable instances and configuration
	TierMeter       TierMeter     // LoadBalancer's tiers' error ratios
	Chat            ChatPoster
	ChatReader      ChatReader // Chat's channel, read back
	Alerts          AlertActor
	Shedder         LoadShedder
	ShedStatus      ShedStatuser // what Shedder's rule answers
	Replicas        ReplicaPool
}

// Or fills each slot a lacks from b, an optional slot together with the
// one it extends, so that a load balancer's configuration checks are
// never another load balancer's.
func (a Actions) Or(b Actions) Actions {
	if a.Scaler == nil {
		a.Scaler = b.Scaler
	}
	if a.Commands == nil {
		a.Commands, a.BoundedCommands = b.Commands, b.BoundedCommands
	}
	if a.LoadBalancer == nil {
		a.LoadBalancer, a.ConfigChecks, a.TierMeter = b.LoadBalancer, b.ConfigChecks, b.TierMeter
	}
	if a.Chat == nil {
		a.Chat, a.ChatReader = b.Chat, b.ChatReader
	}
	if a.Alerts == nil {
		a.Alerts = b.Alerts
	}
	if a.Shedder == nil {
		a.Shedder, a.ShedStatus = b.Shedder, b.ShedStatus
	}
	if a.Replicas == nil {
		a.Replicas = b.Replicas
	}
	return a
}
