package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/team"
	"github.com/warroomhq/warroom/timeline"
)

// batches collects what a session delivers to its screen.
type batches struct {
	mu  sync.Mutex
	all []integrations.Batch
}

func (b *batches) deliver(x integrations.Batch) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.all = append(b.all, x)
}

func (b *batches) find(ok func(integrations.Batch) bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, x := range b.all {
		if ok(x) {
			return true
		}
	}
	return false
}

// TestAScreensSessionOnTheTeam opens the session the screen opens with
// --team, and checks what the screen is given: the team's status for the
// header, other responders' entries, and runs that lock for the team.
func TestAScreensSessionOnTheTeam(t *testing.T) {
	url := startAuthServe(t)
	s, got := aliceOnTheTeam(t, url)
	if s.Info().User != "alice" {
		t.Errorf("the session's user is %q, not who the server authenticated", s.Info().User)
	}

	got.within(t, "the team's status", func(b integrations.Batch) bool {
		return b.Team != nil && b.Team.Line() == "team: online" && b.Team.Roster() == "alice"
	})

	bob, err := team.Dial(team.Options{URL: url, User: "bob", Password: "bob-secret-22"})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	tl, err := bob.OpenTimeline(s.Incident(), team.TimelineOptions{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	if _, err := tl.Append(timeline.Entry{Record: integrations.Record{Source: "cli", Kind: integrations.KindNote, Actor: "bob", Text: "bob's note"}}); err != nil {
		t.Fatal(err)
	}
	got.within(t, "bob's note", func(b integrations.Batch) bool {
		for _, r := range b.Records {
			if r.Text == "bob's note" {
				return true
			}
		}
		return false
	})
	if _, err := s.Record(context.Background(), integrations.Record{Source: "warroom", Kind: integrations.KindNote, Actor: "alice", Text: "alice's note"}); err != nil {
		t.Fatal(err)
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatal(what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventually("alice's note on bob's timeline", func() bool {
		for _, e := range tl.Entries() {
			if e.Text == "alice's note" {
				return true
			}
		}
		return false
	})

	// A run from the screen locks its target for the whole team.
	cat, err := runbooks.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := cat.Lookup("scale-up")
	plan, err := s.Plan(context.Background(), rb, map[string]string{"group": "web", "desired": "20"})
	if err != nil {
		t.Fatal(err)
	}
	runID, err := s.Start(plan, api.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort(runID, errors.New("test over"))
	bobLocks, err := bob.Locker(0)
	if err != nil {
		t.Fatal(err)
	}
	var held *runbooks.HeldError
	eventually("alice's run holds aws:web for the team", func() bool {
		_, err := bobLocks.Acquire([]string{"aws:web"}, runbooks.Holder{Who: "bob", RunID: "bob-run", Runbook: "scale-up"})
		return errors.As(err, &held)
	})
	if !strings.Contains(held.Error(), "alice") {
		t.Errorf("bob is refused with %q, not naming alice", held)
	}
	got.within(t, "alice running scale-up on the roster", func(b integrations.Batch) bool {
		return b.Team != nil && b.Team.Roster() == "alice (running scale-up)"
	})
}

// TestTheScreensTeamActions drives what the screen's team keys call
// (api.Team) against a real server: the commander role taken and handed
// over (on the timeline and the roster), idle on the roster, and another
// responder's run approved from the pending list.
func TestTheScreensTeamActions(t *testing.T) {
	url := startAuthServe(t)
	s, got := aliceOnTheTeam(t, url)
	roster := func(want string) func(integrations.Batch) bool {
		return func(b integrations.Batch) bool { return b.Team != nil && b.Team.Roster() == want }
	}
	got.within(t, "alice on the roster", roster("alice"))
	tm := s.Team()
	if tm == nil {
		t.Fatal("a session on a team has no api.Team")
	}
	ctx := context.Background()
	took, err := tm.TakeCommand(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got.within(t, "alice as commander", roster("alice (IC)"))
	if err := tm.SetIdle(ctx, true); err != nil {
		t.Fatal(err)
	}
	got.within(t, "alice idle", roster("alice (IC, idle)"))
	handed, err := tm.HandCommand(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	got.within(t, "the hand-over", func(b integrations.Batch) bool { return b.Team != nil && b.Team.Commander == "bob" })

	bob, err := team.Dial(team.Options{URL: url, User: "bob", Password: "bob-secret-22"})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close()
	tl, err := bob.OpenTimeline(s.Incident(), team.TimelineOptions{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	var roles, ids []string
	for _, e := range tl.Entries() {
		if strings.HasPrefix(e.Kind, "role.") {
			roles = append(roles, e.Actor+": "+e.Text)
			ids = append(ids, e.ID)
		}
	}
	// The screen shows its own role changes from these answers: the
	// batches bring only other writers' entries.
	if got := []string{took.ID, handed.ID}; !slices.Equal(got, ids) || took.Text != "alice took the role of commander" {
		t.Errorf("the role changes returned %q (%q), the shared timeline holds %q", got, took.Text, ids)
	}
	if got.find(func(b integrations.Batch) bool {
		return slices.ContainsFunc(b.Records, func(r integrations.Record) bool { return r.ID == took.ID || r.ID == handed.ID })
	}) {
		t.Error("the session's own role changes came back in its batches too")
	}
	if got := strings.Join(roles, "; "); got != "alice: alice took the role of commander; alice: alice handed the role of commander over to bob" {
		t.Errorf("the roles on the shared timeline: %q", got)
	}
	bobApprovals, err := bob.Approvals(s.Incident())
	if err != nil {
		t.Fatal(err)
	}
	answered := make(chan runbooks.ApprovalAnswer, 1)
	go func() {
		actx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		ans, _ := bobApprovals.Approve(actx, runbooks.ApprovalRequest{RunID: "bob-run-1", Runbook: "scale-up", Params: "group=web desired=4",
			Plan: "web desired 2 → 4", Checks: "✓ ok web below max", Requested: time.Now(), Expires: time.Now().Add(time.Minute)})
		answered <- ans
	}()
	var pending []runbooks.ApprovalRequest
	deadline := time.Now().Add(10 * time.Second)
	for len(pending) == 0 {
		if pending, err = tm.Pending(ctx); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("bob's request is not pending on alice's screen")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if p := pending[0]; p.RunID != "bob-run-1" || p.Requester != "bob" || p.Plan != "web desired 2 → 4" || p.Checks != "✓ ok web below max" {
		t.Fatalf("pending: %+v", p)
	}
	if err := tm.Approve(ctx, "bob-run-1"); err != nil {
		t.Fatal(err)
	}
	select {
	case ans := <-answered:
		if !ans.Approved || ans.By != "alice" {
			t.Fatalf("bob's run answered %+v", ans)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("bob's run got no answer")
	}
}

// A drill on a team cannot be joined: each drill is its own world.
func TestADrillOnATeamRefusesToJoin(t *testing.T) {
	url := startAuthServe(t)
	alice := newTeamResponder(t, url, "alice:alice-secret-1")
	g := &globalFlags{ConfigPath: alice.config, StateDir: alice.state}
	s, err := openSession(g, sessionOptions{ForceDrill: true, Incident: "INC-7"})
	if err == nil {
		s.Close()
		t.Fatal("a drill joined INC-7 on the team")
	}
	if want := "a drill cannot be joined with --incident INC-7 on a team: each drill simulates its own world"; !strings.Contains(err.Error(), want) {
		t.Errorf("refused with %q, want %q", err, want)
	}
}

// Observer credentials make the screen's session an observer's: read
// only, on no roster, while it sees who is there.
func TestObserverCredentialsMakeTheSessionReadOnly(t *testing.T) {
	auth := filepath.Join(t.TempDir(), "team-auth.yaml")
	if err := os.WriteFile(auth, []byte(teamAuthFile+"  - user: olga\n    password: olga-secret-3\n    role: observer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _ := runServe(t, "--auth", auth)
	alice := newTeamResponder(t, url, "alice:alice-secret-1")
	as, err := openSession(&globalFlags{ConfigPath: alice.config, StateDir: alice.state}, sessionOptions{ForceDrill: true, Speed: 10})
	if err != nil {
		t.Fatal(err)
	}
	as.Watch(context.Background(), func(integrations.Batch) {})
	defer as.Close()

	olga := newTeamResponder(t, url, "olga:olga-secret-3")
	obs, err := openSession(&globalFlags{ConfigPath: olga.config, StateDir: olga.state}, sessionOptions{ForceDrill: true, Speed: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := &batches{}
	obs.Watch(context.Background(), got.deliver)
	defer obs.Close()
	if ts, _ := obs.Team().(*teamSession); ts == nil || !ts.observer {
		t.Fatal("observer credentials do not make an observer's session")
	}
	if ts, _ := as.Team().(*teamSession); ts == nil || ts.observer {
		t.Fatal("a responder's session reads as an observer's")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !got.find(func(b integrations.Batch) bool { return b.Team != nil && b.Team.Online }) {
		if time.Now().After(deadline) {
			t.Fatal("the observer's session sees no team")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got.find(func(b integrations.Batch) bool { return b.Team != nil && strings.Contains(b.Team.Roster(), "olga") }) {
		t.Error("the observer is on the roster")
	}
}

// aliceOnTheTeam opens and watches the session alice's screen opens on the
// team server at url (a drill); it closes when the test ends.
func aliceOnTheTeam(t *testing.T, url string) (*app.Session, *batches) {
	t.Helper()
	alice := newTeamResponder(t, url, "alice:alice-secret-1")
	g := &globalFlags{ConfigPath: alice.config, StateDir: alice.state}
	s, err := openSession(g, sessionOptions{ForceDrill: true, Speed: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := &batches{}
	s.Watch(context.Background(), got.deliver)
	t.Cleanup(func() { s.Close() })
	return s, got
}

// within waits, boundedly, for a batch that ok accepts.
func (g *batches) within(t *testing.T, what string, ok func(integrations.Batch) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !g.find(ok) {
		if time.Now().After(deadline) {
			t.Fatalf("no batch with %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
