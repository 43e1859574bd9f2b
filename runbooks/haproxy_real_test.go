package runbooks_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/runbooks"
)

// These tests run the built-in runbooks against real HAProxy processes on
// 127.0.0.1: a front balancing across three edges in front of Go backends.

// planBuiltin plans a built-in runbook acting through a (a fleet's
// declared capabilities) with the default limits.
func planBuiltin(t *testing.T, ctx context.Context, name string, params map[string]string, a integrations.Actions) *runbooks.Plan {
	t.Helper()
	return planWith(t, ctx, name, params, a, runbooks.Limits{})
}

// runBuiltin plans and runs a built-in runbook with confirmation given,
// failing the test unless it completes.
func runBuiltin(t *testing.T, name string, params map[string]string, actions integrations.Actions) *integrationstest.Recorder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	plan := planBuiltin(t, ctx, name, params, actions)
	if err := plan.Err(); err != nil {
		t.Fatalf("plan of %s refused: %v\n%s", name, err, plan)
	}
	rec := &integrationstest.Recorder{}
	report, err := runbooks.Run(ctx, plan, actions, rec.Sink, runbooks.RunOptions{
		Confirmed: true, Typed: plan.ConfirmText, StateDir: t.TempDir(),
	})
	if err != nil || report.Status != runbooks.RunDone {
		t.Fatalf("%s: status %v, err %v", name, report.Status, err)
	}
	return rec
}

