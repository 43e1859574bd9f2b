package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

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
	alice := newTeamResponder(t, url, "alice:alice-secret-1")
	g := &globalFlags{ConfigPath: alice.config, StateDir: alice.state}
	s, err := openSession(g, sessionOptions{ForceDrill: true, Speed: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := &batches{}
	s.Watch(context.Background(), got.deliver)
	defer s.Close()
	if s.Info().User != "alice" {
		t.Errorf("the session's user is %q, not who the server authenticated", s.Info().User)
	}

	within := func(what string, ok func(integrations.Batch) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !got.find(ok) {
			if time.Now().After(deadline) {
				t.Fatalf("no batch with %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	within("the team's status", func(b integrations.Batch) bool {
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
	within("bob's note", func(b integrations.Batch) bool {
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
	within("alice running scale-up on the roster", func(b integrations.Batch) bool {
		return b.Team != nil && b.Team.Roster() == "alice (running scale-up)"
	})
}
