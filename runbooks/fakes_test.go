package runbooks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

// The fakes below behave like the real adapters (a scaler whose in-service
// count catches up over time, load balancers whose sessions drain and whose
// reloads start new workers) and log every write, so tests can assert what
// was and was not sent.

type writeLog struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeLog) add(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, fmt.Sprintf(format, args...))
}

func (w *writeLog) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.writes)
}

func (w *writeLog) mentioning(s string) []string {
	var out []string
	for _, x := range w.all() {
		if strings.Contains(x, s) {
			out = append(out, x)
		}
	}
	return out
}

type fakeScaler struct {
	*writeLog
	mu     sync.Mutex
	groups map[string]*integrations.Group
	// hang makes SetDesiredCapacity block until its context ends, like an
	// API that never answers.
	hang bool
	// catchUp is how many instances come into service per read (default 1).
	catchUp int
	// launchFailure, when set, makes every launch fail with this message:
	// in-service never catches up and a failed activity is recorded.
	launchFailure string
}

func newFakeScaler(groups ...integrations.Group) *fakeScaler {
	s := &fakeScaler{writeLog: &writeLog{}, groups: map[string]*integrations.Group{}}
	for _, g := range groups {
		g := g
		s.groups[g.Name] = &g
	}
	return s
}

func (s *fakeScaler) SetDesiredCapacity(ctx context.Context, group string, desired int) error {
	s.add("SetDesiredCapacity %s %d", group, desired)
	if s.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[group]
	if !ok {
		return fmt.Errorf("ValidationError: group %s not found", group)
	}
	if desired > g.Max {
		return fmt.Errorf("ValidationError: desired %d above max %d", desired, g.Max)
	}
	g.Desired = desired
	if s.launchFailure != "" {
		g.Activities = append([]integrations.ScalingActivity{{ID: "a1", Status: integrations.ActivityFailed, Message: s.launchFailure, Start: time.Now()}}, g.Activities...)
	}
	return nil
}

// DescribeGroup moves in-service catchUp instances towards desired per
// call, as launches complete over time.
func (s *fakeScaler) DescribeGroup(_ context.Context, group string) (integrations.Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[group]
	if !ok {
		return integrations.Group{}, fmt.Errorf("group %s not found", group)
	}
	step := max(1, s.catchUp)
	switch {
	case s.launchFailure != "":
	case g.InService < g.Desired:
		g.InService = min(g.Desired, g.InService+step)
	case g.InService > g.Desired:
		g.InService = max(g.Desired, g.InService-step)
	}
	out := *g
	out.Pending = max(0, g.Desired-g.InService)
	return out, nil
}

type fakeProc struct {
	proc     integrations.ProcessInfo
	throttle map[string]int
	servers  []integrations.Backend
}

// fakeLB is a fleet of edge HAProxy instances behind one front instance
// whose backend "edges" has a server per edge.
type fakeLB struct {
	*writeLog
	mu    sync.Mutex
	order []string
	procs map[string]*fakeProc
	// Behaviour switches, set before a run.
	stuckSessions  map[string]bool // the edge's upstream sessions never drain
	unhealthy      map[string]bool // the edge's upstream stays DOWN once ready
	failReload     map[string]bool // the reload fails; the old worker keeps serving
	loseOnReload   map[string]bool // the reload forgets runtime throttles and server states
	reloadHook     func(instance string)
	sessionsPerCut int
	noThrottleMap  bool              // no instance carries a throttle map
	reloadError    map[string]string // the reload call fails with this error
}

