package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runRunbookByKeys runs a runbook from the palette as a person would: r,
// its name, enter; each parameter typed into its field in order (an empty
// value keeps the field's default), enter to plan; y and the confirmation
// text for a mutating one, enter for a read; then it waits for the run to
// finish done and closes the panel.
func (s e2eSession) runRunbookByKeys(name string, values []string, confirm string) {
	s.t.Helper()
	s.keys("r")
	s.waitScreen(5*time.Second, "runbook ▸")
	s.typeText(name)
	s.waitScreen(5*time.Second, "▸ "+name)
	s.keys("Enter")
	s.waitScreen(5*time.Second, "Runbook "+name+" › parameters")
	for i, v := range values {
		if i > 0 {
			s.keys("Down")
		}
		if v != "" {
			s.typeText(v)
			s.waitScreen(5*time.Second, v)
		}
	}
	s.keys("Enter")
	if confirm == "" {
		s.waitScreen(10*time.Second, "Read-only. enter to run")
		s.keys("Enter")
	} else {
		s.waitScreen(10*time.Second, "y, then type "+confirm)
		s.keys("y")
		s.waitScreen(5*time.Second, "type "+confirm+" and press enter to run")
		s.typeText(confirm)
		s.keys("Enter")
	}
	s.waitScreen(20*time.Second, "✓ done in")
	s.keys("Enter")
	s.waitScreen(5*time.Second, "╭━ Alerts")
}

// TestDiskFullDrillPlayedByKeysToAScorecard plays the disk-full drill on
// the real binary by keys, the real recovery: the disk check, the log
// cleanup and the service restart, each from the runbook palette. The
// world publishes its end once the site has stayed back for the
// scenario's stable time (drill.ended, on the Timeline pane); the
// application then scores it, the responder's actions replayed on the same
// seed, and the screen shows the card: mitigated, the real incident's time
// beside it, every step taken. Quitting prints it again and records no
// second one.
func TestDiskFullDrillPlayedByKeysToAScorecard(t *testing.T) {
	const host = "i-0f3a9e51c2d4b7a60" // disk-full's front-end host
	bin := buildBinary(t)
	dir := t.TempDir()
	s := e2eSession{bin: bin, stateDir: filepath.Join(dir, "state"), exitFile: filepath.Join(dir, "exit")}
	s.terminal = startTerminal(t, 120, 40, fmt.Sprintf("env XDG_CONFIG_HOME=%s TERM=xterm-256color %s drill disk-full --speed 40 --seed 5 --state-dir %s; echo $? > %s; sleep 60",
		filepath.Join(dir, "config"), bin, s.stateDir, s.exitFile))
	s.waitScreen(15*time.Second, "DRILL", "╭━ Alerts")
	s.keys("3")
	s.waitScreen(15*time.Second, "The site is down for me")
	s.keys("1")
	s.waitScreen(5*time.Second, "╭━ Alerts")

	s.runRunbookByKeys("host-disk-check", []string{host, ""}, "")
	s.runRunbookByKeys("host-log-cleanup", []string{host, "", ""}, host)
	s.runRunbookByKeys("host-service-restart", []string{host, "pm2-deploy"}, "pm2-deploy")

	// The site back for ten scenario minutes (15 s at this speed): the
	// drill's end is on the timeline.
	s.keys("4")
	s.waitScreen(60*time.Second, "╭━ Timeline", "drill ended: mitigated since")
	// The application scores it at its end, and the screen shows the card
	// as it was recorded, before anyone quits.
	s.waitScreen(60*time.Second, "Drill scorecard  (your actions replayed on the same seed)", "esc close",
		"mitigated after ", "(the real incident: 0h19m)", "host-service-restart instance="+host)
	t.Logf("the scorecard on screen:\n%s", s.screen())
	s.keys("Escape")
	s.waitGone(5*time.Second, "esc close")

	s.keys("q")
	s.waitScreen(30*time.Second, "Drill scorecard (your actions replayed on the same seed):",
		"scenario disk-full (seed 5): score ", "mitigated after ", "(the real incident: 0h19m)",
		"host-disk-check instance="+host, "host-log-cleanup instance="+host, "host-service-restart instance="+host)
	screen := s.screen()
	t.Logf("after quitting:\n%s", screen)
	if strings.Contains(screen, "steps of the real recovery not taken") || strings.Contains(screen, "not mitigated") {
		t.Fatalf("the scorecard says the recovery was not taken in full:\n%s", screen)
	}
	for _, line := range strings.Split(screen, "\n") {
		if strings.Contains(line, "instance="+host) && !strings.Contains(line, " done ") {
			t.Errorf("a recovery step did not run: %q", line)
		}
	}
	code, err := os.ReadFile(s.exitFile)
	if err != nil || strings.TrimSpace(string(code)) != "0" {
		t.Fatalf("warroom exited with %q (%v)", code, err)
	}
	// The scorecard is on the incident's timeline, so in its export.
	files, _ := filepath.Glob(filepath.Join(s.stateDir, "incidents", "*", "timeline.jsonl"))
	if len(files) != 1 {
		t.Fatalf("want one timeline under %s, found %v", s.stateDir, files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[string]int{`"kind":"drill.ended"`: 1, `"kind":"drill.scorecard"`: 1} {
		if n := strings.Count(string(data), kind); n != want {
			t.Errorf("the timeline holds %d %s entries, want %d", n, kind, want)
		}
	}
}

// waitGone waits until the screen no longer shows text.
func (term terminal) waitGone(deadline time.Duration, text string) {
	term.t.Helper()
	for end := time.Now().Add(deadline); strings.Contains(term.screen(), text); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			term.t.Fatalf("the screen still shows %q:\n%s", text, term.screen())
		}
	}
}
