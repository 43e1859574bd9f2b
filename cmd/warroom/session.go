package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/tui"
)

// defaultDrillSpeed compresses the drill so its story unfolds in minutes.
const defaultDrillSpeed = 10

// sessionOptions say what the war-room opens on.
type sessionOptions struct {
	ForceDrill bool
	Scenario   string
	Speed      float64
	Seed       uint64
	Readonly   bool
	Bell       bool
}

// world is what a session watches and acts on: the drill, or live sources.
type world struct {
	title     string
	incident  string
	started   time.Time
	drill     bool
	scenario  string // the drill scenario
	notice    string
	clock     func() time.Time
	speed     float64 // a drill's scenario seconds per real second; 0 on the wall clock
	sources   []integrations.Source
	actions   integrations.Actions
	bindings  []drift.Binding
	secrets   []string
	redaction []string
	metrics   config.Metrics
}

// openDrill builds the drill world for a scenario.
func openDrill(o sessionOptions) (*world, error) {
	name := o.Scenario
	if name == "" {
		name = drill.DefaultScenario
	}
	sc, ok := drill.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("no drill scenario %q (see warroom drill --list)", name)
	}
	speed := o.Speed
	if speed <= 0 {
		speed = defaultDrillSpeed
	}
	w := drill.New(sc, drill.Options{Seed: o.Seed, Speed: speed, User: currentUser()})
	return &world{
		title:    sc.Title,
		incident: fmt.Sprintf("drill-%s-%s", sc.Name, time.Now().UTC().Format("20060102-150405")),
		started:  sc.Start,
		drill:    true,
		scenario: sc.Name,
		notice: fmt.Sprintf("simulated world replaying %q at %gx speed. For real sources: warroom --config FILE (see README).",
			sc.Name, speed),
		clock:    w.Now,
		speed:    speed,
		sources:  []integrations.Source{w},
		actions:  w.Actions(),
		bindings: w.Bindings(),
		metrics:  config.DefaultMetrics(),
	}, nil
}

// chooseWorld opens the drill unless a configuration names real sources.
func chooseWorld(g *globalFlags, o sessionOptions) (*world, error) {
	if o.ForceDrill {
		return openDrill(o)
	}
	return openConfigured(g, o)
}

// session is a world being watched and recorded: its sources feed the
// pump, which makes every record durable in the incident's timeline
// before handing batches on.
type session struct {
	world    *world
	store    *timeline.Store
	redactor *timeline.Redactor
	pump     *integrations.Pump
	deliver  func(integrations.Batch) // nil without a screen
	runs     *runTracker
	known    *replayFilter
	// unfinished reports the runs a crash or a dropped connection left
	// unfinished, found on opening; start records them.
	unfinished []integrations.Record
	metrics    *metricsRecorder

	stopSources, stopPump context.CancelFunc
	sources, pumping      sync.WaitGroup
}

// refreshEvery is how often a session with a screen looks for entries
// other processes appended (`warroom timeline append` from a script).
const refreshEvery = 2 * time.Second

// runGrace is how long quitting waits for a runbook it aborted to wind
// down (return an HAProxy instance to rotation, record the abort).
const runGrace = 30 * time.Second

// openSession chooses the world and opens its timeline; nothing runs yet.
func openSession(g *globalFlags, o sessionOptions) (*session, error) {
	w, err := chooseWorld(g, o)
	if err != nil {
		return nil, err
	}
	stateDir, err := g.stateDir()
	if err != nil {
		return nil, err
	}
	s := &session{world: w, runs: newRunTracker(), known: newReplayFilter(nil)}
	if s.redactor, err = timeline.NewRedactor(w.secrets, w.redaction); err != nil {
		return nil, fmt.Errorf("redaction patterns: %w", err)
	}
	w.actions = redactActions(w.actions, s.redactor.Redact)
	s.store, err = timeline.OpenIncident(stateDir, w.incident, timeline.Options{Redactor: s.redactor, OnForeign: s.foreign, Admit: s.known.admit})
	if err != nil {
		return nil, fmt.Errorf("opening the timeline: %w", err)
	}
	s.metrics = openMetrics(stateDir, w.incident, w.metrics, s.redactor, w.clock())
	w.actions.Alerts = s.metrics.alertActor(w.actions.Alerts)
	history := s.store.Entries()
	s.known.learn(history)
	s.unfinished = leftUnfinished(history, &runbooks.Locker{Dir: filepath.Join(stateDir, "locks")}, time.Now(), w.clock)
	if !w.drill {
		// A restart mid-incident keeps the incident's clock: it began
		// with the earliest thing on its timeline.
		for _, e := range history {
			if e.Occurred.Before(w.started) {
				w.started = e.Occurred
			}
		}
	}
	return s, nil
}

