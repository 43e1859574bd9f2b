package runbooks

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mustParse(t *testing.T, yaml string) *Runbook {
	t.Helper()
	rb, err := Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return rb
}

// planAndRun plans rb and runs it confirmed, in a temporary state dir
// unless opts names one.
func planAndRun(t *testing.T, ctx context.Context, rb *Runbook, params map[string]string, a integrations.Actions, opts RunOptions) (*Report, *integrationstest.Recorder, error) {
	t.Helper()
	p, err := NewPlan(ctx, rb, params, a, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if opts.StateDir == "" {
		opts.StateDir = t.TempDir()
	}
	if !opts.Confirmed {
		opts.Confirmed, opts.Typed = true, p.ConfirmText
	}
	rec := &integrationstest.Recorder{}
	report, err := Run(ctx, p, a, rec.Sink, opts)
	return report, rec, err
}

func TestScaleUpRunRecordsEveryTransition(t *testing.T) {
	scaler := webScaler()
	scaler.catchUp = 8
	var states []StepState
	report, records, err := runBuiltin(t, context.Background(), "scale-up", map[string]string{"group": "web", "desired": "12"},
		integrations.Actions{Scaler: scaler}, Limits{}, RunOptions{Actor: "alice", Progress: func(s StepState) { states = append(states, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if report.Status != RunDone || report.Steps[0].Status != StepDone {
		t.Fatalf("report = %+v", report)
	}
	if got := scaler.all(); !slices.Equal(got, []string{"SetDesiredCapacity web 12"}) {
		t.Fatalf("writes = %q", got)
	}
	var kinds []string
	for _, r := range records {
		if r.Kind != integrations.KindRunbookStepProgress {
			kinds = append(kinds, r.Kind)
		}
		if r.Source != integrations.SourceRunbook || r.Actor != "alice" || r.Fields["run"] != report.RunID || r.Fields["runbook"] != "scale-up" {
			t.Errorf("record %+v lacks source, actor, run or runbook", r)
		}
	}
	want := []string{integrations.KindRunbookRequested, integrations.KindRunbookPlan, integrations.KindRunbookConfirmed, integrations.KindRunbookStepStart, integrations.KindRunbookStepEnd, integrations.KindRunbookDone}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds = %v, want %v", kinds, want)
	}
	if records[0].Fields["params"] != "desired=12 group=web" {
		t.Errorf("requested params = %q", records[0].Fields["params"])
	}
	if !strings.Contains(records[1].Text, "web desired 4 → 12 (max 20)") {
		t.Errorf("plan record = %q", records[1].Text)
	}
	end := records[len(records)-2]
	if end.Fields["result"] != "ok" || end.Fields["duration"] == "" || end.Fields["in_service"] != "12" {
		t.Errorf("step end fields = %v", end.Fields)
	}
	if first, last := states[0], states[len(states)-1]; first.Status != StepRunning || last.Status != StepDone || last.Elapsed <= 0 {
		t.Errorf("progress %+v … %+v", first, last)
	}
}

func TestDryRunSendsNoWrite(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]string
	}{
		{"scale-up", map[string]string{"group": "web", "desired": "12"}},
		{"throttle-tier", map[string]string{"percent": "30"}},
		{"lift-throttle", nil},
		{"haproxy-rolling-restart", nil},
		{"drain-server", map[string]string{"instance": "front", "backend": "edges", "server": "edge-1"}},
		{"restore-server", map[string]string{"instance": "front", "backend": "edges", "server": "edge-1"}},
		{"host-disk-check", map[string]string{"instance": "i-0abc"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			scaler, lb := webScaler(), newFakeLB("edge-1", "edge-2", "edge-3")
			cmds := &fakeCommands{writeLog: &writeLog{}}
			a := integrations.Actions{Scaler: scaler, LoadBalancer: lb, Commands: cmds, BoundedCommands: cmds}
			dir := t.TempDir()
			report, records, err := runBuiltin(t, context.Background(), tc.name, tc.params, a, Limits{}, RunOptions{DryRun: true, StateDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if report.Status != RunDryRun {
				t.Fatalf("status %s", report.Status)
			}
			for _, s := range report.Steps {
				if s.Status != StepSkipped {
					t.Errorf("step %s is %s", s.Name, s.Status)
				}
			}
			if w := slices.Concat(scaler.all(), lb.all(), cmds.all()); len(w) > 0 {
				t.Fatalf("dry run sent %q", w)
			}
			if _, err := os.Stat(filepath.Join(dir, "locks")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("dry run took a lock: %v", err)
			}
			if records[len(records)-1].Fields["status"] != "dry-run" {
				t.Errorf("last record = %+v", records[len(records)-1])
			}
		})
	}
}

const hangingRunbook = `name: hang
steps:
  - name: scale
    action: aws.scale_group
    timeout: 100ms
    args:
      group: web
      desired: 6
  - name: announce
    action: slack.post
    args:
      text: scaled
`

func TestHungStepIsCutAtItsTimeout(t *testing.T) {
	scaler := webScaler()
	scaler.hang = true
	chat := &fakeChat{&writeLog{}}
	report, rec, err := planAndRun(t, context.Background(), mustParse(t, hangingRunbook), nil, integrations.Actions{Scaler: scaler, Chat: chat}, RunOptions{})
	if err == nil || report.Status != RunFailed {
		t.Fatalf("run = %v, %v", report.Status, err)
	}
	if s := report.Steps[0]; s.Status != StepFailed || !strings.Contains(s.Err, "cut at its timeout of 100ms") {
		t.Fatalf("step 1 = %+v", s)
	}
	if s := report.Steps[1]; s.Status != StepSkipped {
		t.Fatalf("step 2 = %+v", s)
	}
	if len(chat.all()) > 0 {
		t.Fatal("the step after the hung one ran")
	}
	kinds := recordKinds(rec)
	if kinds[len(kinds)-1] != integrations.KindRunbookFailed {
		t.Fatalf("kinds = %v", kinds)
	}
}

// stubbornCommands ignores its context, like a client with no timeout.
type stubbornCommands struct{ release chan struct{} }

func (s stubbornCommands) RunCommand(context.Context, []string, string, int) ([]integrations.CommandResult, error) {
	<-s.release
	return nil, errors.New("released")
}

func TestStepIgnoringItsContextIsAbandoned(t *testing.T) {
	cmds := stubbornCommands{release: make(chan struct{})}
	defer close(cmds.release)
	rb := mustParse(t, "name: stuck\nsteps:\n  - action: aws.ssm_command\n    timeout: 50ms\n    args:\n      instances: [i-1]\n      command: uptime\n")
	report, _, err := planAndRun(t, context.Background(), rb, nil, integrations.Actions{Commands: cmds}, RunOptions{Grace: 50 * time.Millisecond})
	if err == nil || !strings.Contains(report.Steps[0].Err, "did not stop within 50ms and was abandoned") {
		t.Fatalf("run = %+v, %v", report.Steps[0], err)
	}
}

func TestBoundRecheckedBeforeSending(t *testing.T) {
	scaler := webScaler()
	a := integrations.Actions{Scaler: scaler}
	p, err := NewPlan(context.Background(), builtin(t, "scale-up"), map[string]string{"group": "web", "desired": "12"}, a, Limits{})
	if err != nil || p.Err() != nil {
		t.Fatal(err, p.Err())
	}
	scaler.groups["web"].Max = 10 // someone lowered the maximum after the plan
	report, err := Run(context.Background(), p, a, nil, RunOptions{Confirmed: true, StateDir: t.TempDir()})
	if err == nil || !strings.Contains(report.Steps[0].Err, "refused: web desired 12 is outside the group's bounds 2..10") {
		t.Fatalf("run = %+v, %v", report.Steps[0], err)
	}
	if len(scaler.all()) > 0 {
		t.Fatalf("sent %q", scaler.all())
	}
}

func TestConfirmationRequired(t *testing.T) {
	lb := newFakeLB("edge-1", "edge-2")
	a := integrations.Actions{LoadBalancer: lb}
	p, err := NewPlan(context.Background(), builtin(t, "throttle-tier"), map[string]string{"percent": "30"}, a, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []RunOptions{{}, {Confirmed: true, Typed: "premium"}} {
		opts.StateDir = t.TempDir()
		report, err := Run(context.Background(), p, a, nil, opts)
		if err == nil || report.Status != RunRefused || !strings.Contains(err.Error(), "not confirmed") {
			t.Errorf("%+v: %v, %v", opts, report.Status, err)
		}
	}
	if len(lb.all()) > 0 {
		t.Fatalf("unconfirmed run sent %q", lb.all())
	}
}

func TestPreconditionRefusesRun(t *testing.T) {
	scaler := newFakeScaler(integrations.Group{Name: "web", Desired: 20, Min: 2, Max: 20, InService: 20})
	report, _, err := runBuiltin(t, context.Background(), "scale-up", map[string]string{"group": "web", "desired": "12"}, integrations.Actions{Scaler: scaler}, Limits{}, RunOptions{})
	if err == nil || report.Status != RunRefused || !strings.Contains(err.Error(), "web desired 20 is already at its max 20") {
		t.Fatalf("run = %v, %v", report.Status, err)
	}
	if len(scaler.all()) > 0 {
		t.Fatalf("sent %q", scaler.all())
	}
}

func TestOnFailureContinue(t *testing.T) {
	rb := mustParse(t, `name: cont
steps:
  - name: check
    action: http.check
    on_failure: continue
    args:
      url: http://127.0.0.1:1/unreachable
  - name: announce
    action: slack.post
    args:
      text: still here
`)
	chat := &fakeChat{&writeLog{}}
	report, _, err := planAndRun(t, context.Background(), rb, nil, integrations.Actions{Chat: chat}, RunOptions{})
	if err == nil || report.Status != RunFailed || report.Steps[1].Status != StepDone {
		t.Fatalf("run = %+v, %v", report, err)
	}
	if got := chat.all(); !slices.Equal(got, []string{"Post still here"}) {
		t.Fatalf("chat = %q", got)
	}
}

// A parameter full of shell metacharacters arrives as plain data: verbatim
// in a chat message, and as one quoted word in a host command, which a real
// shell prints back unchanged without running anything.
func TestShellMetacharactersArriveAsData(t *testing.T) {
	dir := t.TempDir()
	canary := filepath.Join(dir, "PWNED")
	evil := `'; touch ` + canary + `; echo "$(touch ` + canary + `)" ` + "`touch " + canary + "`" + ` && exit 1 | \ ${HOME} *`
	rb := mustParse(t, `name: echo
params:
  - name: msg
    type: string
steps:
  - name: say
    action: slack.post
    args:
      text: "note: ${msg}"
  - name: echo
    action: aws.ssm_command
    mutates: false
    args:
      instances: [i-1]
      command: printf %s ${msg}
`)
	chat := &fakeChat{&writeLog{}}
	cmds := &fakeCommands{writeLog: &writeLog{}}
	_, _, err := planAndRun(t, context.Background(), rb, map[string]string{"msg": evil}, integrations.Actions{Chat: chat, Commands: cmds, BoundedCommands: cmds}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := chat.all(); !slices.Equal(got, []string{"Post note: " + evil}) {
		t.Fatalf("chat = %q", got)
	}
	out, err := exec.Command("/bin/sh", "-c", cmds.commands[0]).Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", cmds.commands[0], err)
	}
	if string(out) != evil {
		t.Fatalf("the shell printed %q, want %q", out, evil)
	}
	if _, err := os.Stat(canary); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the parameter ran as a command")
	}
}

func TestBadParameterChangesNothing(t *testing.T) {
	scaler := webScaler()
	for _, params := range []map[string]string{
		{"group": "web", "desired": "99999"},
		{"group": "web$(reboot)", "desired": "12"},
		{"group": "web"},
	} {
		if _, err := NewPlan(context.Background(), builtin(t, "scale-up"), params, integrations.Actions{Scaler: scaler}, Limits{}); err == nil {
			t.Errorf("%v: planned", params)
		}
	}
	if len(scaler.all()) > 0 {
		t.Fatalf("sent %q", scaler.all())
	}
}
