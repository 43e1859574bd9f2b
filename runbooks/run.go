package runbooks

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// DefaultGrace is how long a cut step may take to wind down (for example
// to return an HAProxy instance to rotation) before it is abandoned.
const DefaultGrace = 15 * time.Second

// RunOptions tune one run.
type RunOptions struct {
	// DryRun re-checks the preconditions and reports every step as skipped:
	// no action's Execute is called, no lock is taken.
	DryRun bool
	// Confirmed must be true for a plan that mutates; for a dangerous plan
	// Typed must also equal Plan.ConfirmText.
	Confirmed bool
	Typed     string
	// StateDir holds the lock files (under locks/). Required for a
	// mutating run.
	StateDir string
	// Locks is where the run locks its targets; nil means lock files in
	// StateDir (FileLocks).
	Locks  Locks
	Lease  time.Duration // lock lease of the default lock files (default DefaultLease)
	Holder string        // who runs it, for lock refusals (default user@host)
	Actor  string        // Actor of the records
	// Timeout bounds the whole run (default: the runbook's timeout).
	Timeout time.Duration
	Grace   time.Duration // default DefaultGrace
	// Now stamps the run's records with the incident's clock (the drill's
	// scenario time); nil means time.Now. Durations are always real time.
	Now func() time.Time
	// Approver asks another responder to approve a plan that needs it
	// (the two-person rule), waiting at most ApprovalTimeout (default
	// DefaultApprovalTimeout). Without one, such a plan runs only if the
	// configuration allows self-approval.
	Approver        Approver
	ApprovalTimeout time.Duration
	// RunID names the run (default: a fresh NewRunID), so a caller that
	// starts it in the background can say which run it started, and a
	// headless drill replayed for a test gives the same records each time.
	RunID string
	// Progress, when set, receives every change of a step's state, from
	// the run's goroutines; it must return quickly (for example hand the
	// state to program.Send).
	Progress func(StepState)
}