// unfinishedLines says what each run left unfinished left behind.
func (s *session) unfinishedLines() []string {
	lines := make([]string, len(s.unfinished))
	for i, r := range s.unfinished {
		lines[i] = s.redactor.Redact(r.Text)
	}
	return lines
}

// foreign shows entries other processes appended; they are durable
// already, so they go straight to the screen, not through the pump.
func (s *session) foreign(entries []timeline.Entry) {
	if s.metrics != nil {
		s.metrics.foreign(entries)
	}
	if s.deliver != nil {
		s.deliver(integrations.Batch{Records: records(entries)})
	}
}

func records(entries []timeline.Entry) []integrations.Record {
	recs := make([]integrations.Record, len(entries))
	for i, e := range entries {
		recs[i] = fromEntry(e)
	}
	return recs
}

// start shows what the timeline already holds (a restart mid-incident),
// then runs the pump and every source until close; deliver (may be nil)
// receives each coalesced batch after its records are durable.
func (s *session) start(ctx context.Context, deliver func(integrations.Batch)) {
	s.deliver = deliver
	s.pump = integrations.NewPump(integrations.PumpOptions{
		// The store's Admit leaves out what the timeline already holds.
		Persist: func(recs []integrations.Record) ([]integrations.Record, error) {
			return s.metrics.persist(s.store, recs)
		},
		Deliver: deliver,
		Derive:  s.metrics.derive(deriveAll(driftRecords(s.world.bindings, s.world.clock), oddOneOutRecords(s.world.clock))),
		Redact:  s.redactor.Redact,
	})
	var pumpCtx, srcCtx context.Context
	pumpCtx, s.stopPump = context.WithCancel(context.WithoutCancel(ctx))
	srcCtx, s.stopSources = context.WithCancel(ctx)
	s.pumping.Go(func() {
		// The timeline so far goes first, from here: deliver may block
		// until the program runs, and the pump's batches must follow it.
		if history := s.store.Entries(); deliver != nil && len(history) > 0 {
			deliver(integrations.Batch{Records: records(history)})
		}
		s.pump.Run(pumpCtx)
	})
	if deliver != nil {
		s.sources.Go(func() { s.refresh(srcCtx) })
	}
	for _, r := range s.unfinished {
		s.pump.Publish(r)
	}
	for _, src := range s.world.sources {
		s.sources.Go(func() {
			if err := src.Run(srcCtx, s.pump); err != nil && !errors.Is(err, context.Canceled) {
				s.pump.Publish(integrations.Record{Occurred: s.world.clock(), Source: src.Name(), Kind: "source.status",
					Text: src.Name() + " stopped: " + err.Error()})
			}
		})
	}
}

// close aborts runbooks still running and waits for them to wind down,
// stops the sources, then the pump once it has made everything they
// published durable, and closes the timeline. The order matters: nothing
// published before close is lost.
func (s *session) close() error {
	if s.pump != nil {
		s.runs.shutdown(runGrace)
		s.stopSources()
		s.sources.Wait()
		s.stopPump()
		s.pumping.Wait()
	}
	return errors.Join(s.metrics.close(), s.store.Close())
}

// refresh takes in other processes' entries while nothing else commits.
func (s *session) refresh(ctx context.Context) {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.store.Refresh(); err != nil {
				s.pump.Publish(integrations.Record{Occurred: s.world.clock(), Source: "warroom", Kind: "source.status",
					Text: "timeline refresh failed: " + err.Error()})
			}
		}
	}
}

