package runbooks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

var (
	// Names that go into Runtime API commands: no spaces or newlines, so a
	// value can never become a second command.
	haproxyNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	tierPattern        = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
)

func needLoadBalancer(a integrations.Actions) error {
	if a.LoadBalancer == nil {
		return errors.New("no HAProxy instances are configured (haproxy section of the config)")
	}
	return nil
}

// The states a step may set, and what SetServerState is given for each.
var serverStates = map[string]integrations.ServerState{
	"ready": integrations.ServerUp,
	"drain": integrations.ServerDrain,
	"maint": integrations.ServerMaint,
}

func init() {
	register(&Action{
		Name:    "haproxy.server_state",
		Summary: "set one HAProxy server ready, drain or maint through the Runtime API",
		Effect:  Writes,
		Args: []ArgSpec{
			{Name: "instance", Kind: ArgString, Required: true, Pattern: haproxyNamePattern, Doc: "HAProxy instance"},
			{Name: "backend", Kind: ArgString, Required: true, Pattern: haproxyNamePattern},
			{Name: "server", Kind: ArgString, Required: true, Pattern: haproxyNamePattern},
			{Name: "state", Kind: ArgEnum, Required: true, Values: []string{"ready", "drain", "maint"}},
			{Name: "drain_timeout", Kind: ArgDuration, Default: time.Duration(0), Doc: "after drain: wait up to this long for sessions to reach 0"},
			{Name: "settle", Kind: ArgDuration, Default: 10 * time.Second, Doc: "after ready: wait up to this long for the health check to report UP"},
			{Name: "poll", Kind: ArgDuration, Default: 500 * time.Millisecond},
		},
		Timeout:  2 * time.Minute,
		Requires: needLoadBalancer,
		Plan:     planServerState,
		Execute:  executeServerState,
	})
	register(&Action{
		Name:    "haproxy.throttle",
		Summary: "set the percentage of one traffic tier rejected at HAProxy (0 lifts it); other tiers untouched",
		Effect:  Writes,
		Args: []ArgSpec{
			{Name: "tier", Kind: ArgString, Required: true, Pattern: tierPattern, Doc: "traffic tier, as the x-tier header names it"},
			{Name: "percent", Kind: ArgInt, Required: true, Min: 0, Max: 100},
			{Name: "instances", Kind: ArgList, Pattern: haproxyNamePattern, Doc: "HAProxy instances (default: all)"},
		},
		Timeout:  time.Minute,
		Requires: needLoadBalancer,
		Plan:     planThrottle,
		Execute:  executeThrottle,
	})
}

func findServer(ctx context.Context, lb integrations.LoadBalancer, instance, backend, server string) (integrations.Backend, error) {
	servers, err := lb.Servers(ctx, instance)
	if err != nil {
		return integrations.Backend{}, fmt.Errorf("read servers of %s: %w", instance, err)
	}
	for _, s := range servers {
		if s.Backend == backend && s.Server == server {
			return s, nil
		}
	}
	return integrations.Backend{}, fmt.Errorf("%s has no server %s/%s", instance, backend, server)
}

func planServerState(ctx context.Context, c Call) (StepPlan, error) {
	inst, be, srv, state := c.Args.String("instance"), c.Args.String("backend"), c.Args.String("server"), c.Args.String("state")
	s, err := findServer(ctx, c.Actions.LoadBalancer, inst, be, srv)
	if err != nil {
		return StepPlan{}, err
	}
	line := fmt.Sprintf("%s %s/%s %s → %s (%d sessions)", inst, be, srv, s.State, strings.ToUpper(state), s.Sessions)
	if d := c.Args.Duration("drain_timeout"); state == "drain" && d > 0 {
		line += fmt.Sprintf(", wait ≤%s for sessions to reach 0", d)
	}
	return StepPlan{Lines: []string{line}, Targets: []string{"haproxy:" + inst}}, nil
}

