package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
)

// keyMsg is the key press a person makes for k.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "ctrl+d":
		return tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// pressAll sends keys to a model directly, dropping the commands: for
// tests of what the screen does with keys, not of what commands do.
func pressAll(m Model, keys ...string) Model {
	for _, k := range keys {
		next, _ := m.Update(keyMsg(k))
		m = next.(Model)
	}
	return m
}

func typeInto(m Model, text string) Model {
	for _, r := range text {
		m = pressAll(m, string(r))
	}
	return m
}

// panelModel is the fixture screen with the built-in runbooks loaded.
func panelModel(t *testing.T) Model {
	t.Helper()
	cat, err := runbooks.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	m := screenModel(120, 40, Options{Runbooks: RunbookOptions{Catalog: cat}})
	m.apply(integrations.Batch{Fleet: map[string][]integrations.Group{"aws": withInstances(fixtureGroups(), 3)}})
	return m
}

// openForm opens runbook name's parameter form from the palette.
func openForm(m Model, name string) Model {
	m = pressAll(m, "r")
	m = typeInto(m, name)
	return pressAll(m, "enter")
}

func formValues(m Model) map[string]string {
	out := map[string]string{}
	for i, p := range m.flow.rb.Params {
		out[p.Name] = m.flow.fields[i].Value()
	}
	return out
}

func TestSelectedServerFillsTheRunbookParameters(t *testing.T) {
	m := panelModel(t)
	m = pressAll(m, "2", "j", "j", "j") // edge-1, below the three groups
	m = pressAll(m, "enter", "j")       // its second server
	m = openForm(m, "drain-server")
	got := formValues(m)
	if got["instance"] != "edge-1" || got["backend"] != "web" || got["server"] != "web-b" {
		t.Fatalf("drain-server parameters %v, want edge-1/web/web-b from the selected server", got)
	}
}

func TestSelectedInstanceAndGroupFillTheRunbookParameters(t *testing.T) {
	m := panelModel(t)
	m = pressAll(m, "2", "enter", "j") // web's second instance
	m = openForm(m, "host-disk-check")
	if got := formValues(m)["instance"]; got != "i-000000b" {
		t.Fatalf("host-disk-check instance %q, want the selected i-000000b", got)
	}
	m = pressAll(m, "esc", "esc", "esc") // close the panel, leave the drill-in
	m = pressAll(m, "j")                 // worker
	m = openForm(m, "scale-up")
	if got := formValues(m)["group"]; got != "worker" {
		t.Fatalf("scale-up group %q, want the selected worker", got)
	}
}

func TestMistypedGroupGetsAHintWithTheKnownOnes(t *testing.T) {
	m := panelModel(t)
	m = openForm(m, "scale-up")
	m = typeInto(m, "wbe")
	m = pressAll(m, "down")
	m = typeInto(m, "12")
	m = pressAll(m, "enter")
	if m.flow.stage != stageForm {
		t.Fatalf("stage %d: an unknown group went to planning without a word", m.flow.stage)
	}
	s := ansi.Strip(m.renderFlow(120, 12))
	if !strings.Contains(s, `unknown group "wbe"; known: web, worker, api`) {
		t.Fatalf("the form does not name the known groups:\n%s", s)
	}
	if m.flow.field != 0 {
		t.Fatalf("focus on field %d, want the mistyped group", m.flow.field)
	}
	golden.RequireEqual(t, s)
	// The screen may not see every group: enter again plans it anyway.
	m = pressAll(m, "enter")
	if m.flow.stage != stagePlanning {
		t.Fatalf("stage %d after enter again, want planning", m.flow.stage)
	}
}

func TestTabCompletesAndCyclesKnownValues(t *testing.T) {
	m := panelModel(t)
	m = openForm(m, "scale-up")
	if s := ansi.Strip(m.renderFlow(120, 30)); !strings.Contains(s, "known: web, worker, api (tab completes)") {
		t.Fatalf("the group field does not offer the known groups:\n%s", s)
	}
	m = typeInto(m, "w")
	var seen []string
	for range 3 {
		m = pressAll(m, "tab")
		seen = append(seen, m.flow.fields[0].Value())
	}
	m = pressAll(m, "shift+tab")
	seen = append(seen, m.flow.fields[0].Value())
	if got := strings.Join(seen, " "); got != "web worker web worker" {
		t.Fatalf("tab from %q gave %s, want web worker web, and shift+tab back to worker", "w", got)
	}
	// desired has no known values: tab moves on to it.
	m = pressAll(m, "down", "tab")
	if m.flow.field != 0 {
		t.Fatalf("tab on desired went to field %d, want back to group", m.flow.field)
	}
}

