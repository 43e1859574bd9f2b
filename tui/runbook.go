package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

// The runbook flow: palette → parameter form → plan → confirm → run.
type runbookStage int

const (
	stagePalette runbookStage = iota
	stageForm
	stagePlanning
	stagePlan
	stageRunning
	stageFinished
)

// runbookFlow is the state of the runbook panel while it is open.
type runbookFlow struct {
	stage   runbookStage
	search  textinput.Model
	matches []*runbooks.Runbook
	cursor  int

	rb     *runbooks.Runbook
	fields []textinput.Model
	kinds  []paramKind // what each parameter names
	field  int
	comp   completion
	// warned holds the parameters last planned with values the screen
	// does not know: the form said so once, and enter again plans anyway.
	warned string

	plan     *runbooks.Plan
	planErr  string
	typing   bool            // a dangerous plan's confirmation text is being typed
	typed    textinput.Model // the confirmation text a dangerous runbook needs
	typedErr string          // why the typed text was not accepted
	dryRun   bool

	// runID is the run in the application, once Start has returned; its
	// step states (each with its start and end on the incident's clock)
	// and its end arrive in the batches.
	runID    string
	steps    []runbooks.StepState
	aborting bool
	report   *integrations.RunEnded
	// hidden shrinks a running or finished run to one footer line, so the
	// panes stay in view during a long run.
	hidden bool
}

// planMsg carries a finished plan. Each message names the flow it belongs
// to: one that arrives after its flow was closed or sent back is ignored.
type planMsg struct {
	flow *runbookFlow
	plan *runbooks.Plan
	err  error
}

// runStartedMsg is the application's answer to starting the run of flow.
type runStartedMsg struct {
	flow  *runbookFlow
	runID string
	err   error
}

// runProgress is a run's states as the batches bring them: kept by run
// ID, since a run's first states (even its end) may arrive before Start's
// answer names the run to its flow.
type runProgress struct {
	steps []runbooks.StepState
	ended *integrations.RunEnded
}

// abortMsg is a confirmed abort of the run of flow.
type abortMsg struct{ flow *runbookFlow }

// openRunbooks opens the palette.
func (m *Model) openRunbooks() tea.Cmd {
	if m.opts.Readonly {
		return m.refused("running a runbook")
	}
	if m.books.Catalog == nil {
		return m.raise("no runbooks are loaded", true)
	}
	if m.flow != nil && m.flow.hidden {
		m.flow.hidden = false
		return nil
	}
	f := &runbookFlow{search: newField(m.width, "runbook ▸ ", "type to filter")}
	f.filter(m.books.Catalog)
	m.flow = f
	return tea.Batch(f.search.Focus(), m.readLocks())
}

func (f *runbookFlow) filter(cat *runbooks.Catalog) {
	q := strings.ToLower(strings.TrimSpace(f.search.Value()))
	// Rank by how the name matches: typing a runbook's name and pressing
	// enter must open that runbook, not one whose description mentions it.
	rank := func(rb *runbooks.Runbook) int {
		switch {
		case q == "" || strings.HasPrefix(rb.Name, q):
			return 0
		case strings.Contains(rb.Name, q):
			return 1
		case contains(rb.Name+" "+rb.Description, strings.Fields(q)):
			return 2
		}
		return -1
	}
	f.matches = f.matches[:0]
	for _, rb := range cat.List() {
		if rank(rb) >= 0 {
			f.matches = append(f.matches, rb)
		}
	}
	slices.SortStableFunc(f.matches, func(a, b *runbooks.Runbook) int { return rank(a) - rank(b) })
	f.cursor = max(0, min(f.cursor, len(f.matches)-1))
}

// within is the form's values by kind, to narrow the known values of the
// other fields (the servers of the chosen backend).
func (f *runbookFlow) within() map[paramKind]string {
	out := map[paramKind]string{}
	for i, k := range f.kinds {
		if v := strings.TrimSpace(f.fields[i].Value()); v != "" && k != kindOther {
			out[k] = v
		}
	}
	return out
}

