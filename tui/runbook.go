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
	"github.com/charmbracelet/x/ansi"

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

func (m Model) newField(prompt, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.Prompt, ti.Placeholder = prompt, placeholder
	ti.CharLimit = 200
	ti.SetWidth(max(20, m.width-len(prompt)-6))
	return ti
}

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
	f := &runbookFlow{search: m.newField("runbook ▸ ", "type to filter")}
	f.filter(m.books.Catalog)
	m.flow = f
	return f.search.Focus()
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

// choose moves from the palette to the parameter form. A parameter that
// names what the Fleet pane has selected (a group, an instance, an HAProxy
// instance, backend or server) starts with it.
func (m Model) choose(rb *runbooks.Runbook) tea.Cmd {
	f := m.flow
	f.rb, f.stage, f.fields, f.kinds, f.field, f.warned = rb, stageForm, nil, nil, 0, ""
	sel := map[paramKind]string{}
	if m.focus == paneFleet {
		sel = m.fleet.selection()
	}
	width := 10 // the prompts line up
	for _, p := range rb.Params {
		width = max(width, len(p.Name))
	}
	for _, p := range rb.Params {
		ti := m.newField(fmt.Sprintf("%-*s ", width, p.Name), "")
		kind := kindOf(rb, p.Name)
		switch v, ok := sel[kind]; {
		case ok:
			ti.SetValue(v)
		case p.Default != nil:
			ti.SetValue(fmt.Sprint(p.Default))
		}
		ti.CursorEnd()
		f.fields, f.kinds = append(f.fields, ti), append(f.kinds, kind)
	}
	if len(f.fields) == 0 {
		return nil
	}
	return f.fields[0].Focus()
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

// knownFor is what the screen knows field i may hold; nil when it does
// not know (a number, a duration, a name it has no list of).
func (m Model) knownFor(i int) []string {
	f := m.flow
	if f.kinds[i] == kindOther {
		return nil
	}
	return m.fleet.known(f.kinds[i], f.within())
}

// unknownHint says that field i holds a value the screen does not know,
// and which it does; "" when the value is known or nothing is.
func (m Model) unknownHint(i int) string {
	v := strings.TrimSpace(m.flow.fields[i].Value())
	known := m.knownFor(i)
	if v == "" || len(known) == 0 || slices.Contains(known, v) {
		return ""
	}
	return fmt.Sprintf("unknown %s %q; known: %s", m.flow.rb.Params[i].Name, v, shownKnown(known))
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
		return m.raise(fmt.Sprintf("runbook %s %s: %s", e.Runbook, e.Status, m.scrub(e.Err)), true)
	}
	return m.raise(fmt.Sprintf("runbook %s %s", e.Runbook, e.Status), e.Status != runbooks.RunDone && e.Status != runbooks.RunDryRun)
}

// updateFlow routes messages while the runbook panel is open.
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
			f.typed = m.newField("confirm ▸ ", "type "+f.plan.ConfirmText)
		}
		return m, nil
	case runStartedMsg:
		if msg.flow != f {
			return m, nil
		}
		if msg.err != nil {
			f.stage = stageFinished
			f.report = &integrations.RunEnded{Runbook: f.rb.Name, Status: runbooks.RunRefused, Err: m.scrub(msg.err.Error())}
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
	case tea.KeyPressMsg:
		return m.flowKey(msg)
	}
	return m, f.updateInputs(msg)
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

// updateInputs passes non-key messages (cursor blinks) to the live input.
func (f *runbookFlow) updateInputs(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch f.stage {
	case stagePalette:
		f.search, cmd = f.search.Update(msg)
	case stageForm:
		if len(f.fields) > 0 {
			f.fields[f.field], cmd = f.fields[f.field].Update(msg)
		}
	case stagePlan:
		f.typed, cmd = f.typed.Update(msg)
	}
	return cmd
}

