package runbooks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/warroomhq/warroom/integrations"
)

func TestRunTimeoutCutsTheRun(t *testing.T) {
	rb := mustParse(t, "name: slow\ntimeout: 100ms\nsteps:\n  - action: wait\n    args:\n      duration: 1h\n  - action: wait\n    args:\n      duration: 1s\n")
	report, rec, err := planAndRun(t, context.Background(), rb, nil, integrations.Actions{}, RunOptions{})
	if err == nil || report.Status != RunFailed || !strings.Contains(report.Steps[0].Err, "the run's timeout of 100ms passed") {
		t.Fatalf("run = %v %+v, %v", report.Status, report.Steps[0], err)
	}
	if report.Steps[1].Status != StepSkipped {
		t.Fatalf("step 2 = %+v", report.Steps[1])
	}
	if kinds := recordKinds(rec); kinds[len(kinds)-1] != integrations.KindRunbookFailed {
		t.Fatalf("kinds = %v", kinds)
	}
}

func TestScaleReportsFailedLaunchesWhileWaiting(t *testing.T) {
	scaler := webScaler()
	scaler.launchFailure = "InsufficientInstanceCapacity"
	rb := mustParse(t, "name: s\nsteps:\n  - action: aws.scale_group\n    timeout: 100ms\n    args:\n      group: web\n      desired: 12\n      poll: 10ms\n")
	report, rec, err := planAndRun(t, context.Background(), rb, nil, integrations.Actions{Scaler: scaler}, RunOptions{})
	if err == nil || !strings.Contains(report.Steps[0].Err, "web desired is 12 but only 4 in service when the step ended: cut at its timeout of 100ms") {
		t.Fatalf("run = %+v, %v", report.Steps[0], err)
	}
	seen := false
	for _, r := range rec.Records("") {
		seen = seen || r.Kind == integrations.KindRunbookStepProgress && strings.Contains(r.Text, "launch failed: InsufficientInstanceCapacity")
	}
	if !seen {
		t.Fatal("no progress record showed the failed launch")
	}
}

func TestCommandOutputIsBoundedAndFailuresNamed(t *testing.T) {
	cmds := &fakeCommands{writeLog: &writeLog{}, output: strings.Repeat("x", 10000), failOn: "i-2"}
	rb := mustParse(t, "name: c\nsteps:\n  - action: aws.ssm_command\n    mutates: false\n    args:\n      instances: [i-1, i-2]\n      command: df -h\n      max_output: 100\n")
	report, rec, err := planAndRun(t, context.Background(), rb, nil, integrations.Actions{Commands: cmds, BoundedCommands: cmds}, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "command failed on i-2 Failed exit 1") {
		t.Fatalf("run = %v", err)
	}
	out := report.Steps[0].Result.Output
	if !strings.Contains(out, "== i-1: Success (exit 0)\n"+strings.Repeat("x", 100)+"\n") || len(out) > 400 {
		t.Fatalf("output (%d bytes) = %q", len(out), out)
	}
	for _, r := range rec.Records("") {
		if len(r.Fields["output"]) > DefaultMaxOutput+64 {
			t.Fatalf("record output is %d bytes", len(r.Fields["output"]))
		}
	}
}

func TestCommandOnGroupInstances(t *testing.T) {
	scaler := newFakeScaler(integrations.Group{Name: "web", Desired: 2, Max: 4, InService: 2, Instances: []integrations.Instance{
		{ID: "i-1", Lifecycle: integrations.LifecycleInService}, {ID: "i-2", Lifecycle: integrations.LifecyclePending}, {ID: "i-3", Lifecycle: integrations.LifecycleInService},
	}})
	cmds := &fakeCommands{writeLog: &writeLog{}, output: "ok"}
	rb := mustParse(t, "name: c\nsteps:\n  - action: aws.ssm_command\n    args:\n      group: web\n      command: systemctl restart app\n")
	p, err := NewPlan(context.Background(), rb, nil, integrations.Actions{Scaler: scaler, Commands: cmds, BoundedCommands: cmds}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Lines(), "\n"); got != "run on i-1, i-3: systemctl restart app\nat most 1 host(s) at a time; sent to no further host after the first failure" {
		t.Fatalf("plan = %q", got)
	}
	if !p.Mutates || strings.Join(p.Targets, ",") != "host:i-1,host:i-3" {
		t.Fatalf("mutates %v targets %v", p.Mutates, p.Targets)
	}
}