func (o RunOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// A run's states are domain types, so that its progress travels in the
// pump's batch like every other event (see integrations/runs.go).
type (
	RunStatus  = integrations.RunStatus
	StepStatus = integrations.StepStatus
	StepState  = integrations.StepState
)

const (
	RunDone    = integrations.RunDone
	RunDryRun  = integrations.RunDryRun
	RunFailed  = integrations.RunFailed
	RunAborted = integrations.RunAborted
	RunRefused = integrations.RunRefused

	StepPending = integrations.StepPending
	StepRunning = integrations.StepRunning
	StepDone    = integrations.StepDone
	StepFailed  = integrations.StepFailed
	StepAborted = integrations.StepAborted
	StepSkipped = integrations.StepSkipped
)

// Report is how a run went.
type Report struct {
	RunID   string
	Runbook string
	Params  Values
	Status  RunStatus
	Started time.Time
	Elapsed time.Duration
	Steps   []StepState
	Err     error
	// Changes are what the run changed in the world, in order, and Stays
	// what of it is still in force when it ended.
	Changes []ledger.Change
	Stays   []ledger.Change
	// Aftermath says what a run that did not finish changed and what
	// stays ("changed: web desired 4 → 20; web desired stays 20; only the
	// wait for in-service was cancelled"); Err ends with it too.
	Aftermath string
}

// Run executes a plan through actions, sending every transition to sink as
// a Record and every step state change to opts.Progress. Cancelling ctx
// aborts: the running step's context is cancelled, it gets opts.Grace to
// wind down, and no further step starts. Run returns an error (the same as
// Report.Err) unless the run is done or a dry run.
func Run(ctx context.Context, p *Plan, actions integrations.Actions, sink func(integrations.Record), opts RunOptions) (*Report, error) {
	x := &executor{
		plan: p, actions: actions, sink: sink, opts: opts,
		report: &Report{RunID: cmp.Or(opts.RunID, NewRunID()), Runbook: p.Runbook.Name, Params: p.Params, Started: time.Now()},
	}
	if x.opts.Grace <= 0 {
		x.opts.Grace = DefaultGrace
	}
	for _, s := range p.Steps {
		x.report.Steps = append(x.report.Steps, StepState{
			RunID: x.report.RunID, Index: s.Index, Name: s.Step.Name, Action: s.Step.Action,
			Mutates: s.Step.Mutates, Status: StepPending,
		})
	}
	x.run(ctx)
	x.report.Elapsed = time.Since(x.report.Started)
	return x.report, x.report.Err
}

type executor struct {
	plan    *Plan
	actions integrations.Actions
	sink    func(integrations.Record)
	opts    RunOptions
	mu      sync.Mutex // guards report.Steps, sink and Progress calls from action goroutines
	report  *Report
	parent  context.Context // the caller's: cancelled means aborted
	began   time.Time       // on the incident's clock, for recorded durations
}

// changed records a change the moment an action reports it, so the
// timeline holds it even if this process dies before the step ends. A
// step declared read-only changes nothing, whatever its action says.
func (x *executor) changed(ps *PlannedStep, c ledger.Change) {
	if !ps.Step.Mutates {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.report.Changes = append(x.report.Changes, c)
	x.recordLocked(integrations.KindRunbookStepProgress, "changed: "+c.String(), x.stepFields(ps, map[string]string{ledger.FieldChange: c.Encode()}))
}

func (x *executor) run(parent context.Context) {
	x.parent, x.began = parent, x.opts.now()
	p := x.plan
	requested := map[string]string{integrations.FieldParams: p.Params.String(), integrations.FieldDryRun: fmt.Sprint(x.opts.DryRun)}
	for name, v := range p.Params {
		requested[integrations.FieldParamPrefix+name] = formatValue(v)
	}
	x.record(integrations.KindRunbookRequested, fmt.Sprintf("run %s requested (%s)", p.Runbook.Name, orNoParams(p.Params)), requested)
	x.record(integrations.KindRunbookPlan, strings.Join(p.Lines(), "\n"), map[string]string{integrations.FieldChecks: checksText(p.Checks()), integrations.FieldTargets: strings.Join(p.Targets, ",")})
	if err := p.Err(); err != nil {
		x.end(RunRefused, err)
		return
	}
	if err := x.confirm(); err != nil {
		x.end(RunRefused, err)
		return
	}
	if status, err := x.approve(parent); err != nil {
		x.end(status, err)
		return
	}
	timeout := x.opts.Timeout
	if timeout <= 0 {
		timeout = p.Runbook.Timeout
	}
	ctx, cancel := context.WithTimeoutCause(parent, timeout, fmt.Errorf("the run's timeout of %s passed", timeout))
	defer cancel()
	if p.Mutates && !x.opts.DryRun {
		var release func()
		var err error
		if ctx, release, err = x.lock(ctx); err != nil {
			x.end(RunRefused, err)
			return
		}
		defer release()
	}
	for _, s := range p.Runbook.Preconditions {
		args, err := s.action().bind(s.Args, p.Params)
		c := Check{Text: fmt.Sprintf("%s: %v", s.Name, err)}
		if err == nil {
			c = checkPrecondition(ctx, s, args, x.actions, p.Limits)
		}
		if !c.OK && ctx.Err() != nil {
			x.stopped(parent, ctx)
			return
		}
		if !c.OK {
			x.end(RunRefused, fmt.Errorf("precondition failed before the first step: %s", c.Text))
			return
		}
	}
	var failed []string
	for i := range p.Steps {
		if err := ctx.Err(); err != nil {
			x.stopped(parent, ctx)
			return
		}
		if err := x.step(ctx, i); err != nil {
			if p.Steps[i].Step.OnFailure == Continue && ctx.Err() == nil {
				failed = append(failed, p.Steps[i].Step.Name)
				continue
			}
			if ctx.Err() != nil {
				x.stopped(parent, ctx)
				return
			}
			x.end(RunFailed, fmt.Errorf("step %d (%s) failed: %w", i+1, p.Steps[i].Step.Name, err))
			return
		}
	}
	switch {
	case x.opts.DryRun:
		x.end(RunDryRun, nil)
	case len(failed) > 0:
		x.end(RunFailed, fmt.Errorf("steps failed (on_failure: continue): %s", strings.Join(failed, ", ")))
	default:
		x.end(RunDone, nil)
	}
}

// confirm refuses a mutating run the user has not confirmed, and a
// dangerous one whose confirmation text was not typed back.
func (x *executor) confirm() error {
	p := x.plan
	if !p.Mutates || x.opts.DryRun {
		return nil
	}
	if !x.opts.Confirmed {
		return errors.New("not confirmed: this runbook changes things")
	}
	if p.Dangerous && x.opts.Typed != p.ConfirmText {
		return fmt.Errorf("not confirmed: type %q to run this dangerous runbook", p.ConfirmText)
	}
	fields := map[string]string{integrations.FieldTargets: strings.Join(p.Targets, ",")}
	if p.Dangerous {
		fields[integrations.FieldTyped] = x.opts.Typed
	}
	x.record(integrations.KindRunbookConfirmed, "confirmed", fields)
	return nil
}

// lock takes the plan's targets and renews the lease while the run lasts.
// The returned context ends, with the reason as its cause, if the lease is
// lost.
func (x *executor) lock(ctx context.Context) (context.Context, func(), error) {
	l := x.opts.Locks
	if l == nil {
		if x.opts.StateDir == "" {
			return nil, nil, errors.New("no state directory for run locks")
		}
		l = FileLocks(filepath.Join(x.opts.StateDir, "locks"), x.opts.Lease)
	}
	host, _ := os.Hostname()
	holder := Holder{Who: x.opts.Holder, Host: host, PID: os.Getpid(), RunID: x.report.RunID, Runbook: x.plan.Runbook.Name}
	if holder.Who == "" {
		holder.Who = whoAmI()
	}
	lease, err := l.Acquire(x.plan.Targets, holder)
	if err != nil {
		return nil, nil, fmt.Errorf("refused: %w", err)
	}
	lctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(l.RenewEvery())
		defer t.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
				if err := lease.Renew(); err != nil {
					cancel(err)
					return
				}
			}
		}
	}()
	return lctx, func() {
		cancel(nil)
		<-done
		if err := lease.Release(); err != nil {
			x.record(integrations.KindRunbookStepProgress, "could not release the run's locks: "+err.Error(), nil)
		}
	}, nil
}

