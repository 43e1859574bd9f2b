package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

// RunbookOptions is what the screen needs to plan and run runbooks.
type RunbookOptions struct {
	Catalog  *runbooks.Catalog
	Limits   runbooks.Limits
	StateDir string                    // where run locks live
	Sink     func(integrations.Record) // the timeline (through the pump)
	// Begin registers a run with whoever must wait for it when the
	// program quits; its context ends when runs must stop. end is called
	// once the run has returned. Nil: runs end with the program.
	Begin func() (ctx context.Context, end func())
}

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
	field  int

	plan    *runbooks.Plan
	planErr string
	typed   textinput.Model // the confirmation text a dangerous runbook needs
	dryRun  bool

	steps    []runbooks.StepState
	progress chan runbooks.StepState
	cancel   context.CancelCauseFunc
	aborting bool
	report   *runbooks.Report
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

// stepMsg carries one step's new state; runDoneMsg the run's end.
type stepMsg struct {
	flow  *runbookFlow
	state runbooks.StepState
}

type runDoneMsg struct {
	flow   *runbookFlow
	report *runbooks.Report
}

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
	if m.opts.Runbooks.Catalog == nil {
		return m.raise("no runbooks are loaded", true)
	}
	if m.flow != nil && m.flow.hidden {
		m.flow.hidden = false
		return nil
	}
	f := &runbookFlow{search: m.newField("runbook ▸ ", "type to filter")}
	f.filter(m.opts.Runbooks.Catalog)
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
		case contains(rb.Name+" "+rb.Description, q):
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

// choose moves from the palette to the parameter form.
func (m Model) choose(rb *runbooks.Runbook) tea.Cmd {
	f := m.flow
	f.rb, f.stage, f.fields, f.field = rb, stageForm, nil, 0
	for _, p := range rb.Params {
		ti := m.newField(fmt.Sprintf("%-10s ", p.Name), "")
		if p.Default != nil {
			ti.SetValue(fmt.Sprint(p.Default))
		}
		f.fields = append(f.fields, ti)
	}
	if len(f.fields) == 0 {
		return nil
	}
	return f.fields[0].Focus()
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
	f, rb, params, actions, limits := m.flow, m.flow.rb, m.flow.params(), m.opts.Actions, m.opts.Runbooks.Limits
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
		defer cancel()
		p, err := runbooks.NewPlan(ctx, rb, params, actions, limits)
		return planMsg{flow: f, plan: p, err: err}
	}
}

// startRun runs the plan in a command; step states stream back through a
// channel that listen turns into messages, one at a time.
func (m *Model) startRun() tea.Cmd {
	f := m.flow
	ctx, cancel := context.WithCancelCause(context.Background())
	f.cancel, f.stage, f.progress = cancel, stageRunning, make(chan runbooks.StepState, 256)
	progress := f.progress
	plan, actions, opts := f.plan, m.opts.Actions, runbooks.RunOptions{
		DryRun: f.dryRun, Confirmed: true, Typed: f.typed.Value(), StateDir: m.opts.Runbooks.StateDir,
		Actor: m.opts.User, Now: m.opts.Clock,
	}
	sink, begin := m.opts.Runbooks.Sink, m.opts.Runbooks.Begin
	opts.Progress = func(s runbooks.StepState) {
		// Never block the run on the screen: a dropped intermediate state
		// is made good by the report the run ends with.
		select {
		case progress <- s:
		default:
		}
	}
	run := func() tea.Msg {
		defer close(progress)
		if begin != nil {
			// Quitting aborts the run and waits for it to wind down.
			stopping, end := begin()
			defer end()
			defer context.AfterFunc(stopping, func() { cancel(errors.New("aborted: warroom is quitting")) })()
		}
		report, _ := runbooks.Run(ctx, plan, actions, sink, opts)
		return runDoneMsg{flow: f, report: report}
	}
	return tea.Batch(run, listen(f))
}

func listen(f *runbookFlow) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-f.progress
		if !ok {
			return nil
		}
		return stepMsg{flow: f, state: s}
	}
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
			return m, f.typed.Focus()
		}
		return m, nil
	case stepMsg:
		if msg.flow == f {
			f.setStep(msg.state)
		}
		return m, listen(msg.flow)
	case runDoneMsg:
		if msg.flow != f {
			return m, nil
		}
		f.stage, f.report = stageFinished, msg.report
		for _, s := range msg.report.Steps {
			f.setStep(s)
		}
		if msg.report.Status == runbooks.RunFailed || msg.report.Status == runbooks.RunRefused || msg.report.Status == runbooks.RunAborted {
			return m, m.raise(fmt.Sprintf("runbook %s %s: %v", msg.report.Runbook, msg.report.Status, msg.report.Err), true)
		}
		return m, m.raise(fmt.Sprintf("runbook %s %s", msg.report.Runbook, msg.report.Status), msg.report.Status != runbooks.RunDone && msg.report.Status != runbooks.RunDryRun)
	case tea.KeyPressMsg:
		return m.flowKey(msg)
	}
	return m, f.updateInputs(msg)
}