func newFakeLB(edges ...string) *fakeLB {
	lb := &fakeLB{
		writeLog: &writeLog{}, order: edges, procs: map[string]*fakeProc{},
		stuckSessions: map[string]bool{}, unhealthy: map[string]bool{}, failReload: map[string]bool{}, loseOnReload: map[string]bool{},
		sessionsPerCut: 5,
	}
	front := &fakeProc{proc: integrations.ProcessInfo{CurrentPID: 100}, throttle: map[string]int{}}
	for i, e := range edges {
		front.servers = append(front.servers, integrations.Backend{Instance: "front", Backend: "edges", Server: e, State: integrations.ServerUp, Sessions: 12})
		lb.procs[e] = &fakeProc{
			proc:     integrations.ProcessInfo{CurrentPID: 1000 * (i + 1)},
			throttle: map[string]int{"free": 0, "premium": 0},
			servers: []integrations.Backend{
				{Instance: e, Backend: "app", Server: "app-1", State: integrations.ServerUp},
				{Instance: e, Backend: "app", Server: "app-2", State: integrations.ServerUp},
			},
		}
	}
	lb.procs["front"] = front
	return lb
}

func (lb *fakeLB) Instances() []string { return slices.Clone(lb.order) }

// Throttling: the edges carry the throttle; the front does not.
func (lb *fakeLB) Throttling() []string {
	if lb.noThrottleMap {
		return nil
	}
	return slices.Clone(lb.order)
}

func (lb *fakeLB) proc(instance string) (*fakeProc, error) {
	p, ok := lb.procs[instance]
	if !ok {
		return nil, fmt.Errorf("unknown instance %s", instance)
	}
	return p, nil
}

// Servers drains sessions of servers in DRAIN by sessionsPerCut per read.
func (lb *fakeLB) Servers(_ context.Context, instance string) ([]integrations.Backend, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	p, err := lb.proc(instance)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(p.servers)
	for i := range p.servers {
		s := &p.servers[i]
		if s.State == integrations.ServerDrain && !lb.stuckSessions[s.Server] {
			s.Sessions = max(0, s.Sessions-lb.sessionsPerCut)
		}
	}
	return out, nil
}

func (lb *fakeLB) SetServerState(_ context.Context, instance, backend, server string, state integrations.ServerState) error {
	lb.add("SetServerState %s %s/%s %s", instance, backend, server, state)
	lb.mu.Lock()
	defer lb.mu.Unlock()
	p, err := lb.proc(instance)
	if err != nil {
		return err
	}
	for i := range p.servers {
		s := &p.servers[i]
		if s.Backend == backend && s.Server == server {
			s.State = state
			if state == integrations.ServerUp && lb.unhealthy[server] {
				s.State = integrations.ServerDown
			}
			return nil
		}
	}
	return fmt.Errorf("no server %s/%s", backend, server)
}

func (lb *fakeLB) Throttles(_ context.Context, instance string) (map[string]int, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if lb.noThrottleMap {
		return nil, fmt.Errorf("haproxy %s: no throttle map configured", instance)
	}
	p, err := lb.proc(instance)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for k, v := range p.throttle {
		out[k] = v
	}
	return out, nil
}

func (lb *fakeLB) SetThrottle(_ context.Context, instance, tier string, percent int) error {
	lb.add("SetThrottle %s %s %d", instance, tier, percent)
	lb.mu.Lock()
	defer lb.mu.Unlock()
	p, err := lb.proc(instance)
	if err != nil {
		return err
	}
	p.throttle[tier] = percent
	return nil
}

func (lb *fakeLB) Reload(ctx context.Context, instance string) (integrations.ProcessInfo, error) {
	lb.add("Reload %s", instance)
	if lb.reloadHook != nil {
		lb.reloadHook(instance)
	}
	if msg := lb.reloadError[instance]; msg != "" {
		return integrations.ProcessInfo{}, errors.New(msg)
	}
	if err := ctx.Err(); err != nil {
		return integrations.ProcessInfo{}, err
	}
	lb.mu.Lock()
	defer lb.mu.Unlock()
	p, err := lb.proc(instance)
	if err != nil {
		return integrations.ProcessInfo{}, err
	}
	p.proc.Reloads++
	if lb.failReload[instance] {
		p.proc.FailedReloads++
		return p.proc, nil
	}
	p.proc.CurrentPID++
	if lb.loseOnReload[instance] {
		for k := range p.throttle {
			p.throttle[k] = 0
		}
		for i := range p.servers {
			p.servers[i].State = integrations.ServerUp
		}
	}
	return p.proc, nil
}

