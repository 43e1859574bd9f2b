package runbooks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

func TestHostServiceRestartRunsOneHostAtATimeWithTypedConfirmation(t *testing.T) {
	cmds := &fakeCommands{writeLog: &writeLog{}, output: "active\n"}
	actions := integrations.Actions{Commands: cmds, BoundedCommands: cmds}
	cat, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := cat.Lookup("host-service-restart")
	plan, err := NewPlan(context.Background(), rb, map[string]string{"instance": "i-1", "service": "app"}, actions, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Mutates || !plan.Dangerous || plan.ConfirmText != "app" {
		t.Fatalf("mutates %v dangerous %v confirm %q", plan.Mutates, plan.Dangerous, plan.ConfirmText)
	}
	if _, err := Run(context.Background(), plan, actions, nil, RunOptions{Confirmed: true, Typed: "ap", StateDir: t.TempDir()}); err == nil {
		t.Fatal("ran with the wrong text typed")
	}
	if w := cmds.all(); len(w) != 0 {
		t.Fatalf("sent %v before confirmation", w)
	}
	report, _, err := runBuiltin(t, context.Background(), "host-service-restart", map[string]string{"instance": "i-1", "service": "app"}, actions, Limits{}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cmds.all(), "; "); got != "bounds 1/0; RunCommand i-1" {
		t.Errorf("writes %q, want the command bounded to one host and no error", got)
	}
	if !strings.Contains(cmds.commands[0], "systemctl restart 'app' && sleep 3 && systemctl is-active 'app'") {
		t.Errorf("command %q", cmds.commands[0])
	}
	if out := report.Steps[0].Result.Output; !strings.Contains(out, "== i-1: Success (exit 0)\nactive\n") {
		t.Errorf("output shown in the run: %q", out)
	}
}

func TestClearStuckJobRefusesShellMetacharacters(t *testing.T) {
	cmds := &fakeCommands{writeLog: &writeLog{}}
	cat, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := cat.Lookup("clear-stuck-job")
	for _, params := range []map[string]string{
		{"instance": "i-1", "job": "prov;reboot", "lock": "/var/lock/prov.lock"},
		{"instance": "i-1", "job": "$(reboot)", "lock": "/var/lock/prov.lock"},
		{"instance": "i-1", "job": "provisioner", "lock": "/var/lock/../../etc/passwd"},
		{"instance": "i-1", "job": "provisioner", "lock": "/etc/passwd"},
		{"instance": "i-1 i-2", "job": "provisioner", "lock": "/var/lock/prov.lock"},
	} {
		if _, err := NewPlan(context.Background(), rb, params, integrations.Actions{Commands: cmds, BoundedCommands: cmds}, Limits{}); err == nil {
			t.Errorf("planned with %v", params)
		}
	}
	_, _, err = runBuiltin(t, context.Background(), "clear-stuck-job", map[string]string{"instance": "i-1", "job": "provisioner", "lock": "/var/lock/provisioner.lock"},
		integrations.Actions{Commands: cmds, BoundedCommands: cmds}, Limits{}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cmd := cmds.commands[0]
	for _, want := range []string{"pgrep -x -- 'provisioner'", "kill $pids", "kill -9 $left", "rm -f -- '/var/lock/provisioner.lock'"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("command lacks %q:\n%s", want, cmd)
		}
	}
}

func TestCommandOnManyHostsRefusedWhenTheRunnerCannotBoundIt(t *testing.T) {
	cmds := &fakeCommands{writeLog: &writeLog{}, output: "ok"}
	rb := mustParse(t, "name: c\nsteps:\n  - action: aws.ssm_command\n    args:\n      instances: [i-1, i-2]\n      command: systemctl restart app\n")
	_, _, err := planAndRun(t, context.Background(), rb, nil, integrations.Actions{Commands: cmds} /* no BoundedCommands slot */, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "cannot bound how many of the 2 hosts run at once") {
		t.Fatalf("run = %v", err)
	}
	if w := cmds.all(); len(w) != 0 {
		t.Errorf("sent %v", w)
	}
	rb = mustParse(t, "name: c\nsteps:\n  - action: aws.ssm_command\n    args:\n      instances: [i-1, i-2]\n      command: systemctl restart app\n      max_concurrency: 2\n      max_errors: 1\n")
	if _, _, err := planAndRun(t, context.Background(), rb, nil, integrations.Actions{Commands: cmds, BoundedCommands: cmds}, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cmds.all(), "; "); got != "bounds 2/1; RunCommand i-1,i-2" {
		t.Errorf("writes %q", got)
	}
}

// The command clear-stuck-job sends, run here by sh on a real process
// named like a job and a real lock file: it stops the one and removes the
// other.
func TestClearStuckJobCommandStopsTheProcessAndRemovesItsLock(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "stuck-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	data, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	job := fmt.Sprintf("wrjob%d", os.Getpid()%100000)
	bin := filepath.Join(dir, job)
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	proc := exec.Command(bin, "120")
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- proc.Wait() }()
	defer proc.Process.Kill()
	lock := filepath.Join(dir, "job.lock")
	if err := os.WriteFile(lock, []byte("locked\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmds := &fakeCommands{writeLog: &writeLog{}}
	if _, _, err := runBuiltin(t, context.Background(), "clear-stuck-job", map[string]string{"instance": "i-1", "job": job, "lock": lock},
		integrations.Actions{Commands: cmds, BoundedCommands: cmds}, Limits{}, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("sh", "-c", cmds.commands[0]).CombinedOutput()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, out)
	}
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("the job still runs:\n%s", out)
	}
	if _, err := os.Stat(lock); !os.IsNotExist(err) {
		t.Errorf("lock still there (%v):\n%s", err, out)
	}
	if !strings.Contains(string(out), "removed lock "+lock) || !strings.Contains(string(out), job+" 120") {
		t.Errorf("output does not show the job and the lock:\n%s", out)
	}
}

// host-log-cleanup's command deletes old rotated logs and keeps the live
// ones, run here by sh on a real directory.
func TestHostLogCleanupCommandDeletesOnlyOldRotatedLogs(t *testing.T) {
	cmds := &fakeCommands{writeLog: &writeLog{}}
	if _, _, err := runBuiltin(t, context.Background(), "host-log-cleanup", map[string]string{"instance": "i-1", "path": "/var/log/app", "older_than_days": "3"},
		integrations.Actions{Commands: cmds, BoundedCommands: cmds}, Limits{}, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	old := time.Now().Add(-10 * 24 * time.Hour)
	files := map[string]bool{"app.log": false, "app.log.1": true, "app.log.2.gz": true, "fresh.log.1": false}
	for name := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if name != "fresh.log.1" {
			os.Chtimes(p, old, old)
		}
	}
	cmd := strings.ReplaceAll(cmds.commands[0], "'/var/log/app'", shellQuote(dir))
	out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, out)
	}
	for name, gone := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone != os.IsNotExist(err) {
			t.Errorf("%s: deleted %v, want %v\n%s", name, os.IsNotExist(err), gone, out)
		}
	}
}
