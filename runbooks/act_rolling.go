package runbooks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
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
			{Name: "instances", Kind: ArgList, Pattern: haproxyNamePattern, Doc: "instances in order (default: every instance with a master CLI)"},
			{Name: "batch", Kind: ArgInt, Default: 1, Min: 1, Max: 100, Doc: "instances out of rotation at once"},
			{Name: "drain_timeout", Kind: ArgDuration, Default: 30 * time.Second, Doc: "wait at most this long for sessions to reach 0"},
			{Name: "settle", Kind: ArgDuration, Default: 30 * time.Second, Doc: "wait at most this long for the upstream health check to report UP"},
			{Name: "poll", Kind: ArgDuration, Default: 500 * time.Millisecond},
			{Name: "max_error_rise", Kind: ArgInt, Default: 0, Min: 0, Max: 100, Doc: "percentage points a tier's error ratio may rise after a batch above its ratio before the run (0: limits.max_error_rise_points)"},
			{Name: "verify_window", Kind: ArgDuration, Default: 10 * time.Second, Doc: "measure each tier's error ratio over this long, before the run and after each batch is back in rotation"},
		},
		Timeout:  20 * time.Minute,
		Requires: needLoadBalancer,
		Plan:     planRolling,
		Execute:  executeRolling,
	})
}

// rollInstances are the instances a roll reloads, in order: those named,
// or every instance that can be reloaded (with a master CLI, when the
// load balancer's configuration checks know), whether or not it carries a
// throttle.
func rollInstances(a integrations.Actions, named []string) ([]string, error) {
	all := a.LoadBalancer.Instances()
	if len(named) == 0 {
		if a.ConfigChecks != nil {
			all = a.ConfigChecks.Reloadable()
		}
		if len(all) == 0 {
			return nil, errors.New("no HAProxy instance can be reloaded: configure a master CLI (master:) on the instances to roll")
		}
		return all, nil
	}
	for _, n := range named {
		if !contains(all, n) {
			return nil, fmt.Errorf("unknown HAProxy instance %s (configured: %s)", n, strings.Join(all, ", "))
		}
	}
	return named, nil
}

// RollingChecks are the checks a rolling reload of instances (every
// reloadable one when none are named) in batches of batch makes before it
// changes anything, and again just before its first drain: the batch
// bounds, that every instance's master answers, that each upstream server
// exists, that no batch takes a tier below limits.min_in_rotation, and
// what the load balancer's configuration checks find in each instance's
// configuration (when a holds them).
func RollingChecks(ctx context.Context, a integrations.Actions, instances []string, batch int, l Limits) ([]Check, error) {
	l = l.withDefaults()
	lb := a.LoadBalancer
	insts, err := rollInstances(a, instances)
	if err != nil {
		return nil, err
	}
	checks := []Check{verdict(batch <= l.MaxBatch,
		fmt.Sprintf("batch %d within the configured maximum %d", batch, l.MaxBatch),
		fmt.Sprintf("batch %d is above the configured maximum %d (limits.rolling_batch_size)", batch, l.MaxBatch))}
	fronts := map[string][]integrations.Backend{}
	frontErr := map[string]error{}
	for _, inst := range insts {
		proc, err := lb.Process(ctx, inst)
		checks = append(checks, Check{Text: processText(inst, proc, err), OK: err == nil})
		ref, ok := lb.Upstream(inst)
		if !ok {
			continue
		}
		if _, read := fronts[ref.Instance]; !read {
			fronts[ref.Instance], frontErr[ref.Instance] = lb.Servers(ctx, ref.Instance)
		}
		checks = append(checks, upstreamCheck(inst, ref, fronts[ref.Instance], frontErr[ref.Instance]))
	}
	checks = append(checks, tierChecks(lb, insts, batch, fronts, l.MinInRotation)...)
	if a.ConfigChecks != nil {
		for _, inst := range insts {
			for _, f := range a.ConfigChecks.CheckConfig(ctx, inst) {
				checks = append(checks, Check{Text: f.Text, OK: f.Level != integrations.FindingFail, Warn: f.Level == integrations.FindingWarn})
			}
		}
	}
	return checks, nil
}

