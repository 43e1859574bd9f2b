// Package runbooks is how a responder acts during an incident: runbook
// files, their validation, planning by reads only, execution with
// guardrails, and the registry of actions they may use.
//
// # Format
//
// A runbook is a YAML file:
//
//	name: scale-up                      # lower-case letters, digits, dashes
//	description: Raise a group's desired capacity by hand.
//	dangerous: true                     # optional: the user types confirm back
//	confirm: ${group}                   # default: the runbook's name
//	approval: required                  # optional: another responder approves each run
//	timeout: 30m                        # whole run (default 30m)
//	params:
//	  - name: group
//	    type: string                    # int, string, enum, duration
//	    pattern: '^[a-z0-9-]+$'         # string only
//	  - name: desired
//	    type: int
//	    min: 1                          # int and duration
//	    max: 100
//	    default: 4                      # no default: required
//	preconditions:                      # read-only actions, checked first
//	  - action: aws.group_check
//	    args: {group: "${group}"}
//	steps:
//	  - name: scale
//	    action: aws.scale_group
//	    args:
//	      group: ${group}               # a whole reference keeps its type
//	      desired: ${desired}
//	    timeout: 15m                    # default: the action's
//	    mutates: true                   # default: the action's effect
//	    on_failure: halt                # or continue
//
// Parameters are substituted into the parsed YAML values, never into YAML
// text and never through a local shell; inside aws.ssm_command's command
// they are single-quoted so the host's shell sees one word of data.
// Parse reports every problem as Errors, each at file:line:column.
//
// # API
//
//	cat, err := runbooks.LoadCatalog(userDir)   // built-ins + user folder
//	rb, err := cat.Lookup("scale-up")           // or cat.List()
//	raw, err := runbooks.ParseParams([]string{"group=web", "desired=12"})
//	plan, err := runbooks.NewPlan(ctx, rb, raw, actions, limits)
//	plan.String(), plan.Lines(), plan.Checks(), plan.Err(),
//	plan.Mutates, plan.Dangerous, plan.ConfirmText
//	report, err := runbooks.Run(ctx, plan, actions, sink, runbooks.RunOptions{
//	        Confirmed: true, Typed: typed, StateDir: dir, Progress: fn})
//
// NewPlan and Run hold no UI state and block until done, so they belong in
// a tea.Cmd; cancelling Run's context aborts the run. Progress receives a
// StepState (status, start, elapsed, latest message) on every change, in
// order; for a live clock, show time.Since(Started) while it is running.
//
// # Guardrails
//
//   - Every run and step has a timeout; a cut step gets RunOptions.Grace to
//     wind down and is then abandoned, so a run never waits forever.
//   - Abort cancels the running step and starts no other.
//   - Limits (capacity per group, throttle percentage, batch size, output
//     size) are checked in the plan and again, on a fresh read, by each
//     action before it sends anything.
//   - A mutating run locks its targets (lock files under StateDir/locks,
//     with a lease renewed while it runs and expiring if its holder dies);
//     a second run on a target is refused with a *HeldError naming the
//     holder.
//   - A dry run reports every step skipped: Execute is never called.
//   - The two-person rule: a plan that NeedsApproval (`approval: required`,
//     or a dangerous runbook under Limits.Approval) waits after its
//     confirmation for RunOptions.Approver — another responder, never the
//     requester unless the configuration the plan names allows it. A
//     refusal, a timeout or an abort ends the run before any lock or step.
//
// # Records
//
// Every transition goes to the sink as an integrations.Record with Source
// "runbook" and Kind runbook.requested, runbook.plan, runbook.confirmed,
// runbook.approval.requested, runbook.approved, runbook.approval.refused,
// runbook.approval.timeout, runbook.step.start, runbook.step.progress, runbook.step.end,
// runbook.abort, runbook.failed or runbook.done. Fields carry run (id),
// runbook, params, step, action, duration, result and bounded output.
// Each change an action makes is recorded the moment it lands, as a
// runbook.step.progress record whose "change" field holds it (see
// timeline/ledger, which folds them into what is still in force); an
// abort or failure record says what the run changed and what stays.
//
// # Actions
//
// aws.group_check, aws.scale_group, aws.ssm_command, haproxy.server_state,
// haproxy.throttle, haproxy.rolling_reload, slack.post, pagerduty.note,
// http.check and wait; Registry lists them with their arguments. Each acts
// only through integrations.Actions, so a runbook runs the same against the
// real adapters and the drill world.
package runbooks
