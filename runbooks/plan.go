package runbooks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Plan is what a run will do, learned by reads only: each step's lines,
// every check (preconditions, configured bounds, capabilities), the
// targets a run locks, and what confirmation it needs. A Plan whose checks
// fail is still returned so it can be shown; Run refuses it.
type Plan struct {
	Runbook       *Runbook
	Params        Values
	Limits        Limits
	Preconditions []Check
	Steps         []PlannedStep
	// Mutates is true when any step changes something: the run needs
	// confirmation and takes the target locks.
	Mutates bool
	// Dangerous runbooks need ConfirmText typed back before they run.
	Dangerous   bool
	ConfirmText string
	// NeedsApproval is the two-person rule: another responder approves
	// the run after its plan (runbook `approval: required`, or a
	// dangerous one under ApprovalPolicy.Dangerous). SelfApprovalBy names
	// the configuration that lets the requester approve it themselves.
	NeedsApproval  bool
	SelfApprovalBy string
	// Targets are what a mutating run locks, sorted ("aws:web",
	// "haproxy:edge-1").
	Targets []string
	Made    time.Time
}

// PlannedStep is one step with its arguments bound.
type PlannedStep struct {
	Index   int // from 1
	Step    Step
	Args    Args
	Lines   []string
	Checks  []Check
	Targets []string
}

// NewPlan resolves raw parameters (name → text, as ParseParams or a form
// gives them) and plans every step by reads only. A parameter problem is
// an error; a failed precondition or bound is a failed Check in the Plan.
func NewPlan(ctx context.Context, rb *Runbook, params map[string]string, actions integrations.Actions, limits Limits) (*Plan, error) {
	vals, err := rb.Resolve(params)
	if err != nil {
		return nil, err
	}
	limits = limits.withDefaults()
	p := &Plan{Runbook: rb, Params: vals, Limits: limits, Dangerous: rb.Dangerous, Made: time.Now()}
	if rb.Dangerous {
		p.ConfirmText = substitute(rb.Confirm, ArgString, vals).(string)
	}
	p.NeedsApproval = rb.Approval || rb.Dangerous && limits.Approval.Dangerous
	if p.NeedsApproval {
		p.SelfApprovalBy = limits.Approval.SelfAllowedBy
	}
	bound := make([]Args, len(rb.Steps))
	for i, s := range rb.Steps {
		if bound[i], err = s.action().bind(s.Args, vals); err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", i+1, s.Name, err)
		}
	}
	for _, s := range rb.Preconditions {
		args, err := s.action().bind(s.Args, vals)
		if err != nil {
			return nil, fmt.Errorf("precondition %s: %w", s.Name, err)
		}
		p.Preconditions = append(p.Preconditions, checkPrecondition(ctx, s, args, actions, limits))
	}
	targets := map[string]bool{}
	for i, s := range rb.Steps {
		ps := PlannedStep{Index: i + 1, Step: s, Args: bound[i]}
		sp, err := planStep(ctx, s, ps.Args, actions, limits)
		if err != nil {
			ps.Lines = []string{"(could not plan: " + err.Error() + ")"}
			ps.Checks = []Check{{Text: fmt.Sprintf("step %d %s: %v", ps.Index, s.Name, err)}}
		} else {
			ps.Lines, ps.Checks, ps.Targets = sp.Lines, sp.Checks, sp.Targets
		}
		if s.Mutates {
			p.Mutates = true
			for _, t := range ps.Targets {
				targets[t] = true
			}
		}
		p.Steps = append(p.Steps, ps)
	}
	for t := range targets {
		p.Targets = append(p.Targets, t)
	}
	p.Targets = uniqueSorted(p.Targets)
	return p, nil
}

func planStep(ctx context.Context, s Step, args Args, actions integrations.Actions, limits Limits) (StepPlan, error) {
	a := s.action()
	if a.Requires != nil {
		if err := a.Requires(actions); err != nil {
			return StepPlan{}, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	return a.Plan(ctx, Call{Args: args, Actions: actions, Limits: limits, Progress: func(string) {}})
}

// checkPrecondition runs a read-only action and turns its outcome into a
// Check.
func checkPrecondition(ctx context.Context, s Step, args Args, actions integrations.Actions, limits Limits) Check {
	a := s.action()
	if a.Requires != nil {
		if err := a.Requires(actions); err != nil {
			return Check{Text: fmt.Sprintf("%s: %v", s.Name, err)}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	res, err := a.Execute(ctx, Call{Args: args, Actions: actions, Limits: limits, Progress: func(string) {}})
	if err != nil {
		return Check{Text: fmt.Sprintf("%s: %v", s.Name, err)}
	}
	return Check{Text: res.Summary, OK: true}
}

// Checks are every check of the plan: preconditions first, then each
// step's.
func (p *Plan) Checks() []Check {
	out := append([]Check(nil), p.Preconditions...)
	for _, s := range p.Steps {
		out = append(out, s.Checks...)
	}
	return out
}

// Err is nil when every check passed, else says which did not.
func (p *Plan) Err() error {
	return failedChecks(p.Checks())
}

// Lines are what the run will change, step by step, in order.
func (p *Plan) Lines() []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, s.Lines...)
	}
	return out
}

// String renders the whole plan as text: the runbook and its parameters,
// each step with what it will do, the checks, and the confirmation needed.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", p.Runbook.Name)
	if len(p.Params) > 0 {
		fmt.Fprintf(&b, " (%s)", p.Params)
	}
	b.WriteString("\n")
	for _, s := range p.Steps {
		kind := "reads"
		if s.Step.Mutates {
			kind = "changes"
		}
		fmt.Fprintf(&b, "  %d. %s [%s, %s, timeout %s", s.Index, s.Step.Name, s.Step.Action, kind, s.Step.Timeout)
		if s.Step.OnFailure == Continue {
			b.WriteString(", continue on failure")
		}
		b.WriteString("]\n")
		for _, l := range s.Lines {
			fmt.Fprintf(&b, "     %s\n", l)
		}
	}
	if checks := p.Checks(); len(checks) > 0 {
		b.WriteString("  checks:\n")
		for _, c := range checks {
			fmt.Fprintf(&b, "     %-4s %s\n", c.Mark(), c.Text)
		}
	}
	if note := p.approvalNote(); note != "" && p.Mutates {
		fmt.Fprintf(&b, "  %s\n", note)
	}
	switch {
	case p.Dangerous:
		fmt.Fprintf(&b, "  dangerous: type %q to confirm\n", p.ConfirmText)
	case p.Mutates:
		b.WriteString("  changes things: confirm to run\n")
	default:
		b.WriteString("  reads only\n")
	}
	return b.String()
}