// upstreamCheck says whether the server a roll drains for inst exists on
// its front.
func upstreamCheck(inst string, ref integrations.UpstreamRef, servers []integrations.Backend, err error) Check {
	if err != nil {
		return Check{Text: fmt.Sprintf("%s: cannot read its upstream %s/%s on %s: %v", inst, ref.Backend, ref.Server, ref.Instance, err)}
	}
	var inBackend []string
	for _, s := range servers {
		if s.Backend != ref.Backend {
			continue
		}
		if s.Server == ref.Server {
			return Check{Text: fmt.Sprintf("%s: upstream %s/%s on %s is %s", inst, ref.Backend, ref.Server, ref.Instance, s.State), OK: true}
		}
		inBackend = append(inBackend, s.Server)
	}
	if len(inBackend) == 0 {
		return Check{Text: fmt.Sprintf("%s: upstream %s/%s: %s shows no backend %s (not there, or not among the backends it is configured to watch)", inst, ref.Backend, ref.Server, ref.Instance, ref.Backend)}
	}
	return Check{Text: fmt.Sprintf("%s: upstream %s/%s is not a server on %s (%s has %s)", inst, ref.Backend, ref.Server, ref.Instance, ref.Backend, strings.Join(inBackend, ", "))}
}

// tierChecks make sure no batch leaves fewer than keep servers of a front
// backend (a tier) serving: one check per tier, for its worst batch. A
// server serves when it is UP; one already drained, in maintenance or
// failing its health check does not count.
func tierChecks(lb integrations.LoadBalancer, insts []string, batch int, fronts map[string][]integrations.Backend, keep int) []Check {
	type tier struct{ instance, backend string }
	var order []tier
	worst := map[tier]int{} // most serving servers of the tier one batch takes out
	step := max(batch, 1)
	for start := 0; start < len(insts); start += step {
		out := map[tier]int{}
		for _, inst := range insts[start:min(start+step, len(insts))] {
			ref, ok := lb.Upstream(inst)
			if !ok {
				continue
			}
			t := tier{ref.Instance, ref.Backend}
			if _, seen := worst[t]; !seen {
				order, worst[t] = append(order, t), 0
			}
			for _, s := range fronts[ref.Instance] {
				if s.Backend == ref.Backend && s.Server == ref.Server && s.State == integrations.ServerUp {
					out[t]++
				}
			}
			worst[t] = max(worst[t], out[t])
		}
	}
	var checks []Check
	for _, t := range order {
		total, serving := 0, 0
		for _, s := range fronts[t.instance] {
			if s.Backend == t.backend {
				total++
				if s.State == integrations.ServerUp {
					serving++
				}
			}
		}
		if total == 0 {
			continue // the upstream check says the backend is missing
		}
		out, left, allowed := worst[t], serving-worst[t], max(serving-keep, 0)
		name := t.instance + "/" + t.backend
		switch {
		case left >= keep:
			checks = append(checks, Check{Text: fmt.Sprintf("batch %d leaves at least %d of the %d servers of %s in rotation (min_in_rotation %d)", batch, left, total, name, keep), OK: true})
		case out == total:
			checks = append(checks, Check{Text: fmt.Sprintf("batch %d would take all %d servers of %s out of rotation; at most %d", batch, total, name, allowed)})
		default:
			checks = append(checks, Check{Text: fmt.Sprintf("batch %d would leave %d of the %d servers of %s in rotation (%d already out or DOWN), fewer than min_in_rotation %d; at most %d",
				batch, left, total, name, total-serving, keep, allowed)})
		}
	}
	return checks
}

