package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// throttled is what a throttle-tier run in another process records: the
// request, and one change per edge.
func throttled(actor string, percent string, edges ...string) integrations.Batch {
	b := integrations.Batch{Records: []integrations.Record{{Occurred: at("07:31"), Source: "runbook", Kind: integrations.KindRunbookRequested, Actor: actor,
		Fields: map[string]string{"run": "r1", "runbook": "throttle-tier", "params": "percent=" + percent + " tier=free"}}}}
	for _, e := range edges {
		c := ledger.Change{Kind: ledger.Throttle, Instance: e, Tier: "free", From: "0", To: percent}
		b.Records = append(b.Records, integrations.Record{Occurred: at("07:32"), Source: "runbook", Kind: integrations.KindRunbookStepProgress, Actor: actor,
			Text: "changed: " + c.String(), Fields: map[string]string{"run": "r1", "runbook": "throttle-tier", "step": "1", ledger.FieldChange: c.Encode()}})
	}
	return b
}

// waitAll waits until the output so far holds every text: one frame
// often carries several.
func waitAll(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	var seen []byte
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen = append(seen, b...)
		for _, s := range texts {
			if !strings.Contains(string(seen), s) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// quitAnyway quits through the warning that changes are in force.
func quitAnyway(t *testing.T, tm *teatest.TestModel) Model {
	t.Helper()
	press(tm, "esc", "q", "y") // esc closes the list or a finished run
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
}

func TestHeaderCountsChangesInForce(t *testing.T) {
	m := screenModel(120, 40, Options{})
	if strings.Contains(screen(m), "in force") {
		t.Fatal("a count with nothing in force")
	}
	m.apply(throttled("alice", "30", "edge-1", "edge-2"))
	drain := ledger.Change{Kind: ledger.Server, Instance: "front", Backend: "edges", Server: "edge-3", From: "READY", To: "DRAIN"}
	m.apply(integrations.Batch{Records: []integrations.Record{{Occurred: at("07:33"), Source: "runbook", Kind: integrations.KindRunbookStepProgress,
		Fields: map[string]string{"run": "r2", ledger.FieldChange: drain.Encode()}}}})
	if header := strings.Split(screen(m), "\n")[0]; !strings.Contains(header, "⚑ 2 in force") {
		t.Fatalf("header = %q", header)
	}
	back := drain
	back.From, back.To = "DRAIN", "READY"
	m.apply(integrations.Batch{Records: []integrations.Record{{Occurred: at("07:34"), Source: "runbook", Kind: integrations.KindRunbookStepProgress,
		Fields: map[string]string{"run": "r3", ledger.FieldChange: back.Encode()}}}})
	if header := strings.Split(screen(m), "\n")[0]; !strings.Contains(header, "⚑ 1 in force") {
		t.Fatalf("after the restore, header = %q", header)
	}
}

// TestRevertAThrottleFromTheList: a throttle set by a run elsewhere is
// listed with who and its revert; enter opens lift-throttle at its plan,
// y runs it, and once its records arrive nothing is in force.
func TestRevertAThrottleFromTheList(t *testing.T) {
	opts, world, records := drillRunbooks(t)
	for _, e := range []string{"edge-1", "edge-2", "edge-3"} {
		if err := world.SetThrottle(context.Background(), e, "free", 30); err != nil {
			t.Fatal(err)
		}
	}
	tm := loaded(t, opts)
	tm.Send(throttled("alice", "30", "edge-1", "edge-2", "edge-3"))
	waitFor(t, tm, "⚑ 1 in force")
	press(tm, "f")
	waitAll(t, tm, "changes still in force (1)", "by alice", "revert: lift-throttle tier=free")
	press(tm, "enter")
	waitFor(t, tm, "throttle tier free 30% → 0% on edge-1, edge-2, edge-3")
	press(tm, "y")
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "done in") },
		teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(integrations.Batch{Records: records()}) // the pump hands the run's records back
	waitFor(t, tm, "⏱")                             // the batch is in
	final := finish(t, tm)
	if len(final.inForce) != 0 {
		t.Fatalf("still in force after lifting: %+v", final.inForce)
	}
	th, _ := world.Throttles(context.Background(), "edge-2")
	if th["free"] != 0 {
		t.Fatalf("edge-2 free throttle %d after the revert", th["free"])
	}
}

func TestRaisedCapacityListsHowToLowerIt(t *testing.T) {
	m := screenModel(120, 40, Options{})
	c := ledger.Change{Kind: ledger.Capacity, Group: "web", From: "4", To: "20"}
	m.apply(integrations.Batch{Records: []integrations.Record{{Occurred: at("07:31"), Source: "runbook", Kind: integrations.KindRunbookStepProgress,
		Actor: "alice", Fields: map[string]string{"run": "r1", ledger.FieldChange: c.Encode()}}}})
	next, _ := m.openLedger()
	m = next.(Model)
	s := screen(m)
	for _, want := range []string{"⚑ web desired capacity 20 (was 4)", "by alice", "revert by hand: no runbook lowers capacity"} {
		if !strings.Contains(s, want) {
			t.Errorf("list lacks %q:\n%s", want, s)
		}
	}
	next, cmd := m.revert()
	if m = next.(Model); m.flow != nil || cmd != nil || !strings.Contains(m.toast.text, "no runbook reverts this: no runbook lowers capacity") {
		t.Errorf("enter on a capacity raise: flow %v, toast %q", m.flow, m.toast.text)
	}
}

