package runbooks

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// cleanupTimeout bounds putting an instance back into rotation after the
// step's own context has ended (abort or timeout).
const cleanupTimeout = 10 * time.Second

func init() {
	register(&Action{
		Name:    "haproxy.rolling_reload",
		Summary: "reload HAProxy instances a batch at a time: drain upstream, reload, verify, return to rotation",
		Effect:  Writes,
		Args: []ArgSpec{
			{Name: "instances", Kind: ArgList, Pattern: haproxyNamePattern, Doc: "instances in order (default: all configured)"},
			{Name: "batch", Kind: ArgInt, Default: 1, Min: 1, Max: 100, Doc: "instances out of rotation at once"},
			{Name: "drain_timeout", Kind: ArgDuration, Default: 30 * time.Second, Doc: "wait at most this long for sessions to reach 0"},
			{Name: "settle", Kind: ArgDuration, Default: 30 * time.Second, Doc: "wait at most this long for the upstream health check to report UP"},
			{Name: "poll", Kind: ArgDuration, Default: 500 * time.Millisecond},
		},
		Timeout:  20 * time.Minute,
		Requires: needLoadBalancer,
		Plan:     planRolling,
		Execute:  executeRolling,
	})
}

func rollingChecks(lb integrations.LoadBalancer, insts []string, batch int, l Limits) []Check {
	checks := []Check{{
		Text: fmt.Sprintf("batch %d within the configured maximum %d", batch, l.MaxBatch),
		OK:   batch <= l.MaxBatch,
	}}
	if total := len(lb.Instances()); total > 1 {
		checks = append(checks, Check{
			Text: fmt.Sprintf("batch %d leaves at least one of %d instances in rotation", batch, total),
			OK:   batch < total,
		})
	}
	return checks
}

func planRolling(ctx context.Context, c Call) (StepPlan, error) {
	lb, batch := c.Actions.LoadBalancer, c.Args.Int("batch")
	insts, err := throttleInstances(lb, c.Args.List("instances"))
	if err != nil {
		return StepPlan{}, err
	}
	how := "one at a time"
	if batch > 1 {
		how = fmt.Sprintf("%d at a time", batch)
	}
	p := StepPlan{
		Lines:  []string{fmt.Sprintf("reload haproxy %s %s", strings.Join(insts, ", "), how)},
		Checks: rollingChecks(lb, insts, batch, c.Limits),
	}
	for _, inst := range insts {
		p.Targets = append(p.Targets, "haproxy:"+inst)
		proc, err := lb.Process(ctx, inst)
		p.Checks = append(p.Checks, Check{Text: processText(inst, proc, err), OK: err == nil})
		ref, hasUpstream := lb.Upstream(inst)
		line := fmt.Sprintf("%s: no upstream configured, ", inst)
		if hasUpstream {
			line = fmt.Sprintf("%s: drain %s/%s on %s (≤%s), ", inst, ref.Backend, ref.Server, ref.Instance, c.Args.Duration("drain_timeout"))
			p.Targets = append(p.Targets, "haproxy:"+ref.Instance)
		}
		line += "reload, verify new worker"
		if th, err := lb.Throttles(ctx, inst); err == nil && len(nonZero(th)) > 0 {
			line += ", carry throttles " + strings.Join(nonZero(th), " ")
		}
		if hasUpstream {
			line += ", return to rotation"
		}
		p.Lines = append(p.Lines, line)
	}
	p.Targets = uniqueSorted(p.Targets)
	return p, nil
}

func processText(inst string, p integrations.ProcessInfo, err error) string {
	if err != nil {
		return fmt.Sprintf("%s master CLI: %v", inst, err)
	}
	return fmt.Sprintf("%s master CLI answers: worker %d, %d reloads", inst, p.CurrentPID, p.Reloads)
}

func nonZero(th map[string]int) []string {
	var out []string
	for k, v := range th {
		if v != 0 {
			out = append(out, fmt.Sprintf("%s=%d%%", k, v))
		}
	}
	sort.Strings(out)
	return out
}

