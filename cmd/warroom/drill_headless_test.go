package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHeadlessDrillScoresThePlanAndRecordsIt: --show-plan prints a plan
// --plan loads; the headless run mitigates with it and not without, gives
// byte-identical JSON for the same seed and plan, records each run as an
// incident of its own with the scorecard on its timeline, and points at a
// plan's mistakes by line and column.
func TestHeadlessDrillScoresThePlanAndRecordsIt(t *testing.T) {
	bin := buildBinary(t)
	state := filepath.Join(t.TempDir(), "state")
	shown := runCLI(t, bin, state, "drill", "stale-slots", "--show-plan")
	if shown.code != 0 || !strings.Contains(shown.stdout, "runbook: haproxy-rolling-restart") {
		t.Fatalf("--show-plan: exit %d\n%s%s", shown.code, shown.stdout, shown.stderr)
	}
	plan := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(plan, []byte(shown.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	a := runCLI(t, bin, state, "drill", "stale-slots", "--headless", "--plan", plan, "--seed", "3", "--format", "json")
	b := runCLI(t, bin, state, "drill", "stale-slots", "--headless", "--plan", plan, "--seed", "3", "--format", "json")
	if a.code != 0 || b.code != 0 {
		t.Fatalf("headless: exit %d/%d\n%s\n%s", a.code, b.code, a.stderr, b.stderr)
	}
	if a.stdout != b.stdout {
		t.Errorf("same seed and plan, different JSON:\n%s\n%s", a.stdout, b.stdout)
	}
	for _, want := range []string{`"mitigated": true`, `"effect": "helped"`, `"reference_time_to_mitigate_s": 10800`} {
		if !strings.Contains(a.stdout, want) {
			t.Errorf("scorecard lacks %s:\n%s", want, a.stdout)
		}
	}
	none := runCLI(t, bin, state, "drill", "stale-slots", "--headless")
	if none.code != 0 || !strings.Contains(none.stdout, "not mitigated within 2h00m") {
		t.Errorf("no plan: exit %d\n%s%s", none.code, none.stdout, none.stderr)
	}
	incidents, _ := filepath.Glob(filepath.Join(state, "incidents", "drill-stale-slots-*"))
	if len(incidents) != 3 {
		entries, _ := os.ReadDir(state)
		t.Errorf("three runs made %d incidents (%v; state holds %v)", len(incidents), incidents, entries)
	}
	id := strings.TrimSpace(strings.TrimPrefix(none.stderr, "warroom: drill recorded as incident "))
	shownTL := runCLI(t, bin, state, "timeline", "show", "--incident", id)
	if !strings.Contains(shownTL.stdout, "score 0/100") {
		t.Errorf("the scorecard is not on the incident's timeline:\n%s%s", shownTL.stdout, shownTL.stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("- at: 2m\n  runbok: scale-up\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if run := runCLI(t, bin, state, "drill", "stale-slots", "--headless", "--plan", bad); run.code == 0 || !strings.Contains(run.stderr, bad+`:2:3: unknown key "runbok"`) {
		t.Errorf("a bad plan: exit %d\n%s", run.code, run.stderr)
	}
}