func (f *runbookFlow) setStep(s runbooks.StepState) {
	for len(f.steps) < s.Index {
		f.steps = append(f.steps, runbooks.StepState{Index: len(f.steps) + 1, Status: runbooks.StepPending})
	}
	f.steps[s.Index-1] = s
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
	key := msg.String()
	if key == "ctrl+c" && f.stage != stageRunning && f.stage != stageFinished {
		m.flow = nil // ctrl+c closes the panel; it never quits from here
		return m, nil
	}
	switch f.stage {
	case stagePalette:
		switch key {
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
			f.filter(m.opts.Runbooks.Catalog)
			return m, cmd
		}
	case stageForm:
		switch key {
		case "esc":
			f.stage, f.planErr = stagePalette, ""
			return m, f.search.Focus()
		case "tab", "down", "shift+tab", "up":
			f.fields[f.field].Blur()
			step := 1
			if key == "shift+tab" || key == "up" {
				step = len(f.fields) - 1
			}
			f.field = (f.field + step) % len(f.fields)
			return m, f.fields[f.field].Focus()
		case "enter":
			f.stage = stagePlanning
			return m, m.makePlan()
		default:
			var cmd tea.Cmd
			f.fields[f.field], cmd = f.fields[f.field].Update(msg)
			return m, cmd
		}
	case stagePlanning:
		if key == "esc" {
			f.stage = stageForm // the plan, when it comes, is ignored
			return m, f.fields[f.field].Focus()
		}
	case stagePlan:
		return m.planKey(msg)
	case stageRunning:
		switch key {
		case "x", "ctrl+c":
			return m, m.abortRun()
		case "esc":
			f.hidden = true
		}
	case stageFinished:
		if key == "esc" || key == "enter" || key == "q" || key == "ctrl+c" {
			m.flow = nil
		}
	}
	return m, nil
}

// abortRun cancels the running step; no further step starts.
func (m *Model) abortRun() tea.Cmd {
	f := m.flow
	if f == nil || f.stage != stageRunning || f.aborting {
		return nil
	}
	f.aborting = true
	f.cancel(fmt.Errorf("aborted by %s", m.opts.User))
	return m.raise("aborting "+f.rb.Name+": the running step is cancelled, no further step starts", true)
}

// runLine is the footer's one-line view of a hidden run.
func (m Model) runLine() string {
	f, st := m.flow, m.styles
	if f.stage == stageFinished {
		return fmt.Sprintf("runbook %s %s · r view · esc dismiss", f.rb.Name, f.report.Status)
	}
	current := "starting"
	for _, s := range f.steps {
		if s.Status == runbooks.StepRunning {
			current = fmt.Sprintf("step %d/%d %s %s", s.Index, len(f.plan.Steps), s.Name, m.wall.Sub(s.Started).Round(time.Second))
			if s.Message != "" {
				current += ": " + s.Message
			}
		}
	}
	spin := string(spinnerFrames[m.frame%len(spinnerFrames)])
	return st.Warn.Render(spin+" runbook "+f.rb.Name) + " " + current + st.Dim.Render(" · r view · x abort")
}

// planKey confirms or cancels a plan. A plan whose checks failed can only
// be dismissed; a dangerous one needs its confirmation text typed back.
func (m Model) planKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := m.flow
	key := msg.String()
	if key == "esc" {
		f.stage = stageForm
		if len(f.fields) == 0 {
			m.flow = nil
			return m, nil
		}
		return m, f.fields[f.field].Focus()
	}
	if f.plan.Err() != nil {
		return m, nil
	}
	if key == "ctrl+d" {
		f.dryRun = true
		return m, m.startRun()
	}
	if f.plan.Dangerous {
		if key == "enter" {
			if f.typed.Value() != f.plan.ConfirmText {
				return m, m.raise("confirmation does not match: type "+f.plan.ConfirmText, true)
			}
			return m, m.startRun()
		}
		var cmd tea.Cmd
		f.typed, cmd = f.typed.Update(msg)
		return m, cmd
	}
	if key == "y" || (!f.plan.Mutates && key == "enter") {
		return m, m.startRun()
	}
	return m, nil
}

