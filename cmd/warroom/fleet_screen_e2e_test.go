package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScreenShowsRatesTheOddOneOutAndTheChart runs the real binary on the
// stale-slots drill at 120x40: the Fleet pane gives every edge its
// requests/s, 5xx/s and error % with a scaled trend, flags edge-3 as the
// odd one out with the reason, the drill-in lists its frontend, backend
// and servers with their own figures, and v opens the chart with its
// scales; the header says how bad it is.
func TestScreenShowsRatesTheOddOneOutAndTheChart(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	term := startTerminal(t, 120, 40, fmt.Sprintf("env XDG_CONFIG_HOME=%s TERM=xterm-256color %s drill stale-slots --speed 5 --state-dir %s; sleep 60",
		filepath.Join(dir, "config"), bin, filepath.Join(dir, "state")))
	term.waitScreen(15*time.Second, "DRILL", "5xx ")
	term.tmux("send-keys", "-t", "e2e", "2")
	term.waitScreen(15*time.Second, "REQ/S", "5XX/S", "ERR TREND", "peak", "⚠ odd one out edge-3/web: error")
	// Down to edge-3's row, wherever the instances' order puts it: each
	// press is drawn before the next look.
	for range 8 {
		if strings.Contains(term.screen(), "▸ edge-3 ") {
			break
		}
		term.tmux("send-keys", "-t", "e2e", "j")
		time.Sleep(150 * time.Millisecond)
	}
	term.tmux("send-keys", "-t", "e2e", "Enter")
	term.waitScreen(5*time.Second, "Fleet › edge-3", "fe:http", "(total)", "SERVER", "STATE", "REQ/S", "ERR TREND")
	term.tmux("send-keys", "-t", "e2e", "v")
	term.waitScreen(5*time.Second, "Chart › ", "last 15m", "error ratio", "requests/s", "┤")
	term.tmux("send-keys", "-t", "e2e", "+")
	term.waitScreen(5*time.Second, "last 5m")
	term.tmux("send-keys", "-t", "e2e", "Escape")
	term.waitScreen(5*time.Second, "Fleet › edge-3")
	term.tmux("send-keys", "-t", "e2e", "q")
}