// step runs one step (or, in a dry run, reports it skipped without
// calling its action).
func (x *executor) step(ctx context.Context, i int) error {
	ps := &x.plan.Steps[i]
	started, onClock := time.Now(), x.opts.now()
	x.update(i, func(s *StepState) { s.Status, s.Started = StepRunning, started })
	x.record(integrations.KindRunbookStepStart, fmt.Sprintf("step %d %s started", ps.Index, ps.Step.Name), x.stepFields(ps, map[string]string{
		integrations.FieldMutates: fmt.Sprint(ps.Step.Mutates), integrations.FieldTimeout: ps.Step.Timeout.String(), integrations.FieldPlan: strings.Join(ps.Lines, "; "),
	}))
	if x.opts.DryRun {
		x.update(i, func(s *StepState) { s.Status, s.Message = StepSkipped, "dry run: nothing sent" })
		x.record(integrations.KindRunbookStepEnd, fmt.Sprintf("step %d %s skipped (dry run)", ps.Index, ps.Step.Name), x.stepFields(ps, map[string]string{integrations.FieldResult: "skipped", integrations.FieldDuration: "0s"}))
		return nil
	}
	res, err := x.execute(ctx, i)
	elapsed := time.Since(started)
	// The record states the duration on the incident's clock, so it agrees
	// with the times of the records around it (the drill runs faster than
	// the wall clock); the screen shows real elapsed time.
	recorded := x.opts.now().Sub(onClock).Round(time.Millisecond)
	fields := map[string]string{integrations.FieldDuration: recorded.String(), integrations.FieldResult: "ok"}
	for k, v := range res.Fields {
		fields[k] = v
	}
	if res.Output != "" {
		fields[integrations.FieldOutput] = bounded(res.Output, x.plan.Limits.MaxOutput)
	}
	text := fmt.Sprintf("step %d %s done in %s", ps.Index, ps.Step.Name, recorded)
	if res.Summary != "" {
		text += ": " + res.Summary
	}
	status := StepDone
	switch {
	case err != nil && x.parent.Err() != nil:
		// The user aborted: the step did not fail, it was stopped. Keep
		// what the action said (which instances were done), in words.
		status = StepAborted
		err = errors.New(strings.ReplaceAll(err.Error(), context.Canceled.Error(), abortError(x.parent).Error()))
		fields[integrations.FieldResult], fields[integrations.FieldError] = "aborted", err.Error()
		text = fmt.Sprintf("step %d %s aborted after %s", ps.Index, ps.Step.Name, recorded)
		if res.Summary != "" {
			text += ": " + res.Summary
		}
	case err != nil:
		status = StepFailed
		fields[integrations.FieldResult], fields[integrations.FieldError] = "failed", err.Error()
		text = fmt.Sprintf("step %d %s failed after %s: %v", ps.Index, ps.Step.Name, recorded, err)
	}
	x.update(i, func(s *StepState) {
		s.Status, s.Elapsed, s.Result = status, elapsed, res
		if err != nil {
			s.Err = err.Error()
		}
	})
	x.record(integrations.KindRunbookStepEnd, text, x.stepFields(ps, fields))
	return err
}