func (m Model) flowKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := m.flow
	k := msg.String()
	if k == "ctrl+c" && f.stage != stageRunning && f.stage != stageFinished {
		m.flow = nil // ctrl+c closes the panel; it never quits from here
		return m, nil
	}
	switch f.stage {
	case stagePalette:
		switch k {
		case ledgerKey:
			return m.openLedger()
		case "esc":
			m.flow = nil
			return m, nil
		case "up", "ctrl+p":
			f.cursor = max(0, f.cursor-1)
		case "down", "ctrl+n":
			f.cursor = min(len(f.matches)-1, f.cursor+1)
		case "enter":
			if len(f.matches) == 0 {
				return m, nil
			}
			f.search.Blur()
			if cmd := m.choose(f.matches[f.cursor]); cmd != nil {
				return m, cmd
			}
			f.stage = stagePlanning
			return m, m.makePlan()
		default:
			var cmd tea.Cmd
			f.search, cmd = f.search.Update(msg)
			f.filter(m.books.Catalog)
			return m, cmd
		}
	case stageForm:
		return m.formKey(msg)
	case stagePlanning:
		if k == "esc" {
			// The plan, when it comes, is ignored.
			if len(f.fields) == 0 {
				f.stage = stagePalette
				return m, f.search.Focus()
			}
			f.stage = stageForm
			return m, f.fields[f.field].Focus()
		}
	case stagePlan:
		return m.planKey(msg)
	case stageRunning:
		switch {
		case key.Matches(msg, m.keys.Abort), k == "ctrl+c":
			return m.askAbort(k)
		case k == "esc":
			f.hidden = true // back to the panes: the run goes on
		}
	case stageFinished:
		if k == "esc" || k == "enter" || k == "q" || k == "ctrl+c" {
			m.flow = nil
		}
	}
	return m, nil
}

// formKey edits the parameters: ↑/↓ move between them, tab completes a
// field whose values the screen knows (and moves on from one it does
// not), enter plans.
func (m Model) formKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := m.flow
	k := msg.String()
	switch {
	case k == "esc":
		f.stage, f.planErr = stagePalette, ""
		return m, f.search.Focus()
	case k == "enter":
		// A value the screen does not know is said once; enter again
		// plans it anyway (the screen may not see everything).
		if unknown, first := m.unknownValues(); unknown != "" && unknown != f.warned {
			f.warned = unknown
			f.fields[f.field].Blur()
			f.field = first
			return m, f.fields[f.field].Focus()
		}
		f.stage = stagePlanning
		return m, m.makePlan()
	case len(f.fields) == 0:
		return m, nil
	}
	step := 1
	if k == "shift+tab" || k == "up" {
		step = -1
	}
	switch k {
	case "tab", "shift+tab":
		if known := m.knownFor(f.field); len(known) > 0 {
			in := &f.fields[f.field]
			in.SetValue(f.comp.complete(f.field, in.Value(), known, step))
			in.CursorEnd()
			return m, nil
		}
		fallthrough
	case "down", "up":
		f.fields[f.field].Blur()
		f.field = (f.field + step + len(f.fields)) % len(f.fields)
		return m, f.fields[f.field].Focus()
	}
	var cmd tea.Cmd
	f.fields[f.field], cmd = f.fields[f.field].Update(msg)
	return m, cmd
}

// unknownValues names the fields whose values the screen does not know
// ("" when there are none) and the first of them.
func (m Model) unknownValues() (string, int) {
	var names []string
	first := 0
	for i := range m.flow.fields {
		if m.unknownHint(i) != "" {
			if names == nil {
				first = i
			}
			names = append(names, m.flow.rb.Params[i].Name+"="+m.flow.fields[i].Value())
		}
	}
	return strings.Join(names, " "), first
}

