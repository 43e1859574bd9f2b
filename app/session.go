// Package app is the application core both front ends share: it opens the
// world (the drill or the configured sources), owns the pump, the
// timeline store, the replay filter, the derivations and the runbook runs,
// and sends every batch to its front end through one loop. The screen
// (tui) and the command line (cmd/warroom) talk to it through api.App.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/record"
)

// Options say what a session opens on.
type Options struct {
	// Config is the loaded configuration; nil, or one naming no source,
	// opens the drill.
	Config     *config.Config
	ForceDrill bool
	Scenario   string  // the drill scenario ("" the default)
	Speed      float64 // the drill's speed (0: DefaultDrillSpeed)
	Seed       uint64
	// Incident, when set, is the incident to open (or join, on a team)
	// over the configuration's incident.id or the drill's own.
	Incident string
	StateDir string // timelines, series and (by default) run locks
	User     string // who is at the keyboard ("" the current user)
	// Runbooks is the catalog the front end loaded, with its limits.
	Runbooks api.RunbookInfo
	// Store opens the incident's timeline; nil means LocalStore(StateDir).
	Store OpenStore
	// Locks is where runs lock their targets; nil means lock files under
	// StateDir/locks.
	Locks runbooks.Locks
	// Holder is who a run's locks name ("" means user@host): on a team,
	// the responder the server authenticated.
	Holder string
	// Approver asks another responder to approve a run whose plan needs
	// it (the two-person rule); nil: such a run is refused unless the
	// configuration allows self-approval.
	Approver runbooks.Approver
	// Share, when set, wraps each live source of incident so that the
	// team polls it once (the elected poller runs it, the others replay
	// it); the drill is never shared.
	Share func(incident string, src integrations.Source) integrations.Source
	// Extra are sources that feed no pane, run with the others (the
	// team's status).
	Extra []integrations.Source
	// Team is the team's war-room, when the incident is shared.
	Team api.Team
}

// Session is a world being watched and recorded: its sources feed the
// pump, which makes every record durable in the incident's timeline
// before handing batches on. It implements api.App.
type Session struct {
	world    *world
	user     string
	stateDir string
	store    Store
	redactor *timeline.Redactor
	pump     *integrations.Pump
	runs     *runTracker
	known    *replayFilter
	locks    runbooks.Locks
	approver runbooks.Approver
	holder   string
	team     api.Team
	catalog  api.RunbookInfo
	alerts   *alertIndex
	// sources are the declared sources by name; acts is what a runbook
	// acts through, composed of them (see compose).
	sources map[string]integrations.SourceInfo
	panes   map[integrations.Feed][]string
	acts    integrations.Actions
	// unfinished reports the runs a crash or a dropped connection left
	// unfinished, found on opening; Watch records them.
	unfinished []integrations.Record
	metrics    *metricsRecorder
	scorer     *drillScorer // a drill's scorecard, at its end and at quit

	// stored queues what other writers made durable, for the pump's
	// next batch.
	storedMu sync.Mutex
	stored   []integrations.Record

	stopSources, stopPump context.CancelFunc
	sourcesWG, pumping    sync.WaitGroup
}

var _ api.App = (*Session)(nil)

// refreshEvery is how often a watched session looks for entries other
// processes appended (`warroom timeline append` from a script).
const refreshEvery = 2 * time.Second

// runGrace is how long closing waits for the runs it aborted to wind down
// (return an HAProxy instance to rotation, record the abort).
const runGrace = 30 * time.Second