func executeServerState(ctx context.Context, c Call) (Result, error) {
	lb := c.Actions.LoadBalancer
	inst, be, srv, state := c.Args.String("instance"), c.Args.String("backend"), c.Args.String("server"), c.Args.String("state")
	before, err := findServer(ctx, lb, inst, be, srv)
	if err != nil {
		return Result{}, err
	}
	change := serverChange(inst, be, srv, before.State, serverStates[state])
	if err := lb.SetServerState(ctx, inst, be, srv, serverStates[state]); err != nil {
		err = fmt.Errorf("set %s %s/%s %s: %w", inst, be, srv, state, err)
		if change.From != change.To {
			err = settled(ctx, c, change, err, func(ctx context.Context) (bool, error) {
				s, err := findServer(ctx, lb, inst, be, srv)
				return serverChange(inst, be, srv, s.State, "").From == change.To, err
			})
		}
		return Result{}, err
	}
	if change.From != change.To {
		c.Changed(change)
	}
	fields := map[string]string{"instance": inst, "server": be + "/" + srv, "from": string(before.State)}
	switch state {
	case "drain":
		left, err := waitDrained(ctx, lb, integrations.UpstreamRef{Instance: inst, Backend: be, Server: srv}, c.Args.Duration("drain_timeout"), c.Args.Duration("poll"), c.Progress)
		if err != nil {
			return Result{Fields: fields, Cut: "the wait for its sessions to drain"}, err
		}
		fields["sessions_left"] = fmt.Sprint(left)
		return Result{Summary: fmt.Sprintf("%s %s/%s %s → DRAIN, %d sessions left", inst, be, srv, before.State, left), Fields: fields}, nil
	case "ready":
		if err := waitUp(ctx, lb, integrations.UpstreamRef{Instance: inst, Backend: be, Server: srv}, c.Args.Duration("settle"), c.Args.Duration("poll")); err != nil {
			return Result{Fields: fields, Cut: "the wait for its health check to report UP"}, err
		}
		return Result{Summary: fmt.Sprintf("%s %s/%s %s → UP", inst, be, srv, before.State), Fields: fields}, nil
	}
	s, err := findServer(ctx, lb, inst, be, srv)
	if err != nil {
		return Result{Fields: fields}, err
	}
	if s.State != integrations.ServerMaint {
		return Result{Fields: fields}, fmt.Errorf("%s %s/%s reads %s after maint was set", inst, be, srv, s.State)
	}
	return Result{Summary: fmt.Sprintf("%s %s/%s %s → MAINT", inst, be, srv, before.State), Fields: fields}, nil
}

// serverChange is a server's admin state going from one state to another,
// as the ledger keeps it: DRAIN, MAINT or READY (in rotation, whatever its
// health check says). An empty to reads from alone, in To as well.
func serverChange(inst, be, srv string, from, to integrations.ServerState) ledger.Change {
	admin := func(s integrations.ServerState) string {
		if s == integrations.ServerDrain || s == integrations.ServerMaint {
			return string(s)
		}
		return "READY"
	}
	c := ledger.Change{Kind: ledger.Server, Instance: inst, Backend: be, Server: srv, From: admin(from), To: admin(to)}
	if to == "" {
		c.To = c.From
	}
	return c
}

