package tui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

// testOpts is a screen's session as a test sets it up: the facts the
// application gives (Info), how it records, the world it acts on and the
// runbooks it runs, and the screen's own options.
type testOpts struct {
	Title         string
	IncidentStart time.Time
	Drill         bool
	Notice        string
	User          string
	Clock         func() time.Time
	MainTarget    string
	History       []integrations.Sample
	Unfinished    []string
	// Panes is which sources feed which pane; nil: the standard sources.
	Panes map[integrations.Feed][]string

	Record   func(context.Context, integrations.Record) (integrations.Record, error)
	Actions  integrations.Actions
	Runbooks testRunbooks
	Status   testStatus

	Team api.Team // the team's war-room; nil: alone

	Readonly, Bell, NoColor bool
}

// testRunbooks is the runbooks a test's application runs, and where.
type testRunbooks struct {
	Catalog  *runbooks.Catalog
	Limits   runbooks.Limits
	StateDir string
	Sink     func(integrations.Record) // the run's records
	Skipped  []string
	Redact   func(string) string
}

// testStatus is the test application's status updates: its draft, its
// reminder, and how it posts.
type testStatus struct {
	Draft api.StatusDraft
	Due   api.StatusReminder
	Post  func(context.Context, string) (api.StatusPosted, error)
}

// testApp is the application as the screen's tests need it: it records
// through a function, acts on the world's actions, and runs plans with
// the real runbook engine in its own goroutines, delivering their step
// states and ends as batches to the program, as the application does.
type testApp struct {
	o testOpts

	mu      sync.Mutex
	deliver func(tea.Msg) // the program's Send, once there is a program
	runs    map[string]context.CancelCauseFunc
	wg      sync.WaitGroup
}

// newScreen is a screen on a test application, with no program to send
// run states to.
func newScreen(o testOpts) Model { m, _ := o.screen(); return m }

// screen is a screen on a test application, and the application.
func (o testOpts) screen() (Model, *testApp) {
	app := &testApp{o: o, runs: map[string]context.CancelCauseFunc{}}
	return New(Options{App: app, Readonly: o.Readonly, Bell: o.Bell, NoColor: o.NoColor}), app
}

// program runs the screen of o in teatest, its application delivering to
// it; runs still going when the test ends are aborted and waited for.
func (o testOpts) program(t *testing.T, width, height int) *teatest.TestModel {
	t.Helper()
	m, app := o.screen()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(width, height))
	app.mu.Lock()
	app.deliver = tm.Send
	app.mu.Unlock()
	t.Cleanup(app.close)
	return tm
}

func (a *testApp) close() {
	a.mu.Lock()
	for _, cancel := range a.runs {
		cancel(errors.New("the test ended"))
	}
	a.mu.Unlock()
	a.wg.Wait()
}

func (a *testApp) Info() api.Info {
	panes := a.o.Panes
	if panes == nil {
		panes = map[integrations.Feed][]string{
			integrations.FeedAlerts: {integrations.SourcePagerDuty},
			integrations.FeedFleet:  {integrations.SourceAWS, integrations.SourceHAProxy},
			integrations.FeedChat:   {integrations.SourceSlack},
		}
	}
	return api.Info{Title: a.o.Title, IncidentStart: a.o.IncidentStart, Drill: a.o.Drill, Notice: a.o.Notice,
		User: a.o.User, Clock: a.o.Clock, Panes: panes, MainTarget: a.o.MainTarget, History: a.o.History,
		Unfinished: a.o.Unfinished}
}

func (a *testApp) Record(ctx context.Context, r integrations.Record) (integrations.Record, error) {
	if a.o.Record == nil {
		return r, errors.New("no timeline store is open")
	}
	return a.o.Record(ctx, r)
}

func (a *testApp) Runbooks() api.RunbookInfo {
	return api.RunbookInfo{Catalog: a.o.Runbooks.Catalog, Limits: a.o.Runbooks.Limits, Skipped: a.o.Runbooks.Skipped}
}

func (a *testApp) Plan(ctx context.Context, rb *runbooks.Runbook, params map[string]string) (*runbooks.Plan, error) {
	return runbooks.NewPlan(ctx, rb, params, a.o.Actions, a.o.Runbooks.Limits)
}