func TestHTTPCheckAsPreconditionAndStep(t *testing.T) {
	var healthy atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("status: green"))
	}))
	defer srv.Close()
	rb := mustParse(t, `name: h
params:
  - name: url
    type: string
preconditions:
  - name: site answers
    action: http.check
    args:
      url: ${url}
steps:
  - action: http.check
    args:
      url: ${url}
      contains: green
`)
	params := map[string]string{"url": srv.URL + "/health"}
	p, err := NewPlan(context.Background(), rb, params, integrations.Actions{}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "site answers: GET "+srv.URL+"/health answered 503, want 200") {
		t.Fatalf("plan error = %v", err)
	}
	healthy.Store(true)
	report, _, err := planAndRun(t, context.Background(), rb, params, integrations.Actions{}, RunOptions{})
	if err != nil || report.Steps[0].Result.Summary != "GET "+srv.URL+"/health answered 200" {
		t.Fatalf("run = %+v, %v", report.Steps[0], err)
	}
	p, err = NewPlan(context.Background(), rb, map[string]string{"url": "file:///etc/passwd"}, integrations.Actions{}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), `url "file:///etc/passwd": want an absolute http or https URL`) {
		t.Fatalf("plan error = %v", err)
	}
}

func TestDrainAndRestoreServer(t *testing.T) {
	lb := edges()
	lb.sessionsPerCut = 12
	server := map[string]string{"instance": "front", "backend": "edges", "server": "edge-2"}
	report, _, err := runBuiltin(t, context.Background(), "drain-server", server, integrations.Actions{LoadBalancer: lb}, Limits{}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := report.Steps[0].Result.Summary; got != "front edges/edge-2 UP → DRAIN, 0 sessions left" {
		t.Fatalf("drain = %q", got)
	}
	report, _, err = runBuiltin(t, context.Background(), "restore-server", server, integrations.Actions{LoadBalancer: lb}, Limits{}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := report.Steps[0].Result.Summary; got != "front edges/edge-2 DRAIN → UP" || lb.upstreamState("edge-2") != integrations.ServerUp {
		t.Fatalf("restore = %q", got)
	}
	_, _, err = runBuiltin(t, context.Background(), "drain-server", map[string]string{"instance": "front", "backend": "edges", "server": "edge-9"}, integrations.Actions{LoadBalancer: lb}, Limits{}, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "front has no server edges/edge-9") {
		t.Fatalf("drain of an unknown server = %v", err)
	}
}

// Every registered action is complete, and each argument's default has
// the type its kind promises (a wrong one would only fail mid-incident).
func TestRegistryIsComplete(t *testing.T) {
	var names []string
	for _, a := range Registry() {
		names = append(names, a.Name)
		if a.Summary == "" || a.Plan == nil || a.Execute == nil || a.Timeout <= 0 {
			t.Errorf("%s is incomplete", a.Name)
		}
		for _, s := range a.Args {
			if s.Default == nil {
				continue
			}
			if _, err := s.convert(s.Default); err != nil {
				t.Errorf("%s: default of %s: %v", a.Name, s.Name, err)
			}
		}
		if got, ok := LookupAction(a.Name); !ok || got != a {
			t.Errorf("LookupAction(%s) = %v, %v", a.Name, got, ok)
		}
	}
	want := "aws.group_check aws.scale_group aws.ssm_command haproxy.rolling_reload haproxy.server_state haproxy.shed haproxy.throttle http.check pagerduty.note proxysql.replica_status slack.post wait"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("registry = %s", got)
	}
}

// frontAndEdges is a fleet whose front is configured too but carries no
// throttle, as in the stale-slot incident's topology.
type frontAndEdges struct{ *fakeLB }

func (f frontAndEdges) Instances() []string {
	return append([]string{"front"}, f.fakeLB.Instances()...)
}

func TestThrottleAppliesOnlyWhereTheThrottleIs(t *testing.T) {
	lb := frontAndEdges{newFakeLB("edge-1", "edge-2")}
	got, err := throttleInstances(lb, nil)
	if err != nil || strings.Join(got, ",") != "edge-1,edge-2" {
		t.Fatalf("default instances %v, %v; want the edges only (a throttle on the front too would compound)", got, err)
	}
	if _, err := throttleInstances(lb, []string{"front"}); err == nil || !strings.Contains(err.Error(), "carries no throttle") {
		t.Fatalf("naming the front: %v", err)
	}
}
