package runbooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
)

// rollingRunbook is haproxy-rolling-restart with fast polling, so the
// tests' fakes drain and settle in milliseconds.
const rollingRunbook = `name: roll
dangerous: true
confirm: haproxy
steps:
  - name: rolling reload
    action: haproxy.rolling_reload
    timeout: 1m
    args:
      drain_timeout: 1m
      settle: 200ms
      poll: 5ms
`

func edges() *fakeLB { return newFakeLB("edge-1", "edge-2", "edge-3") }

func allInRotation(t *testing.T, lb *fakeLB) {
	t.Helper()
	for _, e := range lb.order {
		if s := lb.upstreamState(e); s != integrations.ServerUp {
			t.Errorf("%s is %s on the front, want UP", e, s)
		}
	}
}

func stepFields(report *Report) map[string]string { return report.Steps[0].Result.Fields }

func TestRollingReloadCarriesThrottlesAcross(t *testing.T) {
	lb := edges()
	for _, e := range lb.order {
		lb.procs[e].throttle["free"] = 30
	}
	lb.procs["edge-2"].servers[1].State = integrations.ServerMaint
	lb.loseOnReload["edge-2"] = true
	dir := t.TempDir()
	report, rec, err := planAndRun(t, context.Background(), mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range lb.order {
		if n := lb.reloads(e); n != 1 {
			t.Errorf("%s reloaded %d times", e, n)
		}
		if th := lb.procs[e].throttle["free"]; th != 30 {
			t.Errorf("%s throttle free = %d after the roll", e, th)
		}
	}
	allInRotation(t, lb)
	if f := stepFields(report); f["done"] != "edge-1,edge-2,edge-3" || f["in_progress"] != "" || f["untouched"] != "" {
		t.Errorf("fields = %v", f)
	}
	out := report.Steps[0].Result.Output
	for _, want := range []string{"edge-2: throttle free was 0% after reload, set back to 30%", "edge-2: server app/app-2 was in rotation after reload, set back to MAINT"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	if s := lb.procs["edge-2"].servers[1].State; s != integrations.ServerMaint {
		t.Errorf("edge-2 app/app-2 is %s after the roll, want MAINT", s)
	}
	// One instance at a time: each is drained, reloaded and back before the next is touched.
	var order []string
	for _, w := range lb.all() {
		if strings.Contains(w, "front") || strings.HasPrefix(w, "Reload") {
			order = append(order, w)
		}
	}
	want := []string{
		"SetServerState front edges/edge-1 DRAIN", "Reload edge-1", "SetServerState front edges/edge-1 UP",
		"SetServerState front edges/edge-2 DRAIN", "Reload edge-2", "SetServerState front edges/edge-2 UP",
		"SetServerState front edges/edge-3 DRAIN", "Reload edge-3", "SetServerState front edges/edge-3 UP",
	}
	if !slices.Equal(order, want) {
		t.Errorf("writes:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	var progress []string
	for _, r := range rec.Records("") {
		if r.Kind == integrations.KindRunbookStepProgress && strings.HasSuffix(r.Text, "back in rotation") {
			progress = append(progress, r.Text)
		}
	}
	if !slices.Equal(progress, []string{"edge-1: back in rotation", "edge-2: back in rotation", "edge-3: back in rotation"}) {
		t.Errorf("progress records = %q", progress)
	}
	if locks, _ := filepath.Glob(filepath.Join(dir, "locks", "*.lock")); len(locks) > 0 {
		t.Errorf("locks left behind: %v", locks)
	}
}

func TestAbortMidRollLeavesEveryInstanceInRotation(t *testing.T) {
	lb := edges()
	lb.stuckSessions["edge-2"] = true
	ctx, abort := context.WithCancel(context.Background())
	defer abort()
	type result struct {
		report *Report
		rec    *integrationstest.Recorder
		err    error
	}
	done := make(chan result, 1)
	go func() {
		report, rec, err := planAndRun(t, ctx, mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{})
		done <- result{report, rec, err}
	}()
	integrationstest.Wait(t, "edge-2 draining", func() bool { return lb.upstreamState("edge-2") == integrations.ServerDrain })
	abort()
	r := <-done
	if r.err == nil || r.report.Status != RunAborted {
		t.Fatalf("run = %v, %v", r.report.Status, r.err)
	}
	allInRotation(t, lb)
	if f := stepFields(r.report); f["done"] != "edge-1" || f["in_progress"] != "edge-2" || f["untouched"] != "edge-3" {
		t.Errorf("fields = %v", f)
	}
	const status = "done: edge-1; in progress: edge-2 (returned to rotation); untouched: edge-3"
	if !strings.Contains(r.report.Steps[0].Err, status) {
		t.Errorf("step error = %q", r.report.Steps[0].Err)
	}
	// The timeline's text says it, not only its fields.
	if end := r.rec.Last(integrations.KindRunbookStepEnd); !strings.Contains(end.Text, status) {
		t.Errorf("step end record text = %q, want %q", end.Text, status)
	}
	if lb.reloads("edge-2") != 0 || len(lb.mentioning("edge-3")) > 0 {
		t.Errorf("writes after abort: %q", lb.all())
	}
	if kinds := recordKinds(r.rec); kinds[len(kinds)-1] != integrations.KindRunbookAbort {
		t.Errorf("kinds = %v", kinds)
	}
}

func TestFailingHealthCheckHaltsTheRoll(t *testing.T) {
	lb := edges()
	lb.unhealthy["edge-2"] = true
	report, _, err := planAndRun(t, context.Background(), mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{})
	if err == nil || report.Status != RunFailed {
		t.Fatalf("run = %v, %v", report.Status, err)
	}
	if !strings.Contains(err.Error(), "edges/edge-2 on front is in rotation but its health check reads DOWN after 200ms") {
		t.Errorf("error = %v", err)
	}
	if f := stepFields(report); f["done"] != "edge-1" || f["in_progress"] != "edge-2" || f["untouched"] != "edge-3" {
		t.Errorf("fields = %v", f)
	}
	if got := lb.mentioning("edge-3"); len(got) > 0 || lb.reloads("edge-3") != 0 {
		t.Errorf("edge-3 was touched: %q", got)
	}
}

func TestFailedReloadReturnsInstanceAndHalts(t *testing.T) {
	lb := edges()
	lb.failReload["edge-2"] = true
	report, _, err := planAndRun(t, context.Background(), mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "edge-2: reload failed (master reports 1 failed reloads; the old worker keeps serving)") {
		t.Fatalf("run = %v, %v", report.Status, err)
	}
	allInRotation(t, lb)
	if f := stepFields(report); f["done"] != "edge-1" || f["in_progress"] != "edge-2" || f["untouched"] != "edge-3" {
		t.Errorf("fields = %v", f)
	}
	if len(lb.mentioning("edge-3")) > 0 {
		t.Errorf("edge-3 was touched: %q", lb.all())
	}
}

func TestConcurrentRunOnSameTargetIsRefused(t *testing.T) {
	lb := edges()
	lb.stuckSessions["edge-1"] = true
	dir := t.TempDir()
	ctx, abort := context.WithCancel(context.Background())
	defer abort()
	done := make(chan error, 1)
	go func() {
		_, _, err := planAndRun(t, ctx, mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{StateDir: dir, Holder: "alice@laptop"})
		done <- err
	}()
	integrationstest.Wait(t, "edge-1 draining", func() bool { return lb.upstreamState("edge-1") == integrations.ServerDrain })

	throttle := builtin(t, "throttle-tier")
	report, rec, err := planAndRun(t, context.Background(), throttle, map[string]string{"percent": "20"}, integrations.Actions{LoadBalancer: lb}, RunOptions{StateDir: dir, Holder: "bob@desk"})
	var held *HeldError
	if !errors.As(err, &held) || report.Status != RunRefused {
		t.Fatalf("second run = %v, %v", report.Status, err)
	}
	if held.Holder.Who != "alice@laptop" || held.Holder.Runbook != "roll" || held.Holder.PID != os.Getpid() {
		t.Errorf("holder = %+v", held.Holder)
	}
	if !strings.Contains(err.Error(), "refused: haproxy:edge-1 is locked by alice@laptop") {
		t.Errorf("error = %v", err)
	}
	if got := lb.mentioning("SetThrottle"); len(got) > 0 {
		t.Errorf("refused run sent %q", got)
	}
	if kinds := recordKinds(rec); kinds[len(kinds)-1] != integrations.KindRunbookFailed {
		t.Errorf("kinds = %v", kinds)
	}

	abort()
	<-done
	if _, _, err := planAndRun(t, context.Background(), throttle, map[string]string{"percent": "20"}, integrations.Actions{LoadBalancer: lb}, RunOptions{StateDir: dir, Holder: "bob@desk"}); err != nil {
		t.Fatalf("run after the holder finished: %v", err)
	}
}

func TestRollingReloadInBatches(t *testing.T) {
	lb := newFakeLB("edge-1", "edge-2", "edge-3", "edge-4")
	lb.sessionsPerCut = 12
	// An operator had edge-4 drained on the front before the roll: it is
	// reloaded but left drained.
	lb.procs["front"].servers[3].State = integrations.ServerDrain
	rb := mustParse(t, strings.Replace(rollingRunbook, "      poll: 5ms\n", "      poll: 5ms\n      batch: 2\n", 1))
	p, err := NewPlan(context.Background(), rb, nil, integrations.Actions{LoadBalancer: lb}, Limits{MaxBatch: 2})
	if err != nil || p.Err() != nil {
		t.Fatal(err, p.Err())
	}
	if _, err := Run(context.Background(), p, integrations.Actions{LoadBalancer: lb}, nil, RunOptions{Confirmed: true, Typed: "haproxy", StateDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"SetServerState front edges/edge-1 DRAIN", "SetServerState front edges/edge-2 DRAIN",
		"Reload edge-1", "Reload edge-2",
		"SetServerState front edges/edge-1 UP", "SetServerState front edges/edge-2 UP",
		"SetServerState front edges/edge-3 DRAIN", "SetServerState front edges/edge-4 DRAIN",
		"Reload edge-3", "Reload edge-4",
		"SetServerState front edges/edge-3 UP", "SetServerState front edges/edge-4 DRAIN",
	}
	if got := lb.all(); !slices.Equal(got, want) {
		t.Errorf("writes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := lb.upstreamState("edge-4"); s != integrations.ServerDrain {
		t.Errorf("edge-4 is %s, want DRAIN as the operator left it", s)
	}
}

// TestReloadThatFreesASlotIsReportedNotFailed is the stale-slot fix: a
// reload resolves the server-template slots afresh and frees the slot of
// a host that is gone. The roll reports it and goes on.
func TestReloadThatFreesASlotIsReportedNotFailed(t *testing.T) {
	lb := newFakeLB("edge-1", "edge-2")
	lb.reloadHook = func(instance string) {
		if instance == "edge-1" {
			lb.procs[instance].servers[1].State = integrations.ServerMaint // app-2's host is gone
		}
	}
	report, _, err := planAndRun(t, context.Background(), mustParse(t, rollingRunbook), nil,
		integrations.Actions{LoadBalancer: lb}, RunOptions{StateDir: t.TempDir()})
	if err != nil {
		t.Fatalf("the roll failed on a slot the reload freed: %v", err)
	}
	if f := stepFields(report); f["done"] != "edge-1,edge-2" {
		t.Errorf("fields = %v", f)
	}
	if out := report.Steps[0].Result.Output; !strings.Contains(out, "edge-1: 1 servers out of rotation since the reload, as its configuration says: app/app-2 MAINT") {
		t.Errorf("output %q does not report the freed slot", out)
	}
}

// quickDrain is rollingRunbook with a drain timeout the fakes' stuck
// sessions reach soon, and ample for the others (which drain in one read).
func quickDrain(t *testing.T, lb *fakeLB) *Runbook {
	lb.sessionsPerCut = 12
	return mustParse(t, strings.Replace(rollingRunbook, "drain_timeout: 1m", "drain_timeout: 300ms", 1))
}

func TestReloadWithSessionsStillOpenIsReported(t *testing.T) {
	lb := edges()
	lb.stuckSessions["edge-2"] = true
	report, rec, err := planAndRun(t, context.Background(), quickDrain(t, lb), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const open = "edge-2 reloaded with 12 sessions still open at the drain timeout"
	if out := report.Steps[0].Result.Output; !strings.Contains(out, open) {
		t.Errorf("output %q lacks %q", out, open)
	}
	// The timeline's text says it too, not only the output field.
	if end := rec.Last(integrations.KindRunbookStepEnd); !strings.Contains(end.Text, "reloaded edge-1, edge-2, edge-3 (edge-2 with 12 sessions still open at the drain timeout)") {
		t.Errorf("step end text = %q", end.Text)
	}
	if strings.Contains(report.Steps[0].Result.Output, "edge-1 reloaded with") {
		t.Errorf("edge-1 drained fully but is reported with sessions open: %q", report.Steps[0].Result.Output)
	}
}

// TestEdgeNotReloadedIsNeverReportedReloaded: the drain timed out with
// sessions open, then the reload failed; nothing may say it was reloaded.
func TestEdgeNotReloadedIsNeverReportedReloaded(t *testing.T) {
	lb := edges()
	lb.stuckSessions["edge-2"] = true
	lb.failReload["edge-2"] = true
	report, rec, err := planAndRun(t, context.Background(), quickDrain(t, lb), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{})
	if err == nil {
		t.Fatal("the roll succeeded over a failed reload")
	}
	var said []string
	for _, r := range rec.Records("") {
		said = append(said, r.Text)
	}
	said = append(said, report.Steps[0].Err, report.Steps[0].Result.Output, report.Steps[0].Result.Summary)
	for _, s := range said {
		if strings.Contains(s, "edge-2 reloaded") || strings.Contains(s, "edge-2 (reloaded") {
			t.Errorf("edge-2 is said to be reloaded: %q", s)
		}
	}
	if !strings.Contains(report.Steps[0].Err, "in progress: edge-2 (returned to rotation)") {
		t.Errorf("step error = %q", report.Steps[0].Err)
	}
}

func TestRollingRestartRunsWithoutAnyThrottleMap(t *testing.T) {
	lb := edges()
	lb.noThrottleMap = true
	report, _, err := planAndRun(t, context.Background(), mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{})
	if err != nil {
		t.Fatalf("roll refused or failed without a throttle map: %v", err)
	}
	if f := stepFields(report); f["done"] != "edge-1,edge-2,edge-3" {
		t.Errorf("fields = %v", f)
	}
}

// TestUpstreamServerMissingOnTheFrontIsRefused: a roll that would fail
// on its third edge (no such server on the front) is refused by its plan,
// before the first two are reloaded.
func TestUpstreamServerMissingOnTheFrontIsRefused(t *testing.T) {
	lb := edges()
	lb.procs["front"].servers = lb.procs["front"].servers[:2] // edges/edge-3 does not exist
	p, err := NewPlan(context.Background(), mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	const want = "edge-3: upstream edges/edge-3 is not a server on front (edges has edge-1, edge-2)"
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("plan error = %v, want %q", err, want)
	}
	if _, err := Run(context.Background(), p, integrations.Actions{LoadBalancer: lb}, nil, RunOptions{Confirmed: true, Typed: "haproxy", StateDir: t.TempDir()}); err == nil {
		t.Fatal("a refused plan ran")
	}
	if w := lb.all(); len(w) > 0 {
		t.Errorf("sent %q", w)
	}
}

func TestBatchNeverTakesAWholeTierOutOfRotation(t *testing.T) {
	cases := []struct {
		batch  int
		limits Limits
		want   string
	}{
		{3, Limits{MaxBatch: 3}, "FAIL batch 3 would take all 3 servers of front/edges out of rotation; at most 2"},
		{2, Limits{MaxBatch: 3, MinInRotation: 2}, "FAIL batch 2 would leave 1 of the 3 servers of front/edges in rotation (0 already out or DOWN), fewer than min_in_rotation 2; at most 1"},
		{2, Limits{MaxBatch: 3}, "ok   batch 2 leaves at least 1 of the 3 servers of front/edges in rotation (min_in_rotation 1)"},
	}
	for _, tc := range cases {
		lb := edges()
		rb := mustParse(t, strings.Replace(rollingRunbook, "      poll: 5ms\n", fmt.Sprintf("      poll: 5ms\n      batch: %d\n", tc.batch), 1))
		p, err := NewPlan(context.Background(), rb, nil, integrations.Actions{LoadBalancer: lb}, tc.limits)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.String(), tc.want) {
			t.Errorf("batch %d, %+v: plan lacks %q:\n%s", tc.batch, tc.limits, tc.want, p)
		}
		if refused := strings.HasPrefix(tc.want, "FAIL"); refused != (p.Err() != nil) {
			t.Errorf("batch %d: plan error %v", tc.batch, p.Err())
		}
		// A dry run of a refused plan is refused too.
		report, err := Run(context.Background(), p, integrations.Actions{LoadBalancer: lb}, nil, RunOptions{DryRun: true, StateDir: t.TempDir()})
		if refused := strings.HasPrefix(tc.want, "FAIL"); refused != (err != nil && report.Status == RunRefused) {
			t.Errorf("batch %d dry run: %v, %v", tc.batch, report.Status, err)
		}
	}
}

// checkedLB is a fake load balancer that also reads its instances'
// configuration, with findings set per instance.
type checkedLB struct {
	*fakeLB
	mu       sync.Mutex
	findings map[string][]integrations.Finding
	checked  []string
}

func (c *checkedLB) Reloadable() []string { return c.Instances() }

func (c *checkedLB) CheckConfig(_ context.Context, inst string) []integrations.Finding {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checked = append(c.checked, inst)
	return c.findings[inst]
}

func (c *checkedLB) set(inst string, f ...integrations.Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.findings[inst] = f
}

func TestConfigurationWarningsShowAndDoNotStopTheRoll(t *testing.T) {
	lb := &checkedLB{fakeLB: edges(), findings: map[string][]integrations.Finding{}}
	lb.set("edge-2", integrations.Finding{Level: integrations.FindingWarn, Text: "edge-2: option idle-close-on-response is not set"})
	p, err := NewPlan(context.Background(), mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb, ConfigChecks: lb}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.String(), "     WARN edge-2: option idle-close-on-response is not set\n") || p.Err() != nil {
		t.Fatalf("plan error %v:\n%s", p.Err(), p)
	}
	if _, err := Run(context.Background(), p, integrations.Actions{LoadBalancer: lb, ConfigChecks: lb}, nil, RunOptions{Confirmed: true, Typed: "haproxy", StateDir: t.TempDir()}); err != nil {
		t.Fatalf("a warning stopped the roll: %v", err)
	}
}

// TestBrokenConfigurationIsFoundBeforeAnythingIsDrained: a configuration
// that fails its check refuses the plan; one that breaks after the plan
// is found when the run starts, before the first drain.
func TestBrokenConfigurationIsFoundBeforeAnythingIsDrained(t *testing.T) {
	lb := &checkedLB{fakeLB: edges(), findings: map[string][]integrations.Finding{}}
	broken := integrations.Finding{Level: integrations.FindingFail, Text: "edge-3: configuration check `haproxy -c -f edge-3.cfg` failed: unknown keyword 'sever'"}
	lb.set("edge-3", broken)
	a := integrations.Actions{LoadBalancer: lb, ConfigChecks: lb}
	p, err := NewPlan(context.Background(), mustParse(t, rollingRunbook), nil, a, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), broken.Text) {
		t.Fatalf("plan error = %v", err)
	}

	lb.set("edge-3")
	if p, err = NewPlan(context.Background(), mustParse(t, rollingRunbook), nil, a, Limits{}); err != nil || p.Err() != nil {
		t.Fatal(err, p.Err())
	}
	lb.set("edge-3", broken) // someone edits edge-3's file after the plan
	report, err := Run(context.Background(), p, a, nil, RunOptions{Confirmed: true, Typed: "haproxy", StateDir: t.TempDir()})
	if err == nil || !strings.Contains(report.Steps[0].Err, broken.Text) {
		t.Fatalf("run = %v, %v", report.Status, err)
	}
	if w := lb.all(); len(w) > 0 {
		t.Errorf("drained or reloaded before the configuration was checked: %q", w)
	}
}

// TestFailedRollIsSpelledOutInTheMarkdownExport: however long the
// failure's message (HAProxy's checker output runs to kilobytes), the
// export's runbook section says which edges were done, in progress and
// untouched.
func TestFailedRollIsSpelledOutInTheMarkdownExport(t *testing.T) {
	lb := edges()
	lb.reloadError = map[string]string{"edge-2": "haproxy edge-2: not reloaded: configuration check failed: " + strings.Repeat("[ALERT] parsing error; ", 80)}
	_, rec, err := planAndRun(t, context.Background(), mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{})
	if err == nil {
		t.Fatal("the roll succeeded")
	}
	var entries []timeline.Entry
	for _, r := range rec.Records("") {
		entries = append(entries, timeline.Entry{Record: integrations.Record{ID: fmt.Sprint(len(entries) + 1), Occurred: r.Occurred, Source: r.Source, Kind: r.Kind, Actor: r.Actor, Text: r.Text, Fields: r.Fields}})
	}
	var md bytes.Buffer
	if err := export.Markdown(&md, entries, export.Options{Incident: "INC-1"}); err != nil {
		t.Fatal(err)
	}
	_, runs, _ := strings.Cut(md.String(), "## Runbook runs")
	const status = "done: edge-1; in progress: edge-2 (returned to rotation); untouched: edge-3"
	if !strings.Contains(runs, status) {
		t.Errorf("the export's runbook section lacks %q:\n%s", status, runs)
	}
}

// TestBatchCountsOnlyServingServers: a tier whose other server already
// fails its health check would be left with none serving.
func TestBatchCountsOnlyServingServers(t *testing.T) {
	lb := newFakeLB("edge-1", "edge-2")
	lb.procs["front"].servers[1].State = integrations.ServerDown
	p, err := NewPlan(context.Background(), mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	const want = "batch 1 would leave 0 of the 2 servers of front/edges in rotation (1 already out or DOWN), fewer than min_in_rotation 1; at most 0"
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("plan error = %v, want %q", err, want)
	}
}
