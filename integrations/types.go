// Package integrations holds the domain types every source shares, the
// events sources publish, the interfaces actions are sent through, and the
// event pump that fans events out to the timeline and the screen.
//
// It imports no other package of the project: adapters (pagerduty, slack,
// aws, haproxy, drill) depend on it, never the other way round.
package integrations

import (
	"strings"
	"time"
)

// Severity of an alert, most severe first.
type Severity string

const (
	SeverityCritical Severity = "critical"
	SeverityError    Severity = "error"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Rank orders severities: lower is more severe. Unknown severities sort last.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 0
	case SeverityError:
		return 1
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 3
	}
	return 4
}

// AlertStatus is where an alert is in its life.
type AlertStatus string

const (
	AlertTriggered    AlertStatus = "triggered"
	AlertAcknowledged AlertStatus = "acknowledged"
	AlertResolved     AlertStatus = "resolved"
)

// Alert is one paging alert (a PagerDuty incident, or a drill alert).
type Alert struct {
	Source    string // the source that reported it (the pump sets it from the snapshot)
	ID        string
	Service   string
	Severity  Severity
	Status    AlertStatus
	Title     string
	Body      string
	CreatedAt time.Time // when the alert fired at its source
	UpdatedAt time.Time // last status change at its source
	Link      string
}

// ActivityStatus is the outcome of a scaling activity.
type ActivityStatus string

const (
	ActivityInProgress ActivityStatus = "InProgress"
	ActivitySuccessful ActivityStatus = "Successful"
	ActivityFailed     ActivityStatus = "Failed"
	ActivityCancelled  ActivityStatus = "Cancelled"
)

// ScalingActivity is one launch or termination attempt of a group.
type ScalingActivity struct {
	ID          string
	Description string
	Cause       string
	Status      ActivityStatus
	Message     string // why it ended as it did (see Reason)
	Start       time.Time
	End         time.Time // zero while in progress
}

// Reason is why the activity ended as it did: its message, or when that is
// empty (as it often is for a failed launch) its description, or its cause.
func (a ScalingActivity) Reason() string {
	for _, s := range []string{a.Message, a.Description, a.Cause} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// Group is an Auto Scaling group.
type Group struct {
	Source      string // the source that reported it (the pump sets it from the snapshot)
	Name        string
	Desired     int
	Min         int
	Max         int
	InService   int
	Pending     int
	Terminating int
	Instances   []Instance
	Activities  []ScalingActivity // newest first
	// DesiredSince is when Desired last changed, so the screen can warn
	// when the group has been short of it for too long.
	DesiredSince time.Time
}

// Lifecycle states of an instance within its group.
const (
	LifecyclePending     = "Pending"
	LifecycleInService   = "InService"
	LifecycleTerminating = "Terminating"
)

// Instance is one EC2 instance.
type Instance struct {
	ID         string
	Group      string
	Zone       string
	Lifecycle  string // Pending, InService, Terminating, ...
	Health     string // Healthy, Unhealthy
	State      string // EC2 state: pending, running, stopping, terminated, ...
	PrivateIP  string
	LaunchedAt time.Time
}

// ServerState is the state of one HAProxy server as the screen shows it.
type ServerState string

const (
	ServerUp    ServerState = "UP"
	ServerDown  ServerState = "DOWN"
	ServerDrain ServerState = "DRAIN"
	ServerMaint ServerState = "MAINT"
)

// Backend is one server line of one HAProxy backend on one HAProxy instance.
type Backend struct {
	Source   string // the source that reported it (the pump sets it from the snapshot)
	Instance string // the HAProxy process (for example edge-1)
	Backend  string
	Server   string
	Address  string
	Port     int
	State    ServerState
	Weight   int
	Sessions int
	Total5xx uint64  // cumulative 5xx responses, as HAProxy counts them
	Rate5xx  float64 // 5xx per second since the previous sample
	// SessionLimit is the server's session limit (0: none); Queue the
	// requests waiting for it.
	SessionLimit int
	Queue        int
	// Counters are this server's own cumulative counters; Rates what
	// happened to it in the last measured window (see Rates.Measured).
	Counters Counters
	Rates    Rates
	// OddOneOut says why this server stands out from the other servers
	// of its backend on the same instance ("" when it does not).
	OddOneOut string
}

// Target names the server in samples and records: instance/backend/server.
func (b Backend) Target() string { return b.Instance + "/" + b.Backend + "/" + b.Server }

// ProxyKind says whether a Proxy row is a frontend or a backend.
type ProxyKind string

const (
	ProxyFrontend ProxyKind = "frontend"
	ProxyBackend  ProxyKind = "backend"
)

// Proxy is the aggregate row of one frontend or backend on one HAProxy
// instance, as the process counts it (not a sum of its servers: a 503
// with no server to send to is counted on the backend alone, a throttled
// request on the frontend alone).
type Proxy struct {
	Instance     string
	Name         string
	Kind         ProxyKind
	Status       string // as HAProxy reports it: OPEN, UP, DOWN
	Sessions     int
	SessionLimit int
	Queue        int
	Counters     Counters
	Rates        Rates
	// OddOneOut says why this instance's proxy stands out from the proxy
	// of the same kind and name on the other instances ("" when it does not).
	OddOneOut string
}

// Target names the proxy in samples and records: instance/backend for a
// backend, instance/fe:NAME for a frontend.
func (p Proxy) Target() string {
	if p.Kind == ProxyFrontend {
		return p.Instance + "/fe:" + p.Name
	}
	return p.Instance + "/" + p.Name
}

// Message is one chat line in the incident channel.
type Message struct {
	Source   string // the source that reported it (the pump sets it from the event)
	ID       string // the chat service's id (Slack's ts)
	Channel  string
	User     string // display name, resolved
	Text     string
	ThreadID string // parent message id for thread replies
	At       time.Time
}

// SourceState is how trustworthy a source's data is right now.
type SourceState string

const (
	SourceOK       SourceState = "ok"
	SourceDegraded SourceState = "degraded" // repeated failures, data still within budget
	SourceStale    SourceState = "stale"    // last success older than the budget
	SourceDown     SourceState = "down"     // never succeeded, or stopped
)

// SourceStatus is the health of one data source.
type SourceStatus struct {
	Source      string
	State       SourceState
	LastSuccess time.Time
	LastAttempt time.Time
	LastError   string // readable, never carries a secret
	Failures    int    // consecutive
	Budget      time.Duration
}

// Age is how old the source's data is at now.
func (s SourceStatus) Age(now time.Time) time.Duration {
	if s.LastSuccess.IsZero() {
		return 0
	}
	return max(0, now.Sub(s.LastSuccess))
}
