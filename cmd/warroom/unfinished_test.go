package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// TestKilledRunIsReportedByTheNextOne: a `warroom runbook run` killed
// mid-step (as a crash or a dropped SSH connection past its grace leaves
// it) holds its lock; the next run says what was left unfinished, in its
// output and on its timeline.
func TestKilledRunIsReportedByTheNextOne(t *testing.T) {
	bin := buildBinary(t)
	stateDir := filepath.Join(t.TempDir(), "state")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	first := exec.CommandContext(ctx, bin, "--state-dir", stateDir, "runbook", "run", "scale-up", "--drill",
		"--param", "group=web", "--param", "desired=20", "--yes")
	first.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "WARROOM_STATE_DIR=", "NO_COLOR=1")
	out, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() && !strings.Contains(lines.Text(), "web desired 4 → 20; in service") {
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()

	next := runCLI(t, bin, stateDir, "runbook", "run", "lift-throttle", "--drill", "--yes")
	if next.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", next.code, next.stdout, next.stderr)
	}
	if !strings.Contains(next.stdout, "LEFT UNFINISHED: run ") || !strings.Contains(next.stdout, "of scale-up by ") ||
		!strings.Contains(next.stdout, "held locks on aws:web") {
		t.Errorf("output does not report the killed run:\n%s", next.stdout)
	}
	files, _ := filepath.Glob(filepath.Join(stateDir, "incidents", "*", timeline.FileName))
	reported := 0
	for _, f := range files {
		entries, err := timeline.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		reported += countKind(entries, integrations.KindRunbookUnfinished)
	}
	if reported != 1 {
		t.Errorf("%d runbook.unfinished entries, want 1", reported)
	}
	if again := runCLI(t, bin, stateDir, "runbook", "run", "lift-throttle", "--drill", "--yes"); strings.Contains(again.stdout, "LEFT UNFINISHED") {
		t.Errorf("reported a second time:\n%s", again.stdout)
	}
}
