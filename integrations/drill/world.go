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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/integrations/oddone"
)

// webPort is where the drill's web servers listen.
const webPort = 8080

// Source names the drill publishes under, one badge each on the header.
var sourceNames = []string{integrations.SourcePagerDuty, integrations.SourceAWS, integrations.SourceHAProxy, integrations.SourceSlack}

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
	front  *edge // the front instance before the edges, when the scenario has one
	alerts []*alertState
	chat   []chatState
	msgSeq int

	// milestones are the moments the scenario's chat lines and the
	// scorecard watch, named by the model that reaches them ("scale-up",
	// "throttle", "recovered", "repair-stopped" …), each kept at its first time.
	milestones map[string]time.Time
	sawErrors  bool
	// models are the scenario's systems beyond the web tier and its edges.
	models []Model
	// demand is this second's offered load; passed is what the edges sent
	// on to the web servers (the load downstream systems see).
	demand, passed float64
	// lockstep, when set, makes every call an action makes cost that much
	// scenario time: a headless drill has no wall clock to wait on.
	lockstep    time.Duration
	observe     func(Observation)
	recordsOnly bool
	// live are the web group's in-service instances, as of the last
	// launch; liveIDs the same as a set.
	live    []integrations.Instance
	liveIDs map[string]bool
	// The models by what they answer, sorted once.
	faulters  []faulter
	hosts     []hostModel
	launchers []launchModel
	gaugers   []gauger

	signal  Signal
	pending []integrations.Event // records made by actions, published on the next step

	// The drill measures its edges as warroom measures HAProxy: cumulative
	// counters read every measureEvery, rates from their deltas.
	meter   integrations.Meter
	sampler integrations.BackendSampler
}

// measureEvery is how often the drill reads its counters, on its own
// clock: the default metrics interval.
const measureEvery = 10

// Row keys of an edge's counters besides its servers (by server name).
const (
	frontendName = "http"
	backendName  = "web"
	frontendKey  = "frontend:" + frontendName
	backendKey   = "backend:" + backendName
)

type group struct {
	integrations.Group
	ready map[string]time.Time // pending instance id → when it comes into service
}

type edge struct {
	name      string
	throttles map[string]int
	shed      map[string]bool // optional features answered 503 at this edge
	reloads   int
	pid       int
	servers   map[string]integrations.ServerState // admin state set by hand, by server name
	// counts are the edge's cumulative counters by row (a server's name,
	// frontendKey, backendKey) since its worker started; rates are what
	// the last reading measured.
	counts map[string]*tally
	rates  map[string]integrations.Rates
	// failing is the share of its requests the edge fails by itself, with
	// no server involved, until it is reloaded.
	failing float64
	// sessions are a front's open sessions on each edge (nil on an edge).
	sessions map[string]float64
	// slots are the edge's fixed server-template slots when the scenario
	// has them (nil: the edge follows the group, as a working service
	// discovery sync would). Only a reload re-resolves them.
	slots []slot
}

// tally counts one row's traffic; fractions of a request add up.
type tally struct {
	requests, ok, throttled, shed, failed float64
}

// counters are the row's figures as HAProxy counts them: a throttled
// request is denied with a 429, a shed one answered 503 by the edge.
func (t *tally) counters() integrations.Counters {
	return integrations.Counters{Requests: uint64(t.requests), Denied: uint64(t.throttled), HTTP: true,
		Responses: [5]uint64{0, uint64(t.ok), 0, uint64(t.throttled), uint64(t.failed + t.shed)}}
}

func (e *edge) tally(key string) *tally {
	t, ok := e.counts[key]
	if !ok {
		t = &tally{}
		e.counts[key] = t
	}
	return t
}

// slot is one server-template slot: the instance it was last pointed at
// ("" when free) and that instance's address, kept after it is gone.
type slot struct {
	name, instance, addr string
}

// server is one server line of an edge as traffic sees it.
type server struct {
	name, addr, instance string
	state                integrations.ServerState
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
	// Observe, when set, is told the state at the end of every scenario
	// second, with the world locked: it must not call the world.
	Observe func(Observation)
	// RecordsOnly: the caller keeps only the timeline's records (a
	// headless drill), so the world builds no snapshots and no samples.
	RecordsOnly bool
}

