package runbooks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// DefaultApprovalTimeout bounds the wait for another responder's answer.
const DefaultApprovalTimeout = 10 * time.Minute

// ApprovalPolicy is the configured side of the two-person rule. A runbook
// marked `approval: required` always needs another responder's approval;
// the policy can extend that to every dangerous runbook, and can let a
// responder working alone approve their own run.
type ApprovalPolicy struct {
	// Dangerous extends the rule to every runbook marked dangerous.
	Dangerous bool
	// SelfAllowedBy names the configuration key that lets the requester
	// approve their own run ("team.self_approval"); empty: never.
	SelfAllowedBy string
}

// ApprovalRequest is what an approver is shown: the run, who asked, the
// plan and its checks.
type ApprovalRequest struct {
	RunID     string    `json:"run_id"`
	Runbook   string    `json:"runbook"`
	Params    string    `json:"params"`
	Requester string    `json:"requester"`
	Plan      string    `json:"plan"`   // Plan.String(): steps, lines, checks
	Checks    string    `json:"checks"` // one check a line, with its mark
	Targets   []string  `json:"targets"`
	Requested time.Time `json:"requested"`
	Expires   time.Time `json:"expires"`
	// SelfAllowedBy is set when the requester may approve it too, naming
	// the configuration that allows it.
	SelfAllowedBy string `json:"self_allowed_by,omitempty"`
}

// ApprovalAnswer is an approver's decision.
type ApprovalAnswer struct {
	Approved bool      `json:"approved"`
	By       string    `json:"by"`
	Why      string    `json:"why,omitempty"`
	At       time.Time `json:"at"`
	Self     bool      `json:"self,omitempty"` // the requester approved it, as the configuration allows
}

// Approver hands a run's request to the other responders and waits for
// the first valid answer. It returns when one comes, or with ctx's error
// when ctx ends (the approval timeout, or an abort). It must never count
// an answer from the requester unless the request says self-approval is
// allowed.
type Approver interface {
	Approve(ctx context.Context, req ApprovalRequest) (ApprovalAnswer, error)
}

// ErrNoApprover refuses a run that needs another responder's approval
// when there is no team to ask.
var ErrNoApprover = errors.New("this runbook needs another responder's approval: run it with --team (or configure team.self_approval to approve your own runs)")

// approvalNote is the plan's line about the two-person rule.
func (p *Plan) approvalNote() string {
	if !p.NeedsApproval {
		return ""
	}
	note := "approval: another responder must approve this run (warroom runbook approve RUN)"
	if p.SelfApprovalBy != "" {
		note += "; self-approval allowed by " + p.SelfApprovalBy
	}
	return note
}

// approve waits, after the confirmation and before any lock or step, for
// the approval the plan needs. A refusal, a timeout or an abort ends the
// run with nothing changed.
func (x *executor) approve(parent context.Context) (RunStatus, error) {
	p := x.plan
	if !p.NeedsApproval || !p.Mutates || x.opts.DryRun {
		return "", nil
	}
	timeout := x.opts.ApprovalTimeout
	if timeout <= 0 {
		timeout = DefaultApprovalTimeout
	}
	now := time.Now()
	req := ApprovalRequest{
		RunID: x.report.RunID, Runbook: p.Runbook.Name, Params: p.Params.String(), Requester: x.requester(),
		Plan: p.String(), Checks: checksText(p.Checks()), Targets: p.Targets,
		Requested: now.UTC(), Expires: now.Add(timeout).UTC(), SelfAllowedBy: p.SelfApprovalBy,
	}
	fields := map[string]string{"requester": req.Requester, "targets": strings.Join(p.Targets, ","), "timeout": timeout.String()}
	if req.SelfAllowedBy != "" {
		fields["self_allowed_by"] = req.SelfAllowedBy
	}
	x.record(integrations.KindRunbookApprovalRequested, fmt.Sprintf("approval of run %s requested by %s", req.RunID, req.Requester), fields)
	var ans ApprovalAnswer
	var err error
	switch {
	case x.opts.Approver != nil:
		ctx, cancel := context.WithTimeout(parent, timeout)
		ans, err = x.opts.Approver.Approve(ctx, req)
		cancel()
	case req.SelfAllowedBy != "":
		ans = ApprovalAnswer{Approved: true, By: req.Requester, At: time.Now().UTC(), Self: true}
	default:
		err = ErrNoApprover
	}
	switch {
	case err != nil && parent.Err() != nil:
		return RunAborted, abortError(parent)
	case errors.Is(err, context.DeadlineExceeded):
		x.record(integrations.KindRunbookApprovalTimeout, fmt.Sprintf("no approval of run %s within %s: nothing was changed", req.RunID, timeout), map[string]string{"timeout": timeout.String()})
		return RunRefused, fmt.Errorf("no other responder approved the run within %s", timeout)
	case err != nil:
		return RunRefused, fmt.Errorf("approval: %w", err)
	case ans.Self && req.SelfAllowedBy == "", ans.By == req.Requester && req.SelfAllowedBy == "":
		return RunRefused, fmt.Errorf("approval by the requester %s does not count: another responder must approve", ans.By)
	}
	answer := map[string]string{"by": ans.By}
	if ans.Why != "" {
		answer["why"] = ans.Why
	}
	if !ans.Approved {
		x.record(integrations.KindRunbookApprovalRefused, fmt.Sprintf("run %s refused by %s: %s — nothing was changed", req.RunID, ans.By, orNoReason(ans.Why)), answer)
		return RunRefused, fmt.Errorf("refused by %s: %s", ans.By, orNoReason(ans.Why))
	}
	text := fmt.Sprintf("run %s approved by %s", req.RunID, ans.By)
	if ans.Self {
		answer["self_allowed_by"] = req.SelfAllowedBy
		text = fmt.Sprintf("run %s approved by its requester %s, as %s allows", req.RunID, ans.By, req.SelfAllowedBy)
	}
	x.record(integrations.KindRunbookApproved, text, answer)
	return "", nil
}

func (x *executor) requester() string {
	if x.opts.Holder != "" {
		return x.opts.Holder
	}
	if x.opts.Actor != "" {
		return x.opts.Actor
	}
	return whoAmI()
}

func orNoReason(why string) string {
	if why == "" {
		return "no reason given"
	}
	return why
}
