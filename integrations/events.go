package integrations

import (
	"context"
	"time"
)

// Event is what a source publishes. Snapshots carry a source's complete
// current view and replace the previous one; Records are discrete
// happenings that belong on the timeline. Events are immutable once
// published: a publisher never modifies a slice it has handed over.
type Event interface{ event() }

// AlertsSnapshot is a source's complete list of open and recent alerts.
type AlertsSnapshot struct {
	Source string
	Alerts []Alert
}

// FleetSnapshot is a source's complete list of Auto Scaling groups.
type FleetSnapshot struct {
	Source string
	Groups []Group
}

// BackendsSnapshot is a source's complete list of HAProxy servers and the
// throttles in force on each HAProxy instance.
type BackendsSnapshot struct {
	Source   string
	Backends []Backend
	// Processes holds each HAProxy instance's master/worker info, by
	// instance name, for the instances whose master CLI answered.
	Processes map[string]ProcessInfo
	// Throttles lists the throttled tiers of every instance (0% omitted).
	Throttles []Throttle
	// Proxies holds each instance's frontend and backend aggregate rows,
	// in instance order, for sources that measure them.
	Proxies []Proxy
}

// Throttle is the share of one traffic tier an HAProxy instance rejects.
type Throttle struct {
	Instance string
	Tier     string
	Percent  int
}

// ChatPosted carries new chat messages, oldest first.
type ChatPosted struct {
	Source   string
	Messages []Message
}

// StatusChanged reports a source's health; published on every poll so the
// freshness badge can show the age of the last success.
type StatusChanged struct {
	Status SourceStatus
}

// Record is a happening for the timeline: an alert that fired, a chat line,
// a fleet change, a runbook step, a note. Occurred is the source's own time.
// It is the one record vocabulary of the program: the timeline's Entry is a
// Record plus its place in the chain.
type Record struct {
	ID       string // set by the store when it is persisted
	Occurred time.Time
	Source   string
	Kind     string // one of the constants of kinds.go
	// Fields carry structured detail. Shared keys: "alert" (the alert's
	// id, on every alert.* record), "ts" (a chat message's id),
	// "instance", "group".
	Actor  string
	Text   string
	Fields map[string]string
	Links  []string

	// An amendment (Kind KindAmend) changes how the earlier record Target
	// reads, as Op (one of the Op constants) says; To is the corrected
	// time of an OpTime amendment. The record amended is never rewritten:
	// the amendment is appended after it.
	Target string
	Op     string
	To     time.Time
}

// IsAmendment reports whether r changes how an earlier record reads.
func (r Record) IsAmendment() bool { return r.Kind == KindAmend }

// Amend returns an amendment of the record with ID target; fill in Text
// (OpText) or To (OpTime), Source and Actor before recording it.
func Amend(target, op string) Record {
	return Record{Kind: KindAmend, Target: target, Op: op}
}

func (AlertsSnapshot) event()   {}
func (FleetSnapshot) event()    {}
func (BackendsSnapshot) event() {}
func (ChatPosted) event()       {}
func (StatusChanged) event()    {}
func (Record) event()           {}

// Publisher accepts events from sources. Publish must not block for long;
// the pump coalesces bursts.
type Publisher interface {
	Publish(Event)
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(Event)

// Publish calls f(e).
func (f PublisherFunc) Publish(e Event) { f(e) }

// Source is one data source (an adapter or the drill world). Run blocks,
// publishing events, until ctx is cancelled.
type Source interface {
	Name() string
	Run(ctx context.Context, pub Publisher) error
}