// askAbort asks before aborting the run: the prompt says what the abort
// cancels. The key that asked, pressed again, or y confirms.
func (m Model) askAbort(again string) (tea.Model, tea.Cmd) {
	f := m.flow
	if f.aborting {
		return m, nil
	}
	tail := again + " again or y aborts · esc keeps it running"
	m.push(&confirmDialog{
		prompt: m.abortPrompt() + "\n" + tail,
		run:    func() tea.Msg { return abortMsg{flow: f} },
		yes:    []string{"y", again},
		kept:   f.rb.Name + " keeps running",
		aborts: f,
		tail:   tail,
	})
	return m, nil
}

// abortPrompt says what an abort would cancel now, and what it leaves.
func (m Model) abortPrompt() string {
	f := m.flow
	running, notStarted := -1, 0
	for i := range f.plan.Steps {
		switch {
		case i >= len(f.steps) || f.steps[i].Status == runbooks.StepPending:
			notStarted++
		case f.steps[i].Status == runbooks.StepRunning:
			running = i
		}
	}
	if running < 0 {
		return fmt.Sprintf("Abort runbook %s? No step has started: none of its %d step(s) will.", f.rb.Name, notStarted)
	}
	s := f.steps[running]
	text := fmt.Sprintf("Abort runbook %s? It cancels step %d/%d %s", f.rb.Name, s.Index, len(f.plan.Steps), stepName(f.plan.Steps[running]))
	if p := m.progress(running, s); p != "" {
		text += " (" + m.scrub(p) + ")"
	}
	if notStarted > 0 {
		text += fmt.Sprintf(" and %d step(s) not started", notStarted)
	}
	return text + "; what it has already changed stays."
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

// runLine is the footer's one-line view of a hidden run.
func (m Model) runLine() string {
	f, st := m.flow, m.styles
	if f.stage == stageFinished {
		return fmt.Sprintf("runbook %s %s in %s · r view · %s dismiss", f.rb.Name, f.report.Status, clockDuration(f.report.Elapsed), m.keys.Hide.Help().Key)
	}
	current := "starting"
	for i, s := range f.steps {
		if s.Status == runbooks.StepRunning {
			current = fmt.Sprintf("step %d/%d %s %s", s.Index, len(f.plan.Steps), s.Name, m.stepElapsed(i).Round(time.Second))
			if p := m.progress(i, s); p != "" {
				current += ": " + m.scrub(p)
			}
		}
	}
	// The keys stay in view: what the step says gets what width is left.
	head := string(spinnerFrames[m.frame%len(spinnerFrames)]) + " runbook " + f.rb.Name
	keys := " · r view · " + m.keys.Abort.Help().Key + " abort"
	current = ansi.Truncate(oneLine(current), max(10, m.width-ansi.StringWidth(head+keys)-1), "…")
	return st.Warn.Render(head) + " " + current + st.Dim.Render(keys)
}

// planKey confirms or cancels a plan. A plan whose checks failed can only
// be dismissed; a dangerous one needs its confirmation text typed back
// after y. D runs any mutating plan dry: every check again, nothing sent.
func (m Model) planKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := m.flow
	k := msg.String()
	if f.typing {
		switch k {
		case "esc":
			f.typing, f.typedErr = false, ""
			f.typed.Blur()
			return m, nil
		case "enter":
			want := f.plan.ConfirmText
			if got := f.typed.Value(); got != want {
				// Say what was expected; keep what was typed to correct it.
				f.typedErr = fmt.Sprintf("you typed %q: type %s exactly to run (esc back to the plan)", got, want)
				if got == "" {
					f.typedErr = "nothing typed: type " + want + " to run (esc back to the plan)"
				}
				return m, nil
			}
			f.typedErr = ""
			return m, m.startRun()
		}
		var cmd tea.Cmd
		f.typed, cmd = f.typed.Update(msg)
		return m, cmd
	}
	if k == "esc" {
		f.stage = stageForm
		if len(f.fields) == 0 {
			m.flow = nil
			return m, nil
		}
		return m, f.fields[f.field].Focus()
	}
	switch {
	case f.plan.Err() != nil:
	case f.plan.Mutates && key.Matches(msg, m.keys.DryRun):
		f.dryRun = true
		return m, m.startRun()
	case f.plan.Dangerous && k == "y":
		f.typing = true
		return m, f.typed.Focus()
	case f.plan.Mutates && k == "y", !f.plan.Mutates && k == "enter":
		return m, m.startRun()
	}
	return m, nil
}

