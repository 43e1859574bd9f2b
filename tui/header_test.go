package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// The header shows the state the source's poller recorded and nothing it
// works out for itself: a source the poller still calls ok reads ok
// however old its last success (the poller turns it stale, on the
// timeline, when its budget runs out), and one it recorded stale reads
// stale on the badge and on its panes.
func TestHeaderShowsOnlyTheRecordedState(t *testing.T) {
	m := screenModel(120, 40, testOpts{})
	old := fixtureNow.Add(-10 * time.Minute)
	m.sources = map[string]integrations.SourceStatus{
		"aws": {Source: "aws", State: integrations.SourceOK, LastSuccess: old, LastAttempt: old, Budget: 30 * time.Second},
	}
	s := screen(m)
	if strings.Contains(s, "STALE") || !strings.Contains(s, "✓ aws 10m") {
		t.Fatalf("an ok source reads other than ok:\n%s", s)
	}
	m.sources["aws"] = integrations.SourceStatus{Source: "aws", State: integrations.SourceStale, LastSuccess: old, LastAttempt: old,
		Budget: 30 * time.Second, LastError: "no successful refresh within 30s"}
	s = screen(m)
	for _, want := range []string{"aws STALE 10m", "Fleet  ⚠ aws STALE, 10m old", "aws: no successful refresh within 30s"} {
		if !strings.Contains(s, want) {
			t.Errorf("a recorded stale source: screen lacks %q\n%s", want, s)
		}
	}
}

// On a shared incident the header says the team's connection and queue
// and who is present: the commander, who runs what, who is idle; it
// wraps the roster rather than drop a name, and says offline loudly.
func TestHeaderShowsTheTeam(t *testing.T) {
	st := PlainStyles()
	team := &integrations.TeamStatus{Online: true, Commander: "alice", Members: []integrations.TeamMember{
		{Who: "alice", State: "running", Runbook: "scale-up"}, {Who: "bob", State: "idle"}, {Who: "carol", State: "active"}}}
	if got, want := strings.Join(teamLines(st, team, 120), "\n"),
		"team: online  3 here  alice (IC, running scale-up)  bob (idle)  carol"; got != want {
		t.Errorf("online team:\n got %q\nwant %q", got, want)
	}
	if got, want := strings.Join(teamLines(st, team, 40), "\n"),
		"team: online  3 here\nalice (IC, running scale-up)  bob (idle)\ncarol"; got != want {
		t.Errorf("narrow:\n got %q\nwant %q", got, want)
	}
	off := &integrations.TeamStatus{Queued: 12, Problem: "nats: timeout", Members: team.Members[1:2]}
	if got, want := strings.Join(teamLines(st, off, 120), "\n"),
		"⚠ team: offline · 12 queued (nats: timeout)  1 here  no incident commander  bob (idle)"; got != want {
		t.Errorf("offline team:\n got %q\nwant %q", got, want)
	}
	if teamLines(st, nil, 120) != nil {
		t.Error("a session alone shows a team line")
	}
	m := screenModel(120, 40, testOpts{})
	m.apply(integrations.Batch{Team: team})
	if s := screen(m); !strings.Contains(s, "team: online  3 here  alice (IC, running scale-up)") {
		t.Errorf("the screen lacks the team line:\n%s", s)
	}
}

// Observer credentials read as such in the header, not only as read-only.
func TestHeaderMarksAnObserver(t *testing.T) {
	m := New(Options{Readonly: true, Observer: true, NoColor: true})
	if top := m.header(120)[0]; !strings.Contains(top, "READ-ONLY · observer") {
		t.Errorf("the header lacks the observer mark: %q", top)
	}
	if m.keys.Runbook.Enabled() || m.keys.Commander.Enabled() {
		t.Error("an observer's screen has mutating keys")
	}
}
