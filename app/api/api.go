// Package api is the one narrow interface the front ends (the screen and
// the command line) use to talk to the application: record, plan a
// runbook, start and abort a run, act on an alert by its source, post to
// the incident channel, and ask what each source can do.
//
// It imports the domain types (integrations), the runbook plan types
// (runbooks) and the standard library only, never an adapter, a store or
// an SDK, so a front end that depends on it depends on none of them.
//
// Everything the application observes reaches a front end through one
// road: the pump's integrations.Batch, handed to the front end's Deliver
// function (program.Send for the screen). That covers the sources'
// snapshots and records, derived facts (drift, new critical alerts),
// runbook progress (Batch.Steps, Batch.RunsEnded) and what other
// processes appended to the timeline (Batch.Stored).
package api

import (
	"context"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

// App is the application as a front end sees it. Every method may block
// on a service or the disk: the screen calls them from commands, never
// from Update or View. Errors never carry secrets.
type App interface {
	// Info is what the session is about; it does not change once opened.
	Info() Info

	// Record makes r durable on the incident's timeline and returns it as
	// stored: redacted, with its ID. The record also reaches every front
	// end in a batch, as any other.
	Record(ctx context.Context, r integrations.Record) (integrations.Record, error)

	// Runbooks is the catalog the session loaded.
	Runbooks() RunbookInfo
	// Plan resolves params (name → text, as a form or the command line
	// gives them) and plans the runbook by reads only.
	Plan(ctx context.Context, rb *runbooks.Runbook, params map[string]string) (*runbooks.Plan, error)
	// Start runs a plan in the application and returns at once with the
	// run's ID; its step states and its end arrive in the batches
	// (Batch.Steps, Batch.RunsEnded, matched by RunID), its records on
	// the timeline. A run outlives the front end that started it only
	// until the session closes, which aborts it and waits for it to wind
	// down.
	Start(plan *runbooks.Plan, o StartOptions) (runID string, err error)
	// Abort stops a run: its running step gets its grace to wind down, no
	// further step starts. cause is recorded as why. Aborting a run that
	// has ended does nothing.
	Abort(runID string, cause error)

	// Can reports whether source can make change c; source "" asks
	// whether any source can (to show or hide a key).
	Can(source string, c integrations.Capability) bool
	// Acknowledge, Resolve and ReadAlert act on alert id at its own
	// source (Alert.Source). ReadAlert reads the alert back as its source
	// holds it now: a change whose answer never came is settled by it.
	Acknowledge(ctx context.Context, source, id string) error
	Resolve(ctx context.Context, source, id string) error
	ReadAlert(ctx context.Context, source, id string) (integrations.Alert, error)
	// Post writes to the incident channel; FindPosted looks for text
	// posted there at or after since (found false: none; err: the channel
	// could not be read, the outcome is unknown). FindPosted needs
	// CanReadChat.
	Post(ctx context.Context, text, threadID string) (integrations.Message, error)
	FindPosted(ctx context.Context, text string, since time.Time) (m integrations.Message, found bool, err error)

	// DraftStatus drafts a stakeholder status update from the timeline as
	// it stands at now (the incident's clock), from facts only, and names
	// where it would go. StatusDue says when the next update is due, by
	// the incident's severity and the last update posted. PostStatus posts
	// text (an edited draft) to every target, each post bounded and a
	// timed-out one read back where it can be, and records it
	// (status.update) where it landed or may have; err means nothing was
	// posted.
	DraftStatus(now time.Time) (StatusDraft, error)
	StatusDue(now time.Time) StatusReminder
	PostStatus(ctx context.Context, text string) (StatusPosted, error)

	// Redact scrubs secrets from text with the timeline's own redactor,
	// for anything shown that did not come through a batch.
	Redact(text string) string

	// Team is the team's war-room, when the incident is shared through a
	// team server; nil when the session is alone.
	Team() Team
}

// Team is what a front end does in the team's war-room. Its status
// (who is present, the commander, the connection) arrives in the
// batches (Batch.Team); these are the changes a responder makes.
type Team interface {
	// SetIdle says on the roster whether the responder is away from the
	// keyboard (idle) or back (active).
	SetIdle(ctx context.Context, idle bool) error
	// TakeCommand makes the responder the incident commander, if nobody
	// is; HandCommand passes the role, which the responder holds, to a
	// named responder. Both are recorded on the timeline and return the
	// record as stored, as Record does: a responder's own entries do not
	// come back in the batches. A record without an ID was only queued
	// (the team server not reached).
	TakeCommand(ctx context.Context) (integrations.Record, error)
	HandCommand(ctx context.Context, to string) (integrations.Record, error)
	// Pending lists the runs waiting for a responder's approval (the
	// two-person rule), oldest first, with their plans and checks.
	// Approve and Refuse answer one as this responder; the requester's
	// approval of its own run is refused.
	Pending(ctx context.Context) ([]runbooks.ApprovalRequest, error)
	Approve(ctx context.Context, runID string) error
	Refuse(ctx context.Context, runID, why string) error
	// Locks are the targets the team's runs hold now.
	Locks(ctx context.Context) ([]runbooks.Holder, error)
}

// Info says what a session watches. Panes maps each feed (a pane of the
// screen) to the sources that fill it, as the sources declared: a pane's
// staleness mark reads the status (Batch.Status) of exactly these.
type Info struct {
	Title         string
	IncidentStart time.Time
	Drill         bool
	Notice        string // one line under the header in a drill
	User          string // who is at the keyboard
	// Clock is the incident's clock: the drill's scenario time, or the
	// wall clock.
	Clock func() time.Time
	Panes map[integrations.Feed][]string
	// MainTarget is the frontend or backend the header's figure and the
	// chart measure; empty: the busiest backend.
	MainTarget string
	// History is the series measured before the session opened (after a
	// restart), in time order.
	History []integrations.Sample
	// Unfinished says what each run a crash or a dropped connection left
	// unfinished left behind, found on opening.
	Unfinished []string
}

// RunbookInfo is the loaded runbook catalog.
type RunbookInfo struct {
	Catalog *runbooks.Catalog
	Limits  runbooks.Limits
	// Skipped says which of the user's runbooks could not be loaded and
	// why.
	Skipped []string
}

// StartOptions say how a plan runs.
type StartOptions struct {
	// DryRun re-checks the preconditions and reports every step skipped.
	DryRun bool
	// Typed is what the user typed back to confirm a dangerous plan
	// (Plan.ConfirmText). Start is the confirmation: a front end calls it
	// only once the user has said yes.
	Typed string
	// Actor is who runs it, for the records; "" means the session's user.
	Actor string
}

// StatusDraft is a status update drafted to edit, and where it would go
// ("#inc-42", "pagerduty P1").
type StatusDraft struct {
	Text    string
	Targets []string
}

// StatusReminder says when the next status update is due: Next on the
// incident's clock (zero when nothing says the incident began), every
// Every for the incident's Severity; Done once it is resolved.
type StatusReminder struct {
	Next     time.Time
	Every    time.Duration
	Severity string
	Done     bool
}

// StatusPosted is how posting an update went: each target's outcome, and
// the update as recorded (zero when it landed nowhere).
type StatusPosted struct {
	Outcomes []StatusOutcome
	Record   integrations.Record
}

// StatusOutcome is how the post to one target went: Status is
// StatusLanded ("posted"), "failed", "not posted" (no answer, and reading
// back shows it did not land) or "unknown" (no answer, and no way to
// tell); Detail says why.
type StatusOutcome struct {
	Target, Status, Detail string
}

// StatusLanded is the Status of a post that landed.
const StatusLanded = "posted"
