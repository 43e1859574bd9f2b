package integrations

// Record kinds, declared once for the whole program: the timeline, the
// runbook executor, the ledger, the exports, the drill, the adapters and
// both front ends name a record's kind with these constants only.
const (
	// Alerts, as their source reports them (fields: alert, ...).
	KindAlertTriggered    = "alert.triggered"
	KindAlertAcknowledged = "alert.acknowledged"
	KindAlertResolved     = "alert.resolved"
	KindAlertEscalated    = "alert.escalated"
	KindAlertAssigned     = "alert.assigned"
	KindAlertNote         = "alert.note"
	KindAlertLog          = "alert.log"
	// KindAlertPrefix starts the kind of every alert record.
	KindAlertPrefix = "alert."

	KindChatMessage  = "chat.message" // fields: ts
	KindFleetChange  = "fleet.change" // fields: group, change, instance, activity, status, ...
	KindHostChange   = "host.change"
	KindSourceStatus = "source.status"

	// Derived in the pump from fresh snapshots and samples.
	KindDrift             = "drift"
	KindDriftCleared      = "drift.cleared"
	KindOddOne            = "oddone"
	KindOddOneCleared     = "oddone.cleared"
	KindEffect            = "effect"         // what an action did to the measured series (fields: of)
	KindActionChecked     = "action.checked" // a follow-up ticked off in the retrospective draft
	KindSessionOpened     = "session.opened"
	KindRunbookLoad       = "runbook.load"       // a runbook file that could not be loaded
	KindTimelineRecovered = "timeline.recovered" // the store truncated a torn last line
	KindStatusUpdate      = "status.update"      // a stakeholder update posted (package statusupdate)
	KindDrillScorecard    = "drill.scorecard"    // a drill's scorecard (package drillscore)

	// Typed by the responder.
	KindNote     = "note"
	KindDecision = "decision"
	// Explicit key times of the incident, recorded by the responder when
	// they are known (often after the fact, with Occurred set accordingly).
	KindIncidentStarted      = "incident.started"
	KindIncidentDetected     = "incident.detected"
	KindIncidentAcknowledged = "incident.acknowledged"
	KindIncidentMitigated    = "incident.mitigated"
	KindIncidentResolved     = "incident.resolved"
	KindIncidentPrefix       = "incident."

	// A runbook run, in the order it happens. The ledger of changes in
	// force reads them.
	KindRunbookRequested = "runbook.requested"
	KindRunbookPlan      = "runbook.plan"
	KindRunbookConfirmed = "runbook.confirmed"
	// The two-person rule, between the confirmation and the first step.
	KindRunbookApprovalRequested = "runbook.approval.requested"
	KindRunbookApproved          = "runbook.approved"
	KindRunbookApprovalRefused   = "runbook.approval.refused"
	KindRunbookApprovalTimeout   = "runbook.approval.timeout"
	KindRunbookStepStart         = "runbook.step.start"
	// The team's roles (the incident commander), as responders take,
	// hand over and give them up.
	KindRoleTaken           = "role.taken"
	KindRoleHandedOver      = "role.handed_over"
	KindRoleReleased        = "role.released"
	KindRunbookStepProgress = "runbook.step.progress"
	KindRunbookStepEnd      = "runbook.step.end"
	KindRunbookAbort        = "runbook.abort"
	KindRunbookFailed       = "runbook.failed"
	KindRunbookDone         = "runbook.done"
	// KindRunbookUnfinished reports a run that a crash or a dropped
	// connection left without an end; its fields name the run.
	KindRunbookUnfinished = "runbook.unfinished"
	// KindRunbookPrefix starts the kind of every runbook record.
	KindRunbookPrefix = "runbook."

	// KindAmend changes how an earlier record reads (see Record.Op).
	KindAmend = "amend"
)

// Fields of a runbook run's records: the executor writes them, the ledger,
// the exports and the drill score read them. They are the contract
// between the runbooks package and everything that folds its records.
const (
	FieldRun         = "run"     // the run's ID, on every record of the run
	FieldRunbook     = "runbook" // the runbook's name
	FieldParams      = "params"  // the parameters as name=value, sorted
	FieldParamPrefix = "param."  // FieldParamPrefix+NAME: one parameter's value
	FieldDryRun      = "dry_run" // "true" on a dry run's request
	FieldChecks      = "checks"  // the plan's checks
	FieldTargets     = "targets" // what the run locks, comma-separated
	FieldTyped       = "typed"   // the confirmation typed for a dangerous runbook
	FieldStep        = "step"    // the step's number, from 1
	FieldStepName    = "step_name"
	FieldAction      = "action"  // the step's action
	FieldMutates     = "mutates" // "true" for a step that changes something
	FieldTimeout     = "timeout"
	FieldPlan        = "plan"   // what the step was to do
	FieldResult      = "result" // done, failed, aborted, skipped, unfinished
	FieldDuration    = "duration"
	FieldOutput      = "output"
	FieldError       = "error"
	FieldStatus      = "status" // the run's end status
)

// Amendment operations (Record.Op of a KindAmend record).
const (
	OpText   = "text"   // the target now reads Text
	OpTime   = "time"   // the target now happened at To
	OpHide   = "hide"   // the target is hidden from views and exports (Text: why)
	OpUnhide = "unhide" // the target is shown again
	OpStar   = "star"   // the target is starred (Text: optional comment)
	OpUnstar = "unstar" // the star is removed
	// OpErase removes the target's text, fields and links from the file
	// and shows a placeholder in every view and export: for content that
	// slipped past redaction (Text: why).
	OpErase = "erase"
)

// Source names of the records warroom itself makes.
const (
	SourceWarroom = "warroom" // the session: opened, notes typed at the screen, its own troubles
	SourceRunbook = "runbook" // every record a runbook run emits
	SourceDrift   = "drift"   // slot drift found in the pump
	SourceOddOne  = "oddone"  // odd-one-out marks recorded by the pump
)
