package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
)

// Info is what the session is about.
func (s *Session) Info() api.Info {
	w := s.world
	panes := map[integrations.Feed][]string{}
	for f, names := range s.panes {
		panes[f] = slices.Clone(names)
	}
	return api.Info{Title: w.title, IncidentStart: w.started, Drill: w.drill, Notice: w.notice, User: s.user,
		Clock: w.clock, Panes: panes, MainTarget: w.metrics.Main,
		History: chartHistory(s.stateDir, w.incident, w.clock()), Unfinished: s.unfinishedLines()}
}

// unfinishedLines says what each run a crash left unfinished left behind.
func (s *Session) unfinishedLines() []string {
	lines := make([]string, len(s.unfinished))
	for i, r := range s.unfinished {
		lines[i] = s.redactor.Redact(r.Text)
	}
	return lines
}

// Record makes r durable at once and returns it as stored.
func (s *Session) Record(_ context.Context, r integrations.Record) (integrations.Record, error) {
	stored, err := persist(s.store, []integrations.Record{r})
	if err != nil {
		return r, err
	}
	if len(stored) == 0 {
		return r, errors.New("the timeline already holds this record")
	}
	return stored[0], nil
}

// Runbooks is the loaded catalog.
func (s *Session) Runbooks() api.RunbookInfo { return s.catalog }

// Plan plans rb through the session's sources, by reads only.
func (s *Session) Plan(ctx context.Context, rb *runbooks.Runbook, params map[string]string) (*runbooks.Plan, error) {
	p, err := runbooks.NewPlan(ctx, rb, params, s.acts, s.catalog.Limits)
	return p, scrubber(s.redactor.Redact).err(err)
}

// Start runs plan in the background; its progress and end reach the front
// end in the pump's batches.
func (s *Session) Start(plan *runbooks.Plan, o api.StartOptions) (string, error) {
	if plan == nil {
		return "", errors.New("no plan to run")
	}
	if s.pump == nil {
		return "", errors.New("the session is not watching its sources yet")
	}
	runID := runbooks.NewRunID()
	stopping, end := s.runs.begin()
	ctx, cancel := context.WithCancelCause(context.Background())
	// Closing the session aborts the run and waits for it to wind down.
	stopAfter := context.AfterFunc(stopping, func() { cancel(errors.New("aborted: warroom is quitting")) })
	s.runs.track(runID, cancel)
	go func() {
		defer end()
		defer stopAfter()
		defer s.runs.untrack(runID)
		_, _ = s.execute(ctx, plan, runOptions{StartOptions: o, Confirmed: true}, runID)
	}()
	return runID, nil
}

// Abort stops run runID, saying why.
func (s *Session) Abort(runID string, cause error) { s.runs.abort(runID, cause) }

// RunOptions say how a front end that waits for its run (the command
// line) runs a plan: as Start would, and Confirmed says the user
// confirmed it (a plan that changes nothing needs no confirmation; one
// refused unconfirmed is recorded as refused). Progress, when set, also
// receives each step state as it changes.
type RunOptions = runOptions

type runOptions struct {
	api.StartOptions
	Confirmed bool
	Progress  func(integrations.StepState)
}

// Run runs plan and waits for its end, the same way Start does.
func (s *Session) Run(ctx context.Context, plan *runbooks.Plan, o RunOptions) (*runbooks.Report, error) {
	stopping, end := s.runs.begin()
	defer end()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer context.AfterFunc(stopping, func() { cancel(errors.New("aborted: warroom is quitting")) })()
	runID := runbooks.NewRunID()
	s.runs.track(runID, cancel)
	defer s.runs.untrack(runID)
	report, err := s.execute(ctx, plan, o, runID)
	return report, scrubber(s.redactor.Redact).err(err)
}

// execute is the one assembly of the runbook engine, for the screen and
// the command line alike: the session's sources, its timeline (through the
// pump), its locks and its clock. Step states go to the pump, stamped on
// the incident's clock, then the run's end.
func (s *Session) execute(ctx context.Context, plan *runbooks.Plan, o runOptions, runID string) (*runbooks.Report, error) {
	clock := s.world.clock
	var mu sync.Mutex
	began, ended := map[int]time.Time{}, map[int]time.Time{}
	stamp := func(st integrations.StepState) integrations.StepState {
		mu.Lock()
		defer mu.Unlock()
		switch at := clock(); {
		case st.Status == integrations.StepRunning && began[st.Index].IsZero():
			began[st.Index] = at
		case st.Status != integrations.StepRunning && st.Status != integrations.StepPending && ended[st.Index].IsZero():
			ended[st.Index] = at
		}
		st.Began, st.Ended = began[st.Index], ended[st.Index]
		return st
	}
	opts := runbooks.RunOptions{RunID: runID, DryRun: o.DryRun, Confirmed: o.Confirmed, Typed: o.Typed,
		StateDir: s.stateDir, Locks: s.locks, Approver: s.approver, Holder: s.holder, Actor: cmp.Or(o.Actor, s.user), Now: clock,
		Progress: func(st integrations.StepState) {
			st = stamp(st)
			st.Message, st.Err = s.redactor.Redact(st.Message), s.redactor.Redact(st.Err)
			s.pump.Publish(st)
			if o.Progress != nil {
				o.Progress(st)
			}
		}}
	start := clock()
	report, err := runbooks.Run(ctx, plan, s.acts, s.Publish, opts)
	done := integrations.RunEnded{RunID: report.RunID, Runbook: report.Runbook, Status: report.Status,
		Elapsed: clock().Sub(start)}
	for _, st := range report.Steps {
		done.Steps = append(done.Steps, stamp(st))
	}
	if report.Err != nil {
		done.Err = s.redactor.Redact(report.Err.Error())
	}
	s.pump.Publish(done)
	return report, err
}