// execute calls the step's action under the step's timeout. When the step
// is cut (timeout or abort), the action gets the grace period to return;
// one that does not is abandoned so the run never waits forever.
func (x *executor) execute(ctx context.Context, i int) (Result, error) {
	ps := &x.plan.Steps[i]
	sctx, cancel := context.WithTimeoutCause(ctx, ps.Step.Timeout, fmt.Errorf("cut at its timeout of %s", ps.Step.Timeout))
	defer cancel()
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	call := Call{Args: ps.Args, Actions: x.actions, Limits: x.plan.Limits, Changed: func(c ledger.Change) { x.changed(ps, c) }, Progress: func(msg string) {
		x.mu.Lock()
		defer x.mu.Unlock()
		// An abandoned action may still report after its step ended; the
		// report is final by then.
		if s := &x.report.Steps[i]; s.Status != StepRunning || s.Message == msg {
			return
		}
		x.updateLocked(i, func(s *StepState) { s.Message = msg })
		x.recordLocked(integrations.KindRunbookStepProgress, msg, x.stepFields(ps, nil))
	}}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- outcome{err: fmt.Errorf("action %s panicked: %v", ps.Step.Action, r)}
			}
		}()
		a := ps.Step.action()
		if a.Requires != nil {
			if err := a.Requires(x.actions); err != nil {
				done <- outcome{err: err}
				return
			}
		}
		res, err := a.Execute(sctx, call)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-sctx.Done():
	}
	cause := context.Cause(sctx)
	grace := time.NewTimer(x.opts.Grace)
	defer grace.Stop()
	select {
	case o := <-done:
		if o.err == nil {
			return o.res, nil // it finished as it was cut
		}
		if !errors.Is(o.err, cause) {
			o.err = fmt.Errorf("%w (%v)", cause, o.err)
		}
		return o.res, o.err
	case <-grace.C:
		return Result{}, fmt.Errorf("%w; the action did not stop within %s and was abandoned", cause, x.opts.Grace)
	}
}

