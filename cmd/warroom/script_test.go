package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/internal/timelinetest"
	"github.com/warroomhq/warroom/runbooks"
)

// cliRun is one finished run of the warroom binary.
type cliRun struct {
	stdout, stderr string
	code           int
}

// runCLI runs the binary the way a script would: no terminal, nothing on
// stdin, no configuration (an empty XDG_CONFIG_HOME) and its own state
// directory. A hung binary is killed after a minute so the test fails
// instead of waiting forever.
func runCLI(t *testing.T, bin, stateDir string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--state-dir", stateDir}, args...)...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "WARROOM_STATE_DIR=", "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("warroom %s did not finish within a minute\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), &stdout, &stderr)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("warroom %s: %v", strings.Join(args, " "), err)
	}
	return cliRun{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

// TestRunbookFromScript drives `warroom runbook` as a shell script would,
// through the real binary.
func TestRunbookFromScript(t *testing.T) {
	bin := buildBinary(t)

	t.Run("scale-up on the drill", func(t *testing.T) {
		t.Parallel()
		stateDir := filepath.Join(t.TempDir(), "state")
		run := runCLI(t, bin, stateDir, "runbook", "run", "scale-up", "--drill",
			"--param", "group=web", "--param", "desired=12", "--yes")
		if run.code != 0 {
			t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", run.code, run.stdout, run.stderr)
		}
		for _, want := range []string{
			"web desired 4 → 12 (max 20)",         // the plan
			"[1] scale (aws.scale_group) running", // the step starting
			"web desired 4 → 12, 12 in service",   // its result
			"scale-up: done in",                   // the run's outcome
		} {
			if !strings.Contains(run.stdout, want) {
				t.Errorf("progress lacks %q:\n%s", want, run.stdout)
			}
		}
		if run.stderr != "" {
			t.Errorf("unexpected stderr:\n%s", run.stderr)
		}

		entries := stateTimeline(t, stateDir)
		order := []string{integrations.KindRunbookRequested, integrations.KindRunbookPlan, integrations.KindRunbookConfirmed,
			integrations.KindRunbookStepStart, integrations.KindRunbookStepEnd, integrations.KindRunbookDone}
		at := map[string]int{}
		for i, kind := range order {
			if n := countKind(entries, kind); n != 1 {
				t.Fatalf("want one %s record, found %d", kind, n)
			}
			at[kind] = firstOfKind(entries, kind)
			if i > 0 && at[kind] < at[order[i-1]] {
				t.Errorf("%s (line %d) recorded before %s (line %d)", kind, at[kind]+1, order[i-1], at[order[i-1]]+1)
			}
		}
		if n := countKind(entries, integrations.KindRunbookFailed); n != 0 {
			t.Errorf("%d runbook.failed records on a run that succeeded", n)
		}
		end := entries[at[integrations.KindRunbookStepEnd]]
		if f := end.Fields; f["result"] != "ok" || f["from"] != "4" || f["desired"] != "12" || f["in_service"] != "12" {
			t.Errorf("step end fields = %v", f)
		}

		// The drill's own records of the effect: the desired capacity
		// moving 4 → 12, then each of the eight new instances coming into
		// service, all after the step started.
		desired := -1
		launched := map[string]bool{}
		for i, e := range entries {
			if e.Kind != "fleet.change" || e.Source != "aws" || e.Fields["group"] != "web" {
				continue
			}
			switch {
			case e.Fields["from"] == "4" && e.Fields["to"] == "12":
				desired = i
			case e.Fields["instance"] != "" && strings.Contains(e.Text, "in service"):
				launched[e.Fields["instance"]] = true
				if i < at[integrations.KindRunbookStepStart] {
					t.Errorf("instance in service before the step started: %s", e.Text)
				}
			}
		}
		if desired < at[integrations.KindRunbookStepStart] || desired > at[integrations.KindRunbookDone] {
			t.Errorf("the drill's desired 4 → 12 record is at line %d, want between the step start (%d) and the run's end (%d)",
				desired+1, at[integrations.KindRunbookStepStart]+1, at[integrations.KindRunbookDone]+1)
		}
		if len(launched) != 8 {
			t.Errorf("want 8 new web instances in service on the timeline, found %d: %v", len(launched), launched)
		}
	})

	// A value a shell would act on; it must be refused as data.
	const shellish = "web; rm -rf / $(reboot) `id` | tee x && echo '\"\n"
	// Each bad input exits non-zero with a message naming the problem,
	// and nothing runs: no step starts and the drill's web group keeps
	// its desired capacity.
	bad := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown runbook", []string{"no-such-runbook", "--param", "group=web"},
			`no runbook named "no-such-runbook" (have `},
		{"missing param", []string{"scale-up", "--param", "group=web"},
			"scale-up: parameter desired is required (int 1..1000)"},
		{"beyond the group's max", []string{"scale-up", "--param", "group=web", "--param", "desired=999"},
			"refused: web desired 999 is outside the group's bounds 4..20"},
		{"refused plan, dry run", []string{"scale-up", "--param", "group=web", "--param", "desired=999", "--dry-run"},
			"refused: web desired 999 is outside the group's bounds 4..20"},
		{"shell metacharacters", []string{"scale-up", "--param", "group=" + shellish, "--param", "desired=12"},
			"scale-up: parameter group: " + strconv.Quote(shellish) + " does not match the pattern"},
		{"not a number", []string{"scale-up", "--param", "group=web", "--param", "desired=12; reboot"},
			`parameter desired: want an integer, got "12; reboot"`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stateDir := filepath.Join(t.TempDir(), "state")
			run := runCLI(t, bin, stateDir, append([]string{"runbook", "run"}, append(tc.args, "--drill", "--yes")...)...)
			if run.code == 0 {
				t.Fatalf("exit status 0, want failure\nstdout:\n%s", run.stdout)
			}
			if !strings.Contains(run.stderr, tc.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", run.stderr, tc.stderr)
			}
			entries := stateTimeline(t, stateDir)
			if n := countKind(entries, integrations.KindRunbookStepStart); n != 0 {
				t.Errorf("%d steps started", n)
			}
			for _, e := range entries {
				if e.Kind == "fleet.change" && e.Fields["to"] != "" {
					t.Errorf("the drill changed: %s", e.Text)
				}
			}
			if strings.Contains(run.stdout, "] scale (") {
				t.Errorf("a step ran:\n%s", run.stdout)
			}
			// A refusal that reached the executor is on the timeline as one.
			if i := firstOfKind(entries, integrations.KindRunbookRequested); i >= 0 {
				if j := firstOfKind(entries, integrations.KindRunbookFailed); j < i || entries[j].Fields["status"] != string(runbooks.RunRefused) {
					t.Errorf("run requested but not recorded as refused: %+v", entries)
				}
			}
		})
	}

	t.Run("validate a malformed file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		good := filepath.Join(dir, "good.yaml")
		broken := filepath.Join(dir, "broken.yaml")
		unknown := filepath.Join(dir, "unknown.yaml")
		files := map[string]string{
			good:    "name: pause\nsteps:\n  - name: wait a bit\n    action: wait\n    args: {duration: 1s}\n",
			broken:  "name: broken\nsteps:\n  - name: scale\n    action: aws.scale_group\n    args: {group: web, desired: [1\n",
			unknown: "name: unknown\nsteps:\n  - name: x\n    action: no.such_action\n",
		}
		for path, body := range files {
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		run := runCLI(t, bin, filepath.Join(dir, "state"), "runbook", "validate", good, broken, unknown)
		if run.code == 0 {
			t.Fatalf("exit status 0 for malformed runbooks\nstdout:\n%s", run.stdout)
		}
		if !strings.Contains(run.stdout, good+": ok (pause, 1 steps)") {
			t.Errorf("stdout = %q, want the good file reported ok", run.stdout)
		}
		for _, want := range []string{
			broken + ":5:33: ",
			unknown + ":4:13: unknown action \"no.such_action\": want one of ",
			"2 of 3 runbook files are invalid",
		} {
			if !strings.Contains(run.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, run.stderr)
			}
		}
	})
}

// The timeline readers the tests share with the application's.
var (
	waitTimeline  = timelinetest.Wait
	stateTimeline = timelinetest.StateTimeline
	firstOfKind   = timelinetest.FirstOfKind
	countKind     = timelinetest.CountKind
)