func (lb *fakeLB) Process(_ context.Context, instance string) (integrations.ProcessInfo, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	p, err := lb.proc(instance)
	if err != nil {
		return integrations.ProcessInfo{}, err
	}
	return p.proc, nil
}

func (lb *fakeLB) Upstream(instance string) (integrations.UpstreamRef, bool) {
	if instance == "front" {
		return integrations.UpstreamRef{}, false
	}
	return integrations.UpstreamRef{Instance: "front", Backend: "edges", Server: instance}, true
}

func (lb *fakeLB) upstreamState(edge string) integrations.ServerState {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for _, s := range lb.procs["front"].servers {
		if s.Server == edge {
			return s.State
		}
	}
	return ""
}

func (lb *fakeLB) reloads(instance string) int {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.procs[instance].proc.Reloads
}

type fakeChat struct {
	*writeLog
}

func (c *fakeChat) Post(_ context.Context, text, thread string) (integrations.Message, error) {
	c.add("Post %s", text)
	return integrations.Message{ID: "1700000000.000100", Text: text, ThreadID: thread}, nil
}

type fakeCommands struct {
	*writeLog
	mu       sync.Mutex
	commands []string
	output   string
	failOn   string // this target's command exits 1
}

// RunCommandBounded runs on every target, recording the bounds asked.
func (f *fakeCommands) RunCommandBounded(ctx context.Context, targets []string, command string, opts integrations.CommandOptions) ([]integrations.CommandResult, error) {
	f.add("bounds %d/%d", opts.MaxConcurrency, opts.MaxErrors)
	return f.RunCommand(ctx, targets, command, opts.MaxOutput)
}

func (f *fakeCommands) RunCommand(_ context.Context, targets []string, command string, maxOutput int) ([]integrations.CommandResult, error) {
	f.add("RunCommand %s", strings.Join(targets, ","))
	f.mu.Lock()
	f.commands = append(f.commands, command)
	f.mu.Unlock()
	var out []integrations.CommandResult
	for _, t := range targets {
		o := f.output
		if len(o) > maxOutput {
			o = o[:maxOutput]
		}
		r := integrations.CommandResult{Target: t, Status: "Success", Output: o}
		if t == f.failOn {
			r.Status, r.ExitCode = "Failed", 1
		}
		out = append(out, r)
	}
	return out, nil
}

// recordKinds lists the kinds of the records rec kept, leaving progress
// records out.
func recordKinds(rec *integrationstest.Recorder) []string {
	var out []string
	for _, r := range rec.Records("") {
		if r.Kind != integrations.KindRunbookStepProgress {
			out = append(out, r.Kind)
		}
	}
	return out
}

// runBuiltin plans and runs a built-in runbook by name against actions,
// confirmed (a dangerous runbook's text typed back), and returns the
// report and every record the run emitted. opts.StateDir defaults to a
// temporary directory. The real-HAProxy tests use it too.
func runBuiltin(t *testing.T, ctx context.Context, name string, params map[string]string, actions integrations.Actions, limits Limits, opts RunOptions) (*Report, []integrations.Record, error) {
	t.Helper()
	cat, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := cat.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(ctx, rb, params, actions, limits)
	if err != nil {
		return nil, nil, err
	}
	if opts.StateDir == "" {
		opts.StateDir = t.TempDir()
	}
	if !opts.DryRun && !opts.Confirmed {
		opts.Confirmed, opts.Typed = true, plan.ConfirmText
	}
	var rec integrationstest.Recorder
	report, err := Run(ctx, plan, actions, rec.Sink, opts)
	return report, rec.Records(""), err
}