func TestQuitWarnsWhileChangesAreInForce(t *testing.T) {
	tm := loaded(t, Options{})
	tm.Send(throttled("alice", "30", "edge-1"))
	waitFor(t, tm, "⚑ 1 in force")
	press(tm, "q")
	waitFor(t, tm, "1 change still in force stays in place if you quit: y quits, any other key stays — tier free throttled 30%")
	press(tm, "n")
	waitFor(t, tm, "cancelled")
	press(tm, "q", "y")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if final.confirm != nil {
		t.Fatal("quit confirmation still pending")
	}
}

func TestMarkingResolvedWarnsOfChangesInForce(t *testing.T) {
	record := func(_ context.Context, r integrations.Record) (integrations.Record, error) {
		r.ID = "e900"
		return r, nil
	}
	tm := loaded(t, Options{Record: record})
	tm.Send(throttled("alice", "30", "edge-1"))
	waitFor(t, tm, "⚑ 1 in force")
	press(tm, "m")
	tm.Type("resolved all clear")
	press(tm, "enter")
	waitFor(t, tm, "but 1 change still in force")
	if final := quitAnyway(t, tm); !strings.Contains(final.toast.text, "incident.resolved saved (e900) — but 1 change still in force (f lists them): tier free throttled 30% on edge-1") || !final.toast.bad {
		t.Errorf("toast = %+v", final.toast)
	}
}

func TestUnfinishedRunsShowOnStart(t *testing.T) {
	left := "run 4f2a of drain-server (backend=edges instance=front server=edge-1) by alice was left unfinished"
	if m := New(Options{Unfinished: []string{left}}); m.toast.text != left || !m.toast.bad || m.toast.ticks == 0 {
		t.Errorf("toast on start = %+v", m.toast)
	}
	tm := loaded(t, Options{Unfinished: []string{left}})
	press(tm, "f")
	waitFor(t, tm, "Left unfinished when warroom started:")
	finish(t, tm)
}

func TestPaletteOpensTheListAndReadonlyRefusesReverts(t *testing.T) {
	opts, _, _ := drillRunbooks(t)
	tm := loaded(t, opts)
	tm.Send(throttled("alice", "30", "edge-1"))
	waitFor(t, tm, "⚑ 1 in force")
	press(tm, "r")
	waitFor(t, tm, "ctrl+l lists and reverts them")
	tm.Send(tea.KeyPressMsg{Code: 'l', Mod: tea.ModCtrl})
	waitFor(t, tm, "changes still in force (1)")
	quitAnyway(t, tm)

	opts.Readonly = true
	ro := loaded(t, opts)
	ro.Send(throttled("alice", "30", "edge-1"))
	press(ro, "f")
	waitFor(t, ro, "changes still in force (1)")
	press(ro, "enter")
	waitFor(t, ro, "read-only: reverting through a runbook refused")
	if final := quitAnyway(t, ro); final.flow != nil {
		t.Fatal("read-only opened a runbook")
	}
}

// TestListOpenedFromThePaletteTakesOtherMessages: the palette's input
// still sends blinks after the list replaced it; they must not reach a
// closed panel.
func TestListOpenedFromThePaletteTakesOtherMessages(t *testing.T) {
	opts, _, _ := drillRunbooks(t)
	m := New(opts)
	m.openRunbooks()
	next, _ := m.openLedger()
	m = next.(Model)
	if m.flow != nil || !m.ledgerView.open {
		t.Fatalf("flow %v, list open %v", m.flow, m.ledgerView.open)
	}
	type blink struct{}
	m.Update(blink{}) // panicked on the closed palette
}

// TestAbortedRunSaysWhatStaysOnScreen: aborting a scale-up during its
// wait says desired stays raised, in the toast and in the panel.
func TestAbortedRunSaysWhatStaysOnScreen(t *testing.T) {
	opts, _, _ := drillRunbooks(t)
	tm := loaded(t, opts)
	s := watch(tm)
	planScaleUp(tm, "20")
	s.waitScreen(t, "web desired 4 → 20 (max 20)")
	press(tm, "y")
	s.waitScreen(t, "in service")
	press(tm, "x")
	s.waitScreen(t, "Abort runbook scale-up?")
	press(tm, "y")
	s.waitScreen(t, "web desired stays 20")
	final := finish(t, tm)
	if !strings.Contains(final.toast.text, "web desired stays 20; only the wait for in-service was cancelled") {
		t.Errorf("toast = %q", final.toast.text)
	}
}

// waitAny waits until the output holds one of texts and returns it.
func waitAny(t *testing.T, tm *teatest.TestModel, texts ...string) []byte {
	t.Helper()
	var seen []byte
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen = append(seen, b...)
		for _, s := range texts {
			if strings.Contains(string(seen), s) {
				return true
			}
		}
		return false
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	return seen
}
