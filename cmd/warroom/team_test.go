package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/team"
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

// withApprovalRunbook adds a runbook folder holding a runbook that needs
// a second person to r's configuration.
func (r teamResponder) withApprovalRunbook(t *testing.T) {
	t.Helper()
	books := filepath.Join(filepath.Dir(r.config), "books")
	if err := os.Mkdir(books, 0o700); err != nil {
		t.Fatal(err)
	}
	rb := "name: approved-scale\napproval: required\nsteps:\n  - action: aws.scale_group\n    args: {group: web, desired: 12, poll: 100ms}\n"
	if err := os.WriteFile(filepath.Join(books, "approved-scale.yaml"), []byte(rb), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(r.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintln(f, "runbook_dir: books")
}

func TestRunbookApproveFromTheCommandLine(t *testing.T) {
	url := startAuthServe(t)
	alice := newTeamResponder(t, url, "alice:alice-secret-1")
	bob := newTeamResponder(t, url, "bob:bob-secret-22")
	alice.withApprovalRunbook(t)

	out := &lockedBuffer{}
	root := rootCommand()
	root.SetArgs([]string{"--config", alice.config, "--state-dir", alice.state, "runbook", "run", "approved-scale", "--drill", "--yes"})
	root.SetOut(out)
	root.SetErr(out)
	ctx, abort := context.WithCancel(context.Background())
	defer abort()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var run string
	deadline := time.Now().Add(20 * time.Second)
	for run == "" {
		if _, rest, ok := strings.Cut(out.String(), "approval of run "); ok && strings.Contains(rest, "\n") {
			run, _, _ = strings.Cut(rest, ":")
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the run ended without waiting: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no approval request:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(out.String(), "running") {
		t.Fatalf("a step started before the approval:\n%s", out)
	}
	pending, err := bob.run(t, "runbook", "pending")
	if err != nil || !strings.Contains(pending, "run "+run+" of approved-scale requested by alice for drill-monday-surge-") || !strings.Contains(pending, "web desired 4 → 12 (max 20)") || !strings.Contains(pending, "ok   web desired 12 within") ||
		!strings.Contains(pending, "approval: another responder must approve") {
		t.Fatalf("pending (run %q): %v\n%s", run, err, pending)
	}
	if got, err := alice.run(t, "runbook", "approve", run, "--yes"); err == nil || !strings.Contains(err.Error(), "you (alice) requested run "+run+": another responder must approve it") {
		t.Fatalf("alice approving her own run: %v\n%s", err, got)
	}
	if got, err := bob.run(t, "runbook", "approve", run, "--refuse"); err == nil || !strings.Contains(err.Error(), "--refuse needs --why") {
		t.Errorf("refusing without a reason: %v\n%s", err, got)
	}
	if got, err := bob.run(t, "runbook", "approve", run, "--yes"); err != nil || !strings.Contains(got, "run "+run+" approved; it starts on alice's warroom") {
		t.Fatalf("bob's approval: %v\n%s", err, got)
	}
	// The step starts only now; the drill's group takes minutes to fill,
	// so the run is aborted once it is under way.
	for !strings.Contains(out.String(), "[1] aws.scale_group (aws.scale_group) running") {
		if time.Now().After(deadline) {
			t.Fatalf("the approved run did not start:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	abort()
	if err := <-done; err == nil || !strings.Contains(out.String(), "approved-scale: aborted") {
		t.Errorf("the aborted run: %v\n%s", err, out)
	}
	if got, _ := bob.run(t, "runbook", "pending"); !strings.Contains(got, "no run is waiting for approval") {
		t.Errorf("pending after the approval:\n%s", got)
	}
	// The request and the approval are on the shared timeline.
	_, rest, _ := strings.Cut(pending, " for ")
	incident, _, _ := strings.Cut(rest, " ")
	shown, err := bob.run(t, "timeline", "show", "--incident", incident)
	if err != nil || !strings.Contains(shown, "approval of run "+run+" requested by alice") || !strings.Contains(shown, "run "+run+" approved by bob") {
		t.Errorf("the shared timeline of %s: %v\n%s", incident, err, shown)
	}
}

func TestConfigCheckTriesTheTeamServer(t *testing.T) {
	url := startAuthServe(t)
	alice := newTeamResponder(t, url, "alice:alice-secret-1")
	out, err := alice.run(t, "config", "check")
	if err != nil || !strings.Contains(out, "team    ok") || !strings.Contains(out, "as alice") {
		t.Errorf("config check: %v\n%s", err, out)
	}
	wrong := newTeamResponder(t, url, "alice:bob-secret-22")
	out, err = wrong.run(t, "config", "check", "--timeout", "1s")
	if err == nil || !strings.Contains(out, "team    error") || !strings.Contains(out, "uthorization") {
		t.Errorf("config check with a wrong password: %v\n%s", err, out)
	}
	out, err = alice.run(t, "--team", deadURL(t), "config", "check", "--timeout", "500ms")
	if err == nil || !strings.Contains(out, "team    error") {
		t.Errorf("config check with the server away: %v\n%s", err, out)
	}
}

// sampler is a source that takes three samples ten seconds apart, once.
type sampler struct{ at time.Time }

func (s sampler) Name() string { return "haproxy" }

func (s sampler) Run(ctx context.Context, pub integrations.Publisher) error {
	for i := range 3 {
		at := s.at.Add(time.Duration(i) * 10 * time.Second)
		pub.Publish(integrations.SamplesTaken{Source: "haproxy", Samples: []integrations.Sample{{Time: at, Source: "haproxy", Target: "web", Metric: "req_rate", Value: float64(100 * (i + 1))}}})
	}
	<-ctx.Done()
	return nil
}

func TestMetricsExportReadsTheSharedSeries(t *testing.T) {
	url, _ := runServe(t)
	c, err := team.Dial(team.Options{URL: url, Name: "poller"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e, err := c.Elector(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	shared := c.Share(e, "INC-9", "poller", sampler{at: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		shared.Run(ctx, integrations.PublisherFunc(func(integrations.Event) {}))
	}()
	defer func() { cancel(); <-done }()

	want := "time,source,target,metric,value\n" +
		"2026-12-01T09:00:00.000Z,haproxy,web,req_rate,100\n" +
		"2026-12-01T09:00:10.000Z,haproxy,web,req_rate,200\n" +
		"2026-12-01T09:00:20.000Z,haproxy,web,req_rate,300\n"
	var got string
	deadline := time.Now().Add(10 * time.Second)
	for got != want && time.Now().Before(deadline) {
		got, _, _ = runVerb("--state-dir", t.TempDir(), "--team", url, "metrics", "export", "--incident", "INC-9")
		time.Sleep(50 * time.Millisecond)
	}
	if got != want {
		t.Errorf("metrics export --team:\n%s\nwant:\n%s", got, want)
	}
}
