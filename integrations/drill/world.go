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
	user  string // who is at the keyboard
	rng   *rand.Rand
	now   time.Time

	groups []*group
	edges  []*edge
	alerts []*alertState
	chat   []chatState
	msgSeq int

	// What the scenario's reactive chat lines watch.
	firstScaleUp, firstThrottle, firstReload, recovered, lifted time.Time
	sawErrors                                                   bool

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
	// slots are the edge's fixed server-template slots when the scenario
	// has them (nil: the edge follows the group, as a working service
	// discovery sync would). Only a reload re-resolves them.
	slots []slot
}

// slot is one server-template slot: the instance it was last pointed at
// ("" when free) and that instance's address, kept after it is gone.
type slot struct {
	name, instance, addr string
}

// server is one server line of an edge as traffic sees it.
type server struct {
	name, addr string
	state      integrations.ServerState
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
	// User is who is at the keyboard: the name the channel shows on their
	// posts and the timeline records for what they do (default "you").
	User string
}

// New builds a world for the scenario.
func New(sc Scenario, opts Options) *World {
	if opts.Speed <= 0 {
		opts.Speed = 1
	}
	if opts.User == "" {
		opts.User = "you"
	}
	w := &World{sc: sc, speed: opts.Speed, user: opts.User, now: sc.Start,
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
		e := &edge{name: name, throttles: map[string]int{}, pid: 1000 + 10*i,
			servers: map[string]integrations.ServerState{}, total5xx: map[string]uint64{}}
		if sc.Slots > 0 {
			e.slots = make([]slot, sc.Slots)
			e.resolve(inService(w.group(sc.WebGroup)))
		}
		w.edges = append(w.edges, e)
	}
	for _, a := range sc.OpenAlerts {
		w.alerts = append(w.alerts, &alertState{alert: a, open: true, fired: true, firstFired: a.CreatedAt})
		// On the timeline with its own time, as PagerDuty's first poll
		// reports an incident already open: the postmortem needs the
		// warning that fired and paged nobody.
		w.pending = append(w.pending, alertRecord(a, "alert.triggered", "before the drill began"))
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
	out = append(out, w.schedule()...)
	demand := w.sc.Demand(w.elapsed()) * (0.97 + 0.06*w.rng.Float64())
	w.serve(demand * (1 - w.sc.FreeShare*w.throttleFraction()))
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

// serve spreads the load evenly over the edges; each edge sends its share
// to its UP servers, each of which gives every edge an equal part of its
// instance's capacity. What an edge cannot serve fails with a 5xx, counted
// on its servers.
func (w *World) serve(load float64) {
	if len(w.edges) == 0 || load <= 0 {
		w.signal = Signal{}
		return
	}
	share := load / float64(len(w.edges))
	var failing, capacity float64
	for _, e := range w.edges {
		servers := w.serversOf(e)
		up := 0
		for _, s := range servers {
			if s.state == integrations.ServerUp {
				up++
			}
		}
		edgeCap := float64(up) * w.sc.PerInstance / float64(len(w.edges))
		capacity += edgeCap
		if lost := share - edgeCap; lost > 0 {
			failing += lost
			for _, s := range servers {
				e.total5xx[s.name] += uint64(lost / float64(len(servers)))
			}
		}
	}
	w.signal = Signal{ErrorRate: failing / load, Utilisation: load / max(capacity, 1)}
}

// serversOf lists an edge's servers: its slots when it has them, else one
// per in-service web instance; states set by hand win.
func (w *World) serversOf(e *edge) []server {
	var out []server
	if e.slots == nil {
		for _, in := range inService(w.group(w.sc.WebGroup)) {
			out = append(out, server{name: serverName(in), addr: in.PrivateIP, state: integrations.ServerUp})
		}
	} else {
		live := map[string]bool{}
		for _, in := range inService(w.group(w.sc.WebGroup)) {
			live[in.ID] = true
		}
		for _, sl := range e.slots {
			st := integrations.ServerUp
			switch {
			case sl.instance == "":
				st = integrations.ServerMaint // a free slot
			case !live[sl.instance]:
				st = integrations.ServerDown // its host is gone: the health check fails
			}
			out = append(out, server{name: sl.name, addr: sl.addr, state: st})
		}
	}
	for i := range out {
		if s, ok := e.servers[out[i].name]; ok {
			out[i].state = s
		}
	}
	return out
}

// resolve points the slots at the given instances, in order, and frees the
// rest: what a reload's fresh DNS resolution of the slots does.
func (e *edge) resolve(instances []integrations.Instance) {
	for i := range e.slots {
		e.slots[i] = slot{name: fmt.Sprintf("web%d", i+1)}
		if i < len(instances) {
			e.slots[i].instance, e.slots[i].addr = instances[i].ID, instances[i].PrivateIP
		}
	}
}

// schedule applies the scenario's scheduled capacity changes due now.
func (w *World) schedule() []integrations.Event {
	var out []integrations.Event
	for _, c := range w.sc.Schedule {
		if int(w.elapsed()) != c.At {
			continue
		}
		if g := w.findGroup(c.Group); g != nil {
			from := g.Desired
			g.Desired, g.DesiredSince = c.Desired, w.now
			out = append(out, fleetRecord(w.now, fmt.Sprintf("%s: desired capacity %d → %d (%s)", c.Group, from, c.Desired, c.Cause),
				map[string]string{"group": c.Group, "from": fmt.Sprint(from), "to": fmt.Sprint(c.Desired)}))
		}
	}
	return out
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
		due := base.Add(time.Duration(c.line.At) * time.Second)
		if !ok || w.now.Before(due) {
			continue
		}
		c.sent = true
		if w.overtaken(c.line, due) {
			continue // the story moved on: the incident recovered first
		}
		out = append(out, w.message(c.line.User, c.line.Text)...)
	}
	return out
}

// overtaken reports whether a line about the trouble comes due only after
// the recovery, when saying it would read wrong.
func (w *World) overtaken(l ChatLine, due time.Time) bool {
	afterward := l.Trigger == AfterRecovery || l.Trigger == AfterLiftThrottle
	return !afterward && !w.recovered.IsZero() && due.After(w.recovered)
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
	case AfterReload:
		return w.firstReload, !w.firstReload.IsZero()
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
	load := w.sc.Demand(w.elapsed()) * (1 - w.sc.FreeShare*w.throttleFraction())
	var out []integrations.Backend
	for _, e := range w.edges {
		servers := w.serversOf(e)
		up := 0
		for _, s := range servers {
			if s.state == integrations.ServerUp {
				up++
			}
		}
		for _, s := range servers {
			b := integrations.Backend{Instance: e.name, Backend: "web", Server: s.name, Address: s.addr,
				State: s.state, Weight: 100, Total5xx: e.total5xx[s.name]}
			if s.addr != "" {
				b.Port = webPort
			}
			if s.state == integrations.ServerUp {
				b.Sessions = int(load / float64(len(w.edges)*up) / 10)
			}
			if s.state != integrations.ServerMaint {
				b.Rate5xx = w.signal.ErrorRate * load / float64(len(w.edges)*len(servers))
			}
			out = append(out, b)
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
