package runbooks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/runbooks"
)

// In the drill's stale-slots incident every edge fails once the scale-in
// took the hosts its slots know; a reload re-resolves them. The roll
// measures the tier the edges serve (the front's backend of edges) before
// and after each reload on the drill's clock and finds the ratio fell:
// every batch verified.
func TestDrillRollVerifiesEachBatchOnTheSimulatedClock(t *testing.T) {
	sc, ok := drill.Lookup("stale-slots")
	if !ok {
		t.Fatal("no stale-slots scenario")
	}
	world := drill.New(sc, drill.Options{Seed: 1})
	quiet := integrations.PublisherFunc(func(integrations.Event) {})
	world.Step(sc.Start.Add(200*time.Second), quiet) // after the scale-in
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The drill's clock runs while the roll waits on it: a scenario
	// second every millisecond, until the run ends.
	stop := make(chan struct{})
	ticking := make(chan struct{})
	go func() {
		defer close(ticking)
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-time.After(time.Millisecond):
				world.Step(world.Now().Add(time.Second), quiet)
			}
		}
	}()
	defer func() { close(stop); <-ticking }()

	actions := world.Actions()
	plan := planBuiltin(t, ctx, "haproxy-rolling-restart", map[string]string{"verify_window": "10s"}, actions)
	if err := plan.Err(); err != nil {
		t.Fatalf("plan refused: %v\n%s", err, plan)
	}
	rec := &integrationstest.Recorder{}
	report, err := runbooks.Run(ctx, plan, actions, rec.Sink, runbooks.RunOptions{Confirmed: true, Typed: plan.ConfirmText, StateDir: t.TempDir()})
	if err != nil || report.Status != runbooks.RunDone {
		t.Fatalf("status %v, err %v\n%s", report.Status, err, report.Steps[0].Result.Output)
	}
	out := report.Steps[0].Result.Output
	t.Logf("output:\n%s", out)
	// The edges sit behind the front: each is measured on the tier it
	// serves, the front's backend of edges.
	const tier = "front-1/edges"
	if !strings.Contains(out, tier+" before the roll: error ratio ") {
		t.Errorf("output lacks the tier's ratio before the roll")
	}
	edges := world.Actions().ConfigChecks.Reloadable()
	for _, e := range edges {
		if want := e + ": " + tier + " verified: error ratio "; !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if want := edges[len(edges)-1] + ": " + tier + " verified: error ratio 0.0%"; !strings.Contains(out, want) {
		t.Errorf("once every edge is reloaded the tier should answer without error: output lacks %q", want)
	}
}