// waitDrained polls a server until it has no sessions or timeout passes,
// returning how many sessions were left. Running out of time is not an
// error: HAProxy keeps serving those sessions to their end.
func waitDrained(ctx context.Context, lb integrations.LoadBalancer, ref integrations.UpstreamRef, timeout, every time.Duration, progress func(string)) (int, error) {
	if timeout <= 0 {
		return 0, nil
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	left := -1
	err := pollUntil(wctx, every, func() (bool, error) {
		s, err := findServer(wctx, lb, ref.Instance, ref.Backend, ref.Server)
		if err != nil {
			return false, nil // retried until the drain timeout
		}
		left = s.Sessions
		progress(fmt.Sprintf("%s/%s on %s draining: %d sessions", ref.Backend, ref.Server, ref.Instance, left))
		return left == 0, nil
	})
	if ctx.Err() != nil {
		return left, context.Cause(ctx)
	}
	_ = err // the drain timeout passed: proceed with what is left
	return left, nil
}

// waitUp polls a server until its health check reports UP, up to settle.
func waitUp(ctx context.Context, lb integrations.LoadBalancer, ref integrations.UpstreamRef, settle, every time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, settle)
	defer cancel()
	var last integrations.ServerState
	err := pollUntil(wctx, every, func() (bool, error) {
		s, err := findServer(wctx, lb, ref.Instance, ref.Backend, ref.Server)
		if err != nil {
			return false, nil
		}
		last = s.State
		return s.State == integrations.ServerUp, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("%s/%s on %s is in rotation but its health check reads %s after %s", ref.Backend, ref.Server, ref.Instance, orUnknown(last), settle)
	}
	return nil
}

func orUnknown(s integrations.ServerState) string {
	if s == "" {
		return "nothing"
	}
	return string(s)
}

// throttleInstances are the instances a throttle applies to: the named
// ones (each must carry the throttle) or every instance that does.
func throttleInstances(lb integrations.LoadBalancer, named []string) ([]string, error) {
	throttling := lb.Throttling()
	if len(named) == 0 {
		if len(throttling) == 0 {
			return nil, errors.New("no HAProxy instance carries the throttle: set throttle_map on the instances that take user traffic")
		}
		return throttling, nil
	}
	for _, n := range named {
		if !contains(throttling, n) {
			return nil, fmt.Errorf("HAProxy instance %s carries no throttle (instances with a throttle map: %s)", n, strings.Join(throttling, ", "))
		}
	}
	return named, nil
}

func throttleCheck(percent int, l Limits) Check {
	return verdict(percent <= l.MaxThrottlePercent,
		fmt.Sprintf("throttle %d%% within the configured maximum %d%%", percent, l.MaxThrottlePercent),
		fmt.Sprintf("throttle %d%% is above the configured maximum %d%%", percent, l.MaxThrottlePercent))
}

func planThrottle(ctx context.Context, c Call) (StepPlan, error) {
	lb, tier, pct := c.Actions.LoadBalancer, c.Args.String("tier"), c.Args.Int("percent")
	insts, err := throttleInstances(lb, c.Args.List("instances"))
	if err != nil {
		return StepPlan{}, err
	}
	byFrom := map[int][]string{}
	for _, inst := range insts {
		cur, err := lb.Throttles(ctx, inst)
		if err != nil {
			return StepPlan{}, fmt.Errorf("read throttles of %s: %w", inst, err)
		}
		byFrom[cur[tier]] = append(byFrom[cur[tier]], inst)
	}
	froms := make([]int, 0, len(byFrom))
	for f := range byFrom {
		froms = append(froms, f)
	}
	sort.Ints(froms)
	p := StepPlan{Checks: []Check{throttleCheck(pct, c.Limits)}}
	for _, from := range froms {
		on := strings.Join(byFrom[from], ", ")
		if from == pct {
			p.Lines = append(p.Lines, fmt.Sprintf("throttle tier %s already %d%% on %s (no change)", tier, pct, on))
		} else {
			p.Lines = append(p.Lines, fmt.Sprintf("throttle tier %s %d%% → %d%% on %s", tier, from, pct, on))
		}
	}
	for _, inst := range insts {
		p.Targets = append(p.Targets, "haproxy:"+inst)
	}
	return p, nil
}

func executeThrottle(ctx context.Context, c Call) (Result, error) {
	lb, tier, pct := c.Actions.LoadBalancer, c.Args.String("tier"), c.Args.Int("percent")
	if err := failedChecks([]Check{throttleCheck(pct, c.Limits)}); err != nil {
		return Result{}, err
	}
	insts, err := throttleInstances(lb, c.Args.List("instances"))
	if err != nil {
		return Result{}, err
	}
	var set []string
	fields := map[string]string{"tier": tier, "percent": fmt.Sprint(pct)}
	for _, inst := range insts {
		before, err := lb.Throttles(ctx, inst)
		if err != nil {
			return partialThrottle(fields, set, insts), fmt.Errorf("read throttles of %s: %w", inst, err)
		}
		change := ledger.Change{Kind: ledger.Throttle, Instance: inst, Tier: tier, From: fmt.Sprint(before[tier]), To: fmt.Sprint(pct)}
		if err := lb.SetThrottle(ctx, inst, tier, pct); err != nil {
			err = fmt.Errorf("set throttle %s %d%% on %s: %w", tier, pct, inst, err)
			if before[tier] != pct {
				err = settled(ctx, c, change, err, func(ctx context.Context) (bool, error) {
					now, err := lb.Throttles(ctx, inst)
					return now[tier] == pct, err
				})
			}
			return partialThrottle(fields, set, insts), err
		}
		want := make(map[string]int, len(before)+1)
		for k, v := range before {
			want[k] = v
		}
		want[tier] = pct
		after, err := lb.Throttles(ctx, inst)
		if err == nil {
			if after[tier] != before[tier] {
				change.To = fmt.Sprint(after[tier])
				c.Changed(change)
			}
			err = sameThrottles(want, after)
		} else if before[tier] != pct {
			change.Unconfirmed = true
			c.Changed(change)
		}
		if err != nil {
			return partialThrottle(fields, set, insts), fmt.Errorf("verify throttles on %s: %w", inst, err)
		}
		set = append(set, inst)
		c.Progress(fmt.Sprintf("tier %s %d%% → %d%% on %s", tier, before[tier], pct, inst))
	}
	r := partialThrottle(fields, set, insts)
	r.Summary = fmt.Sprintf("tier %s at %d%% on %s", tier, pct, strings.Join(set, ", "))
	return r, nil
}

func partialThrottle(fields map[string]string, set, all []string) Result {
	fields["set"] = strings.Join(set, ",")
	fields["untouched"] = strings.Join(all[len(set):], ",")
	r := Result{Fields: fields}
	if len(set) < len(all) {
		r.Cut = "setting the throttle on " + strings.Join(all[len(set):], ", ")
	}
	return r
}

// sameThrottles compares two throttle tables, treating a missing tier as 0.
func sameThrottles(want, got map[string]int) error {
	var diff []string
	for _, k := range unionKeys(want, got) {
		if want[k] != got[k] {
			diff = append(diff, fmt.Sprintf("tier %s is %d%%, want %d%%", k, got[k], want[k]))
		}
	}
	if len(diff) > 0 {
		return errors.New(strings.Join(diff, "; "))
	}
	return nil
}

// unionKeys is the sorted set of keys of a and b.
func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
