package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

// fakeTeam is the team's war-room as the screen's tests see it: it
// notes each call and answers as the team would.
type fakeTeam struct {
	mu      sync.Mutex
	calls   []string
	pending []runbooks.ApprovalRequest
	locks   []runbooks.Holder
	queued  bool // role changes reach only the journal
	roles   int  // role changes recorded
}

func (f *fakeTeam) note(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeTeam) called() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, "; ")
}

func (f *fakeTeam) SetIdle(_ context.Context, idle bool) error {
	f.note(map[bool]string{true: "idle", false: "active"}[idle])
	return nil
}

// TakeCommand and HandCommand answer with the role change as the
// timeline stored it, with IDs r1, r2, …; with queued, without one.
func (f *fakeTeam) TakeCommand(context.Context) (integrations.Record, error) {
	return f.role("take", integrations.KindRoleTaken, "bob took the role of commander"), nil
}
func (f *fakeTeam) HandCommand(_ context.Context, to string) (integrations.Record, error) {
	return f.role("hand to "+to, integrations.KindRoleHandedOver, "bob handed the role of commander over to "+to), nil
}

func (f *fakeTeam) role(call, kind, text string) integrations.Record {
	f.note(call)
	if f.queued {
		return integrations.Record{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roles++
	return integrations.Record{ID: fmt.Sprintf("r%d", f.roles), Source: integrations.SourceWarroom, Kind: kind, Actor: "bob", Text: text,
		Occurred: time.Date(2026, 1, 12, 7, 30, f.roles, 0, time.UTC), Fields: map[string]string{"role": "commander"}}
}
func (f *fakeTeam) Pending(context.Context) ([]runbooks.ApprovalRequest, error) {
	return f.pending, nil
}
func (f *fakeTeam) Approve(_ context.Context, run string) error { f.note("approve " + run); return nil }
func (f *fakeTeam) Refuse(_ context.Context, run, why string) error {
	f.note("refuse " + run + ": " + why)
	return nil
}
func (f *fakeTeam) Locks(context.Context) ([]runbooks.Holder, error) { return f.locks, nil }

// settle hands what cmd asks of the team back to the screen, and what
// that asks in turn.
func settle(m Model, cmd tea.Cmd) Model {
	for _, msg := range run(cmd) {
		switch msg.(type) {
		case teamDoneMsg, pendingMsg, locksMsg:
			next, more := m.Update(msg)
			m = settle(next.(Model), more)
		}
	}
	return m
}

func pressRun(m Model, keys ...string) Model {
	for _, k := range keys {
		next, cmd := m.Update(keyMsg(k))
		m = settle(next.(Model), cmd)
	}
	return m
}

func teamScreen(t *testing.T, team *fakeTeam) Model {
	t.Helper()
	m := screenModel(140, 45, testOpts{User: "bob", Team: team})
	m.apply(integrations.Batch{Team: &integrations.TeamStatus{Online: true, Members: []integrations.TeamMember{{Who: "alice"}, {Who: "bob"}}}})
	return m
}

// I takes the incident commander role; held, I asks whom to hand it to.
func TestCommanderKeyTakesAndHandsOver(t *testing.T) {
	team := &fakeTeam{}
	m := pressRun(teamScreen(t, team), "I")
	if team.called() != "take" || !strings.Contains(screen(m), "you are the incident commander (on the timeline)") {
		t.Fatalf("I: calls %q\n%s", team.called(), screen(m))
	}
	m.apply(integrations.Batch{Team: &integrations.TeamStatus{Online: true, Commander: "bob", Members: []integrations.TeamMember{{Who: "alice"}, {Who: "bob"}}}})
	m = pressRun(m, "I")
	if !strings.Contains(screen(m), "hand over incident commander to ▸") {
		t.Fatalf("I as commander opens no hand-over:\n%s", screen(m))
	}
	m = typeInto(m, "alice")
	m = pressRun(m, "enter")
	if team.called() != "take; hand to alice" || !strings.Contains(screen(m), "incident commander handed over to alice") {
		t.Fatalf("hand-over: calls %q\n%s", team.called(), screen(m))
	}
}

// A role change made here shows on this screen's timeline from its
// answer, once, even when the team's feed brings the same entry too; a
// change only queued says so and shows nothing yet.
func TestOwnRoleChangeShowsOnceOnTheOwnTimeline(t *testing.T) {
	team := &fakeTeam{}
	m := pressRun(teamScreen(t, team), "I")
	rows := func() []string {
		var out []string
		for _, r := range m.timeline.rows {
			if strings.HasPrefix(r.rec.Kind, "role.") {
				out = append(out, r.rec.ID+" "+r.rec.Text)
			}
		}
		return out
	}
	want := "r1 bob took the role of commander"
	if got := rows(); !slices.Equal(got, []string{want}) {
		t.Fatalf("the own timeline after I: %q", got)
	}
	if !strings.Contains(screen(m), "bob took the role of commander") {
		t.Errorf("the Timeline pane does not show the role change:\n%s", screen(m))
	}
	m.apply(integrations.Batch{Records: []integrations.Record{m.timeline.rows[m.timeline.byID["r1"]].rec}})
	if got := rows(); !slices.Equal(got, []string{want}) {
		t.Errorf("the role change again from the feed: %q", got)
	}

	team.queued = true
	m.apply(integrations.Batch{Team: &integrations.TeamStatus{Online: true, Commander: "bob", Members: []integrations.TeamMember{{Who: "alice"}, {Who: "bob"}}}})
	m = pressRun(m, "I")
	m = typeInto(m, "alice")
	m = pressRun(m, "enter")
	if got := rows(); !slices.Equal(got, []string{want}) {
		t.Errorf("a queued hand-over shown as stored: %q", got)
	}
	if !strings.Contains(screen(m), "incident commander handed over to alice (queued for the timeline") {
		t.Errorf("a queued hand-over does not say so:\n%s", screen(m))
	}
}

// Another responder's request raises a toast; A shows it with its plan
// and checks; y approves it, n asks why and refuses it; the screen
// refuses to approve the responder's own run.
func TestApprovalsDialog(t *testing.T) {
	theirs := runbooks.ApprovalRequest{RunID: "r1", Runbook: "scale-up", Params: "group=web desired=4", Requester: "alice",
		Plan: "web desired 2 → 4 (max 8)\nwait until 4 in service (now 1)", Checks: "✓ ok   web desired 2 < max 8",
		Expires: time.Date(2026, 1, 12, 8, 0, 0, 0, time.Local)}
	mine := runbooks.ApprovalRequest{RunID: "r2", Runbook: "throttle-tier", Params: "tier=free", Requester: "bob",
		Plan: "throttle free", Checks: "✓ ok   free tier exists", Expires: theirs.Expires}
	team := &fakeTeam{pending: []runbooks.ApprovalRequest{theirs, mine}}
	m := teamScreen(t, team)
	cmd := m.apply(integrations.Batch{Records: []integrations.Record{{ID: "x1", Kind: integrations.KindRunbookApprovalRequested, Actor: "alice",
		Text: "approval of run r1 requested by alice", Fields: map[string]string{integrations.FieldRun: "r1", "requester": "alice"}}}})
	m = settle(m, cmd)
	if s := screen(m); !strings.Contains(s, "approval of run r1 requested by alice: A to review it") {
		t.Fatalf("no toast for alice's request:\n%s", s)
	}

	m = pressRun(m, "A")
	s := screen(m)
	for _, want := range []string{"Waiting for approval", "▸ r1 scale-up (group=web desired=4) by alice · until 08:00:00",
		"r2 throttle-tier (tier=free) by bob · until 08:00:00 · yours: another responder must approve it",
		"web desired 2 → 4 (max 8)", "wait until 4 in service (now 1)", "✓ ok   web desired 2 < max 8", "y approve", "n refuse (with a reason)"} {
		if !strings.Contains(s, want) {
			t.Errorf("the approvals dialog lacks %q", want)
		}
	}
	m = pressRun(m, "j", "y")
	if team.called() != "" || !strings.Contains(screen(m), "you requested run r2: another responder must approve it") {
		t.Fatalf("own run: calls %q\n%s", team.called(), screen(m))
	}
	m = pressRun(m, "k", "n")
	if !strings.Contains(screen(m), "refuse the run, because ▸") {
		t.Fatalf("n asks no reason:\n%s", screen(m))
	}
	m = pressRun(typeInto(m, "wait for the DB failover"), "enter")
	if team.called() != "refuse r1: wait for the DB failover" || !strings.Contains(screen(m), "run r1 refused: nothing is changed") {
		t.Fatalf("refusal: calls %q\n%s", team.called(), screen(m))
	}
	m = pressRun(m, "A", "y")
	if !strings.HasSuffix(team.called(), "approve r1") || !strings.Contains(screen(m), "run r1 of scale-up approved: it starts on alice's screen") {
		t.Fatalf("approval: calls %q\n%s", team.called(), screen(m))
	}
}

// The requester's run panel says it waits for another responder until
// the approval is recorded.
func TestRunWaitingForApprovalSaysSo(t *testing.T) {
	m := teamScreen(t, &fakeTeam{})
	f := &runbookFlow{stage: stageRunning, runID: "r9", rb: &runbooks.Runbook{Name: "scale-up"}, plan: &runbooks.Plan{}}
	m.flow = f
	m.apply(integrations.Batch{Records: []integrations.Record{{ID: "x1", Kind: integrations.KindRunbookApprovalRequested,
		Fields: map[string]string{integrations.FieldRun: "r9", "requester": "bob"}}}})
	const want = "⏳ waiting for approval by another responder (on their screen: A, or warroom runbook approve r9)"
	if s := screen(m); !strings.Contains(s, want) || strings.Contains(s, "A to review it") {
		t.Fatalf("waiting run:\n%s", s)
	}
	m.apply(integrations.Batch{Records: []integrations.Record{{ID: "x2", Kind: integrations.KindRunbookApproved,
		Fields: map[string]string{integrations.FieldRun: "r9"}}}})
	if strings.Contains(screen(m), want) {
		t.Fatal("the approved run still says it waits")
	}
}

// The palette lists the team's locks: holder, since, lapse.
func TestPaletteShowsTheTeamsLocks(t *testing.T) {
	cat, err := runbooks.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 1, 12, 7, 30, 0, 0, time.Local)
	team := &fakeTeam{locks: []runbooks.Holder{{Who: "alice", Runbook: "scale-up", Target: "aws:web", Acquired: since, Expires: since.Add(2 * time.Minute)}}}
	m := screenModel(140, 45, testOpts{User: "bob", Team: team, Runbooks: testRunbooks{Catalog: cat}})
	m = pressRun(m, "r")
	if s := screen(m); !strings.Contains(s, "Team locks:") || !strings.Contains(s, "🔒 aws:web — alice (scale-up) since 07:30:00, lapses 07:32:00 unless renewed") {
		t.Fatalf("the palette lacks the team's locks:\n%s", s)
	}
	if got := lockLines(PlainStyles(), &locksMsg{err: errors.New("nats: timeout")}); got[1] != "✗ the team's locks could not be read: nats: timeout" {
		t.Errorf("a failed read: %q", got)
	}
}

// No key for idleAfter says idle on the roster; the next key says active.
func TestIdleAfterMinutesWithoutAKey(t *testing.T) {
	team := &fakeTeam{}
	m := teamScreen(t, team)
	// The ticks' clock is the frame count: the tick's own command waits.
	m.frame = m.lastKey + int(idleAfter/tickInterval) - 1
	if m = settle(m, m.idleCheck()); team.called() != "" {
		t.Fatalf("idle too early: %q", team.called())
	}
	m.frame++
	if m = settle(m, m.idleCheck()); team.called() != "idle" {
		t.Fatalf("after %s without a key: %q", idleAfter, team.called())
	}
	m = pressRun(m, "j", "j")
	if team.called() != "idle; active" {
		t.Fatalf("a key after idle: %q", team.called())
	}
}