func (x *executor) stepFields(ps *PlannedStep, extra map[string]string) map[string]string {
	f := map[string]string{integrations.FieldStep: fmt.Sprint(ps.Index), integrations.FieldStepName: ps.Step.Name, integrations.FieldAction: ps.Step.Action}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// update changes step i's state and reports it. Progress is called with
// the lock held, so it sees states in the order they happened.
func (x *executor) update(i int, change func(*StepState)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.updateLocked(i, change)
}

func (x *executor) updateLocked(i int, change func(*StepState)) {
	s := &x.report.Steps[i]
	change(s)
	if s.Status == StepRunning {
		s.Elapsed = time.Since(s.Started)
	}
	if x.opts.Progress != nil {
		x.opts.Progress(*s)
	}
}

// stopped ends a run whose context ended between or during steps: an
// abort when the caller cancelled, else a failure with the cause (the run
// timeout, or a lost lock).
func (x *executor) stopped(parent, ctx context.Context) {
	if parent.Err() != nil {
		x.end(RunAborted, abortError(parent))
		return
	}
	x.end(RunFailed, context.Cause(ctx))
}

// abortError says who or what aborted a run: the cause given when its
// context was cancelled, or plainly "aborted".
func abortError(parent context.Context) error {
	if cause := context.Cause(parent); cause != nil && cause != context.Canceled {
		return cause
	}
	return errors.New("aborted")
}

// end settles the run: steps that never started are marked skipped, and
// the outcome is recorded.
func (x *executor) end(status RunStatus, err error) {
	x.report.Status, x.report.Err = status, err
	var notStarted []string
	for i := range x.report.Steps {
		if x.report.Steps[i].Status == StepPending {
			x.update(i, func(s *StepState) { s.Status, s.Message = StepSkipped, "not started: the run "+string(status) })
			if status != RunRefused {
				notStarted = append(notStarted, x.report.Steps[i].Name)
			}
		}
	}
	fields := map[string]string{integrations.FieldStatus: string(status), integrations.FieldResult: string(status), integrations.FieldDuration: x.opts.now().Sub(x.began).Round(time.Millisecond).String()}
	x.mu.Lock()
	changes := slices.Clone(x.report.Changes)
	x.report.Stays = ledger.Net(changes)
	x.mu.Unlock()
	switch status {
	case RunDone, RunDryRun:
		x.record(integrations.KindRunbookDone, fmt.Sprintf("run %s %s", x.plan.Runbook.Name, status), fields)
		return
	}
	fields[integrations.FieldError] = err.Error()
	text := fmt.Sprintf("run %s %s: %v", x.plan.Runbook.Name, status, err)
	if status == RunAborted && strings.HasPrefix(err.Error(), "aborted") {
		text = fmt.Sprintf("run %s %v", x.plan.Runbook.Name, err) // "run scale-up aborted by alice"
	}
	if status == RunAborted || status == RunFailed {
		changed, stays, aftermath := ledger.Aftermath(changes, x.cut(), status == RunAborted)
		if len(notStarted) > 0 {
			aftermath += "; not started: " + strings.Join(notStarted, ", ")
		}
		fields["changed"], fields["stays"] = orNothing(changed), orNothing(stays)
		x.report.Aftermath = aftermath
		x.report.Err = &stoppedError{err: err, aftermath: aftermath}
		text += " — " + aftermath
	}
	kind := integrations.KindRunbookFailed
	if status == RunAborted {
		kind = integrations.KindRunbookAbort
	}
	x.record(kind, text, fields)
}

// cut is what the step that stopped the run was doing when it stopped,
// as its action said.
func (x *executor) cut() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, s := range x.report.Steps {
		if (s.Status == StepAborted || s.Status == StepFailed) && s.Result.Cut != "" {
			return s.Result.Cut
		}
	}
	return ""
}

func orNothing(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

// stoppedError is a run's error followed by what it changed and what
// stays, so whoever shows the error shows that too.
type stoppedError struct {
	err       error
	aftermath string
}

func (e *stoppedError) Error() string { return e.err.Error() + " — " + e.aftermath }
func (e *stoppedError) Unwrap() error { return e.err }

// record sends one Record to the sink; calls are serialised so the sink
// sees them in order.
func (x *executor) record(kind, text string, fields map[string]string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.recordLocked(kind, text, fields)
}

func (x *executor) recordLocked(kind, text string, fields map[string]string) {
	f := map[string]string{integrations.FieldRun: x.report.RunID, integrations.FieldRunbook: x.plan.Runbook.Name}
	for k, v := range fields {
		f[k] = v
	}
	if x.sink != nil {
		x.sink(integrations.Record{Occurred: x.opts.now(), Source: integrations.SourceRunbook, Kind: kind, Actor: x.opts.Actor, Text: text, Fields: f})
	}
}

func checksText(cs []Check) string {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = c.Mark() + " " + c.Text
	}
	return strings.Join(lines, "\n")
}

func orNoParams(v Values) string {
	if len(v) == 0 {
		return "no parameters"
	}
	return v.String()
}

// NewRunID returns a fresh run ID.
func NewRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func whoAmI() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return name + "@" + host
}