// hints is a help line of bindings: the runbook panel's keys for its
// stage, shown in the footer like every other key.
type hints []key.Binding

func (h hints) ShortHelp() []key.Binding  { return h }
func (h hints) FullHelp() [][]key.Binding { return [][]key.Binding{h} }

func hint(k, what string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, what)) }

// flowHelp is the keys the runbook panel answers to now.
func (m Model) flowHelp() hints {
	if m.ledgerView.open {
		return hints{hint("↑/↓", "choose"), hint("enter", "revert (plan and confirmation follow)"), hint("esc", "close")}
	}
	f := m.flow
	switch f.stage {
	case stagePalette:
		return hints{hint("↑/↓", "choose"), hint("enter", "select"), hint("esc", "close")}
	case stageForm:
		tab := hint("tab", "next field")
		if len(f.fields) > 0 && len(m.knownFor(f.field)) > 0 {
			tab = hint("tab", "complete")
		}
		return hints{hint("↑/↓", "field"), tab, hint("enter", "plan"), hint("esc", "back")}
	case stagePlanning:
		return hints{hint("esc", "stop waiting")}
	case stagePlan:
		run, dry, back := hint("y", "run"), m.keys.DryRun, hint("esc", "back")
		switch {
		case f.plan.Err() != nil:
			return hints{back}
		case f.typing:
			return hints{hint("enter", "run"), hint("esc", "back to the plan")}
		case f.plan.Dangerous:
			return hints{hint("y", "confirm (then type "+f.plan.ConfirmText+")"), dry, back}
		case f.plan.Mutates:
			return hints{run, dry, back}
		}
		return hints{hint("enter", "run"), back}
	case stageRunning:
		if f.aborting {
			return hints{hint("esc", "back to the panes")}
		}
		return hints{m.keys.Abort, hint("esc", "back to the panes (the run goes on)")}
	}
	return hints{hint("enter/esc", "close")}
}

var spinnerFrames = []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

