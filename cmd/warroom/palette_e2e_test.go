package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPaletteNamesARunbookThatFailedToLoad: a broken file in the runbook
// folder shows in the palette, with why, not only in a line on standard
// error that the screen paints over.
func TestPaletteNamesARunbookThatFailedToLoad(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	configDir, runbookDir := filepath.Join(dir, "config", "warroom"), filepath.Join(dir, "runbooks")
	for _, d := range []string{configDir, runbookDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(configDir, "config.yaml"), []byte("runbook_dir: "+runbookDir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(runbookDir, "broken.yaml"), []byte("name: broken\nsteps: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	term := startTerminal(t, 120, 40, fmt.Sprintf("env XDG_CONFIG_HOME=%s TERM=xterm-256color %s --state-dir %s; sleep 60",
		filepath.Join(dir, "config"), bin, filepath.Join(dir, "state")))
	term.waitScreen(10*time.Second, "DRILL")
	term.tmux("send-keys", "-t", "e2e", "r")
	term.waitScreen(5*time.Second, "runbook ▸", "scale-up", "✗ not loaded", "broken.yaml")
	term.tmux("send-keys", "-t", "e2e", "Escape")
	term.waitScreen(5*time.Second, "Timeline")
	term.tmux("send-keys", "-t", "e2e", "q")
}