func TestRollingRestartOnRealHAProxyDropsNothing(t *testing.T) {
	tp := haproxytest.StartTopology(t, 3, 3)
	fleet, err := haproxy.New(tp.FleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reloads := func() map[string]int {
		m := map[string]int{}
		for _, name := range fleet.Instances() {
			p, err := fleet.Process(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			m[name] = p.Reloads
		}
		return m
	}
	// A throttle set before the roll must still act after it.
	if err := fleet.SetThrottle(ctx, "edge-2", "bronze", 20); err != nil {
		t.Fatal(err)
	}
	before := reloads()

	load := haproxytest.Load{URL: "http://" + tp.Front.HTTPAddr + "/", Workers: 8, Duration: 90 * time.Second}.Start()
	defer load.Stop()
	rec := runBuiltin(t, "haproxy-rolling-restart", map[string]string{"drain_timeout": "10s", "settle": "10s", "verify_window": "1s"}, fleet.Actions())
	res := load.Stop()
	t.Logf("load through the front during the roll: %v", res)
	if res.Requests == 0 || res.Failed != 0 {
		t.Errorf("load through the front: %v", res)
	}

	after := reloads()
	for _, e := range tp.Edges {
		if after[e.Name] != before[e.Name]+1 {
			t.Errorf("%s reloaded %d times, want exactly once", e.Name, after[e.Name]-before[e.Name])
		}
	}
	if th, err := fleet.Throttles(ctx, "edge-2"); err != nil || th["bronze"] != 20 {
		t.Errorf("edge-2 throttles after the roll: %v, %v", th, err)
	}
	for _, e := range tp.Edges {
		servers, err := fleet.Servers(ctx, "front")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range servers {
			if s.Server == e.Name && s.State != integrations.ServerUp {
				t.Errorf("%s is %s on the front after the roll", e.Name, s.State)
			}
		}
	}

	// The timeline holds the run's transitions in order, and the step's
	// progress names each edge's drain, reload and return in turn.
	var kinds, progress []string
	for _, r := range rec.Records("") {
		if r.Kind == integrations.KindRunbookStepProgress {
			progress = append(progress, r.Text)
			continue
		}
		kinds = append(kinds, r.Kind)
	}
	wantKinds := []string{integrations.KindRunbookRequested, integrations.KindRunbookPlan, integrations.KindRunbookConfirmed,
		integrations.KindRunbookStepStart, integrations.KindRunbookStepEnd, integrations.KindRunbookDone}
	if strings.Join(kinds, " ") != strings.Join(wantKinds, " ") {
		t.Errorf("record kinds:\n got %v\nwant %v", kinds, wantKinds)
	}
	joined := strings.Join(progress, "\n")
	pos := 0
	for _, e := range tp.Edges {
		for _, phase := range []string{e.Name + ": draining", e.Name + ": reloading", e.Name + ": back in rotation"} {
			i := strings.Index(joined[pos:], phase)
			if i < 0 {
				t.Fatalf("progress lacks %q after position %d:\n%s", phase, pos, joined)
			}
			pos += i + len(phase)
		}
	}
}

func TestThrottleTierAndLiftOnRealHAProxy(t *testing.T) {
	tp := haproxytest.StartTopology(t, 3, 3)
	// The throttle lives on the edges: every request crosses exactly one.
	var opts haproxy.Options
	for _, e := range tp.Edges {
		opts.Instances = append(opts.Instances, e.Options())
	}
	fleet, err := haproxy.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + tp.Front.HTTPAddr + "/"
	send := func(tier string, n int) haproxytest.Result {
		return haproxytest.Load{URL: url, Workers: 4, Requests: n, Duration: time.Minute,
			Header: http.Header{"X-Tier": {tier}}}.Run()
	}

	runBuiltin(t, "throttle-tier", map[string]string{"tier": "free", "percent": "50"}, fleet.Actions())
	for _, e := range tp.Edges {
		if b, err := os.ReadFile(e.ThrottleMap); err != nil || !strings.Contains(string(b), "free 50\n") {
			t.Errorf("%s map file: %q %v", e.Name, b, err)
		}
	}
	free := send("free", 400)
	// 400 draws at p=0.5: standard deviation 10, so 130–270 is ±7σ.
	if rejected := free.Statuses[429]; rejected < 130 || rejected > 270 || rejected+free.Statuses[200] != 400 {
		t.Errorf("free at 50%%: %v", free)
	}
	if premium := send("premium", 200); premium.Failed != 0 || premium.Statuses[200] != 200 {
		t.Errorf("premium while free is throttled: %v", premium)
	}

	runBuiltin(t, "lift-throttle", map[string]string{"tier": "free"}, fleet.Actions())
	if free := send("free", 200); free.Failed != 0 || free.Statuses[200] != 200 {
		t.Errorf("free after lift-throttle: %v", free)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, e := range tp.Edges {
		if th, err := fleet.Throttles(ctx, e.Name); err != nil || th["free"] != 0 {
			t.Errorf("%s throttles after lift: %v, %v", e.Name, th, err)
		}
	}
}

// keepAliveTopology is three edges behind a TCP front that does not
// retry (like a cloud network load balancer). The front is not rolled:
// it has no master CLI here, as an NLB has none.
func keepAliveTopology(t *testing.T, edgeDefaults ...string) (*haproxytest.Topology, *haproxy.Fleet) {
	t.Helper()
	tp := haproxytest.StartTopologyWith(t, haproxytest.TopologyOptions{Edges: 3, Backends: 2, TCPFront: true, EdgeDefaults: edgeDefaults})
	opts := tp.FleetOptions()
	front := &opts.Instances[len(opts.Instances)-1]
	front.MasterAddr, front.ThrottleMap = "", ""
	fleet, err := haproxy.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return tp, fleet
}

func idleCloseCheck(plan *runbooks.Plan, edge string) (runbooks.Check, bool) {
	for _, c := range plan.Checks() {
		if strings.HasPrefix(c.Text, edge+": option idle-close-on-response") {
			return c, true
		}
	}
	return runbooks.Check{}, false
}

// TestRollsUnderKeepAliveLoadDropNothingWithIdleCloseOnResponse: clients
// hold keep-alive connections through the TCP front and send POSTs (which
// the client never retries); the drain cannot finish, so every edge is
// reloaded with sessions open. With the option in the edges' defaults,
// consecutive rolls drop nothing.
func TestRollsUnderKeepAliveLoadDropNothingWithIdleCloseOnResponse(t *testing.T) {
	tp, fleet := keepAliveTopology(t, haproxy.IdleCloseOption)
	params := map[string]string{"drain_timeout": "1s", "settle": "10s", "verify_window": "1s"}
	plan := planBuiltin(t, t.Context(), "haproxy-rolling-restart", params, fleet.Actions())
	for _, e := range tp.Edges {
		if c, ok := idleCloseCheck(plan, e.Name); !ok || c.Warn || !c.OK {
			t.Fatalf("%s: idle-close check %+v (found %v):\n%s", e.Name, c, ok, plan)
		}
	}
	const rolls = 3
	total := haproxytest.Result{}
	for i := 1; i <= rolls; i++ {
		load := haproxytest.Load{URL: "http://" + tp.Front.HTTPAddr + "/", Workers: 8, Duration: time.Minute,
			Method: http.MethodPost, Body: []byte(`{"order":42,"items":["a","b"]}`)}.Start()
		time.Sleep(300 * time.Millisecond) // connections open and in use before the first drain
		rec := runBuiltin(t, "haproxy-rolling-restart", params, fleet.Actions())
		res := load.Stop()
		t.Logf("roll %d: %d POSTs sent, %d failed %v", i, res.Requests, res.Failed, res.Errors)
		if res.Requests == 0 || res.Failed != 0 {
			t.Errorf("roll %d under keep-alive load: %v", i, res)
		}
		total.Requests += res.Requests
		total.Failed += res.Failed
		// The drain never finished: the roll says the edges were reloaded
		// with sessions open.
		if end := rec.Last(integrations.KindRunbookStepEnd); !strings.Contains(end.Text, "sessions still open at the drain timeout") {
			t.Errorf("roll %d: step end %q does not say sessions were open", i, end.Text)
		}
	}
	t.Logf("%d rolls: %d POSTs sent, %d failed", rolls, total.Requests, total.Failed)
}

// TestRollPlanWarnsWithoutIdleCloseOnResponse: without the option the plan
// names it, what a reload will do, and the line to add; the warning does
// not stop the run.
func TestRollPlanWarnsWithoutIdleCloseOnResponse(t *testing.T) {
	tp, fleet := keepAliveTopology(t)
	plan := planBuiltin(t, t.Context(), "haproxy-rolling-restart", map[string]string{"verify_window": "1s"}, fleet.Actions())
	for _, e := range tp.Edges {
		c, ok := idleCloseCheck(plan, e.Name)
		if !ok || !c.OK || !c.Warn || !strings.Contains(c.Text, "add `option idle-close-on-response` to the defaults section") {
			t.Errorf("%s: idle-close check %+v (found %v)", e.Name, c, ok)
		}
	}
	if !strings.Contains(plan.String(), "     WARN edge-1: option idle-close-on-response is not set") {
		t.Errorf("plan does not mark the warning:\n%s", plan)
	}
	if err := plan.Err(); err != nil {
		t.Errorf("a warning refused the plan: %v", err)
	}
}
