package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// terminal is a tmux session running the real warroom binary, driven the
// way a person would: keys in, screen text out.
type terminal struct {
	t      *testing.T
	socket string
}

func (term terminal) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (term terminal) screen() string { return term.tmux("capture-pane", "-p", "-t", "e2e") }

// waitScreen polls the screen until every want shows or the deadline passes.
func (term terminal) waitScreen(deadline time.Duration, want ...string) time.Duration {
	term.t.Helper()
	start := time.Now()
	for {
		s := term.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return time.Since(start)
		}
		if time.Since(start) > deadline {
			term.t.Fatalf("after %s the screen still lacks %q:\n%s", deadline, missing, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "warroom")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startTerminal(t *testing.T, width, height int, command string) terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is required for the end-to-end tests: apt-get install -y tmux (make test does it)")
	}
	term := terminal{t: t, socket: fmt.Sprintf("warroom-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())}
	term.tmux("new-session", "-d", "-s", "e2e", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), command)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", term.socket, "kill-server").Run() })
	return term
}

// TestDrillEndToEnd is the README's first command as a new user meets it:
// no configuration, a fresh state directory, a note, and a clean exit.
func TestDrillEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	configHome, stateDir := filepath.Join(dir, "config"), filepath.Join(dir, "state")
	exitFile := filepath.Join(dir, "exit")
	if err := os.MkdirAll(configHome, 0o755); err != nil {
		t.Fatal(err)
	}
	command := fmt.Sprintf("env XDG_CONFIG_HOME=%s TERM=xterm-256color %s --state-dir %s; echo $? > %s; sleep 60",
		configHome, bin, stateDir, exitFile)
	term := startTerminal(t, 120, 40, command)

	took := term.waitScreen(10*time.Second, "DRILL", "Alerts", "Fleet", "Chat", "Timeline")
	t.Logf("first screen with every pane after %s", took)
	term.waitScreen(20*time.Second, "TRIG", "CPU above 90%")

	term.tmux("send-keys", "-t", "e2e", "n")
	term.waitScreen(5*time.Second, "note ▸")
	note := "e2e-4411 scaling web by hand"
	term.tmux("send-keys", "-t", "e2e", "-l", note)
	term.tmux("send-keys", "-t", "e2e", "Enter")
	term.waitScreen(5*time.Second, "e2e-4411")

	files, _ := filepath.Glob(filepath.Join(stateDir, "incidents", "*", "timeline.jsonl"))
	if len(files) != 1 {
		t.Fatalf("want one timeline file under %s, found %v", stateDir, files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"kind":"note"`)) || !bytes.Contains(data, []byte(note)) {
		t.Fatalf("the note is on screen but not in %s", files[0])
	}

	term.tmux("send-keys", "-t", "e2e", "q")
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, err := os.ReadFile(exitFile)
		if err == nil && len(code) > 0 {
			if strings.TrimSpace(string(code)) != "0" {
				t.Fatalf("warroom exited with status %s", code)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("warroom did not exit after q:\n%s", term.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