// renderFlow draws the runbook panel in place of the panes; its keys are
// in the footer.
func (m Model) renderFlow(width, height int) string {
	f, st := m.flow, m.styles
	var lines []string
	title := "Runbooks"
	switch f.stage {
	case stagePalette:
		lines = append(lines, f.search.View(), "")
		for i, rb := range f.matches {
			marker := "  "
			if i == f.cursor {
				marker = "▸ "
			}
			danger := "           "
			if rb.Dangerous {
				danger = st.Warn.Render("⚠ dangerous")
			}
			line := fmt.Sprintf("%s%-24s %s %s", marker, rb.Name, danger, rb.Description)
			if i == f.cursor {
				line = st.Selected.Render(fit(line, width-2))
			}
			lines = append(lines, line)
		}
		if len(f.matches) == 0 {
			lines = append(lines, st.Dim.Render("  no runbook matches"))
		}
		if skipped := m.books.Skipped; len(skipped) > 0 {
			// A broken runbook of the user's is not silently missing.
			lines = append(lines, "", st.Bad.Render("✗ not loaded (fix the file and restart):"))
			for _, w := range skipped {
				for _, l := range strings.Split(ansi.Wrap(safeText(w), max(10, width-6), " /"), "\n") {
					lines = append(lines, st.Bad.Render("  "+l))
				}
			}
		}
		lines = append(lines, m.paletteInForce()...)
	case stageForm, stagePlanning:
		title = "Runbook " + f.rb.Name + " › parameters"
		lines = append(lines, f.rb.Description, "")
		indent := "" // under the fields' text, past their prompts
		if len(f.fields) > 0 {
			indent = strings.Repeat(" ", 2+ansi.StringWidth(f.fields[0].Prompt))
		}
		warned := false
		for i, p := range f.rb.Params {
			marker := "  "
			if i == f.field {
				marker = "▸ " // the field that takes the keys
			}
			lines = append(lines, marker+f.fields[i].View())
			for _, l := range strings.Split(ansi.Wrap(p.Usage(), max(10, width-15), ""), "\n") {
				lines = append(lines, st.Dim.Render(indent+l))
			}
			switch h := m.unknownHint(i); {
			case f.warned != "" && h != "":
				warned = true
				lines = append(lines, st.Bad.Render(indent+"✗ "+h))
			case i == f.field:
				if known := m.knownFor(i); len(known) > 0 {
					lines = append(lines, st.Dim.Render(indent+"known: "+shownKnown(known)+" (tab completes)"))
				}
			}
		}
		if len(f.rb.Params) == 0 {
			lines = append(lines, st.Dim.Render("no parameters"))
		}
		if warned {
			lines = append(lines, "", st.Warn.Render("enter again to plan with these values anyway"))
		}
		if f.planErr != "" {
			lines = append(lines, "", st.Bad.Render("✗ "+f.planErr))
		}
		if f.stage == stagePlanning {
			lines = append(lines, "", st.Dim.Render("planning: reading current state…"))
		}
	case stagePlan:
		title = "Runbook " + f.rb.Name + " › plan"
		lines = append(lines, st.PaneTitle.Render("What will happen:"))
		for _, l := range f.plan.Lines() {
			lines = append(lines, "  "+l)
		}
		lines = append(lines, "", st.PaneTitle.Render("Checks:"))
		for _, c := range f.plan.Checks() {
			switch {
			// Marked in words as the command line marks them: a WARN
			// does not stop the run, a FAIL refuses it.
			case c.OK && c.Warn:
				lines = append(lines, st.Warn.Render("  ⚠ WARN ")+c.Text)
			case c.OK:
				lines = append(lines, st.OK.Render("  ✓ ok   ")+c.Text)
			default:
				lines = append(lines, st.Bad.Render("  ✗ FAIL "+c.Text))
			}
		}
		lines = append(lines, "")
		target := "production"
		if m.info.Drill {
			target = "the drill world"
		}
		switch {
		case f.plan.Err() != nil:
			lines = append(lines, st.Bad.Render("✗ "+f.plan.Err().Error()))
		case f.typing:
			lines = append(lines, st.Warn.Render("⚠ Dangerous: type "+f.plan.ConfirmText+" and press enter to run"), f.typed.View())
			if f.typedErr != "" {
				lines = append(lines, st.Bad.Render("✗ "+f.typedErr))
			}
		case f.plan.Dangerous:
			lines = append(lines, st.Warn.Render("⚠ Dangerous: this changes "+target+". y, then type "+f.plan.ConfirmText+", to run; D dry run sends nothing"))
		case f.plan.Mutates:
			lines = append(lines, st.Warn.Render("This changes "+target+". y to run; D dry run sends nothing"))
		default:
			lines = append(lines, "Read-only. enter to run")
		}
	default:
		title = "Runbook " + f.rb.Name
		if f.dryRun {
			title += " (dry run)"
		}
		lines = append(lines, m.stepLines(width-2)...)
		lines = append(lines, "")
		switch {
		case f.stage == stageRunning && f.aborting:
			lines = append(lines, st.Warn.Render("aborting…"))
		case f.stage == stageRunning:
		default:
			status := fmt.Sprintf("%s in %s", f.report.Status, clockDuration(f.report.Elapsed))
			if f.report.Err != "" {
				lines = append(lines, st.Bad.Render("✗ "+status+": "+m.scrub(f.report.Err)))
			} else {
				lines = append(lines, st.OK.Render("✓ "+status))
			}
		}
	}
	return frame(st, title, lines, width, height, true)
}