func planRolling(ctx context.Context, c Call) (StepPlan, error) {
	lb, batch := c.Actions.LoadBalancer, c.Args.Int("batch")
	insts, err := rollInstances(c.Actions, c.Args.List("instances"))
	if err != nil {
		return StepPlan{}, err
	}
	checks, err := RollingChecks(ctx, c.Actions, insts, batch, c.Limits)
	if err != nil {
		return StepPlan{}, err
	}
	how := "one at a time"
	if batch > 1 {
		how = fmt.Sprintf("%d at a time", batch)
	}
	p := StepPlan{
		Lines:  []string{fmt.Sprintf("reload haproxy %s %s", strings.Join(insts, ", "), how)},
		Checks: checks,
	}
	points, riseCheck := risePoints(c)
	p.Checks = append(p.Checks, riseCheck)
	if tm := c.Actions.TierMeter; tm != nil {
		window := c.Args.Duration("verify_window")
		p.Lines = append(p.Lines, fmt.Sprintf("after each batch, back in rotation: measure its tier's error ratio over %s, halt past the bound", window))
		_, tiers := rollTiers(lb, insts)
		for _, b := range measureBounds(ctx, tm, tiers, window, points) {
			p.Checks = append(p.Checks, b.check())
		}
	} else {
		p.Checks = append(p.Checks, Check{Text: "batches are not verified: this load balancer cannot measure error ratios", OK: true, Warn: true})
	}
	throttling := lb.Throttling()
	for _, inst := range insts {
		p.Targets = append(p.Targets, "haproxy:"+inst)
		ref, hasUpstream := lb.Upstream(inst)
		line := fmt.Sprintf("%s: no upstream configured, ", inst)
		if hasUpstream {
			line = fmt.Sprintf("%s: drain %s/%s on %s (≤%s), ", inst, ref.Backend, ref.Server, ref.Instance, c.Args.Duration("drain_timeout"))
			p.Targets = append(p.Targets, "haproxy:"+ref.Instance)
		}
		line += "reload, verify new worker"
		if contains(throttling, inst) {
			if th, err := lb.Throttles(ctx, inst); err == nil && len(nonZero(th)) > 0 {
				line += ", carry throttles " + strings.Join(nonZero(th), " ")
			}
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
	c          Call
	lb         integrations.LoadBalancer
	throttling []string // instances with a throttle to carry across
	done       []*rollInstance
	current    []*rollInstance
	untouched  []string
	notes      []string
	// meter measures the tiers after each batch, against bounds (nil
	// when the load balancer cannot measure).
	meter  integrations.TierMeter
	bounds map[tierRef]errorBound
	tiers  map[string][]tierRef // instance → the tiers carrying its traffic
}

type rollInstance struct {
	name     string
	proc     integrations.ProcessInfo
	throttle map[string]int
	states   map[string]integrations.ServerState // backend/server → admin state
	upstream *integrations.UpstreamRef
	upBefore integrations.ServerState
	drained  bool
	// left is the sessions still open when the drain ended (-1 when they
	// could not be read); reloaded is set once the new worker verified.
	left     int
	reloaded bool
	// after says what became of it when the roll stopped with it in
	// progress ("returned to rotation").
	after string
}

func executeRolling(ctx context.Context, c Call) (Result, error) {
	lb, batch := c.Actions.LoadBalancer, c.Args.Int("batch")
	insts, err := rollInstances(c.Actions, c.Args.List("instances"))
	if err != nil {
		return Result{}, err
	}
	// Checked afresh before the first drain: names, batches, and every
	// instance's configuration, so a broken one is found before anything
	// is out of rotation.
	checks, err := RollingChecks(ctx, c.Actions, insts, batch, c.Limits)
	points, riseCheck := risePoints(c)
	if err == nil {
		err = failedChecks(append(checks, riseCheck))
	}
	if err != nil {
		return Result{}, err
	}
	r := &roll{c: c, lb: lb, throttling: lb.Throttling(), untouched: append([]string(nil), insts...)}
	if tm := c.Actions.TierMeter; tm != nil {
		var tiers []tierRef
		r.meter, r.bounds = tm, map[tierRef]errorBound{}
		r.tiers, tiers = rollTiers(lb, insts)
		for _, b := range measureBounds(ctx, tm, tiers, c.Args.Duration("verify_window"), points) {
			r.bounds[b.tier] = b
			r.note(b.before.tier.String() + " before the roll: " + b.before.String() + "; " + b.String())
		}
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
	}
	for len(r.untouched) > 0 {
		n := min(batch, len(r.untouched))
		names := r.untouched[:n]
		r.untouched = r.untouched[n:]
		if err := r.batch(ctx, names); err != nil {
			r.returnInProgress(ctx)
			res := r.result()
			res.Summary = r.status()
			return res, fmt.Errorf("%s; %w", res.Summary, err)
		}
	}
	res := r.result()
	res.Summary = "reloaded " + strings.Join(instanceNames(r.done), ", ")
	if open := r.reloadedOpen(); len(open) > 0 {
		res.Summary += " (" + strings.Join(open, "; ") + ")"
	}
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
		timeout := r.c.Args.Duration("drain_timeout")
		left, err := waitDrained(ctx, r.lb, *in.upstream, timeout, r.c.Args.Duration("poll"), r.c.Progress)
		if err != nil {
			return fmt.Errorf("%s: waiting for sessions to drain: %w", in.name, err)
		}
		in.left = left
		switch {
		case left > 0:
			r.c.Progress(fmt.Sprintf("%s: drain timeout %s reached with %d sessions still open; reloading with them open", in.name, timeout, left))
		case left < 0:
			r.c.Progress(fmt.Sprintf("%s: drain timeout %s reached without a session count (the front could not be read); reloading", in.name, timeout))
		}
	}
	for _, in := range r.current {
		r.c.Progress(in.name + ": reloading")
		proc, err := r.lb.Reload(ctx, in.name)
		if err != nil {
			return fmt.Errorf("%s: reload: %w", in.name, err)
		}
		if err := r.verify(ctx, in, proc); err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		// Only a verified reload is a change: a failed one leaves the old
		// worker serving.
		r.c.Changed(ledger.Change{Kind: ledger.Reload, Instance: in.name})
		in.reloaded = true
		r.c.Progress(fmt.Sprintf("%s: worker %d → %d, throttles and server states verified", in.name, in.proc.CurrentPID, proc.CurrentPID))
		if open := in.openAtReload(); open != "" {
			r.note(fmt.Sprintf("%s reloaded %s", in.name, open))
		}
	}
	for _, in := range r.current {
		if in.upstream == nil {
			continue
		}
		if err := r.restore(ctx, in); err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		in.after = "returned to rotation"
		if back := in.stateBefore(); back != integrations.ServerUp {
			in.after = fmt.Sprintf("returned to %s, as before the roll", back)
		}
		r.c.Progress(in.name + ": back in rotation")
	}
	if err := r.verifyBatch(ctx); err != nil {
		return err
	}
	r.done = append(r.done, r.current...)
	r.current = nil
	return nil
}

// openAtReload says how a reloaded instance's drain ended when sessions
// were still open, or "" when it drained (or had no upstream).
func (in *rollInstance) openAtReload() string {
	if in.upstream == nil || !in.reloaded {
		return ""
	}
	switch {
	case in.left > 0:
		return fmt.Sprintf("with %d sessions still open at the drain timeout", in.left)
	case in.left < 0:
		return "without a session count: the drain timeout passed before its upstream could be read"
	}
	return ""
}

// reloadedOpen lists the done instances reloaded with sessions open.
func (r *roll) reloadedOpen() []string {
	var out []string
	for _, in := range r.done {
		if open := in.openAtReload(); open != "" {
			out = append(out, in.name+" "+open)
		}
	}
	return out
}

// snapshot records what must survive the reload: process, throttles,
// server admin states, and the upstream server's state.
func (r *roll) snapshot(ctx context.Context, name string) (*rollInstance, error) {
	in := &rollInstance{name: name}
	var err error
	if in.proc, err = r.lb.Process(ctx, name); err != nil {
		return in, fmt.Errorf("%s: read process: %w", name, err)
	}
	if contains(r.throttling, name) {
		if in.throttle, err = r.lb.Throttles(ctx, name); err != nil {
			return in, fmt.Errorf("%s: read throttles: %w", name, err)
		}
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
	if err := r.verifyThrottles(ctx, in); err != nil {
		return err
	}
	return r.verifyStates(ctx, in)
}

// verifyThrottles sets again any throttle the reload lost, on an
// instance that carries one.
func (r *roll) verifyThrottles(ctx context.Context, in *rollInstance) error {
	if !contains(r.throttling, in.name) {
		return nil
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
	return nil
}

// verifyStates sets again any server admin state the reload lost, and
// reports servers its configuration took out of rotation.
func (r *roll) verifyStates(ctx context.Context, in *rollInstance) error {
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
			in.after = fmt.Sprintf("left out of rotation: its master does not answer (%v)", err)
		} else if err := r.lb.SetServerState(cctx, in.upstream.Instance, in.upstream.Backend, in.upstream.Server, in.stateBefore()); err != nil {
			in.after = fmt.Sprintf("left out of rotation: %v", err)
		} else {
			in.drained = false
			in.after = "returned to rotation"
			r.upstreamChanged(in, integrations.ServerDrain, in.stateBefore())
		}
		r.note(in.name + " " + in.after)
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

func instanceNames(ins []*rollInstance) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.name
	}
	return out
}

// status says which instances were done, in progress (and what became of
// each) and untouched, in words, for the step's summary and error.
func (r *roll) status() string {
	progress := make([]string, len(r.current))
	for i, in := range r.current {
		var what []string
		if in.reloaded {
			what = append(what, "reloaded")
		}
		if in.after != "" {
			what = append(what, in.after)
		}
		progress[i] = in.name
		if len(what) > 0 {
			progress[i] += " (" + strings.Join(what, ", ") + ")"
		}
	}
	return fmt.Sprintf("done: %s; in progress: %s; untouched: %s", orNone(instanceNames(r.done)), orNone(progress), orNone(r.untouched))
}

func (r *roll) result() Result {
	return Result{
		Output: strings.Join(r.notes, "\n"),
		Fields: map[string]string{
			"done":        strings.Join(instanceNames(r.done), ","),
			"in_progress": strings.Join(instanceNames(r.current), ","),
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

// minVerifyResponses is how many responses a tier must answer in a window
// for its error ratio to count: fewer say too little either to halt a roll
// on or to call a batch verified.
const minVerifyResponses = 100

// tierRef is a tier a roll measures: the front backend that sends traffic
// to the instances it rolls, or an instance without an upstream as a whole
// (backend "").
type tierRef struct{ instance, backend string }

func (t tierRef) String() string {
	if t.backend == "" {
		return t.instance
	}
	return t.instance + "/" + t.backend
}

// rollTiers are the tiers carrying the traffic of each of insts, and all
// of them in order, once each. An instance with an upstream is measured
// by its front's backend; a front rolled with its edges by the backends
// it sends them; any other instance as a whole.
func rollTiers(lb integrations.LoadBalancer, insts []string) (map[string][]tierRef, []tierRef) {
	of := map[string][]tierRef{}
	for _, inst := range insts {
		if ref, ok := lb.Upstream(inst); ok {
			t := tierRef{ref.Instance, ref.Backend}
			of[inst] = []tierRef{t}
			if contains(insts, ref.Instance) && !slices.Contains(of[ref.Instance], t) {
				of[ref.Instance] = append(of[ref.Instance], t)
			}
		}
	}
	var all []tierRef
	for _, inst := range insts {
		if len(of[inst]) == 0 {
			of[inst] = []tierRef{{instance: inst}}
		}
		for _, t := range of[inst] {
			if !slices.Contains(all, t) {
				all = append(all, t)
			}
		}
	}
	return of, all
}

// risePoints is how many percentage points a tier's error ratio may rise
// in this run: the run's max_error_rise when set, within the configured
// limit, else the limit; the check says which, and refuses a run asking
// for more than the limit.
func risePoints(c Call) (float64, Check) {
	limit := c.Limits.withDefaults().MaxErrorRisePoints
	asked := c.Args.Int("max_error_rise")
	switch {
	case asked == 0:
		return limit, Check{Text: fmt.Sprintf("error ratio may rise %s points after a batch (limits.max_error_rise_points)", points(limit)), OK: true}
	case float64(asked) > limit:
		return limit, Check{Text: fmt.Sprintf("max_error_rise %d points is above the configured maximum %s (limits.max_error_rise_points)", asked, points(limit))}
	}
	return float64(asked), Check{Text: fmt.Sprintf("max_error_rise %d points within the configured maximum %s", asked, points(limit)), OK: true}
}

func points(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }

// errorMeasure is a tier's error ratio over a window, or why there is
// none.
type errorMeasure struct {
	tier   tierRef
	window time.Duration
	rates  integrations.Rates
	err    error
}

// ratio is the measured error ratio; ok is false when the window gave
// none worth the name: an error, counters that restarted, or fewer than
// minVerifyResponses responses.
func (m errorMeasure) ratio() (ratio float64, ok bool) {
	if m.err != nil || m.rates.Answered() < minVerifyResponses {
		return 0, false
	}
	return m.rates.ErrorRatio()
}

// String says what was measured ("0.4% of 1234 responses in 10s") or why
// nothing was ("not measured: 3 responses in 10s").
func (m errorMeasure) String() string {
	switch r, ok := m.ratio(); {
	case ok:
		return fmt.Sprintf("error ratio %s (%d responses in %s)", pct(r), m.rates.Answered(), m.rates.Window.Round(100*time.Millisecond))
	case m.err != nil:
		return fmt.Sprintf("not measured: %v", m.err)
	case !m.rates.Measured():
		return fmt.Sprintf("not measured: its counters restarted during the %s window", m.window)
	}
	return fmt.Sprintf("not measured: %d responses in %s (%d needed)", m.rates.Answered(), m.rates.Window.Round(100*time.Millisecond), minVerifyResponses)
}

func pct(ratio float64) string { return fmt.Sprintf("%.1f%%", 100*ratio) }

// errorBound is how high a tier's error ratio may go after a batch: its
// ratio before the run (0 when that could not be measured) plus points.
type errorBound struct {
	tier   tierRef
	before errorMeasure
	points float64
}

// limit is the bound as a fraction.
func (b errorBound) limit() float64 {
	r, _ := b.before.ratio()
	return r + b.points/100
}

func (b errorBound) formula() string {
	r, _ := b.before.ratio()
	return fmt.Sprintf("%s + %s points = %s", pct(r), points(b.points), pct(b.limit()))
}

// String states the bound as the plan shows it.
func (b errorBound) String() string {
	return fmt.Sprintf("halts if the error ratio of %s rises above %s after a batch", b.tier, b.formula())
}

// check is the bound as a plan check: a warning when the ratio before the
// run could not be measured, so the bound stands on 0%.
func (b errorBound) check() Check {
	if _, ok := b.before.ratio(); !ok {
		return Check{Text: fmt.Sprintf("%s; its ratio before the run is %s", b, b.before), OK: true, Warn: true}
	}
	return Check{Text: fmt.Sprintf("%s (now %s)", b, b.before), OK: true}
}

// judge compares a measurement after a batch with the bound: halt when the
// ratio rose past it, and the words for the step's progress either way.
// No measurement never halts, and is never called verified.
func (b errorBound) judge(after errorMeasure) (halt bool, text string) {
	r, ok := after.ratio()
	switch {
	case !ok:
		return false, fmt.Sprintf("%s %s", b.tier, after)
	case r > b.limit()+1e-12:
		return true, fmt.Sprintf("%s %s is above %s", b.tier, after, b.formula())
	}
	return false, fmt.Sprintf("%s verified: %s, at most %s", b.tier, after, pct(b.limit()))
}

// measureTiers measures every tier over the same window at once.
func measureTiers(ctx context.Context, tm integrations.TierMeter, tiers []tierRef, window time.Duration) []errorMeasure {
	out := make([]errorMeasure, len(tiers))
	var wg sync.WaitGroup
	for i, t := range tiers {
		wg.Go(func() {
			out[i] = errorMeasure{tier: t, window: window}
			out[i].rates, out[i].err = tm.TierRates(ctx, t.instance, t.backend, window)
		})
	}
	wg.Wait()
	return out
}

// measureBounds measures the tiers before a run and bounds each.
func measureBounds(ctx context.Context, tm integrations.TierMeter, tiers []tierRef, window time.Duration, points float64) []errorBound {
	var out []errorBound
	for _, m := range measureTiers(ctx, tm, tiers, window) {
		out = append(out, errorBound{tier: m.tier, before: m, points: points})
	}
	return out
}

// verifyBatch measures the tiers of the batch in progress, back in
// rotation, and halts the roll when one rose past its bound.
func (r *roll) verifyBatch(ctx context.Context) error {
	if r.meter == nil {
		return nil
	}
	var tiers []tierRef
	for _, in := range r.current {
		for _, t := range r.tiers[in.name] {
			if !slices.Contains(tiers, t) {
				tiers = append(tiers, t)
			}
		}
	}
	window := r.c.Args.Duration("verify_window")
	r.c.Progress(fmt.Sprintf("measuring the error ratio of %s over %s", joinTiers(tiers), window))
	var halts []string
	for _, m := range measureTiers(ctx, r.meter, tiers, window) {
		if err := ctx.Err(); err != nil {
			return err
		}
		halt, text := r.bounds[m.tier].judge(m)
		r.note(strings.Join(instanceNames(r.current), ", ") + ": " + text)
		if halt {
			halts = append(halts, text)
		}
	}
	if len(halts) > 0 {
		return fmt.Errorf("halted after %s: %s", strings.Join(instanceNames(r.current), ", "), strings.Join(halts, "; "))
	}
	return nil
}

func joinTiers(tiers []tierRef) string {
	names := make([]string, len(tiers))
	for i, t := range tiers {
		names[i] = t.String()
	}
	return strings.Join(names, ", ")
}