func TestDrillInMarksTheCursorRowWithoutColour(t *testing.T) {
	p := newFleetPane(nil)
	groups := withInstances(fixtureGroups(), 4)
	for i := range groups[0].Instances {
		groups[0].Instances[i].LaunchedAt = at("06:00").Add(time.Duration(i) * time.Minute)
	}
	p.setGroups("aws", groups)
	p.enter()
	p.move(1)
	p.move(1)
	golden.RequireEqual(t, p.render(PlainStyles(), 100, 8, true, fixtureNow, ""))
}

func TestPaletteShowsRunbooksThatFailedToLoad(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("name: broken\nsteps: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := runbooks.LoadCatalog(dir)
	if err == nil {
		t.Fatal("a broken runbook file loaded without an error")
	}
	m := screenModel(120, 40, Options{Runbooks: RunbookOptions{Catalog: cat, Skipped: []string{"some runbooks in " + dir + " were skipped: " + err.Error()}}})
	m = pressAll(m, "r")
	s := screen(m)
	if !strings.Contains(s, "✗ not loaded") || !strings.Contains(s, "broken.yaml") {
		t.Fatalf("the palette does not say broken.yaml failed to load:\n%s", s)
	}
}

// runningModel is the fixture screen running plan, its first step started
// at started on the incident's clock.
func runningModel(t *testing.T, plan *runbooks.Plan, state runbooks.StepState, started time.Time) Model {
	t.Helper()
	m := panelModel(t)
	m.flow = &runbookFlow{stage: stageRunning, rb: plan.Runbook, plan: plan,
		cancel: func(error) {}, clocks: make([]stepClock, len(plan.Steps))}
	next, _ := m.Update(stepMsg{flow: m.flow, state: state, clock: stepClock{started: started}})
	return next.(Model)
}

func scalePlan() *runbooks.Plan {
	rb := &runbooks.Runbook{Name: "scale-up"}
	return &runbooks.Plan{Runbook: rb, Mutates: true, Steps: []runbooks.PlannedStep{{Index: 1,
		Step: runbooks.Step{Name: "scale", Action: "aws.scale_group"}, Args: runbooks.Args{"group": "web", "desired": 12}}}}
}

func TestRunViewAndFooterReadTheIncidentClock(t *testing.T) {
	started := fixtureNow.Add(-150 * time.Second) // the step began 2m30s ago in scenario time
	m := runningModel(t, scalePlan(), runbooks.StepState{Index: 1, Name: "scale", Status: runbooks.StepRunning,
		Started: time.Now()}, started)
	if s := ansi.Strip(m.renderFlow(120, 20)); !strings.Contains(s, "running   2m30s") {
		t.Fatalf("the run view does not show 2m30s on the incident's clock:\n%s", s)
	}
	m.flow.hidden = true
	if line := ansi.Strip(m.runLine()); !strings.Contains(line, "scale 2m30s") {
		t.Fatalf("footer line %q, want 2m30s on the incident's clock", line)
	}
}

func TestRunProgressIsTheFleetPanesCount(t *testing.T) {
	// The action last said 4/12; the Fleet pane has since seen 6 in service.
	m := runningModel(t, scalePlan(), runbooks.StepState{Index: 1, Name: "scale", Status: runbooks.StepRunning,
		Message: "in service 4/12 (pending 8)"}, fixtureNow)
	groups := fixtureGroups()
	groups[0].InService, groups[0].Pending = 6, 6
	m.apply(integrations.Batch{Fleet: map[string][]integrations.Group{"aws": groups}})
	m.flow.hidden = true
	for where, s := range map[string]string{"run view": m.renderFlow(120, 20), "footer": m.runLine()} {
		s = ansi.Strip(s)
		if !strings.Contains(s, "web in service 6/12, pending 6") || strings.Contains(s, "4/12") {
			t.Errorf("%s shows %q, want the Fleet pane's 6/12", where, s)
		}
	}
}

func TestRunViewShowsBoundedScrubbedHostOutput(t *testing.T) {
	redactor, err := timeline.NewRedactor(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	out.WriteString("== i-1: Success (exit 0)\n")
	for i := range 20 {
		out.WriteString("line " + string(rune('a'+i)) + "\n")
	}
	out.WriteString("== i-2: Success (exit 0)\ntoken xoxb-1234567890-abcdefghij\n")
	rb := &runbooks.Runbook{Name: "host-disk-check"}
	plan := &runbooks.Plan{Runbook: rb, Steps: []runbooks.PlannedStep{{Index: 1, Step: runbooks.Step{Name: "disk usage", Action: "aws.ssm_command"}}}}
	m := runningModel(t, plan, runbooks.StepState{Index: 1, Name: "disk usage", Status: runbooks.StepDone,
		Result: runbooks.Result{Summary: "2 host(s) succeeded", Output: out.String()}}, fixtureNow)
	m.opts.Runbooks.Redact = redactor.Redact
	s := ansi.Strip(m.renderFlow(100, 20))
	for _, want := range []string{"== i-1: Success (exit 0)", "line a", "line h", "… 12 more line(s)", "== i-2", "token [REDACTED:slack-token]"} {
		if !strings.Contains(s, want) {
			t.Errorf("run view lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "line i") || strings.Contains(s, "xoxb-") {
		t.Errorf("run view shows more than 8 lines of a host, or a token:\n%s", s)
	}
	golden.RequireEqual(t, s)
}

func TestEscActsInTheFocusedPaneOnly(t *testing.T) {
	m := panelModel(t)
	m.flow = &runbookFlow{stage: stageFinished, hidden: true, rb: &runbooks.Runbook{Name: "scale-up"},
		plan: scalePlan(), report: &runbooks.Report{Status: runbooks.RunDone}}
	m = pressAll(m, "4", "/")
	m = typeInto(m, "note")
	m = pressAll(m, "enter")
	if s := screen(m); !strings.Contains(s, "esc clear filter") || !strings.Contains(s, "h dismiss") {
		t.Fatalf("the footer does not say what esc and h do:\n%s", s)
	}
	m = pressAll(m, "esc")
	if m.timeline.list.filter != "" {
		t.Fatal("esc left the timeline filter on")
	}
	if m.flow == nil {
		t.Fatal("esc dismissed the finished run's footer line; it has its own key")
	}
	if strings.Contains(screen(m), "esc ") {
		t.Fatalf("the footer offers esc with nothing left for it to do:\n%s", screen(m))
	}
	m = pressAll(m, "h")
	if m.flow != nil {
		t.Fatal("h did not dismiss the finished run's footer line")
	}
	// In the Fleet pane's drill-in: first the filter, then back.
	m = pressAll(m, "2", "enter", "/")
	m = typeInto(m, "000000a")
	m = pressAll(m, "enter", "esc")
	if m.fleet.inner.filter != "" || m.fleet.zoomIn == "" {
		t.Fatalf("first esc: filter %q, drill-in %q; want the filter cleared, still drilled in", m.fleet.inner.filter, m.fleet.zoomIn)
	}
	if !strings.Contains(screen(m), "esc back") {
		t.Fatalf("the footer does not say esc goes back:\n%s", screen(m))
	}
	m = pressAll(m, "esc")
	if m.fleet.zoomIn != "" {
		t.Fatal("second esc did not leave the drill-in")
	}
}

// drillAt is drillRunbooks with the world at speed (scenario seconds per
// second) and the screen on the world's clock, as warroom drill runs it.
func drillAt(t *testing.T, speed float64) (*teatest.TestModel, func() []integrations.Record) {
	t.Helper()
	opts, world, records := drillRunbooksAt(t, speed)
	opts.Title, opts.Drill, opts.NoColor = "Monday surge", true, true
	opts.IncidentStart, opts.Clock = world.Now(), world.Now
	tm := teatest.NewTestModel(t, New(opts), teatest.WithInitialTermSize(120, 40))
	tm.Send(integrations.Batch{Fleet: map[string][]integrations.Group{"aws": fixtureGroups()},
		Backends: map[string]integrations.BackendsSnapshot{"haproxy": fixtureBackends()}})
	return tm, records
}

func TestAbortAsksFirstFromAnyPaneAndEscKeepsItRunning(t *testing.T) {
	tm, records := drillAt(t, 1) // real time: the scale-up waits minutes for launches
	s := watch(tm)
	planScaleUp(tm, "20")
	s.waitScreen(t, "web desired 4 → 20")
	press(tm, "y")
	s.waitScreen(t, "1. scale", "running")
	press(tm, "esc", "1") // the run goes on in the footer; focus the Alerts pane
	s.waitScreen(t, "╭━ Alerts", "runbook scale-up step 1/1 scale", "· r view · x abort")
	press(tm, "x")
	s.waitScreen(t, "⚠ Abort runbook scale-up? It cancels step 1/1 scale", "x again or y aborts · esc keeps it running")
	press(tm, "esc")
	s.waitScreen(t, "scale-up keeps running")
	if got := kinds(records()); strings.Contains(got, "runbook.abort") {
		t.Fatalf("x then esc aborted the run: %s", got)
	}
	press(tm, "x", "x")
	s.waitScreen(t, "runbook scale-up aborted in", "h dismiss")
	if !strings.Contains(kinds(records()), integrations.KindRunbookAbort) {
		t.Fatalf("records %s, want an abort", kinds(records()))
	}
	press(tm, "h")
	final := finish(t, tm)
	if final.flow != nil {
		t.Fatal("h did not dismiss the aborted run's footer line")
	}
}

func TestWrongTypedConfirmationSaysWhatWasExpectedAndKeepsTheText(t *testing.T) {
	opts, _, records := drillRunbooks(t)
	tm := loaded(t, opts)
	s := watch(tm)
	press(tm, "r")
	tm.Type("throttle-tier")
	press(tm, "enter", "down")
	tm.Type("30")
	press(tm, "enter")
	s.waitScreen(t, "⚠ Dangerous", "y confirm (then type free)")
	press(tm, "y")
	s.waitScreen(t, "type free and press enter to run")
	tm.Type("fre")
	press(tm, "enter")
	s.waitScreen(t, `✗ you typed "fre": type free exactly to run`, "confirm ▸ fre")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if len(records()) != 0 {
		t.Fatalf("a wrong confirmation ran the runbook: %s", kinds(records()))
	}
	if got := final.flow.typed.Value(); got != "fre" {
		t.Fatalf("the typed text became %q; it must be kept to correct", got)
	}
	if s := ansi.Strip(final.renderFlow(120, 30)); !strings.Contains(s, `✗ you typed "fre": type free exactly to run`) {
		t.Fatalf("the plan does not say what was expected:\n%s", s)
	}
}

func TestAbortPromptSaysWhatItCancels(t *testing.T) {
	plan := scalePlan()
	plan.Steps = append(plan.Steps, runbooks.PlannedStep{Index: 2, Step: runbooks.Step{Name: "announce", Action: "slack.post"}})
	running := runbooks.StepState{Index: 1, Name: "scale", Status: runbooks.StepRunning}
	// In the run view, and from a pane while the run is in the footer.
	inPanel := pressAll(runningModel(t, plan, running, fixtureNow), "x")
	m := runningModel(t, plan, running, fixtureNow)
	m.flow.hidden = true
	fromPane := pressAll(m, "1", "x")
	for where, got := range map[string]Model{"run view": inPanel, "Alerts pane": fromPane} {
		if got.confirm == nil || got.flow.aborting {
			t.Fatalf("%s: x aborted at once, or asked nothing", where)
		}
		want := "Abort runbook scale-up? It cancels step 1/2 scale (web in service 4/12, pending 8) and 1 step(s) not started; what it has already changed stays.\nx again or y aborts · esc keeps it running"
		if got.confirm.prompt != want {
			t.Errorf("%s: prompt\n%q\nwant\n%q", where, got.confirm.prompt, want)
		}
		got.width, got.height = 80, 24 // wrapped, not cut, on a small terminal
		if s := screen(got); !strings.Contains(s, "x again or y aborts · esc keeps it running") || !strings.Contains(s, "already changed stays.") {
			t.Errorf("%s: the prompt is cut at 80 columns:\n%s", where, s)
		}
		if kept := pressAll(got, "esc"); kept.confirm != nil || kept.flow.aborting {
			t.Errorf("%s: esc did not keep the run going", where)
		}
		next, cmd := got.Update(keyMsg("x"))
		if cmd == nil {
			t.Fatalf("%s: x again did nothing", where)
		}
		if aborted, _ := next.(Model).Update(cmd()); !aborted.(Model).flow.aborting {
			t.Errorf("%s: x again did not abort", where)
		}
	}
}

func TestCtrlDIsNotTheDryRunKey(t *testing.T) {
	m := panelModel(t)
	m.flow = &runbookFlow{stage: stagePlan, rb: &runbooks.Runbook{Name: "scale-up"}, plan: scalePlan()}
	if s := screen(m); !strings.Contains(s, "D dry run") {
		t.Fatalf("the footer does not offer the dry run key:\n%s", s)
	}
	m = pressAll(m, "ctrl+d")
	if m.flow.stage != stagePlan || m.flow.dryRun {
		t.Fatal("ctrl+d, the shell's end-of-input key, started a dry run")
	}
	if !strings.Contains(m.help.View(hints(m.keys.FullHelp()[3])), "D dry run") {
		t.Fatal("the full help does not list the dry run key")
	}
}

func TestDryRunWithDSendsNothing(t *testing.T) {
	opts, world, records := drillRunbooks(t)
	tm := loaded(t, opts)
	s := watch(tm)
	planScaleUp(tm, "12")
	s.waitScreen(t, "y run • D dry run (plan only, nothing sent) • esc back")
	press(tm, "D")
	s.waitScreen(t, "Runbook scale-up (dry run)", "dry-run in")
	finish(t, tm)
	recs := records()
	if recs[0].Kind != integrations.KindRunbookRequested || recs[0].Fields["dry_run"] != "true" {
		t.Fatalf("first record %+v, want a dry run requested", recs[0])
	}
	if g, _ := world.DescribeGroup(context.Background(), "web"); g.Desired != 4 {
		t.Fatalf("web desired %d after a dry run, want 4", g.Desired)
	}
}

func TestRunViewShowsTheHostCommandsOutput(t *testing.T) {
	opts, world, _ := drillRunbooks(t)
	g, _ := world.DescribeGroup(context.Background(), "web")
	tm := loaded(t, opts)
	s := watch(tm)
	press(tm, "r")
	tm.Type("host-disk-check")
	press(tm, "enter")
	tm.Type(g.Instances[0].ID)
	press(tm, "enter", "enter") // the fixture screen does not know the drill's hosts: plan anyway
	s.waitScreen(t, "Read-only. enter to run")
	press(tm, "enter")
	s.waitScreen(t, "1 host(s) succeeded", "== "+g.Instances[0].ID+": Success (exit 0)",
		"Filesystem      Size  Used Avail Use% Mounted on", "/dev/nvme0n1p1   20G   19G  1.0G  95% /")
	finish(t, tm)
}

func TestRunViewDurationsAreTheTimelines(t *testing.T) {
	// Behind the drill's hung provisioner lock a launch takes 16-24
	// minutes: 300x brings them in within the screen's wait.
	tm, records := drillAt(t, 300)
	s := watch(tm)
	planScaleUp(tm, "12")
	s.waitScreen(t, "web desired 4 → 12")
	press(tm, "y")
	s.waitScreen(t, "✓ done in")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	var shown string
	for _, l := range strings.Split(ansi.Strip(final.renderFlow(120, 20)), "\n") {
		if i := strings.Index(l, "1. scale"); i >= 0 {
			shown = l[i:]
		}
	}
	var recorded time.Duration
	for _, r := range records() {
		if r.Kind == integrations.KindRunbookStepEnd {
			recorded, _ = time.ParseDuration(r.Fields["duration"])
		}
	}
	f := strings.Fields(strings.TrimRight(shown, "│ "))
	got, err := time.ParseDuration(f[len(f)-1])
	if err != nil {
		t.Fatalf("step line %q: %v", shown, err)
	}
	// The drill's clock moves 300 s per real second, in steps of a tenth
	// of a second: agree within one of its steps.
	t.Logf("run view %s, timeline %s for the same step", got, recorded)
	if d := got - recorded; recorded < time.Minute || d < -30*time.Second || d > 30*time.Second {
		t.Fatalf("run view shows %s for the step, the timeline %s", got, recorded)
	}
}

func TestAStepStateQueuedBehindTheReportDoesNotUndoIt(t *testing.T) {
	running := runbooks.StepState{Index: 1, Name: "scale", Status: runbooks.StepRunning}
	m := runningModel(t, scalePlan(), running, fixtureNow)
	done := running
	done.Status = runbooks.StepDone
	ended := stepClock{started: fixtureNow, ended: fixtureNow.Add(time.Minute)}
	next, _ := m.Update(runDoneMsg{flow: m.flow, report: &runbooks.Report{Status: runbooks.RunDone, Steps: []runbooks.StepState{done}},
		clocks: []stepClock{ended}, elapsed: time.Minute})
	next, _ = next.(Model).Update(stepMsg{flow: m.flow, state: running, clock: stepClock{started: fixtureNow}})
	f := next.(Model).flow
	if f.steps[0].Status != runbooks.StepDone || f.clocks[0] != ended {
		t.Fatalf("step %s, clock %+v after a late running state; want done in 1m", f.steps[0].Status, f.clocks[0])
	}
}
