// Package drill is the simulated world behind the same interfaces as the
// real adapters: alerts and a chat channel replaying a scripted incident,
// and the systems a scenario composes as models (a web tier with its
// HAProxy edges, a provisioner, hosts, a datastore, a proxy layer). The
// user's actions change its outcome. A world is deterministic for a given
// scenario and seed: the same actions at the same scenario times give the
// same events.
package drill

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
)

// World is one running drill. Its methods are safe for concurrent use:
// Run advances it while runbooks act on it from other goroutines.
type World struct {
	mu    sync.Mutex
	sc    Scenario
	speed float64
	user  string // who is at the keyboard
	rng   *rand.Rand
	now   time.Time

	alerts []*alertState
	chat   []chatState
	msgSeq int

	// milestones are the moments the scenario's chat lines and the
	// scorecard watch, named by the model that reaches them ("scale-up",
	// "throttle", "repair-stopped" …, or the world's own "recovered"),
	// each kept at its first time.
	milestones map[string]time.Time
	sawErrors  bool
	// models are the scenario's systems, in the order it lists them.
	models []Model
	// passed is what the serving model sent on this second (the web tier:
	// what its edges passed to the web servers), the load downstream
	// models see.
	passed float64
	// lockstep, when set, makes every call an action makes cost that much
	// scenario time: a headless drill has no wall clock to wait on.
	lockstep    time.Duration
	observe     func(Observation)
	recordsOnly bool
	// The models by what they answer, sorted once.
	hosts     []hostModel
	servers   []servingModel
	gaugers   []gauger
	measurers []measurer
	reporters []reporter
	fleets    []fleetModel

	signal  Signal
	ending  ending
	pending []integrations.Event // records made by actions, published on the next step
}

// measureEvery is how often the drill's models read their counters, on
// its own clock: the default metrics interval.
const measureEvery = 10

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
	// Unacked are the alerts fired and neither acknowledged nor resolved.
	Unacked []string
	// Mitigated: the second counts as mitigated (Scenario.Mitigated, with
	// no alert fired and unresolved).
	Mitigated bool
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
	for _, a := range sc.OpenAlerts {
		w.alerts = append(w.alerts, &alertState{alert: a, open: true, fired: true, firstFired: a.CreatedAt})
		// On the timeline with its own time, as PagerDuty's first poll
		// reports an incident already open: the postmortem needs the
		// warning that fired and paged nobody.
		w.pending = append(w.pending, alertRecord(a, integrations.KindAlertTriggered, "before the drill began"))
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
	w.hosts, w.servers, w.gaugers = modelsOf[hostModel](w), modelsOf[servingModel](w), modelsOf[gauger](w)
	w.measurers, w.reporters, w.fleets = modelsOf[measurer](w), modelsOf[reporter](w), modelsOf[fleetModel](w)
	for _, a := range modelsOf[attacher](w) {
		a.attach(w)
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

// second simulates one second of the scenario: every model steps, the
// serving model serves the second's demand, the models publish their
// figures, and the alerts, milestones and chat follow.
func (w *World) second() []integrations.Event {
	var out []integrations.Event
	w.signal.Gauges = map[string]float64{}
	for _, m := range w.models {
		out = append(out, m.second(w)...)
	}
	for _, s := range w.servers {
		s.serve(w)
	}
	for _, g := range w.gaugers {
		g.gauges(w, w.signal.Gauges)
	}
	out = append(out, w.evaluateAlerts()...)
	w.trackRecovery()
	out = append(out, w.sayChat()...)
	if int(w.elapsed())%measureEvery == 0 && !w.recordsOnly {
		for _, m := range w.measurers {
			out = append(out, m.measure(w)...)
		}
	}
	out = append(out, w.trackEnd(w.openAlerts())...)
	if w.observe != nil {
		o := Observation{Now: w.now, Signal: w.signal, Mitigated: w.ending.mitigated}
		for _, a := range w.alerts {
			if a.fired && a.alert.Status == integrations.AlertTriggered {
				o.Unacked = append(o.Unacked, a.alert.ID)
			}
		}
		w.observe(o)
	}
	return out
}

// MilestoneRecovered is the milestone the world itself reaches: the error
// rate falls under 1% once it had passed 5%. The models name theirs.
const MilestoneRecovered = "recovered"

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

func (w *World) trackRecovery() {
	if w.signal.ErrorRate > 0.05 {
		w.sawErrors = true
	}
	if w.sawErrors && w.signal.ErrorRate < 0.01 {
		w.mark(MilestoneRecovered)
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
			out = append(out, alertRecord(a.alert, integrations.KindAlertTriggered, ""))
		case a.open && a.alert.Status != integrations.AlertResolved && a.clearRun >= r.ClearFor:
			a.open = false
			a.alert.Status, a.alert.UpdatedAt = integrations.AlertResolved, w.now
			out = append(out, alertRecord(a.alert, integrations.KindAlertResolved, "auto-resolved: condition cleared"))
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

// snapshots is the current state of every simulated source: the alerts,
// then what each model reports, and a healthy badge for each source.
func (w *World) snapshots() []integrations.Event {
	var alerts []integrations.Alert
	for _, a := range w.alerts {
		if a.fired {
			alerts = append(alerts, a.alert)
		}
	}
	out := []integrations.Event{integrations.AlertsSnapshot{Source: integrations.SourcePagerDuty, Alerts: alerts}}
	sources := []string{"pagerduty"}
	for _, r := range w.reporters {
		out = append(out, r.snapshots(w)...)
		sources = append(sources, r.sources()...)
	}
	for _, name := range append(sources, "slack") {
		out = append(out, integrations.StatusChanged{Status: integrations.SourceStatus{
			Source: name, State: integrations.SourceOK, LastSuccess: w.now, LastAttempt: w.now, Budget: 30 * time.Second}})
	}
	return out
}

// Bindings tie each group to the load balancer backends that serve it, so
// the drill's fleet is checked for slot drift like a configured one.
func (w *World) Bindings() []drift.Binding {
	var out []drift.Binding
	for _, b := range modelsOf[binder](w) {
		out = append(out, b.bindings()...)
	}
	return out
}
