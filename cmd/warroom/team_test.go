package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// teamResponder is one responder's configuration and state directory for
// the team verbs.
type teamResponder struct {
	config, state string
}

func newTeamResponder(t *testing.T, url, credentials string) teamResponder {
	t.Helper()
	dir := t.TempDir()
	creds := filepath.Join(dir, "team.creds")
	if err := os.WriteFile(creds, []byte(credentials+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf("team:\n  url: %s\n  credentials: team.creds\n", url)), 0o600); err != nil {
		t.Fatal(err)
	}
	return teamResponder{config: config, state: filepath.Join(dir, "state")}
}

// run runs a verb as this responder; every output is checked for the
// passwords.
func (r teamResponder) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	stdout, stderr, err := runVerb(append([]string{"--config", r.config, "--state-dir", r.state}, args...)...)
	for _, secret := range []string{"alice-secret-1", "bob-secret-22"} {
		if strings.Contains(stdout+stderr+fmt.Sprint(err), secret) {
			t.Errorf("warroom %v shows a password:\n%s%s%v", args, stdout, stderr, err)
		}
	}
	return stdout + stderr, err
}

const teamAuthFile = "users:\n  - user: alice\n    password: alice-secret-1\n    role: responder\n" +
	"  - user: bob\n    password: bob-secret-22\n    role: responder\n"

func startAuthServe(t *testing.T) string {
	t.Helper()
	auth := filepath.Join(t.TempDir(), "team-auth.yaml")
	if err := os.WriteFile(auth, []byte(teamAuthFile), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _ := runServe(t, "--auth", auth)
	return url
}

func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "nats://" + l.Addr().String()
}

func TestTimelineVerbsShareTheTeamTimeline(t *testing.T) {
	url := startAuthServe(t)
	alice := newTeamResponder(t, url, "alice:alice-secret-1")
	bob := newTeamResponder(t, url, "bob:bob-secret-22")

	out, err := alice.run(t, "timeline", "append", "--incident", "INC-1", "--text", "from alice")
	if err != nil || !strings.Contains(out, "recorded in INC-1 (team timeline)") {
		t.Fatalf("append: %v\n%s", err, out)
	}
	// The server cannot be reached: saved in the journal, said, exit 0.
	dead := deadURL(t)
	for i, text := range []string{"offline one", "offline two"} {
		start := time.Now()
		out, err := alice.run(t, "--team", dead, "timeline", "append", "--incident", "INC-1", "--text", text)
		if err != nil || !strings.Contains(out, fmt.Sprintf("the team server was not reached within 2s (%d queued)", i+1)) {
			t.Fatalf("offline append: %v\n%s", err, out)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("the offline append took %s", took)
		}
	}
	if out, err := bob.run(t, "timeline", "show", "--incident", "INC-1"); err != nil || strings.Contains(out, "offline") {
		t.Fatalf("bob sees, before alice is back: %v\n%s", err, out)
	}
	// The next verb that reaches the server publishes what was queued.
	if out, err := alice.run(t, "timeline", "append", "--incident", "INC-1", "--text", "back online, password alice-secret-1 pasted"); err != nil {
		t.Fatalf("append: %v\n%s", err, out)
	}
	out, err = bob.run(t, "timeline", "show", "--incident", "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"from alice", "offline one", "offline two", "back online"} {
		if strings.Count(out, want) != 1 {
			t.Errorf("bob's show holds %q %d times:\n%s", want, strings.Count(out, want), out)
		}
	}
	if strings.Index(out, "offline one") > strings.Index(out, "offline two") {
		t.Errorf("queued entries out of order:\n%s", out)
	}
	if out, err := bob.run(t, "timeline", "verify", "--incident", "INC-1"); err != nil || !strings.Contains(out, "team timeline INC-1 on "+url+": 4 entries, hash chain intact") {
		t.Errorf("verify: %v\n%s", err, out)
	}
	if out, err := bob.run(t, "timeline", "list"); err != nil || !strings.Contains(out, "INC-1") || !strings.Contains(out, "ok") {
		t.Errorf("list: %v\n%s", err, out)
	}
	if out, err := bob.run(t, "timeline", "export", "--incident", "INC-1", "--format", "json"); err != nil || !strings.Contains(out, "offline two") {
		t.Errorf("export: %v\n%s", err, out)
	}
	// Reading needs the server.
	if out, err := bob.run(t, "--team", dead, "timeline", "show", "--incident", "INC-1"); err == nil || !strings.Contains(err.Error(), "not reached within 2s") {
		t.Errorf("show with the server down: %v\n%s", err, out)
	}
}

func TestTeamCredentialsFileMustBeTheOwners(t *testing.T) {
	url := startAuthServe(t)
	alice := newTeamResponder(t, url, "alice:alice-secret-1")
	if err := os.Chmod(filepath.Join(filepath.Dir(alice.config), "team.creds"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The problem itself goes to stderr as file:line:column (config's tests
	// check its text); the verb fails on it.
	out, err := alice.run(t, "timeline", "append", "--incident", "INC-1", "--text", "x")
	if err == nil || !strings.Contains(err.Error(), "config.yaml: 1 problem") {
		t.Errorf("a world-readable credentials file: %v\n%s", err, out)
	}
}
