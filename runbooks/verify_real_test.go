package runbooks_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/runbooks"
)

// verifyParams roll quickly and measure each tier for two seconds.
var verifyParams = map[string]string{"drain_timeout": "5s", "settle": "10s", "verify_window": "2s"}

// rollUnderLoad plans and runs the rolling restart on fleet while a
// bounded load goes through the front, and returns how the run ended and
// what the load saw.
func rollUnderLoad(t *testing.T, tp *haproxytest.Topology, fleet *haproxy.Fleet) (*runbooks.Report, error, haproxytest.Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	load := haproxytest.Load{URL: "http://" + tp.Front.HTTPAddr + "/", Workers: 4, Duration: time.Minute}.Start()
	defer load.Stop()
	time.Sleep(200 * time.Millisecond) // traffic flowing before the plan measures
	plan := planBuiltin(t, ctx, "haproxy-rolling-restart", verifyParams, fleet.Actions())
	if err := plan.Err(); err != nil {
		t.Fatalf("plan refused: %v\n%s", err, plan)
	}
	t.Logf("plan:\n%s", plan)
	if !strings.Contains(plan.String(), "ok   halts if the error ratio of front/edges rises above 0.0% + 5 points = 5.0% after a batch (now error ratio 0.0% (") {
		t.Errorf("the plan does not state the bound on measured figures:\n%s", plan)
	}
	rec := &integrationstest.Recorder{}
	report, err := runbooks.Run(ctx, plan, fleet.Actions(), rec.Sink, runbooks.RunOptions{
		Confirmed: true, Typed: plan.ConfirmText, StateDir: t.TempDir(),
	})
	return report, err, load.Stop()
}

func reloadCounts(t *testing.T, fleet *haproxy.Fleet) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, name := range fleet.Instances() {
		p, err := fleet.Process(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = p.Reloads
	}
	return m
}

func TestRollHaltsWhenAReloadedEdgeRaisesTheErrorRatioOnRealHAProxy(t *testing.T) {
	tp := haproxytest.StartTopology(t, 3, 2)
	fleet, err := haproxy.New(tp.FleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	// A bad change waiting in edge-1's configuration: its reload points
	// its servers at a backend failing half its requests. The front's
	// health check of edge-1 is off, as one probing a path that still
	// works would be, so only the error ratio can tell.
	flaky := haproxytest.StartFlakyBackend(t, "flaky", 5)
	edge1 := tp.Edges[0]
	cfg := edge1.Config()
	// New server names, so the saved server state (addresses included)
	// does not carry the old ones over the reload.
	for i, addr := range tp.Backends {
		cfg = strings.ReplaceAll(cfg, fmt.Sprintf("app-%d %s", i+1, addr), fmt.Sprintf("bad-%d %s", i+1, flaky))
	}
	if !strings.Contains(cfg, "bad-1 "+flaky) {
		t.Fatalf("edge-1's configuration did not change:\n%s", cfg)
	}
	edge1.WriteConfig(cfg)
	if out, err := tp.Front.Command("disable health " + tp.FrontBackend + "/" + edge1.Name); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("disable health: %q %v", out, err)
	}
	before := reloadCounts(t, fleet)

	report, err, load := rollUnderLoad(t, tp, fleet)
	t.Logf("load through the front: %v", load)
	if err == nil || report.Status == runbooks.RunDone {
		t.Fatalf("the roll went past edge-1 while it failed half its requests: status %v", report.Status)
	}
	step := report.Steps[0]
	t.Logf("step error: %s\noutput:\n%s", step.Err, step.Result.Output)
	for _, want := range []string{
		"done: none; in progress: edge-1 (reloaded, returned to rotation); untouched: edge-2, edge-3, front",
		"halted after edge-1: front/edges error ratio ",
		" is above 0.0% + 5 points = 5.0%",
	} {
		if !strings.Contains(step.Err, want) {
			t.Errorf("step error lacks %q", want)
		}
	}
	if f := step.Result.Fields; f["done"] != "" || f["in_progress"] != "edge-1" || f["untouched"] != "edge-2,edge-3,front" {
		t.Errorf("fields = %v", f)
	}
	after := reloadCounts(t, fleet)
	for name, n := range after {
		want := before[name]
		if name == edge1.Name {
			want++
		}
		if n != want {
			t.Errorf("%s reloaded %d times, want %d", name, n-before[name], want-before[name])
		}
	}
	servers, err := fleet.Servers(t.Context(), tp.Front.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range servers {
		if s.Backend == tp.FrontBackend && s.State != integrations.ServerUp {
			t.Errorf("%s is %s on the front after the halt, want back in rotation", s.Server, s.State)
		}
	}
	// The load saw the failures the measurement reported: about a third
	// of its requests went to edge-1 once it was reloaded.
	if load.Statuses[500] == 0 {
		t.Errorf("the load saw no 500: %v", load)
	}
}

func TestRollVerifiesEveryBatchOnHealthyRealHAProxy(t *testing.T) {
	tp := haproxytest.StartTopology(t, 3, 2)
	fleet, err := haproxy.New(tp.FleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	report, err, load := rollUnderLoad(t, tp, fleet)
	t.Logf("load through the front: %v", load)
	if err != nil || report.Status != runbooks.RunDone {
		t.Fatalf("status %v, err %v", report.Status, err)
	}
	out := report.Steps[0].Result.Output
	t.Logf("output:\n%s", out)
	for _, e := range tp.Edges {
		if want := e.Name + ": front/edges verified: error ratio 0.0% ("; !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if want := "front: front/edges verified: error ratio 0.0% ("; !strings.Contains(out, want) {
		t.Errorf("output lacks %q", want)
	}
	if load.Requests == 0 || load.Failed != 0 {
		t.Errorf("load through the front: %v", load)
	}
}
