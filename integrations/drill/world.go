// Package drill is the simulated world behind the same interfaces as the
// real adapters: alerts, an Auto Scaling fleet, HAProxy edges and a chat
// channel replaying a scripted incident. The user's actions (scaling,
// throttling, reloading) change its outcome. A world is deterministic for
// a given scenario and seed: the same actions at the same scenario times
// give the same events.
package drill

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
)

// webPort is where the drill's web servers listen.
const webPort = 8080

// Source names the drill publishes under, one badge each on the header.
var sourceNames = []string{"pagerduty", "aws", "haproxy", "slack"}

// World is one running drill. Its methods are safe for concurrent use:
// Run advances it while runbooks act on it from other goroutines.
type World struct {
	mu    sync.Mutex
	sc    Scenario
	speed float64
	rng   *rand.Rand
	now   time.Time

	groups []*group
	edges  []*edge
	alerts []*alertState
	chat   []chatState
	msgSeq int

	// What the scenario's reactive chat lines watch.
	firstScaleUp, firstThrottle, recovered, lifted time.Time
	sawErrors                                      bool

	signal  Signal
	pending []integrations.Event // records made by actions, published on the next step
}

type group struct {
	integrations.Group
	ready map[string]time.Time // pending instance id → when it comes into service
}

type edge struct {
	name      string
	throttles map[string]int
	reloads   int
	pid       int
	servers   map[string]integrations.ServerState // admin state set by hand, by server name
	total5xx  map[string]uint64
}

type alertState struct {
	rule       AlertRule
	alert      integrations.Alert
	open       bool
	fired      bool
	fireRun    int
	clearRun   int
	firstFired time.Time
}

type chatState struct {
	line ChatLine
	sent bool
}

// Options tune a world.
type Options struct {
	Seed  uint64  // the same seed gives the same world
	Speed float64 // scenario seconds per real second in Run (default 1)
}