func uniqueSorted(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// roll is one rolling reload in progress: which instances are done, which
// are out of rotation now, and what each looked like before.
type roll struct {
	c         Call
	lb        integrations.LoadBalancer
	done      []string
	current   []*rollInstance
	untouched []string
	notes     []string
}

type rollInstance struct {
	name     string
	proc     integrations.ProcessInfo
	throttle map[string]int
	states   map[string]integrations.ServerState // backend/server → admin state
	upstream *integrations.UpstreamRef
	upBefore integrations.ServerState
	drained  bool
}

func executeRolling(ctx context.Context, c Call) (Result, error) {
	lb, batch := c.Actions.LoadBalancer, c.Args.Int("batch")
	insts, err := throttleInstances(lb, c.Args.List("instances"))
	if err != nil {
		return Result{}, err
	}
	if err := failedChecks(rollingChecks(lb, insts, batch, c.Limits)); err != nil {
		return Result{}, err
	}
	r := &roll{c: c, lb: lb, untouched: append([]string(nil), insts...)}
	for len(r.untouched) > 0 {
		n := min(batch, len(r.untouched))
		names := r.untouched[:n]
		r.untouched = r.untouched[n:]
		if err := r.batch(ctx, names); err != nil {
			r.returnInProgress(ctx)
			return r.result(), fmt.Errorf("%w; %s", err, r.status())
		}
	}
	res := r.result()
	res.Summary = fmt.Sprintf("reloaded %s", strings.Join(r.done, ", "))
	return res, nil
}

// batch takes names out of rotation, reloads and verifies each, and puts
// them back.
func (r *roll) batch(ctx context.Context, names []string) error {
	for _, name := range names {
		in, err := r.snapshot(ctx, name)
		r.current = append(r.current, in)
		if err != nil {
			return err
		}
		if in.upstream != nil {
			r.c.Progress(fmt.Sprintf("%s: draining %s/%s on %s", name, in.upstream.Backend, in.upstream.Server, in.upstream.Instance))
			if err := r.lb.SetServerState(ctx, in.upstream.Instance, in.upstream.Backend, in.upstream.Server, integrations.ServerDrain); err != nil {
				return fmt.Errorf("%s: drain upstream: %w", name, err)
			}
			in.drained = true
			r.upstreamChanged(in, in.upBefore, integrations.ServerDrain)
		}
	}
	for _, in := range r.current {
		if in.upstream == nil {
			continue
		}
		left, err := waitDrained(ctx, r.lb, *in.upstream, r.c.Args.Duration("drain_timeout"), r.c.Args.Duration("poll"), r.c.Progress)
		if err != nil {
			return fmt.Errorf("%s: waiting for sessions to drain: %w", in.name, err)
		}
		if left > 0 {
			r.note(fmt.Sprintf("%s reloaded with %d sessions left after the drain timeout", in.name, left))
		}
	}
	for _, in := range r.current {
		r.c.Progress(in.name + ": reloading")
		proc, err := r.lb.Reload(ctx, in.name)
		if err != nil {
			return fmt.Errorf("%s: reload: %w", in.name, err)
		}
		r.c.Changed(ledger.Change{Kind: ledger.Reload, Instance: in.name})
		if err := r.verify(ctx, in, proc); err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		r.c.Progress(fmt.Sprintf("%s: worker %d → %d, throttles and server states verified", in.name, in.proc.CurrentPID, proc.CurrentPID))
	}
	for _, in := range r.current {
		if in.upstream == nil {
			continue
		}
		if err := r.restore(ctx, in); err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		r.c.Progress(in.name + ": back in rotation")
	}
	for _, in := range r.current {
		r.done = append(r.done, in.name)
	}
	r.current = nil
	return nil
}

// snapshot records what must survive the reload: process, throttles,
// server admin states, and the upstream server's state.
func (r *roll) snapshot(ctx context.Context, name string) (*rollInstance, error) {
	in := &rollInstance{name: name}
	var err error
	if in.proc, err = r.lb.Process(ctx, name); err != nil {
		return in, fmt.Errorf("%s: read process: %w", name, err)
	}
	if in.throttle, err = r.lb.Throttles(ctx, name); err != nil {
		return in, fmt.Errorf("%s: read throttles: %w", name, err)
	}
	if in.states, err = adminStates(ctx, r.lb, name); err != nil {
		return in, err
	}
	if ref, ok := r.lb.Upstream(name); ok {
		s, err := findServer(ctx, r.lb, ref.Instance, ref.Backend, ref.Server)
		if err != nil {
			return in, fmt.Errorf("%s: read upstream: %w", name, err)
		}
		in.upstream, in.upBefore = &ref, s.State
	}
	return in, nil
}

// adminStates maps backend/server to the state an operator set (DRAIN or
// MAINT), the part of a server's state a reload must carry; UP and DOWN
// come from health checks.
func adminStates(ctx context.Context, lb integrations.LoadBalancer, inst string) (map[string]integrations.ServerState, error) {
	servers, err := lb.Servers(ctx, inst)
	if err != nil {
		return nil, fmt.Errorf("%s: read servers: %w", inst, err)
	}
	out := map[string]integrations.ServerState{}
	for _, s := range servers {
		if s.State == integrations.ServerDrain || s.State == integrations.ServerMaint {
			out[s.Backend+"/"+s.Server] = s.State
		}
	}
	return out, nil
}

// verify checks that a new worker serves and that throttles and server
// admin states are what they were; anything the reload lost is set again
// (and said so), because a throttle that silently disappears mid-incident
// is a defect.
func (r *roll) verify(ctx context.Context, in *rollInstance, proc integrations.ProcessInfo) error {
	switch {
	case proc.FailedReloads > in.proc.FailedReloads:
		return fmt.Errorf("reload failed (master reports %d failed reloads; the old worker keeps serving)", proc.FailedReloads)
	case proc.Reloads <= in.proc.Reloads:
		return fmt.Errorf("reload not seen (master reports %d reloads, %d before)", proc.Reloads, in.proc.Reloads)
	case proc.CurrentPID == 0 || proc.CurrentPID == in.proc.CurrentPID:
		return fmt.Errorf("no new worker (worker %d, %d before)", proc.CurrentPID, in.proc.CurrentPID)
	}
	th, err := r.lb.Throttles(ctx, in.name)
	if err != nil {
		return fmt.Errorf("read throttles after reload: %w", err)
	}
	if sameThrottles(in.throttle, th) != nil {
		for _, tier := range unionKeys(in.throttle, th) {
			if th[tier] != in.throttle[tier] {
				if err := r.lb.SetThrottle(ctx, in.name, tier, in.throttle[tier]); err != nil {
					return fmt.Errorf("throttle %s lost on reload and could not be set again: %w", tier, err)
				}
				r.note(fmt.Sprintf("%s: throttle %s was %d%% after reload, set back to %d%%", in.name, tier, th[tier], in.throttle[tier]))
			}
		}
		if th, err = r.lb.Throttles(ctx, in.name); err == nil {
			err = sameThrottles(in.throttle, th)
		}
		if err != nil {
			return fmt.Errorf("throttles differ after reload: %w", err)
		}
	}
	states, err := adminStates(ctx, r.lb, in.name)
	if err != nil {
		return err
	}
	repaired := false
	for key, want := range in.states {
		if states[key] == want {
			continue
		}
		be, srv, _ := strings.Cut(key, "/")
		if err := r.lb.SetServerState(ctx, in.name, be, srv, want); err != nil {
			return fmt.Errorf("server %s lost state %s on reload and could not be set again: %w", key, want, err)
		}
		r.note(fmt.Sprintf("%s: server %s was %s after reload, set back to %s", in.name, key, orInRotation(states[key]), want))
		repaired = true
	}
	if repaired {
		if states, err = adminStates(ctx, r.lb, in.name); err != nil {
			return err
		}
	}
	var freed []string
	for _, key := range unionKeys(in.states, states) {
		switch {
		case states[key] == in.states[key]:
		case in.states[key] == "":
			// Out of rotation only since the reload: the new worker read it
			// so from its configuration (a server-template slot whose host
			// is gone is freed when the slots are resolved afresh). That is
			// the configuration's say, not a lost runtime change: report it.
			freed = append(freed, key+" "+string(states[key]))
		default:
			return fmt.Errorf("server %s is %s after reload, was %s", key, orInRotation(states[key]), orInRotation(in.states[key]))
		}
	}
	if len(freed) > 0 {
		r.note(fmt.Sprintf("%s: %d servers out of rotation since the reload, as its configuration says: %s",
			in.name, len(freed), strings.Join(freed, ", ")))
	}
	return nil
}

func orInRotation(s integrations.ServerState) string {
	if s == "" {
		return "in rotation"
	}
	return string(s)
}

// restore puts the upstream server back as it was before the roll and,
// when it was in rotation, waits for its health check to report UP.
func (r *roll) restore(ctx context.Context, in *rollInstance) error {
	if !in.drained {
		return nil
	}
	ref, back := *in.upstream, in.stateBefore()
	if err := r.lb.SetServerState(ctx, ref.Instance, ref.Backend, ref.Server, back); err != nil {
		return fmt.Errorf("return upstream to rotation: %w", err)
	}
	in.drained = false
	r.upstreamChanged(in, integrations.ServerDrain, back)
	if back != integrations.ServerUp {
		return nil
	}
	return waitUp(ctx, r.lb, ref, r.c.Args.Duration("settle"), r.c.Args.Duration("poll"))
}

// stateBefore is the state to give the upstream server back: ready, unless
// an operator had it drained or in maintenance before the roll.
func (in *rollInstance) stateBefore() integrations.ServerState {
	if in.upBefore == integrations.ServerDrain || in.upBefore == integrations.ServerMaint {
		return in.upBefore
	}
	return integrations.ServerUp
}

// returnInProgress puts the instances the roll was working on back into
// rotation when a worker still serves them (a failed reload keeps the old
// one), using a fresh bounded context since ctx may be what ended.
func (r *roll) returnInProgress(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	for _, in := range r.current {
		if !in.drained {
			continue
		}
		if _, err := r.lb.Process(cctx, in.name); err != nil {
			r.note(fmt.Sprintf("%s left out of rotation: its master does not answer (%v)", in.name, err))
			continue
		}
		ref := *in.upstream
		if err := r.lb.SetServerState(cctx, ref.Instance, ref.Backend, ref.Server, in.stateBefore()); err != nil {
			r.note(fmt.Sprintf("%s left out of rotation: %v", in.name, err))
			continue
		}
		in.drained = false
		r.upstreamChanged(in, integrations.ServerDrain, in.stateBefore())
		r.note(fmt.Sprintf("%s returned to rotation", in.name))
	}
}

// upstreamChanged reports a change of an instance's upstream server to
// the ledger of changes in force.
func (r *roll) upstreamChanged(in *rollInstance, from, to integrations.ServerState) {
	if c := serverChange(in.upstream.Instance, in.upstream.Backend, in.upstream.Server, from, to); c.From != c.To {
		r.c.Changed(c)
	}
}

// note keeps something the responder must know for the step's output and
// reports it at once.
func (r *roll) note(text string) {
	r.notes = append(r.notes, text)
	r.c.Progress(text)
}

func (r *roll) inProgress() []string {
	out := make([]string, len(r.current))
	for i, in := range r.current {
		out[i] = in.name
	}
	return out
}

func (r *roll) status() string {
	s := fmt.Sprintf("done: %s; in progress: %s; untouched: %s", orNone(r.done), orNone(r.inProgress()), orNone(r.untouched))
	if len(r.notes) > 0 {
		s += "; " + strings.Join(r.notes, "; ")
	}
	return s
}

func (r *roll) result() Result {
	return Result{
		Output: strings.Join(r.notes, "\n"),
		Fields: map[string]string{
			"done":        strings.Join(r.done, ","),
			"in_progress": strings.Join(r.inProgress(), ","),
			"untouched":   strings.Join(r.untouched, ","),
		},
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