// Can reports whether source (any source, for "") can make change c.
func (s *Session) Can(source string, c integrations.Capability) bool {
	if source == "" {
		return s.acts.Has(c)
	}
	info, ok := s.sources[source]
	return ok && info.Acts.Has(c)
}

// alertsOf is the alert actor of source.
func (s *Session) alertsOf(source string, c integrations.Capability) (integrations.AlertActor, error) {
	info, ok := s.sources[source]
	if !ok || !info.Acts.Has(c) {
		return nil, fmt.Errorf("source %q cannot %s alerts", source, c)
	}
	return info.Acts.Alerts, nil
}

// Acknowledge acknowledges alert id at its source.
func (s *Session) Acknowledge(ctx context.Context, source, id string) error {
	a, err := s.alertsOf(source, integrations.CanAcknowledge)
	if err != nil {
		return err
	}
	return a.Acknowledge(ctx, id)
}

// Resolve resolves alert id at its source.
func (s *Session) Resolve(ctx context.Context, source, id string) error {
	a, err := s.alertsOf(source, integrations.CanResolve)
	if err != nil {
		return err
	}
	return a.Resolve(ctx, id)
}

// ReadAlert reads alert id back from its source.
func (s *Session) ReadAlert(ctx context.Context, source, id string) (integrations.Alert, error) {
	a, err := s.alertsOf(source, integrations.CanReadAlert)
	if err != nil {
		return integrations.Alert{}, err
	}
	al, err := a.ReadAlert(ctx, id)
	al.Source = source
	return al, err
}

// Post writes to the incident channel.
func (s *Session) Post(ctx context.Context, text, threadID string) (integrations.Message, error) {
	if s.acts.Chat == nil {
		return integrations.Message{}, errors.New("no chat source to post to")
	}
	return s.acts.Chat.Post(ctx, text, threadID)
}

// FindPosted looks for text in the incident channel.
func (s *Session) FindPosted(ctx context.Context, text string, since time.Time) (integrations.Message, bool, error) {
	if s.acts.ChatReader == nil {
		return integrations.Message{}, false, errors.New("the chat source cannot read its channel back")
	}
	return s.acts.ChatReader.FindPosted(ctx, text, since)
}

// Redact scrubs secrets with the timeline's redactor.
func (s *Session) Redact(text string) string { return s.redactor.Redact(text) }

// Team is the team's war-room, nil when the session is alone.
func (s *Session) Team() api.Team { return s.team }

// compose is what a runbook acts through: for each capability the first
// source that declared it (an optional one from the same source as the
// capability it extends), and for alerts the alert's own source (see
// alertActor), so two alert sources each get their own alerts' changes.
func compose(all []integrations.Actions, alerts func() integrations.AlertActor) integrations.Actions {
	var a integrations.Actions
	var alertSources int
	for _, x := range all {
		a = a.Or(x)
		if x.Alerts != nil {
			alertSources++
		}
	}
	if alertSources > 1 {
		a.Alerts = alerts()
	}
	return a
}

// alertActor acts on each alert at the source that reported it.
func (s *Session) alertActor() integrations.AlertActor { return alertRouter{s} }

type alertRouter struct{ s *Session }

// of is the actor of the source that reported alert id: a runbook names
// an alert by its ID alone.
func (r alertRouter) of(id string) (integrations.AlertActor, error) {
	return r.s.alertsOf(r.s.alerts.source(id), integrations.CanAcknowledge)
}

func (r alertRouter) Acknowledge(ctx context.Context, id string) error {
	a, err := r.of(id)
	if err != nil {
		return err
	}
	return a.Acknowledge(ctx, id)
}

func (r alertRouter) Resolve(ctx context.Context, id string) error {
	a, err := r.of(id)
	if err != nil {
		return err
	}
	return a.Resolve(ctx, id)
}

func (r alertRouter) AddNote(ctx context.Context, id, note string) error {
	a, err := r.of(id)
	if err != nil {
		return err
	}
	return a.AddNote(ctx, id, note)
}

func (r alertRouter) ReadAlert(ctx context.Context, id string) (integrations.Alert, error) {
	a, err := r.of(id)
	if err != nil {
		return integrations.Alert{}, err
	}
	return a.ReadAlert(ctx, id)
}

// Scenario is the drill's scenario, "" for live sources.
func (s *Session) Scenario() string { return s.world.scenario }

// Entries is the incident's timeline so far.
func (s *Session) Entries() []timeline.Entry { return s.store.Entries() }

// Incident is the incident's ID, which names its timeline.
func (s *Session) Incident() string { return s.world.incident }

// TimelinePath is the timeline file of a local store ("" for another).
func (s *Session) TimelinePath() string {
	if p, ok := s.store.(interface{ Path() string }); ok {
		return p.Path()
	}
	return ""
}

// Actions is what a runbook acts through: every source's capabilities,
// scrubbed, with alerts routed to their own source.
func (s *Session) Actions() integrations.Actions { return s.acts }

// Track registers a run a front end executes itself with the session,
// which aborts it on Close and waits for it to wind down; end must be
// called once it has returned. The screen uses it until it starts its
// runs with Start.
func (s *Session) Track() (context.Context, func()) { return s.runs.begin() }

// Bindings tie Auto Scaling groups to HAProxy backends for drift. The
// screen reads them until it takes the drift findings from the batches.
func (s *Session) Bindings() []drift.Binding { return s.world.bindings }

// Now reads the incident's clock.
func (s *Session) Now() time.Time { return s.world.clock() }