// New builds a world for the scenario.
func New(sc Scenario, opts Options) *World {
	if opts.Speed <= 0 {
		opts.Speed = 1
	}
	w := &World{sc: sc, speed: opts.Speed, now: sc.Start,
		rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
	for _, gs := range sc.Groups {
		g := &group{Group: integrations.Group{
			Name: gs.Name, Desired: gs.Desired, Min: gs.Min, Max: gs.Max,
			Activities: slices.Clone(gs.Activities), DesiredSince: sc.Start.Add(-61 * time.Hour),
		}, ready: map[string]time.Time{}}
		for range gs.Desired {
			g.Instances = append(g.Instances, w.newInstance(gs.Name, integrations.LifecycleInService, sc.Start.Add(-72*time.Hour)))
		}
		g.recount()
		w.groups = append(w.groups, g)
	}
	for i, name := range sc.Edges {
		w.edges = append(w.edges, &edge{name: name, throttles: map[string]int{}, pid: 1000 + 10*i,
			servers: map[string]integrations.ServerState{}, total5xx: map[string]uint64{}})
	}
	for _, a := range sc.OpenAlerts {
		w.alerts = append(w.alerts, &alertState{alert: a, open: true, fired: true, firstFired: a.CreatedAt})
	}
	for _, r := range sc.Alerts {
		w.alerts = append(w.alerts, &alertState{rule: r})
	}
	for _, l := range sc.Chat {
		w.chat = append(w.chat, chatState{line: l})
	}
	return w
}

// Scenario is the scenario the world replays.
func (w *World) Scenario() Scenario { return w.sc }

// Now is the scenario's clock.
func (w *World) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

// Name implements integrations.Source.
func (w *World) Name() string { return "drill" }

// Run implements integrations.Source: it advances the world in real time,
// Speed scenario seconds per second, publishing what happens, until ctx
// ends.
func (w *World) Run(ctx context.Context, pub integrations.Publisher) error {
	const tick = 100 * time.Millisecond
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	began := time.Now()
	w.Step(w.Now(), pub) // publish the starting state at once
	for {
		select {
		case <-ctx.Done():
			return nil
		case t := <-ticker.C:
			elapsed := time.Duration(float64(t.Sub(began)) * w.speed)
			w.Step(w.sc.Start.Add(elapsed.Truncate(time.Second)), pub)
		}
	}
}

// Step advances the world second by second up to to, then publishes the
// snapshots. Tests call it directly for deterministic runs.
func (w *World) Step(to time.Time, pub integrations.Publisher) {
	w.mu.Lock()
	var out []integrations.Event
	out = append(out, w.pending...)
	w.pending = nil
	for w.now.Before(to) {
		w.now = w.now.Add(time.Second)
		out = append(out, w.second()...)
	}
	out = append(out, w.snapshots()...)
	w.mu.Unlock()
	for _, e := range out {
		pub.Publish(e)
	}
}

func (w *World) elapsed() float64 { return w.now.Sub(w.sc.Start).Seconds() }

// second simulates one second of the scenario.
func (w *World) second() []integrations.Event {
	var out []integrations.Event
	for _, g := range w.groups {
		out = append(out, w.launch(g)...)
	}
	web := w.group(w.sc.WebGroup)
	capacity := float64(web.InService) * w.sc.PerInstance
	demand := w.sc.Demand(w.elapsed()) * (0.97 + 0.06*w.rng.Float64())
	load := demand * (1 - w.sc.FreeShare*w.throttleFraction())
	w.signal = Signal{Utilisation: load / max(capacity, 1)}
	if load > capacity {
		w.signal.ErrorRate = (load - capacity) / load
	}
	w.count5xx(web, load)
	out = append(out, w.evaluateAlerts()...)
	w.trackMilestones()
	out = append(out, w.sayChat()...)
	return out
}

// throttleFraction is the mean free-tier throttle across edges, 0..1.
func (w *World) throttleFraction() float64 {
	if len(w.edges) == 0 {
		return 0
	}
	sum := 0
	for _, e := range w.edges {
		sum += e.throttles["free"]
	}
	return float64(sum) / float64(len(w.edges)) / 100
}

// count5xx spreads the failing requests over the edges' web servers.
func (w *World) count5xx(web *group, load float64) {
	failing := load * w.signal.ErrorRate
	servers := inService(web)
	if len(servers) == 0 || len(w.edges) == 0 {
		return
	}
	per := uint64(failing / float64(len(w.edges)*len(servers)))
	for _, e := range w.edges {
		for _, in := range servers {
			e.total5xx[serverName(in)] += per
		}
	}
}

func (w *World) trackMilestones() {
	now := w.now
	if w.signal.ErrorRate > 0.05 {
		w.sawErrors = true
	}
	if w.sawErrors && w.recovered.IsZero() && w.signal.ErrorRate < 0.01 {
		w.recovered = now
	}
	if !w.firstThrottle.IsZero() && w.lifted.IsZero() && w.throttleFraction() == 0 {
		w.lifted = now
	}
}

func (w *World) evaluateAlerts() []integrations.Event {
	var out []integrations.Event
	for _, a := range w.alerts {
		r := a.rule
		if r.Fire == nil {
			continue
		}
		if r.Fire(w.signal) {
			a.fireRun++
		} else {
			a.fireRun = 0
		}
		if r.Clear(w.signal) {
			a.clearRun++
		} else {
			a.clearRun = 0
		}
		switch {
		case !a.open && a.fireRun >= r.FireFor:
			a.open = true
			a.alert = integrations.Alert{ID: r.ID, Service: r.Service, Severity: r.Severity,
				Status: integrations.AlertTriggered, Title: r.Title, Body: r.Body,
				CreatedAt: w.now, UpdatedAt: w.now, Link: "drill://alerts/" + r.ID}
			if !a.fired {
				a.fired, a.firstFired = true, w.now
			}
			out = append(out, alertRecord(a.alert, "alert.triggered", ""))
		case a.open && a.alert.Status != integrations.AlertResolved && a.clearRun >= r.ClearFor:
			a.open = false
			a.alert.Status, a.alert.UpdatedAt = integrations.AlertResolved, w.now
			out = append(out, alertRecord(a.alert, "alert.resolved", "auto-resolved: condition cleared"))
		}
	}
	return out
}

func alertRecord(a integrations.Alert, kind, note string) integrations.Record {
	text := fmt.Sprintf("[%s] %s", a.Severity, a.Title)
	if note != "" {
		text += " (" + note + ")"
	}
	return integrations.Record{Occurred: a.UpdatedAt, Source: "pagerduty", Kind: kind, Text: text,
		Fields: map[string]string{"alert": a.ID, "service": a.Service, "severity": string(a.Severity)}}
}

func (w *World) sayChat() []integrations.Event {
	var out []integrations.Event
	for i := range w.chat {
		c := &w.chat[i]
		if c.sent {
			continue
		}
		base, ok := w.triggerTime(c.line)
		if !ok || w.now.Before(base.Add(time.Duration(c.line.At)*time.Second)) {
			continue
		}
		c.sent = true
		out = append(out, w.message(c.line.User, c.line.Text)...)
	}
	return out
}

func (w *World) triggerTime(l ChatLine) (time.Time, bool) {
	switch l.Trigger {
	case AtSecond:
		return w.sc.Start, true
	case AfterAlert:
		for _, a := range w.alerts {
			if a.alert.ID == l.Ref || a.rule.ID == l.Ref {
				return a.firstFired, a.fired
			}
		}
	case AfterScaleUp:
		return w.firstScaleUp, !w.firstScaleUp.IsZero()
	case AfterThrottle:
		return w.firstThrottle, !w.firstThrottle.IsZero()
	case AfterRecovery:
		return w.recovered, !w.recovered.IsZero()
	case AfterLiftThrottle:
		return w.lifted, !w.lifted.IsZero()
	}
	return time.Time{}, false
}

// message makes a chat message and its timeline record.
func (w *World) message(user, text string) []integrations.Event {
	w.msgSeq++
	m := integrations.Message{ID: fmt.Sprintf("%d.%06d", w.now.Unix(), w.msgSeq), Channel: w.sc.Channel,
		User: user, Text: text, At: w.now}
	return []integrations.Event{
		integrations.ChatPosted{Source: "slack", Messages: []integrations.Message{m}},
		integrations.Record{Occurred: m.At, Source: "slack", Kind: "chat.message", Actor: user, Text: text,
			Fields: map[string]string{"channel": m.Channel, "ts": m.ID}},
	}
}

// snapshots is the current state of every simulated source.
func (w *World) snapshots() []integrations.Event {
	var alerts []integrations.Alert
	for _, a := range w.alerts {
		if a.fired {
			alerts = append(alerts, a.alert)
		}
	}
	groups := make([]integrations.Group, 0, len(w.groups))
	for _, g := range w.groups {
		c := g.Group
		c.Instances = slices.Clone(g.Instances)
		c.Activities = slices.Clone(g.Activities)
		groups = append(groups, c)
	}
	out := []integrations.Event{
		integrations.AlertsSnapshot{Source: "pagerduty", Alerts: alerts},
		integrations.FleetSnapshot{Source: "aws", Groups: groups},
		integrations.BackendsSnapshot{Source: "haproxy", Backends: w.backends(), Throttles: w.throttles()},
	}
	for _, name := range sourceNames {
		out = append(out, integrations.StatusChanged{Status: integrations.SourceStatus{
			Source: name, State: integrations.SourceOK, LastSuccess: w.now, LastAttempt: w.now, Budget: 30 * time.Second}})
	}
	return out
}

// backends lists every edge's web servers as HAProxy would report them.
func (w *World) backends() []integrations.Backend {
	web := w.group(w.sc.WebGroup)
	servers := inService(web)
	load := w.sc.Demand(w.elapsed()) * (1 - w.sc.FreeShare*w.throttleFraction())
	var out []integrations.Backend
	for _, e := range w.edges {
		for _, in := range servers {
			name := serverName(in)
			state := integrations.ServerUp
			if s, ok := e.servers[name]; ok {
				state = s
			}
			sessions := 0
			if state == integrations.ServerUp && len(servers) > 0 {
				sessions = int(load / float64(len(w.edges)*len(servers)) / 10)
			}
			out = append(out, integrations.Backend{Instance: e.name, Backend: "web", Server: name,
				Address: in.PrivateIP, Port: webPort, State: state, Weight: 100, Sessions: sessions,
				Total5xx: e.total5xx[name], Rate5xx: w.signal.ErrorRate * load / float64(len(w.edges)*len(servers))})
		}
	}
	return out
}

// throttles lists every edge's throttles in edge order, tiers sorted.
func (w *World) throttles() []integrations.Throttle {
	var out []integrations.Throttle
	for _, e := range w.edges {
		for _, tier := range slices.Sorted(maps.Keys(e.throttles)) {
			out = append(out, integrations.Throttle{Instance: e.name, Tier: tier, Percent: e.throttles[tier]})
		}
	}
	return out
}

func (w *World) group(name string) *group {
	for _, g := range w.groups {
		if g.Name == name {
			return g
		}
	}
	return &group{ready: map[string]time.Time{}}
}

func inService(g *group) []integrations.Instance {
	var out []integrations.Instance
	for _, in := range g.Instances {
		if in.Lifecycle == integrations.LifecycleInService {
			out = append(out, in)
		}
	}
	return out
}

func serverName(in integrations.Instance) string { return "web-" + in.ID[len(in.ID)-4:] }

// Bindings tie the web group to every edge's web backend, so the drill's
// fleet is checked for slot drift like a configured one.
func (w *World) Bindings() []drift.Binding {
	var out []drift.Binding
	for _, e := range w.sc.Edges {
		out = append(out, drift.Binding{Group: w.sc.WebGroup, Instance: e, Backend: "web", Port: webPort})
	}
	return out
}