// Start runs plan in a goroutine of its own; each step state is stamped
// with the incident's clock and delivered, then the run's end.
func (a *testApp) Start(plan *runbooks.Plan, so api.StartOptions) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	id := fmt.Sprintf("run-%d", len(a.runs)+1)
	ctx, cancel := context.WithCancelCause(context.Background())
	a.runs[id] = cancel
	clock := a.o.Clock
	if clock == nil {
		clock = time.Now
	}
	send := func(b integrations.Batch) {
		a.mu.Lock()
		deliver := a.deliver
		a.mu.Unlock()
		if deliver != nil {
			deliver(b)
		}
	}
	var smu sync.Mutex
	stamped := map[int]runbooks.StepState{}
	stamp := func(s runbooks.StepState) runbooks.StepState {
		smu.Lock()
		defer smu.Unlock()
		was := stamped[s.Index]
		s.RunID, s.Began, s.Ended = id, was.Began, was.Ended
		switch at := clock(); {
		case s.Status == runbooks.StepRunning && s.Began.IsZero():
			s.Began = at
		case s.Status != runbooks.StepRunning && s.Status != runbooks.StepPending && s.Ended.IsZero():
			s.Ended = at
		}
		stamped[s.Index] = s
		return s
	}
	sink := a.o.Runbooks.Sink
	if sink == nil {
		sink = func(integrations.Record) {}
	}
	actor := so.Actor
	if actor == "" {
		actor = a.o.User
	}
	opts := runbooks.RunOptions{DryRun: so.DryRun, Confirmed: true, Typed: so.Typed, StateDir: a.o.Runbooks.StateDir,
		Actor: actor, Now: clock, Progress: func(s runbooks.StepState) { send(integrations.Batch{Steps: []runbooks.StepState{stamp(s)}}) }}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		began := clock()
		report, _ := runbooks.Run(ctx, plan, a.o.Actions, sink, opts)
		ended := integrations.RunEnded{RunID: id, Runbook: report.Runbook, Status: report.Status, Elapsed: clock().Sub(began)}
		for _, s := range report.Steps {
			ended.Steps = append(ended.Steps, stamp(s))
		}
		if report.Err != nil {
			ended.Err = report.Err.Error()
		}
		send(integrations.Batch{RunsEnded: []integrations.RunEnded{ended}})
	}()
	return id, nil
}

func (a *testApp) Abort(id string, cause error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cancel := a.runs[id]; cancel != nil {
		cancel(cause)
	}
}

func (a *testApp) Can(source string, c integrations.Capability) bool {
	switch c {
	case integrations.CanAcknowledge, integrations.CanResolve, integrations.CanReadAlert:
		return a.o.Actions.Alerts != nil
	case integrations.CanPost:
		return a.o.Actions.Chat != nil
	case integrations.CanReadChat:
		return a.o.Actions.ChatReader != nil
	}
	return false
}

func (a *testApp) Acknowledge(ctx context.Context, _, id string) error {
	return a.o.Actions.Alerts.Acknowledge(ctx, id)
}

func (a *testApp) Resolve(ctx context.Context, _, id string) error {
	return a.o.Actions.Alerts.Resolve(ctx, id)
}

func (a *testApp) ReadAlert(ctx context.Context, _, id string) (integrations.Alert, error) {
	return a.o.Actions.Alerts.ReadAlert(ctx, id)
}

func (a *testApp) Post(ctx context.Context, text, thread string) (integrations.Message, error) {
	return a.o.Actions.Chat.Post(ctx, text, thread)
}

func (a *testApp) FindPosted(ctx context.Context, text string, since time.Time) (integrations.Message, bool, error) {
	return a.o.Actions.ChatReader.FindPosted(ctx, text, since)
}

func (a *testApp) Redact(s string) string {
	if r := a.o.Runbooks.Redact; r != nil {
		return r(s)
	}
	return s
}

func (a *testApp) Team() api.Team                                 { return a.o.Team }
func (a *testApp) DraftStatus(time.Time) (api.StatusDraft, error) { return a.o.Status.Draft, nil }
func (a *testApp) StatusDue(time.Time) api.StatusReminder         { return a.o.Status.Due }
func (a *testApp) PostStatus(ctx context.Context, text string) (api.StatusPosted, error) {
	if a.o.Status.Post == nil {
		return api.StatusPosted{}, errors.New("no status targets")
	}
	return a.o.Status.Post(ctx, text)
}
