package runbooks

import (
	"context"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

func builtin(t *testing.T, name string) *Runbook {
	t.Helper()
	c, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := c.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

func webScaler() *fakeScaler {
	return newFakeScaler(integrations.Group{Name: "web", Desired: 4, Min: 2, Max: 20, InService: 4})
}

// TestScaleUpNeverLowers: planned against 4 while autoscaling raised the
// group to 16, a scale-up "to 12" must be refused, in the plan and again
// on the fresh read just before the write.
func TestScaleUpNeverLowers(t *testing.T) {
	s := webScaler()
	a := integrations.Actions{Scaler: s}
	down, err := NewPlan(context.Background(), builtin(t, "scale-up"), map[string]string{"group": "web", "desired": "2"}, a, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if down.Err() == nil || !strings.Contains(down.Err().Error(), "never terminates instances") {
		t.Fatalf("a scale-up to below the current desired was not refused: %v", down.Err())
	}
	p, err := NewPlan(context.Background(), builtin(t, "scale-up"), map[string]string{"group": "web", "desired": "12"}, a, Limits{})
	if err != nil || p.Err() != nil {
		t.Fatal(err, p.Err())
	}
	if err := s.SetDesiredCapacity(context.Background(), "web", 16); err != nil { // meanwhile
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), p, a, func(integrations.Record) {}, RunOptions{Confirmed: true, StateDir: t.TempDir()}); err == nil {
		t.Fatal("the run lowered a group raised since the plan")
	}
	if g, _ := s.DescribeGroup(context.Background(), "web"); g.Desired != 16 {
		t.Fatalf("desired %d, want the 16 it was raised to", g.Desired)
	}
}

func TestPlanScaleUpText(t *testing.T) {
	a := integrations.Actions{Scaler: webScaler()}
	p, err := NewPlan(context.Background(), builtin(t, "scale-up"), map[string]string{"group": "web", "desired": "12"}, a, Limits{MaxCapacity: map[string]int{"web": 16}})
	if err != nil {
		t.Fatal(err)
	}
	want := `scale-up (desired=12 group=web)
  1. scale [aws.scale_group, changes, timeout 15m0s]
     web desired 4 → 12 (max 20)
     wait until 12 in service (now 4)
  checks:
     ok   web desired 4 < max 20
     ok   web desired 12 within the group's bounds 2..20
     ok   web desired 12 is not below the current 4
     ok   web desired 12 within the configured cap 16
  changes things: confirm to run
`
	if got := p.String(); got != want {
		t.Fatalf("plan text:\n%s\nwant:\n%s", got, want)
	}
	if p.Err() != nil || !p.Mutates || p.Dangerous || strings.Join(p.Targets, ",") != "aws:web" {
		t.Fatalf("plan = %+v", p)
	}
}

func TestPlanThrottleLines(t *testing.T) {
	lb := newFakeLB("edge-1", "edge-2", "edge-3")
	lb.procs["edge-3"].throttle["free"] = 10
	p, err := NewPlan(context.Background(), builtin(t, "throttle-tier"), map[string]string{"percent": "30"}, integrations.Actions{LoadBalancer: lb}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"throttle tier free 0% → 30% on edge-1, edge-2",
		"throttle tier free 10% → 30% on edge-3",
	}
	if got := p.Lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines = %q, want %q", got, want)
	}
	if !p.Dangerous || p.ConfirmText != "free" {
		t.Fatalf("dangerous %v confirm %q", p.Dangerous, p.ConfirmText)
	}
	if got := strings.Join(p.Targets, ","); got != "haproxy:edge-1,haproxy:edge-2,haproxy:edge-3" {
		t.Fatalf("targets = %s", got)
	}
}

func TestPlanRollingRestartLines(t *testing.T) {
	lb := newFakeLB("edge-1", "edge-2", "edge-3")
	lb.procs["edge-2"].throttle["free"] = 30
	p, err := NewPlan(context.Background(), builtin(t, "haproxy-rolling-restart"), nil, integrations.Actions{LoadBalancer: lb}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := `reload haproxy edge-1, edge-2, edge-3 one at a time
edge-1: drain edges/edge-1 on front (≤30s), reload, verify new worker, return to rotation
edge-2: drain edges/edge-2 on front (≤30s), reload, verify new worker, carry throttles free=30%, return to rotation
edge-3: drain edges/edge-3 on front (≤30s), reload, verify new worker, return to rotation`
	if got := strings.Join(p.Lines(), "\n"); got != want {
		t.Fatalf("lines:\n%s\nwant:\n%s", got, want)
	}
	if p.ConfirmText != "haproxy" || p.Err() != nil {
		t.Fatalf("confirm %q err %v", p.ConfirmText, p.Err())
	}
}

// TestPlanBoundsRefuseSayingWhatIsWrong: a refusal says what is wrong and
// what is allowed, never a question answered "no".
func TestPlanBoundsRefuseSayingWhatIsWrong(t *testing.T) {
	lb := newFakeLB("edge-1", "edge-2", "edge-3")
	cases := []struct {
		runbook string
		params  map[string]string
		limits  Limits
		failed  string
	}{
		{"scale-up", map[string]string{"group": "web", "desired": "30"}, Limits{}, "refused: web desired 30 is outside the group's bounds 2..20"},
		{"scale-up", map[string]string{"group": "web", "desired": "12"}, Limits{MaxCapacity: map[string]int{"web": 10}}, "refused: web desired 12 is above the configured cap 10"},
		{"scale-up", map[string]string{"group": "web", "desired": "12"}, Limits{DefaultMaxCapacity: 8}, "refused: web desired 12 is above the configured cap 8"},
		{"throttle-tier", map[string]string{"percent": "80"}, Limits{}, "refused: throttle 80% is above the configured maximum 50%"},
		{"haproxy-rolling-restart", map[string]string{"batch": "2"}, Limits{}, "refused: batch 2 is above the configured maximum 1 (limits.rolling_batch_size)"},
		{"haproxy-rolling-restart", map[string]string{"batch": "3"}, Limits{MaxBatch: 5}, "refused: batch 3 would take all 3 servers of front/edges out of rotation; at most 2"},
	}
	for _, tc := range cases {
		scaler := webScaler()
		a := integrations.Actions{Scaler: scaler, LoadBalancer: lb}
		p, err := NewPlan(context.Background(), builtin(t, tc.runbook), tc.params, a, tc.limits)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Err(); err == nil || !strings.Contains(err.Error(), tc.failed) || strings.Contains(err.Error(), "?") {
			t.Errorf("%s %v: plan error %v, want %q", tc.runbook, tc.params, err, tc.failed)
		}
		if text := p.String(); !strings.Contains(text, "FAIL "+strings.TrimPrefix(tc.failed, "refused: ")) {
			t.Errorf("%s %v: plan does not mark the failed check:\n%s", tc.runbook, tc.params, text)
		}
		var rec integrationstest.Recorder
		report, err := Run(context.Background(), p, a, rec.Sink, RunOptions{Confirmed: true, Typed: p.ConfirmText, StateDir: t.TempDir()})
		if err == nil || report.Status != RunRefused {
			t.Errorf("%s: run %v, %v; want refused", tc.runbook, report.Status, err)
		}
		if w := append(scaler.all(), lb.all()...); len(w) > 0 {
			t.Errorf("%s: refused run sent %q", tc.runbook, w)
		}
	}
}

func TestPlanMissingCapability(t *testing.T) {
	p, err := NewPlan(context.Background(), builtin(t, "scale-up"), map[string]string{"group": "web", "desired": "12"}, integrations.Actions{}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "no Auto Scaling access is configured") {
		t.Fatalf("plan error = %v", err)
	}
}