func (f *runbookFlow) params() map[string]string {
	out := map[string]string{}
	for i, p := range f.rb.Params {
		if v := f.fields[i].Value(); v != "" {
			out[p.Name] = v
		}
	}
	return out
}

// makePlan plans off the UI goroutine: planning reads from the services.
func (m Model) makePlan() tea.Cmd {
	f, rb, params, app := m.flow, m.flow.rb, m.flow.params(), m.app
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
		defer cancel()
		p, err := app.Plan(ctx, rb, params)
		return planMsg{flow: f, plan: p, err: err}
	}
}

// startRun hands the confirmed plan to the application, which runs it;
// the run's states come back in the batches.
func (m *Model) startRun() tea.Cmd {
	f := m.flow
	f.stage = stageRunning
	app, plan := m.app, f.plan
	o := api.StartOptions{DryRun: f.dryRun, Typed: f.typed.Value(), Actor: m.info.User}
	return func() tea.Msg {
		id, err := app.Start(plan, o)
		return runStartedMsg{flow: f, runID: id, err: err}
	}
}

// foldRuns takes in a batch's run states, and brings the open flow's run
// up to date with them.
func (m *Model) foldRuns(steps []runbooks.StepState, ended []integrations.RunEnded) tea.Cmd {
	if len(steps) == 0 && len(ended) == 0 {
		return nil
	}
	if m.runs == nil {
		m.runs = map[string]*runProgress{}
	}
	run := func(id string) *runProgress {
		r := m.runs[id]
		if r == nil {
			r = &runProgress{}
			m.runs[id] = r
		}
		return r
	}
	for _, s := range steps {
		r := run(s.RunID)
		r.steps = setStep(r.steps, s)
	}
	for _, e := range ended {
		run(e.RunID).ended = &e
	}
	return m.syncFlow()
}

// syncFlow shows the open flow's run as the batches have it, and ends it
// when the run has ended.
func (m *Model) syncFlow() tea.Cmd {
	f := m.flow
	if f == nil || f.runID == "" || f.stage != stageRunning {
		return nil
	}
	r := m.runs[f.runID]
	if r == nil {
		return nil
	}
	f.steps = slices.Clone(r.steps)
	if r.ended == nil {
		return nil
	}
	delete(m.runs, f.runID)
	e := r.ended
	f.stage, f.report = stageFinished, e
	for _, s := range e.Steps {
		f.steps = setStep(f.steps, s)
	}
	if c := m.confirming(); c != nil && c.aborts == f {
		m.remove(c) // nothing left to abort: the toast says how it ended
	}
	if e.Status == runbooks.RunFailed || e.Status == runbooks.RunRefused || e.Status == runbooks.RunAborted {
		return m.raise(fmt.Sprintf("runbook %s %s: %s", e.Runbook, e.Status, m.app.Redact(e.Err)), true)
	}
	return m.raise(fmt.Sprintf("runbook %s %s", e.Runbook, e.Status), e.Status != runbooks.RunDone && e.Status != runbooks.RunDryRun)
}

// updateFlow takes the answers to the runbook panel's requests: its plan,
// its run's start, a confirmed abort.
func (m Model) updateFlow(msg tea.Msg) (tea.Model, tea.Cmd) {
	f := m.flow
	switch msg := msg.(type) {
	case planMsg:
		if msg.flow != f || f.stage != stagePlanning {
			return m, nil // a plan the user stopped waiting for
		}
		f.plan, f.planErr, f.stage = msg.plan, "", stagePlan
		if msg.err != nil {
			f.plan, f.planErr, f.stage = nil, msg.err.Error(), stageForm
			return m, nil
		}
		if f.plan.Dangerous {
			f.typed = newField(m.width, "confirm ▸ ", "type "+f.plan.ConfirmText)
		}
		return m, nil
	case runStartedMsg:
		if msg.flow != f {
			return m, nil
		}
		if msg.err != nil {
			f.stage = stageFinished
			f.report = &integrations.RunEnded{Runbook: f.rb.Name, Status: runbooks.RunRefused, Err: m.app.Redact(msg.err.Error())}
			return m, m.raise(fmt.Sprintf("runbook %s %s: %s", f.rb.Name, runbooks.RunRefused, f.report.Err), true)
		}
		f.runID = msg.runID
		if f.aborting { // asked before the run had its ID
			return m, tea.Batch(m.abortCmd(f), m.syncFlow())
		}
		return m, m.syncFlow()
	case abortMsg:
		if msg.flow != f {
			return m, nil
		}
		return m, m.abortRun()
	}
	return m, nil
}