// Observation is the world at the end of one scenario second, as a
// scorecard watches it.
type Observation struct {
	Now    time.Time
	Signal Signal
	// Open are the alerts fired and not resolved; Unacked those of them
	// nobody acknowledged.
	Open, Unacked []string
}

// New builds a world for the scenario.
func New(sc Scenario, opts Options) *World {
	if opts.Speed <= 0 {
		opts.Speed = 1
	}
	if opts.User == "" {
		opts.User = "you"
	}
	w := &World{sc: sc, speed: opts.Speed, user: opts.User, now: sc.Start, milestones: map[string]time.Time{}, observe: opts.Observe, recordsOnly: opts.RecordsOnly,
		rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
	for _, gs := range sc.Groups {
		g := &group{Group: integrations.Group{
			Name: gs.Name, Desired: gs.Desired, Min: gs.Min, Max: gs.Max,
			Activities: slices.Clone(gs.Activities), DesiredSince: sc.Start.Add(-61 * time.Hour),
		}, ready: map[string]time.Time{}}
		for i := range gs.Desired {
			in := w.newInstance(gs.Name, integrations.LifecycleInService, sc.Start.Add(-72*time.Hour))
			if i < len(gs.IDs) {
				in.ID = gs.IDs[i]
			}
			g.Instances = append(g.Instances, in)
		}
		g.recount()
		w.groups = append(w.groups, g)
	}
	for i, name := range sc.Edges {
		e := &edge{name: name, throttles: map[string]int{}, shed: map[string]bool{}, pid: 1000 + 10*i,
			servers: map[string]integrations.ServerState{}, counts: map[string]*tally{}}
		if name == sc.FailingEdge {
			e.failing = sc.FailingShare
		}
		if sc.Slots > 0 {
			e.slots = make([]slot, sc.Slots)
			e.resolve(inService(w.group(sc.WebGroup)))
		}
		w.edges = append(w.edges, e)
	}
	if sc.Front != "" {
		w.front = newFront(sc.Front, sc.Edges)
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
	if sc.Models != nil {
		w.models = sc.Models()
	}
	w.faulters, w.hosts = modelsOf[faulter](w), modelsOf[hostModel](w)
	w.launchers, w.gaugers = modelsOf[launchModel](w), modelsOf[gauger](w)
	w.relive()
	w.readCounters() // the first reading: rates from the first interval on
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
func (w *World) Name() string { return integrations.SourceDrill }

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
	if !w.recordsOnly {
		out = append(out, w.snapshots()...)
	}
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
	if len(out) > 0 { // an instance came into service or went
		w.relive()
	}
	out = append(out, w.schedule()...)
	w.demand = w.sc.Demand(w.elapsed()) * (0.97 + 0.06*w.rng.Float64())
	w.signal.Gauges = map[string]float64{}
	for _, m := range w.models {
		out = append(out, m.second(w)...)
	}
	w.serve(w.demand)
	for _, g := range w.gaugers {
		g.gauges(w, w.signal.Gauges)
	}
	out = append(out, w.evaluateAlerts()...)
	w.trackMilestones()
	out = append(out, w.sayChat()...)
	if int(w.elapsed())%measureEvery == 0 && !w.recordsOnly {
		out = append(out, w.measure()...)
	}
	if w.observe != nil {
		o := Observation{Now: w.now, Signal: w.signal}
		for _, a := range w.alerts {
			if a.fired && a.alert.Status != integrations.AlertResolved {
				o.Open = append(o.Open, a.alert.ID)
				if a.alert.Status == integrations.AlertTriggered {
					o.Unacked = append(o.Unacked, a.alert.ID)
				}
			}
		}
		w.observe(o)
	}
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

// serve spreads the offered load evenly over the edges. Each edge denies
// its throttled share of free-tier requests (429), answers its shed
// optional features 503, fails its own failing share (503, no server
// involved), and sends the rest evenly to its UP servers; each server
// serves up to an equal part of its instance's capacity per edge and fails
// the excess (5xx, counted on that server), and fails whatever share of
// what it served the systems behind it fail (a datastore rejecting
// writes, a proxy out of ports). With no UP server every request fails at
// the backend. Shed and throttled requests are turned away on purpose:
// they are not in the error rate.
func (w *World) serve(demand float64) {
	w.passed = 0
	if len(w.edges) == 0 || demand <= 0 {
		w.signal = Signal{Gauges: w.signal.Gauges}
		return
	}
	rotating := w.inRotation()
	if len(rotating) == 0 { // every edge drained at the front: nothing serves
		w.drainFront(0, nil)
		w.signal = Signal{Utilisation: 1, ErrorRate: 1, Offered: demand, Failed: demand, Gauges: w.signal.Gauges}
		return
	}
	perEdge := demand / float64(len(rotating))
	perServer := w.sc.PerInstance / float64(len(w.edges))
	w.drainFront(perEdge, rotating)
	var failing, load, capacity, turnedAway float64
	for _, e := range rotating {
		throttled := perEdge * w.sc.FreeShare * float64(e.throttles["free"]) / 100
		shed := (perEdge - throttled) * e.shedShare(w.sc.Optional)
		in := perEdge - throttled - shed
		lost := in * e.failing
		var up []server
		for _, s := range w.serversOf(e) {
			if s.state == integrations.ServerUp {
				up = append(up, s)
			}
		}
		if len(up) == 0 {
			lost = in
		} else {
			each := (in - lost) / float64(len(up))
			served := min(each, perServer)
			if w.sc.Meltdown > 0 && each > 1.2*perServer {
				served = perServer * w.sc.Meltdown
			}
			w.passed += served * float64(len(up))
			for _, s := range up {
				bad := served * w.failShare(s.instance)
				t := e.tally(s.name)
				t.requests += each
				t.ok += served - bad
				t.failed += each - served + bad
				lost += each - served + bad
			}
		}
		w.countFront(e.name, perEdge, throttled, shed, in-lost, lost)
		fe, be := e.tally(frontendKey), e.tally(backendKey)
		fe.requests += perEdge
		fe.throttled += throttled
		fe.shed += shed
		be.requests += in
		for _, t := range []*tally{fe, be} {
			t.ok += in - lost
			t.failed += lost
		}
		failing += lost
		load += in
		turnedAway += throttled + shed
		capacity += float64(len(up)) * perServer
	}
	w.signal = Signal{Utilisation: load / max(capacity, 1), Offered: demand, Failed: failing, TurnedAway: turnedAway, Gauges: w.signal.Gauges}
	if load > 0 { // every request shed: nothing failed
		w.signal.ErrorRate = failing / load
	}
}

// shedShare is the share of an edge's traffic its shed features carry.
func (e *edge) shedShare(optional map[string]float64) float64 {
	var share float64
	for f, on := range e.shed {
		if on {
			share += optional[f]
		}
	}
	return min(share, 1)
}

// readCounters takes one reading of every edge's counters. A reload's new
// worker shows as a new pid, so its first reading is "measuring".
func (w *World) readCounters() {
	for _, e := range w.edges {
		servers := w.serversOf(e)
		rows := make(map[string]integrations.Counters, len(servers)+2)
		for _, s := range servers {
			rows[s.name] = e.tally(s.name).counters()
		}
		for _, k := range []string{frontendKey, backendKey} {
			rows[k] = e.tally(k).counters()
		}
		e.rates = w.meter.Read(e.name, strconv.Itoa(e.pid), w.now, rows)
	}
	if f := w.front; f != nil {
		rows := make(map[string]integrations.Counters, len(w.edges)+2)
		for _, k := range append(slices.Clone(w.sc.Edges), frontFrontendKey, frontBackendKey) {
			rows[k] = f.tally(k).counters()
		}
		f.rates = w.meter.Read(f.name, strconv.Itoa(f.pid), w.now, rows)
	}
}

// measure reads the counters and publishes what was measured, as a
// configured fleet's sources do each refresh.
func (w *World) measure() []integrations.Event {
	w.readCounters()
	return []integrations.Event{
		integrations.SamplesTaken{Source: integrations.SourceHAProxy, Samples: w.sampler.Samples(w.backendsSnapshot(), w.now)},
		integrations.SamplesTaken{Source: integrations.SourceAWS, Samples: integrations.GroupSamples(integrations.SourceAWS, w.groupsSnapshot(), w.now)},
	}
}

// serversOf lists an edge's servers: its slots when it has them, else one
// per in-service web instance; states set by hand win.
func (w *World) serversOf(e *edge) []server {
	var out []server
	if e.slots == nil {
		for _, in := range w.live {
			out = append(out, server{name: serverName(in), addr: in.PrivateIP, instance: in.ID, state: integrations.ServerUp})
		}
	} else {
		live := w.liveIDs
		for _, sl := range e.slots {
			st := integrations.ServerUp
			switch {
			case sl.instance == "":
				st = integrations.ServerMaint // a free slot
			case !live[sl.instance]:
				st = integrations.ServerDown // its host is gone: the health check fails
			}
			out = append(out, server{name: sl.name, addr: sl.addr, instance: sl.instance, state: st})
		}
	}
	for i := range out {
		if out[i].state == integrations.ServerUp && w.hostDown(out[i].instance) {
			out[i].state = integrations.ServerDown // its application is not answering: the health check fails
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

// Milestones the world itself reaches.
const (
	MilestoneScaleUp   = "scale-up"        // the web group's desired first rises by hand
	MilestoneThrottle  = "throttle"        // a throttle is first set above 0
	MilestoneLifted    = "throttle-lifted" // every throttle is back at 0 following one
	MilestoneReload    = "reload"          // the first HAProxy reload
	MilestoneShed      = "shed"            // optional load first shed
	MilestoneRecovered = "recovered"       // the error rate falls under 1% once it had passed 5%
)

// mark records a milestone the first time it is reached.
func (w *World) mark(name string) {
	if _, ok := w.milestones[name]; !ok {
		w.milestones[name] = w.now
	}
}

// Reached says when a milestone was first reached.
func (w *World) Reached(name string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.milestones[name]
	return t, ok
}

func (w *World) trackMilestones() {
	if w.signal.ErrorRate > 0.05 {
		w.sawErrors = true
	}
	if w.sawErrors && w.signal.ErrorRate < 0.01 {
		w.mark(MilestoneRecovered)
	}
	if _, ok := w.milestones[MilestoneThrottle]; ok && w.throttleFraction() == 0 {
		w.mark(MilestoneLifted)
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
	return integrations.Record{Occurred: a.UpdatedAt, Source: integrations.SourcePagerDuty, Kind: kind, Text: text,
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
		if w.overtaken(base, due) {
			continue // the story moved on: the incident recovered first
		}
		if _, ok := w.milestones[c.line.If]; c.line.If != "" && !ok {
			continue // it speaks of something nobody did
		}
		out = append(out, w.message(c.line.User, c.line.Text)...)
	}
	return out
}

// overtaken reports whether a line about the trouble comes due only after
// the recovery, when saying it would read wrong: its trigger came before
// the recovery and its time after.
func (w *World) overtaken(base, due time.Time) bool {
	rec, ok := w.milestones[MilestoneRecovered]
	return ok && base.Before(rec) && due.After(rec)
}

// triggerTime is when a line's trigger was reached: the start, an alert's
// first firing ("alert:ID") or a milestone.
func (w *World) triggerTime(l ChatLine) (time.Time, bool) {
	if l.After == "" {
		return w.sc.Start, true
	}
	if id, ok := strings.CutPrefix(l.After, "alert:"); ok {
		for _, a := range w.alerts {
			if a.alert.ID == id || a.rule.ID == id {
				return a.firstFired, a.fired
			}
		}
		return time.Time{}, false
	}
	t, ok := w.milestones[l.After]
	return t, ok
}

// message makes a chat message and its timeline record.
func (w *World) message(user, text string) []integrations.Event {
	w.msgSeq++
	m := integrations.Message{ID: fmt.Sprintf("%d.%06d", w.now.Unix(), w.msgSeq), Channel: w.sc.Channel,
		User: user, Text: text, At: w.now}
	return []integrations.Event{
		integrations.ChatPosted{Source: integrations.SourceSlack, Messages: []integrations.Message{m}},
		integrations.Record{Occurred: m.At, Source: integrations.SourceSlack, Kind: integrations.KindChatMessage, Actor: user, Text: text,
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
	out := []integrations.Event{
		integrations.AlertsSnapshot{Source: integrations.SourcePagerDuty, Alerts: alerts},
		integrations.FleetSnapshot{Source: integrations.SourceAWS, Groups: w.groupsSnapshot()},
		w.backendsSnapshot(),
	}
	for _, name := range sourceNames {
		out = append(out, integrations.StatusChanged{Status: integrations.SourceStatus{
			Source: name, State: integrations.SourceOK, LastSuccess: w.now, LastAttempt: w.now, Budget: 30 * time.Second}})
	}
	return out
}

func (w *World) groupsSnapshot() []integrations.Group {
	groups := make([]integrations.Group, 0, len(w.groups))
	for _, g := range w.groups {
		c := g.Group
		c.Instances = slices.Clone(g.Instances)
		c.Activities = slices.Clone(g.Activities)
		groups = append(groups, c)
	}
	return groups
}

// backendsSnapshot is every edge as HAProxy would report it, with the odd
// one out marked.
func (w *World) backendsSnapshot() integrations.BackendsSnapshot {
	snap := integrations.BackendsSnapshot{Source: integrations.SourceHAProxy, Throttles: w.throttles()}
	if w.front != nil {
		servers, proxies := w.frontRows()
		snap.Backends = append(snap.Backends, servers...)
		snap.Proxies = append(snap.Proxies, proxies...)
	}
	for _, e := range w.edges {
		servers, proxies := w.rows(e)
		snap.Backends = append(snap.Backends, servers...)
		snap.Proxies = append(snap.Proxies, proxies...)
	}
	oddone.Default.Mark(&snap, nil)
	return snap
}

// rows lists an edge's web servers and its frontend and backend rows with
// their own counters and last measured rates.
func (w *World) rows(e *edge) ([]integrations.Backend, []integrations.Proxy) {
	load := w.sc.Demand(w.elapsed()) / float64(len(w.edges)) * (1 - w.sc.FreeShare*float64(e.throttles["free"])/100)
	servers := w.serversOf(e)
	up := 0
	for _, s := range servers {
		if s.state == integrations.ServerUp {
			up++
		}
	}
	counters := func(key string) integrations.Counters { return e.tally(key).counters() }
	var out []integrations.Backend
	sessions := 0
	for _, s := range servers {
		b := integrations.Backend{Instance: e.name, Backend: backendName, Server: s.name, Address: s.addr,
			State: s.state, Weight: 100, Counters: counters(s.name), Rates: e.rates[s.name]}
		b.Total5xx, b.Rate5xx = b.Counters.Responses[4], b.Rates.HTTP5xxPerS()
		if s.addr != "" {
			b.Port = webPort
		}
		if s.state == integrations.ServerUp {
			b.Sessions = int(load / float64(up) / 10)
			sessions += b.Sessions
		}
		out = append(out, b)
	}
	return out, e.proxyRows(frontendName, backendName, up, sessions)
}

// proxyRows are an instance's frontend and backend rows, with their own
// counters and last measured rates.
func (e *edge) proxyRows(frontend, backend string, up, sessions int) []integrations.Proxy {
	status := "UP"
	if up == 0 {
		status = "DOWN"
	}
	fk, bk := "frontend:"+frontend, "backend:"+backend
	return []integrations.Proxy{
		{Instance: e.name, Name: frontend, Kind: integrations.ProxyFrontend, Status: "OPEN", Sessions: sessions,
			Counters: e.tally(fk).counters(), Rates: e.rates[fk]},
		{Instance: e.name, Name: backend, Kind: integrations.ProxyBackend, Status: status, Sessions: sessions,
			Counters: e.tally(bk).counters(), Rates: e.rates[bk]},
	}

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

// relive takes note of the web group's in-service instances.
func (w *World) relive() {
	w.live = inService(w.group(w.sc.WebGroup))
	w.liveIDs = make(map[string]bool, len(w.live))
	for _, in := range w.live {
		w.liveIDs[in.ID] = true
	}
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
