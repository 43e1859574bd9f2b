package tui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
)

// TestHeaderStatusReminderGolden: the header names the next status update
// when it is due within ten minutes, says by how much it is overdue once
// past, and says nothing while it is further off or the incident is
// resolved.
func TestHeaderStatusReminderGolden(t *testing.T) {
	m := newScreen(testOpts{Title: "Monday surge", IncidentStart: at("07:15"), NoColor: true})
	m.now = fixtureNow // 07:40
	for _, tc := range []struct {
		name string
		due  api.StatusReminder
		want string // "" : no reminder
	}{
		{"due-soon", api.StatusReminder{Next: at("07:45"), Every: 30 * time.Minute}, "status update due 07:45"},
		{"overdue", api.StatusReminder{Next: at("07:36"), Every: 30 * time.Minute}, "status update OVERDUE 4m"},
		{"later", api.StatusReminder{Next: at("08:10"), Every: 30 * time.Minute}, ""},
		{"resolved", api.StatusReminder{Next: at("07:36"), Done: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.due = tc.due
			got := strings.Join(m.header(120), "\n")
			if tc.want == "" {
				if strings.Contains(got, "status update") {
					t.Fatalf("header names an update not due soon:\n%s", got)
				}
				return
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("header lacks %q:\n%s", tc.want, got)
			}
			golden.RequireEqual(t, got)
		})
	}
}

// statusPoster is a status-update application side: it keeps what it was
// asked to post and answers with the outcomes it is given.
type statusPoster struct {
	outcomes []api.StatusOutcome

	mu     sync.Mutex
	posted []string
}

func (p *statusPoster) post(_ context.Context, text string) (api.StatusPosted, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posted = append(p.posted, text)
	return api.StatusPosted{Outcomes: p.outcomes, Record: integrations.Record{ID: "s1", Kind: integrations.KindStatusUpdate, Text: text}}, nil
}

func (p *statusPoster) texts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.posted...)
}

// TestStatusUpdateIsDraftedEditedConfirmedAndPosted: U opens the
// application's draft in the input line, its lines joined by " · "; the
// edit is confirmed, naming the targets, then posted with its line breaks
// back; the toast says how each target took it (posted, unknown), the
// update shows on the timeline, and the header asks for the reminder
// again.
func TestStatusUpdateIsDraftedEditedConfirmedAndPosted(t *testing.T) {
	poster := &statusPoster{outcomes: []api.StatusOutcome{
		{Target: "#inc-42", Status: "posted"},
		{Target: "pagerduty P1", Status: "unknown", Detail: "no answer in 15s, and pagerduty P1 cannot be read back: look there before posting again"},
	}}
	tm := testOpts{Title: "Monday surge", Drill: true, User: "dana", IncidentStart: fixtureNow, Clock: func() time.Time { return fixtureNow },
		Actions: integrations.Actions{Chat: &lostPostChat{}}, NoColor: true,
		Status: testStatus{Draft: api.StatusDraft{Text: "Status update: Monday surge (open, critical)\nAffected: web", Targets: []string{"#inc-42", "pagerduty P1"}},
			Post: poster.post}}.program(t, 160, 40)
	waitFor(t, tm, "DRILL")
	tm.Send(tea.KeyPressMsg{Code: 'U', Text: "U"})
	waitFor(t, tm, "Status update: Monday surge (open, critical) · Affected: web")
	tm.Type(", checkout")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "to #inc-42, pagerduty P1? y posts")
	if got := poster.texts(); len(got) != 0 {
		t.Fatalf("posted before the confirmation: %q", got)
	}
	tm.Send(tea.KeyPressMsg{Code: 'y', Text: "y"})
	waitFor(t, tm, "status update: #inc-42 posted; pagerduty P1 unknown (no answer in 15s")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if got, want := poster.texts(), []string{"Status update: Monday surge (open, critical)\nAffected: web, checkout"}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("posted %q, want %q", got, want)
	}
	if final.drafts[inputStatus] != "" {
		t.Errorf("the posted update is still kept as a draft: %q", final.drafts[inputStatus])
	}
	if row, ok := final.timeline.selected(); !ok || row.rec.ID != "s1" {
		t.Errorf("the timeline's newest entry is %+v, want the update s1", row.rec)
	}
	if final.dueAsked < 1 {
		t.Errorf("the reminder was asked for %d times, want again after the post", final.dueAsked)
	}
}

// TestStatusUpdateRefusedReadOnly: read-only, U says it is refused and
// asks the application for nothing.
func TestStatusUpdateRefusedReadOnly(t *testing.T) {
	poster := &statusPoster{}
	m := newScreen(testOpts{Title: "Monday surge", Actions: integrations.Actions{Chat: &lostPostChat{}}, Readonly: true, NoColor: true,
		Status: testStatus{Post: poster.post}})
	next, cmd := m.Update(tea.KeyPressMsg{Code: 'U', Text: "U"})
	if cmd != nil {
		if msg := cmd(); msg != nil {
			if _, drafted := msg.(statusDraftMsg); drafted {
				t.Fatal("read-only, U asked for a draft")
			}
		}
	}
	nm := next.(Model)
	if got := nm.toast.text; got != "read-only: a status update refused" {
		t.Errorf("toast %q", got)
	}
	if nm.inputLine() != nil {
		t.Error("read-only, U opened the input line")
	}
}