var spinnerFrames = []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

// renderFlow draws the runbook panel in place of the panes.
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
		lines = append(lines, m.paletteInForce()...)
		lines = append(lines, "", st.Dim.Render("↑/↓ choose · enter select · esc close"))
	case stageForm, stagePlanning:
		title = "Runbook " + f.rb.Name + " › parameters"
		lines = append(lines, f.rb.Description, "")
		for i, p := range f.rb.Params {
			marker := "  "
			if i == f.field {
				marker = "▸ " // the field that takes the keys
			}
			lines = append(lines, marker+f.fields[i].View())
			for _, l := range strings.Split(ansi.Wrap(p.Usage(), max(10, width-15), ""), "\n") {
				lines = append(lines, st.Dim.Render("             "+l))
			}
		}
		if len(f.rb.Params) == 0 {
			lines = append(lines, st.Dim.Render("no parameters"))
		}
		if f.planErr != "" {
			lines = append(lines, "", st.Bad.Render("✗ "+f.planErr))
		}
		hint := "tab next field · enter plan · esc back"
		if f.stage == stagePlanning {
			hint = "planning: reading current state… (esc stops waiting)"
		}
		lines = append(lines, "", st.Dim.Render(hint))
	case stagePlan:
		title = "Runbook " + f.rb.Name + " › plan"
		lines = append(lines, st.PaneTitle.Render("What will happen:"))
		for _, l := range f.plan.Lines() {
			lines = append(lines, "  "+l)
		}
		lines = append(lines, "", st.PaneTitle.Render("Checks:"))
		for _, c := range f.plan.Checks() {
			if c.OK {
				lines = append(lines, st.OK.Render("  ✓ ")+c.Text)
			} else {
				lines = append(lines, st.Bad.Render("  ✗ "+c.Text))
			}
		}
		lines = append(lines, "")
		switch {
		case f.plan.Err() != nil:
			lines = append(lines, st.Bad.Render("✗ "+f.plan.Err().Error()), st.Dim.Render("esc back"))
		case f.plan.Dangerous:
			lines = append(lines, st.Warn.Render("⚠ Dangerous: type "+f.plan.ConfirmText+" and press enter to run"), f.typed.View(),
				st.Dim.Render("ctrl+d dry run · esc back"))
		case f.plan.Mutates:
			target := "production"
			if m.opts.Drill {
				target = "the drill world"
			}
			lines = append(lines, st.Warn.Render("This changes "+target+". y to run · ctrl+d dry run · esc back"))
		default:
			lines = append(lines, "Read-only. enter to run · esc back")
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
			lines = append(lines, st.Dim.Render("x abort · esc hide (the run goes on)"))
		default:
			status := fmt.Sprintf("%s in %s", f.report.Status, f.report.Elapsed.Round(100*time.Millisecond))
			if f.report.Err != nil {
				lines = append(lines, st.Bad.Render("✗ "+status+": "+f.report.Err.Error()))
			} else {
				lines = append(lines, st.OK.Render("✓ "+status))
			}
			lines = append(lines, st.Dim.Render("enter or esc close"))
		}
	}
	return frame(st, title, lines, width, height, true)
}

// stepLines shows each step with its state, elapsed time and message.
func (m Model) stepLines(width int) []string {
	st := m.styles
	var lines []string
	for i, planned := range m.flow.plan.Steps {
		s := runbooks.StepState{Index: planned.Index, Status: runbooks.StepPending}
		if i < len(m.flow.steps) {
			s = m.flow.steps[i]
		}
		name := planned.Step.Name
		if name == "" {
			name = planned.Step.Action
		}
		elapsed := s.Elapsed
		var icon string
		switch s.Status {
		case runbooks.StepRunning:
			icon = string(spinnerFrames[m.frame%len(spinnerFrames)])
			if !s.Started.IsZero() {
				elapsed = m.wall.Sub(s.Started)
			}
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
		lines = append(lines, fmt.Sprintf("%s %d. %-22s %-8s %6s", icon, planned.Index, name, s.Status, elapsed.Round(100*time.Millisecond)))
		// What the step says, in full, wrapped under it: a finished step's
		// summary, else its error or latest progress.
		detail, style := s.Message, st.Dim
		switch {
		case s.Err != "":
			detail, style = s.Err, st.Bad
		case s.Status == runbooks.StepDone && s.Result.Summary != "":
			detail = s.Result.Summary
		}
		if detail != "" {
			for _, l := range strings.Split(ansi.Wrap(oneLine(detail), max(10, width-5), ""), "\n") {
				lines = append(lines, "     "+style.Render(l))
			}
		}
	}
	return lines
}