// setStep puts s in its place among a run's step states.
func setStep(steps []runbooks.StepState, s runbooks.StepState) []runbooks.StepState {
	if s.Index < 1 {
		return steps
	}
	for len(steps) < s.Index {
		steps = append(steps, runbooks.StepState{Index: len(steps) + 1, Status: runbooks.StepPending})
	}
	steps[s.Index-1] = s
	return steps
}

// askAbort asks before aborting the run: the prompt says what the abort
// cancels. The key that asked, pressed again, or y confirms.
func (m *Model) askAbort(again string) {
	f := m.flow
	if f.aborting {
		return
	}
	tail := again + " again or y aborts · esc keeps it running"
	m.push(&confirmDialog{
		prompt: f.abortPrompt(m.dialogEnv()) + "\n" + tail,
		run:    func() tea.Msg { return abortMsg{flow: f} },
		yes:    []string{"y", again},
		kept:   f.rb.Name + " keeps running",
		aborts: f,
		tail:   tail,
	})
}

// renderFlow draws the runbook panel in the body's place.
func (m *Model) renderFlow(width, height int) string {
	return m.flow.renderFlow(m.dialogEnv(), width, height)
}

// abortRun asks the application to cancel the running step; no further
// step starts.
func (m *Model) abortRun() tea.Cmd {
	f := m.flow
	if f == nil || f.stage != stageRunning || f.aborting {
		return nil
	}
	f.aborting = true
	return tea.Batch(m.abortCmd(f), m.raise("aborting "+f.rb.Name+": the running step is cancelled, no further step starts", true))
}

// abortCmd aborts flow's run in the application, once it has an ID.
func (m *Model) abortCmd(f *runbookFlow) tea.Cmd {
	if f.runID == "" {
		return nil // runStartedMsg aborts it
	}
	app, id, cause := m.app, f.runID, fmt.Errorf("aborted by %s", m.info.User)
	return func() tea.Msg { app.Abort(id, cause); return nil }
}

// hints is a help line of bindings: the runbook panel's keys for its
// stage, shown in the footer like every other key.
type hints []key.Binding

func (h hints) ShortHelp() []key.Binding  { return h }
func (h hints) FullHelp() [][]key.Binding { return [][]key.Binding{h} }

func hint(k, what string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, what)) }

var spinnerFrames = []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

func stepName(ps runbooks.PlannedStep) string {
	if ps.Step.Name != "" {
		return ps.Step.Name
	}
	return ps.Step.Action
}

// clockDuration rounds a duration on the incident's clock for reading.
func clockDuration(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

// What the run view shows of a step's output: at most outputHosts hosts
// (a host command's output opens each host's part with "== host"), and
// at most outputLinesPerHost lines of each. The timeline entry keeps the
// output as the run bounded it.
const outputHosts, outputLinesPerHost = 10, 8

func outputLines(out string) []string {
	var parts [][]string // each: an optional "== host" line, then its lines
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if strings.HasPrefix(l, "== ") || len(parts) == 0 {
			parts = append(parts, nil)
		}
		parts[len(parts)-1] = append(parts[len(parts)-1], l)
	}
	var lines []string
	for i, part := range parts {
		if i == outputHosts {
			lines = append(lines, fmt.Sprintf("… and %d more host(s): the timeline entry has them", len(parts)-i))
			break
		}
		head := 0
		if strings.HasPrefix(part[0], "== ") {
			lines, head = append(lines, part[0]), 1
		}
		body := part[head:]
		for _, l := range body[:min(len(body), outputLinesPerHost)] {
			lines = append(lines, "  "+l)
		}
		if cut := len(body) - outputLinesPerHost; cut > 0 {
			lines = append(lines, fmt.Sprintf("  … %d more line(s): the timeline entry has them", cut))
		}
	}
	return lines
}
