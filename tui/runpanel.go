package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/runbooks"
)

// The runbook panel is a dialog: the bottom layer of the overlay stack
// while it is open (Model.top), drawn in the body's place. Its update
// walks it from the palette to the run and returns intents for what needs
// the application (planRequested, runRequested, abortAsked) or another
// dialog (openLedger); what it reads of the rest of the screen comes in a
// dialogEnv.

func newField(width int, prompt, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.Prompt, ti.Placeholder = prompt, placeholder
	ti.CharLimit = 200
	ti.SetWidth(max(20, width-len(prompt)-6))
	return ti
}

// choose moves from the palette to the parameter form. A parameter that
// names what the Fleet pane has selected (a group, an instance, an HAProxy
// instance, backend or server) starts with it.
func (f *runbookFlow) choose(env *dialogEnv, rb *runbooks.Runbook) tea.Cmd {
	f.rb, f.stage, f.fields, f.kinds, f.field, f.warned = rb, stageForm, nil, nil, 0, ""
	sel := map[paramKind]string{}
	if env.onFleet {
		sel = env.fleet.selection()
	}
	width := 10 // the prompts line up
	for _, p := range rb.Params {
		width = max(width, len(p.Name))
	}
	for _, p := range rb.Params {
		ti := newField(env.width, fmt.Sprintf("%-*s ", width, p.Name), "")
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

// knownFor is what the screen knows field i may hold; nil when it does
// not know (a number, a duration, a name it has no list of).
func (f *runbookFlow) knownFor(env *dialogEnv, i int) []string {
	if f.kinds[i] == kindOther {
		return nil
	}
	return env.fleet.known(f.kinds[i], f.within())
}

// unknownHint says that field i holds a value the screen does not know,
// and which it does; "" when the value is known or nothing is.
func (f *runbookFlow) unknownHint(env *dialogEnv, i int) string {
	v := strings.TrimSpace(f.fields[i].Value())
	known := f.knownFor(env, i)
	if v == "" || len(known) == 0 || slices.Contains(known, v) {
		return ""
	}
	return fmt.Sprintf("unknown %s %q; known: %s", f.rb.Params[i].Name, v, shownKnown(known))
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

// update is the runbook panel's answer to a message while it is open:
// keys walk it from the palette to the run; other messages (blinks) go to
// the input that has the focus.
func (f *runbookFlow) update(msg tea.Msg, env *dialogEnv) (intent, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		return f.flowKey(env, k)
	}
	return nil, f.updateInputs(msg)
}

func (f *runbookFlow) flowKey(env *dialogEnv, msg tea.KeyPressMsg) (intent, tea.Cmd) {
	k := msg.String()
	if k == "ctrl+c" && f.stage != stageRunning && f.stage != stageFinished {
		return closeDialog{}, nil // ctrl+c closes the panel; it never quits from here
	}
	switch f.stage {
	case stagePalette:
		switch k {
		case ledgerKey:
			return openLedger{}, nil
		case "esc":
			return closeDialog{}, nil
		case "up", "ctrl+p":
			f.cursor = max(0, f.cursor-1)
		case "down", "ctrl+n":
			f.cursor = min(len(f.matches)-1, f.cursor+1)
		case "enter":
			if len(f.matches) == 0 {
				return nil, nil
			}
			f.search.Blur()
			if cmd := f.choose(env, f.matches[f.cursor]); cmd != nil {
				return nil, cmd
			}
			f.stage = stagePlanning
			return planRequested{}, nil
		default:
			var cmd tea.Cmd
			f.search, cmd = f.search.Update(msg)
			f.filter(env.catalog)
			return nil, cmd
		}
	case stageForm:
		return f.formKey(env, msg)
	case stagePlanning:
		if k == "esc" {
			// The plan, when it comes, is ignored.
			if len(f.fields) == 0 {
				f.stage = stagePalette
				return nil, f.search.Focus()
			}
			f.stage = stageForm
			return nil, f.fields[f.field].Focus()
		}
	case stagePlan:
		return f.planKey(env, msg)
	case stageRunning:
		switch {
		case key.Matches(msg, env.keys.Abort), k == "ctrl+c":
			return abortAsked{again: k}, nil
		case k == "esc":
			return hideRun{}, nil // back to the panes: the run goes on
		}
	case stageFinished:
		if k == "esc" || k == "enter" || k == "q" || k == "ctrl+c" {
			return closeDialog{}, nil
		}
	}
	return nil, nil
}

// formKey edits the parameters: ↑/↓ move between them, tab completes a
// field whose values the screen knows (and moves on from one it does
// not), enter plans.
func (f *runbookFlow) formKey(env *dialogEnv, msg tea.KeyPressMsg) (intent, tea.Cmd) {
	k := msg.String()
	switch {
	case k == "esc":
		f.stage, f.planErr = stagePalette, ""
		return nil, f.search.Focus()
	case k == "enter":
		// A value the screen does not know is said once; enter again
		// plans it anyway (the screen may not see everything).
		if unknown, first := f.unknownValues(env); unknown != "" && unknown != f.warned {
			f.warned = unknown
			f.fields[f.field].Blur()
			f.field = first
			return nil, f.fields[f.field].Focus()
		}
		f.stage = stagePlanning
		return planRequested{}, nil
	case len(f.fields) == 0:
		return nil, nil
	}
	step := 1
	if k == "shift+tab" || k == "up" {
		step = -1
	}
	switch k {
	case "tab", "shift+tab":
		if known := f.knownFor(env, f.field); len(known) > 0 {
			in := &f.fields[f.field]
			in.SetValue(f.comp.complete(f.field, in.Value(), known, step))
			in.CursorEnd()
			return nil, nil
		}
		fallthrough
	case "down", "up":
		f.fields[f.field].Blur()
		f.field = (f.field + step + len(f.fields)) % len(f.fields)
		return nil, f.fields[f.field].Focus()
	}
	var cmd tea.Cmd
	f.fields[f.field], cmd = f.fields[f.field].Update(msg)
	return nil, cmd
}

// unknownValues names the fields whose values the screen does not know
// ("" when there are none) and the first of them.
func (f *runbookFlow) unknownValues(env *dialogEnv) (string, int) {
	var names []string
	first := 0
	for i := range f.fields {
		if f.unknownHint(env, i) != "" {
			if names == nil {
				first = i
			}
			names = append(names, f.rb.Params[i].Name+"="+f.fields[i].Value())
		}
	}
	return strings.Join(names, " "), first
}

// abortPrompt says what an abort would cancel now, and what it leaves.
func (f *runbookFlow) abortPrompt(env *dialogEnv) string {
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
	if p := f.progress(env, running, s); p != "" {
		text += " (" + env.scrub(p) + ")"
	}
	if notStarted > 0 {
		text += fmt.Sprintf(" and %d step(s) not started", notStarted)
	}
	return text + "; what it has already changed stays."
}

// runLine is the footer's one-line view of a hidden run.
func (f *runbookFlow) runLine(env *dialogEnv) string {
	st := env.st
	if f.stage == stageFinished {
		return fmt.Sprintf("runbook %s %s in %s · r view · %s dismiss", f.rb.Name, f.report.Status, clockDuration(f.report.Elapsed), env.keys.Hide.Help().Key)
	}
	current := "starting"
	for i, s := range f.steps {
		if s.Status == runbooks.StepRunning {
			current = fmt.Sprintf("step %d/%d %s %s", s.Index, len(f.plan.Steps), s.Name, f.stepElapsed(env, i).Round(time.Second))
			if p := f.progress(env, i, s); p != "" {
				current += ": " + env.scrub(p)
			}
		}
	}
	// The keys stay in view: what the step says gets what width is left.
	head := string(spinnerFrames[env.frame%len(spinnerFrames)]) + " runbook " + f.rb.Name
	keys := " · r view · " + env.keys.Abort.Help().Key + " abort"
	current = ansi.Truncate(oneLine(current), max(10, env.width-ansi.StringWidth(head+keys)-1), "…")
	return st.Warn.Render(head) + " " + current + st.Dim.Render(keys)
}

// planKey confirms or cancels a plan. A plan whose checks failed can only
// be dismissed; a dangerous one needs its confirmation text typed back
// after y. D runs any mutating plan dry: every check again, nothing sent.
func (f *runbookFlow) planKey(env *dialogEnv, msg tea.KeyPressMsg) (intent, tea.Cmd) {
	k := msg.String()
	if f.typing {
		switch k {
		case "esc":
			f.typing, f.typedErr = false, ""
			f.typed.Blur()
			return nil, nil
		case "enter":
			want := f.plan.ConfirmText
			if got := f.typed.Value(); got != want {
				// Say what was expected; keep what was typed to correct it.
				f.typedErr = fmt.Sprintf("you typed %q: type %s exactly to run (esc back to the plan)", got, want)
				if got == "" {
					f.typedErr = "nothing typed: type " + want + " to run (esc back to the plan)"
				}
				return nil, nil
			}
			f.typedErr = ""
			return runRequested{}, nil
		}
		var cmd tea.Cmd
		f.typed, cmd = f.typed.Update(msg)
		return nil, cmd
	}
	if k == "esc" {
		f.stage = stageForm
		if len(f.fields) == 0 {
			return closeDialog{}, nil
		}
		return nil, f.fields[f.field].Focus()
	}
	switch {
	case f.plan.Err() != nil:
	case f.plan.Mutates && key.Matches(msg, env.keys.DryRun):
		f.dryRun = true
		return runRequested{}, nil
	case f.plan.Dangerous && k == "y":
		f.typing = true
		return nil, f.typed.Focus()
	case f.plan.Mutates && k == "y", !f.plan.Mutates && k == "enter":
		return runRequested{}, nil
	}
	return nil, nil
}

// flowHelp is the keys the runbook panel answers to now.
func (f *runbookFlow) flowHelp(env *dialogEnv) hints {
	switch f.stage {
	case stagePalette:
		return hints{hint("↑/↓", "choose"), hint("enter", "select"), hint("esc", "close")}
	case stageForm:
		tab := hint("tab", "next field")
		if len(f.fields) > 0 && len(f.knownFor(env, f.field)) > 0 {
			tab = hint("tab", "complete")
		}
		return hints{hint("↑/↓", "field"), tab, hint("enter", "plan"), hint("esc", "back")}
	case stagePlanning:
		return hints{hint("esc", "stop waiting")}
	case stagePlan:
		run, dry, back := hint("y", "run"), env.keys.DryRun, hint("esc", "back")
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
		return hints{env.keys.Abort, hint("esc", "back to the panes (the run goes on)")}
	}
	return hints{hint("enter/esc", "close")}
}

// renderFlow draws the runbook panel in place of the panes; its keys are
// in the footer.
func (f *runbookFlow) renderFlow(env *dialogEnv, width, height int) string {
	st := env.st
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
		if skipped := env.skipped; len(skipped) > 0 {
			// A broken runbook of the user's is not silently missing.
			lines = append(lines, "", st.Bad.Render("✗ not loaded (fix the file and restart):"))
			for _, w := range skipped {
				for _, l := range strings.Split(ansi.Wrap(safeText(w), max(10, width-6), " /"), "\n") {
					lines = append(lines, st.Bad.Render("  "+l))
				}
			}
		}
		lines = append(lines, env.inForce...)
		lines = append(lines, env.locks...)
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
			switch h := f.unknownHint(env, i); {
			case f.warned != "" && h != "":
				warned = true
				lines = append(lines, st.Bad.Render(indent+"✗ "+h))
			case i == f.field:
				if known := f.knownFor(env, i); len(known) > 0 {
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
		if env.drill {
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
		lines = append(lines, f.stepLines(env, width-2)...)
		lines = append(lines, "")
		switch {
		case f.stage == stageRunning && f.aborting:
			lines = append(lines, st.Warn.Render("aborting…"))
		case f.stage == stageRunning && env.awaiting[f.runID]:
			lines = append(lines, st.Warn.Render("⏳ waiting for approval by another responder (on their screen: A, or warroom runbook approve "+f.runID+")"))
		case f.stage == stageRunning:
		default:
			status := fmt.Sprintf("%s in %s", f.report.Status, clockDuration(f.report.Elapsed))
			if f.report.Err != "" {
				lines = append(lines, st.Bad.Render("✗ "+status+": "+env.scrub(f.report.Err)))
			} else {
				lines = append(lines, st.OK.Render("✓ "+status))
			}
		}
	}
	return frame(st, title, lines, width, height, true)
}

// stepElapsed is how long step i has taken on the incident's clock: so
// far while it runs, in all once it ended.
func (f *runbookFlow) stepElapsed(env *dialogEnv, i int) time.Duration {
	began := f.stepBegan(i)
	if began.IsZero() {
		return 0
	}
	end := f.steps[i].Ended
	if end.IsZero() {
		end = env.now
	}
	return max(0, end.Sub(began))
}

// stepBegan is when step i started on the incident's clock; zero until it has.
func (f *runbookFlow) stepBegan(i int) time.Time {
	if i >= len(f.steps) {
		return time.Time{}
	}
	return f.steps[i].Began
}

// progress is what running step i is doing. A scale step's count comes
// from the Fleet pane's snapshot, the same numbers the operator sees in
// that pane, so the two never disagree; any other step says what its
// action last reported.
func (f *runbookFlow) progress(env *dialogEnv, i int, s runbooks.StepState) string {
	ps := f.plan.Steps[i]
	if s.Status != runbooks.StepRunning || ps.Step.Action != "aws.scale_group" {
		return s.Message
	}
	g := env.fleet.group(ps.Args.String("group"))
	if g.Name == "" {
		return s.Message
	}
	text := fmt.Sprintf("%s in service %d/%d, pending %d", g.Name, g.InService, ps.Args.Int("desired"), g.Pending)
	if a, failed := lastFailed(g); failed && !a.Start.Before(f.stepBegan(i)) {
		text += "; launch failed: " + a.Message
	}
	return text
}

// stepLines shows each step with its state, elapsed time on the
// incident's clock, what it says, and its output.
func (f *runbookFlow) stepLines(env *dialogEnv, width int) []string {
	st := env.st
	var lines []string
	for i, planned := range f.plan.Steps {
		s := runbooks.StepState{Index: planned.Index, Status: runbooks.StepPending}
		if i < len(f.steps) {
			s = f.steps[i]
		}
		var icon string
		switch s.Status {
		case runbooks.StepRunning:
			icon = string(spinnerFrames[env.frame%len(spinnerFrames)])
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
		if !f.stepBegan(i).IsZero() {
			elapsed = clockDuration(f.stepElapsed(env, i)).String()
		}
		lines = append(lines, fmt.Sprintf("%s %d. %-22s %-8s %6s", icon, planned.Index, stepName(planned), s.Status, elapsed))
		// What the step says, in full, wrapped under it: a finished step's
		// summary, else its error or latest progress.
		detail, style := f.progress(env, i, s), st.Dim
		switch {
		case s.Err != "":
			detail, style = s.Err, st.Bad
		case s.Status == runbooks.StepDone && s.Result.Summary != "":
			detail = s.Result.Summary
		}
		if detail != "" {
			for _, l := range strings.Split(ansi.Wrap(oneLine(env.scrub(detail)), max(10, width-5), ""), "\n") {
				lines = append(lines, "     "+style.Render(l))
			}
		}
		if s.Result.Output != "" {
			for _, l := range outputLines(safeText(env.scrub(s.Result.Output))) {
				lines = append(lines, "     "+l)
			}
		}
	}
	return lines
}