func stepName(ps runbooks.PlannedStep) string {
	if ps.Step.Name != "" {
		return ps.Step.Name
	}
	return ps.Step.Action
}

// stepElapsed is how long step i has taken on the incident's clock: so
// far while it runs, in all once it ended.
func (m Model) stepElapsed(i int) time.Duration {
	began := m.stepBegan(i)
	if began.IsZero() {
		return 0
	}
	end := m.flow.steps[i].Ended
	if end.IsZero() {
		end = m.now
	}
	return max(0, end.Sub(began))
}

// stepBegan is when step i started on the incident's clock; zero until it has.
func (m Model) stepBegan(i int) time.Time {
	if i >= len(m.flow.steps) {
		return time.Time{}
	}
	return m.flow.steps[i].Began
}

// clockDuration rounds a duration on the incident's clock for reading.
func clockDuration(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

// progress is what running step i is doing. A scale step's count comes
// from the Fleet pane's snapshot, the same numbers the operator sees in
// that pane, so the two never disagree; any other step says what its
// action last reported.
func (m Model) progress(i int, s runbooks.StepState) string {
	ps := m.flow.plan.Steps[i]
	if s.Status != runbooks.StepRunning || ps.Step.Action != "aws.scale_group" {
		return s.Message
	}
	g := m.fleet.group(ps.Args.String("group"))
	if g.Name == "" {
		return s.Message
	}
	text := fmt.Sprintf("%s in service %d/%d, pending %d", g.Name, g.InService, ps.Args.Int("desired"), g.Pending)
	if a, failed := lastFailed(g); failed && !a.Start.Before(m.stepBegan(i)) {
		text += "; launch failed: " + a.Message
	}
	return text
}

// scrub removes secrets from text a run shows.
func (m Model) scrub(s string) string {
	return m.app.Redact(s)
}

// stepLines shows each step with its state, elapsed time on the
// incident's clock, what it says, and its output.
func (m Model) stepLines(width int) []string {
	st := m.styles
	var lines []string
	for i, planned := range m.flow.plan.Steps {
		s := runbooks.StepState{Index: planned.Index, Status: runbooks.StepPending}
		if i < len(m.flow.steps) {
			s = m.flow.steps[i]
		}
		var icon string
		switch s.Status {
		case runbooks.StepRunning:
			icon = string(spinnerFrames[m.frame%len(spinnerFrames)])
		case runbooks.StepDone:
			icon = st.OK.Render("✓")
		case runbooks.StepFailed:
			icon = st.Bad.Render("✗")
		case runbooks.StepAborted:
			icon = st.Warn.Render("■")
		case runbooks.StepSkipped:
			icon = st.Dim.Render("–")
		default:
			icon = st.Dim.Render("·")
		}
		elapsed := ""
		if !m.stepBegan(i).IsZero() {
			elapsed = clockDuration(m.stepElapsed(i)).String()
		}
		lines = append(lines, fmt.Sprintf("%s %d. %-22s %-8s %6s", icon, planned.Index, stepName(planned), s.Status, elapsed))
		// What the step says, in full, wrapped under it: a finished step's
		// summary, else its error or latest progress.
		detail, style := m.progress(i, s), st.Dim
		switch {
		case s.Err != "":
			detail, style = s.Err, st.Bad
		case s.Status == runbooks.StepDone && s.Result.Summary != "":
			detail = s.Result.Summary
		}
		if detail != "" {
			for _, l := range strings.Split(ansi.Wrap(oneLine(m.scrub(detail)), max(10, width-5), ""), "\n") {
				lines = append(lines, "     "+style.Render(l))
			}
		}
		if s.Result.Output != "" {
			for _, l := range outputLines(safeText(m.scrub(s.Result.Output))) {
				lines = append(lines, "     "+l)
			}
		}
	}
	return lines
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