// Open chooses the world and opens its timeline; nothing runs yet.
func Open(o Options) (*Session, error) {
	if o.User == "" {
		o.User = CurrentUser()
	}
	w, err := chooseWorld(o)
	if err != nil {
		return nil, err
	}
	if o.Incident != "" {
		w.incident = o.Incident
	}
	if o.Share != nil && !w.drill {
		for i, src := range w.sources {
			w.sources[i] = o.Share(w.incident, src)
		}
	}
	w.sources = append(w.sources, o.Extra...)
	s := &Session{world: w, user: o.User, stateDir: o.StateDir, runs: newRunTracker(), catalog: o.Runbooks,
		alerts: newAlertIndex(), locks: o.Locks, approver: o.Approver, holder: o.Holder, team: o.Team}
	s.scorer = &drillScorer{s: s}
	if s.locks == nil {
		s.locks = runbooks.FileLocks(filepath.Join(o.StateDir, "locks"), 0)
	}
	if s.redactor, err = timeline.NewRedactor(w.secrets, w.redaction); err != nil {
		return nil, fmt.Errorf("redaction patterns: %w", err)
	}
	s.metrics = openMetrics(o.StateDir, w.incident, w.metrics, s.redactor, w.clock())
	s.declare(declarations(w.sources))
	s.known = newReplayFilter(s.replayKeys(), nil)
	open := o.Store
	if open == nil {
		open = LocalStore(o.StateDir)
	}
	s.store, err = open(w.incident, StoreHooks{Redactor: s.redactor, OnForeign: s.foreign, Admit: s.known.admit})
	if err != nil {
		s.metrics.close()
		return nil, fmt.Errorf("opening the timeline: %w", err)
	}
	history := s.store.Entries()
	s.known.learn(history)
	s.unfinished = leftUnfinished(history, s.locks, time.Now(), w.clock)
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

// declare takes in what the sources say of themselves: the panes they
// feed, and what each can do, scrubbed by the timeline's redactor (a
// server that echoes a token in its error shows it nowhere) and, for
// alerts, noted so that their effect is measured.
func (s *Session) declare(infos []integrations.SourceInfo) {
	s.sources, s.panes = map[string]integrations.SourceInfo{}, map[integrations.Feed][]string{}
	var all []integrations.Actions
	for _, info := range infos {
		info.Acts = redactActions(info.Acts, s.redactor.Redact)
		info.Acts.Alerts = s.metrics.alertActor(info.Acts.Alerts)
		s.sources[info.Name] = info
		for _, f := range info.Feeds {
			s.panes[f] = append(s.panes[f], info.Name)
		}
		all = append(all, info.Acts)
	}
	s.acts = compose(all, s.alertActor)
}

func (s *Session) replayKeys() map[string]integrations.ReplayKey {
	keys := map[string]integrations.ReplayKey{}
	for name, info := range s.sources {
		if info.Replay != nil {
			keys[name] = info.Replay
		}
	}
	return keys
}

// foreign takes in entries other writers appended; they are durable
// already, so the pump delivers them in its next batch without persisting
// them. It is called from the store, which may be on the pump's goroutine:
// it must not publish to the pump.
func (s *Session) foreign(entries []timeline.Entry) {
	s.metrics.foreign(entries)
	s.storedMu.Lock()
	s.stored = append(s.stored, record.Records(entries)...)
	s.storedMu.Unlock()
}

// takeStored is the pump's Stored.
func (s *Session) takeStored() []integrations.Record {
	s.storedMu.Lock()
	defer s.storedMu.Unlock()
	out := s.stored
	s.stored = nil
	return out
}

// Watch shows what the timeline already holds (a restart mid-incident),
// then runs the pump and every source until Close; deliver (may be nil)
// receives each coalesced batch after its records are durable. It is the
// one loop that sends to a front end.
func (s *Session) Watch(ctx context.Context, deliver func(integrations.Batch)) {
	// The timeline so far goes first: the first batch carries it.
	if deliver != nil {
		s.foreign(s.store.Entries())
	}
	s.pump = integrations.NewPump(integrations.PumpOptions{
		// The store's Admit leaves out what the timeline already holds.
		Persist: func(recs []integrations.Record) ([]integrations.Record, error) {
			return s.metrics.persist(s.store, recs)
		},
		Stored:  s.takeStored,
		Deliver: deliver,
		Derive: s.metrics.derive(deriveAll(s.alerts.derive, driftRecords(s.world.bindings, s.world.clock),
			oddOneOutRecords(s.world.clock), s.scorer.derive)),
		Redact: s.redactor.Redact,
	})
	var pumpCtx, srcCtx context.Context
	pumpCtx, s.stopPump = context.WithCancel(context.WithoutCancel(ctx))
	srcCtx, s.stopSources = context.WithCancel(ctx)
	s.pumping.Go(func() { s.pump.Run(pumpCtx) })
	if deliver != nil {
		s.sourcesWG.Go(func() { s.refresh(srcCtx) })
	}
	for _, r := range s.unfinished {
		s.pump.Publish(r)
	}
	for _, src := range s.world.sources {
		s.sourcesWG.Go(func() {
			if err := src.Run(srcCtx, s.pump); err != nil && !errors.Is(err, context.Canceled) {
				s.pump.Publish(integrations.Record{Occurred: s.world.clock(), Source: src.Name(), Kind: integrations.KindSourceStatus,
					Text: src.Name() + " stopped: " + err.Error()})
			}
		})
	}
}

// Publish hands a record to the pump, which makes it durable and delivers
// it in its next batch.
func (s *Session) Publish(r integrations.Record) { s.pump.Publish(r) }

// Close aborts runbooks still running and waits for them to wind down,
// stops the sources, then the pump once it has made everything they
// published durable, and closes the timeline. The order matters: nothing
// published before Close is lost.
func (s *Session) Close() error {
	if s.pump != nil {
		s.runs.shutdown(runGrace)
		s.stopSources()
		s.sourcesWG.Wait()
		s.stopPump()
		s.pumping.Wait()
	}
	return errors.Join(s.metrics.close(), s.store.Close())
}

// refresh takes in other processes' entries while nothing else commits.
func (s *Session) refresh(ctx context.Context) {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.store.Refresh(); err != nil {
				s.pump.Publish(integrations.Record{Occurred: s.world.clock(), Source: integrations.SourceWarroom, Kind: integrations.KindSourceStatus,
					Text: "timeline refresh failed: " + err.Error()})
			}
		}
	}
}

// Opened is the session.opened record. A drill's also says how its clock
// runs (field speed): with the entry's own times, scenario (Occurred) and
// wall (Recorded), that lets another process stamp entries on the drill's
// clock (IncidentNow).
func (s *Session) Opened(text string) integrations.Record {
	w := s.world
	r := integrations.Record{Occurred: w.clock(), Source: integrations.SourceWarroom, Kind: integrations.KindSessionOpened, Actor: s.user,
		Text: text, Fields: map[string]string{"title": w.title}}
	if w.speed > 0 {
		r.Fields["speed"] = strconv.FormatFloat(w.speed, 'g', -1, 64)
	}
	return r
}

// IncidentNow is the incident's clock read from its timeline, for a process
// that appends to it (warroom timeline append from a script): in a drill,
// the scenario time the latest session.opened entry names, run on at the
// drill's speed since it was recorded; zero, meaning the wall clock, for
// an incident of real sources.
func IncidentNow(entries []timeline.Entry, wall time.Time) time.Time {
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Kind != integrations.KindSessionOpened {
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
func persist(store Store, recs []integrations.Record) ([]integrations.Record, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	stored, err := store.Append(record.Entries(recs)...)
	if err != nil {
		return nil, err
	}
	return record.Records(stored), nil
}

// CurrentUser names who runs warroom.
func CurrentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return "you"
}
