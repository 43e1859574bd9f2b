package tui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/runbooks"
)

// drillRunbooks runs a fast drill world and returns screen options that
// plan and run runbooks against it, with the records they produce.
func drillRunbooks(t *testing.T) (testOpts, *drill.World, func() []integrations.Record) {
	t.Helper()
	return drillRunbooksAt(t, 600)
}

// drillRunbooksAt is drillRunbooks with the world at speed scenario
// seconds per second.
func drillRunbooksAt(t *testing.T, speed float64) (testOpts, *drill.World, func() []integrations.Record) {
	t.Helper()
	sc, _ := drill.Lookup(drill.DefaultScenario)
	world := drill.New(sc, drill.Options{Seed: 1, Speed: speed})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = world.Run(ctx, integrations.PublisherFunc(func(integrations.Event) {})); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	cat, err := runbooks.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var recs []integrations.Record
	opts := testOpts{Actions: world.Actions(), User: "dana", Runbooks: testRunbooks{
		Catalog: cat, StateDir: t.TempDir(),
		Sink: func(r integrations.Record) { mu.Lock(); recs = append(recs, r); mu.Unlock() },
	}}
	return opts, world, func() []integrations.Record {
		mu.Lock()
		defer mu.Unlock()
		return append([]integrations.Record(nil), recs...)
	}
}

func kinds(recs []integrations.Record) string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Kind)
	}
	return strings.Join(out, " ")
}

// planScaleUp walks the palette and the form to scale-up's plan for web.
func planScaleUp(tm *teatest.TestModel, desired string) {
	press(tm, "r")
	tm.Type("scale-up")
	press(tm, "enter")
	tm.Type("web")
	press(tm, "down")
	tm.Type(desired)
	press(tm, "enter")
}

func TestRunbookPaletteFormPlanConfirmRun(t *testing.T) {
	opts, world, records := drillRunbooks(t)
	tm := loaded(t, opts)
	s := watch(tm)
	planScaleUp(tm, "12")
	s.waitScreen(t, "web desired 4 → 12 (max 20)")
	press(tm, "y")
	s.waitScreen(t, "✓ done in")
	finish(t, tm)
	g, _ := world.DescribeGroup(context.Background(), "web")
	if g.Desired != 12 || g.InService != 12 {
		t.Fatalf("web desired %d in service %d after the run, want 12/12", g.Desired, g.InService)
	}
	want := "runbook.requested runbook.plan runbook.confirmed runbook.step.start"
	if got := kinds(records()); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "runbook.step.end runbook.done") {
		t.Fatalf("records %q", got)
	}
}

func TestRunbookAbortStopsTheRun(t *testing.T) {
	opts, _, records := drillRunbooks(t)
	tm := loaded(t, opts)
	s := watch(tm)
	planScaleUp(tm, "20")
	s.waitScreen(t, "web desired 4 → 20")
	press(tm, "y")
	s.waitScreen(t, "1. scale", "running")
	press(tm, "x")
	s.waitScreen(t, "x again or y aborts")
	press(tm, "y")
	s.waitScreen(t, "enter/esc close")
	finish(t, tm)
	if got := kinds(records()); !strings.Contains(got, "runbook.abort") || strings.Contains(got, "runbook.done") {
		t.Fatalf("records %q, want an abort and no done", got)
	}
}

func TestRunbookRefusedByBoundsSendsNothing(t *testing.T) {
	opts, world, records := drillRunbooks(t)
	opts.Runbooks.Limits = runbooks.Limits{MaxCapacity: map[string]int{"web": 8}}
	tm := loaded(t, opts)
	s := watch(tm)
	planScaleUp(tm, "12")
	s.waitScreen(t, "refused: web desired 12 is above the configured cap 8")
	press(tm, "y") // ignored: a refused plan cannot run
	finish(t, tm)
	if len(records()) != 0 {
		t.Fatalf("a refused plan ran: records %q", kinds(records()))
	}
	if g, _ := world.DescribeGroup(context.Background(), "web"); g.Desired != 4 {
		t.Fatalf("web desired %d, want untouched 4", g.Desired)
	}
}

func TestReadonlyRefusesRunbooks(t *testing.T) {
	opts, _, _ := drillRunbooks(t)
	opts.Readonly = true
	tm := loaded(t, opts)
	press(tm, "r")
	waitFor(t, tm, "running a runbook refused")
	if final := finish(t, tm); final.flow != nil {
		t.Fatal("read-only mode opened the runbook palette")
	}
}

// warnLB checks the drill's load balancer with a configuration warning
// on every instance, as a real fleet reports a missing keep-alive option.
type warnLB struct{ integrations.LoadBalancer }

func (w warnLB) Reloadable() []string { return w.Instances() }

func (w warnLB) CheckConfig(_ context.Context, inst string) []integrations.Finding {
	return []integrations.Finding{{Level: integrations.FindingWarn, Text: inst + ": option idle-close-on-response is not set"}}
}

func TestPlanShowsAWarningThatDoesNotStopTheRun(t *testing.T) {
	opts, world, _ := drillRunbooks(t)
	opts.Actions.ConfigChecks = warnLB{opts.Actions.LoadBalancer}
	tm := loaded(t, opts)
	s := watch(tm)
	press(tm, "r")
	tm.Type("haproxy-rolling-restart")
	press(tm, "enter", "enter")
	s.waitScreen(t, "⚠ WARN "+world.Instances()[0]+": option idle-close-on-response is not set", "✓ ok   batch 1 within the configured maximum",
		"y, then type haproxy, to run")
	finish(t, tm)
}
