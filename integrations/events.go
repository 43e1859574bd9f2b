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
type Record struct {
	ID       string // set by the store when it is persisted
	Occurred time.Time
	Source   string
	Kind     string // alert.triggered, chat.message, fleet.change, source.status, drift, runbook.step, note, ...
	// Fields carry structured detail. Shared keys: "alert" (the alert's
	// id, on every alert.* record), "ts" (a chat message's id),
	// "instance", "group".
	Actor  string
	Text   string
	Fields map[string]string
	Links  []string
	// Amends is set on a record that changes how an earlier one reads
	// (Kind "amend"): the record is never rewritten, the amendment is
	// appended after it.
	Amends *Amendment
}

// Amendment says which record an amend record changes, and how: Op is
// text, time, hide, unhide, star, unstar or erase; To is the corrected
// time for a time amendment.
type Amendment struct {
	Target string
	Op     string
	To     time.Time
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