// runWarRoom opens the screen on a world and records to its timeline
// until the user quits.
func runWarRoom(ctx context.Context, g *globalFlags, o sessionOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	s, err := openSession(g, o)
	if err != nil {
		return err
	}
	var warnings []string
	catalog, limits, err := loadRunbooks(g, func(w string) { warnings = append(warnings, w) })
	if err != nil {
		s.close()
		return err
	}
	stateDir, _ := g.stateDir()
	var program *tea.Program
	w := s.world
	model := tui.New(tui.Options{
		Title: w.title, IncidentStart: w.started, Drill: w.drill, Notice: w.notice,
		User: currentUser(), Clock: w.clock, NoColor: os.Getenv("NO_COLOR") != "",
		Readonly: o.Readonly, Bell: o.Bell, Actions: w.actions, Bindings: w.bindings,
		Unfinished: s.unfinishedLines(),
		MainTarget: w.metrics.Main, History: chartHistory(stateDir, w.incident, w.clock()),
		Record: func(_ context.Context, r integrations.Record) (integrations.Record, error) {
			return recordOne(s.store, r)
		},
		Runbooks: tui.RunbookOptions{Catalog: catalog, Limits: limits, StateDir: stateDir,
			Sink: func(r integrations.Record) { s.pump.Publish(r) }, Begin: s.runs.begin,
			Skipped: warnings, Redact: s.redactor.Redact},
	})
	program = tea.NewProgram(model, tea.WithContext(ctx))
	// A dropped SSH connection quits cleanly, like q: runbooks are aborted
	// and wound down, and the timeline closed.
	hangup, done := make(chan os.Signal, 1), make(chan struct{})
	signal.Notify(hangup, syscall.SIGHUP)
	defer func() { signal.Stop(hangup); close(done) }()
	go func() {
		select {
		case <-hangup:
			program.Quit()
		case <-done:
		}
	}()
	s.start(ctx, func(b integrations.Batch) { program.Send(b) })
	opened := w.opened("war-room opened on " + w.title)
	if w.drill {
		opened.Text = "drill started: " + w.title
	}
	s.pump.Publish(opened)
	for _, warning := range warnings {
		// The screen is about to take the terminal: say it on the timeline.
		s.pump.Publish(integrations.Record{Occurred: w.clock(), Source: "warroom", Kind: "runbook.load", Text: warning})
	}
	_, runErr := program.Run()
	var scored bytes.Buffer
	if w.drill && runErr == nil {
		if err := scoreAtQuit(g, s, o.Seed, &scored); err != nil {
			fmt.Fprintln(os.Stderr, "warroom: scoring the drill:", s.redactor.Redact(err.Error()))
		}
	}
	closeErr := s.close()
	os.Stdout.Write(scored.Bytes())
	if runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled) {
		return runErr
	}
	return closeErr
}

// opened is the session.opened entry. A drill's also says how its clock
// runs (field speed): with the entry's own times, scenario (Occurred) and
// wall (Recorded), that lets another process stamp entries on the drill's
// clock (incidentNow).
func (w *world) opened(text string) integrations.Record {
	r := integrations.Record{Occurred: w.clock(), Source: "warroom", Kind: "session.opened", Actor: currentUser(),
		Text: text, Fields: map[string]string{"title": w.title}}
	if w.speed > 0 {
		r.Fields["speed"] = strconv.FormatFloat(w.speed, 'g', -1, 64)
	}
	return r
}

// incidentNow is the incident's clock read from its timeline, for a process
// that appends to it (warroom timeline append from a script): in a drill,
// the scenario time the latest session.opened entry names, run on at the
// drill's speed since it was recorded; zero, meaning the wall clock, for
// an incident of real sources.
func incidentNow(entries []timeline.Entry, wall time.Time) time.Time {
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Kind != "session.opened" {
			continue
		}
		speed, err := strconv.ParseFloat(e.Fields["speed"], 64)
		if err != nil || speed <= 0 {
			return time.Time{}
		}
		return e.Occurred.Add(time.Duration(float64(wall.Sub(e.Recorded)) * speed))
	}
	return time.Time{}
}

// persist appends records to the store in one group commit and returns
// them as stored: redacted, with their IDs.
func persist(store *timeline.Store, recs []integrations.Record) ([]integrations.Record, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	entries := make([]timeline.Entry, len(recs))
	for i, r := range recs {
		entries[i] = toEntry(r)
	}
	stored, err := store.Append(entries...)
	if err != nil {
		return nil, err
	}
	return records(stored), nil
}

func recordOne(store *timeline.Store, r integrations.Record) (integrations.Record, error) {
	stored, err := persist(store, []integrations.Record{r})
	if err != nil {
		return r, err
	}
	return stored[0], nil
}

func toEntry(r integrations.Record) timeline.Entry {
	e := timeline.Entry{Record: integrations.Record{Occurred: r.Occurred, Source: r.Source, Kind: r.Kind, Actor: r.Actor, Text: r.Text, Fields: r.Fields, Links: r.Links}}
	if r.IsAmendment() {
		e.Target, e.Op, e.To = r.Target, r.Op, r.To
	}
	return e
}

// fromEntry returns the record as stored: redacted, with its ID.
func fromEntry(e timeline.Entry) integrations.Record {
	r := integrations.Record{ID: e.ID, Occurred: e.Occurred, Source: e.Source, Kind: e.Kind, Actor: e.Actor,
		Text: e.Text, Fields: e.Fields, Links: e.Links}
	if e.Kind == integrations.KindAmend {
		r.Target, r.Op, r.To = e.Target, e.Op, e.To
	}
	return r
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return "you"
}
