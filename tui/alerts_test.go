package tui

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
)

// `a` then `a`: the first acknowledges the top alert; the list re-sorts
// when the acknowledgement lands and another alert comes to the top; the
// second `a` must find the cursor still on the alert it acknowledged, not
// acknowledge the one that moved under it.
func TestAcknowledgeTwiceActsOnTheSameAlert(t *testing.T) {
	actor := &recordingActor{}
	tm := loaded(t, testOpts{Actions: integrations.Actions{Alerts: actor}})
	press(tm, "a")
	waitFor(t, tm, "acknowledge A2 done")
	// The next poll: A2 is acknowledged and sorts below A1.
	alerts := fixtureAlerts()
	alerts[1].Status = integrations.AlertAcknowledged
	tm.Send(integrations.Batch{Alerts: map[string][]integrations.Alert{"pagerduty": alerts}})
	press(tm, "a")
	waitFor(t, tm, "A2 is already acknowledged")
	final := finish(t, tm)
	if !slices.Equal(actor.acked, []string{"A2"}) {
		t.Fatalf("acknowledged %v, want only A2", actor.acked)
	}
	if a, _ := final.alerts.selected(); a.ID != "A2" {
		t.Fatalf("the cursor is on %s after the re-sort, want A2", a.ID)
	}
}

// lostAnswerActor answers every acknowledge too late, as a PagerDuty
// whose reply was lost; ReadAlert shows the alert as readStatus.
type lostAnswerActor struct {
	recordingActor
	readStatus integrations.AlertStatus
}

func (l *lostAnswerActor) Acknowledge(context.Context, string) error { return context.DeadlineExceeded }

func (l *lostAnswerActor) ReadAlert(_ context.Context, id string) (integrations.Alert, error) {
	return integrations.Alert{ID: id, Status: l.readStatus}, nil
}

// run executes a command as the program would and returns the messages it
// produces, batches and sequences unfolded.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, run(c)...)
		}
		return out
	case nil:
		return nil
	default:
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice { // tea.Sequence's message
			var out []tea.Msg
			for i := range v.Len() {
				if c, ok := v.Index(i).Interface().(tea.Cmd); ok {
					out = append(out, run(c)...)
				}
			}
			return out
		}
		return []tea.Msg{msg}
	}
}

// A timed-out acknowledge has an unknown outcome: it shows in flight on
// the Alerts pane, the toast says it is checking, and it is settled by
// reading the alert back — done when it landed, FAILED only when the
// alert is still triggered.
func TestTimedOutAcknowledgeIsCheckedNotFailed(t *testing.T) {
	for _, tc := range []struct {
		read integrations.AlertStatus
		want string
		bad  bool
	}{
		{integrations.AlertAcknowledged, "acknowledge A2 done: the answer was lost, and reading it back shows it acknowledged", false},
		{integrations.AlertTriggered, "acknowledge A2 FAILED: no answer, and reading it back shows it still triggered", true},
	} {
		t.Run(string(tc.read), func(t *testing.T) {
			actor := &lostAnswerActor{readStatus: tc.read}
			store := &memoryStore{}
			var m tea.Model = screenModel(120, 40, testOpts{Actions: integrations.Actions{Alerts: actor}, Record: store.record})
			m, cmd := m.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
			msgs := run(cmd)
			if len(msgs) != 2 {
				t.Fatalf("acknowledging produced %#v, want sent then answered", msgs)
			}
			m, _ = m.Update(msgs[0])
			if s := screen(m.(Model)); !strings.Contains(s, "ACK…") {
				t.Fatalf("the Alerts pane does not show the acknowledge in flight:\n%s", s)
			}
			m, cmd = m.Update(msgs[1])
			if s := screen(m.(Model)); !strings.Contains(s, "acknowledge A2: no answer in 15s — checking") || !strings.Contains(s, "ACK?") {
				t.Fatalf("a timed-out acknowledge does not say it is checking:\n%s", s)
			}
			for _, msg := range run(cmd) {
				var saving tea.Cmd
				m, saving = m.Update(msg)
				for _, msg := range run(saving) {
					m, _ = m.Update(msg)
				}
			}
			final := m.(Model)
			recs := store.recs
			if len(recs) != 1 || recs[0].Kind != "action.checked" || recs[0].Text != tc.want {
				t.Fatalf("recorded %+v, want the outcome %q on the timeline", recs, tc.want)
			}
			if final.toast.text != tc.want || final.toast.bad != tc.bad {
				t.Fatalf("settled with %+v, want %q (bad news: %v)", final.toast, tc.want, tc.bad)
			}
			if len(final.alerts.inflight) != 0 || strings.Contains(screen(final), "ACK?") {
				t.Fatalf("still in flight after settling: %v", final.alerts.inflight)
			}
		})
	}
}

// A chat post without an answer may have landed: the toast must not say
// it was not posted.
func TestTimedOutChatPostIsNotReportedUnsent(t *testing.T) {
	var m tea.Model = screenModel(120, 40, testOpts{})
	m, _ = m.Update(chatPostedMsg{text: "rolling back", err: context.DeadlineExceeded})
	final := m.(Model)
	if strings.Contains(final.toast.text, "NOT posted") || !strings.Contains(final.toast.text, "no answer in 15s — it may have been posted") {
		t.Fatalf("toast %q", final.toast.text)
	}
	if final.drafts[inputChat] != "rolling back" {
		t.Fatal("the text was not kept")
	}
}

// Alerts of one service sort together; each row still names its service,
// under column names, so no row reads as having none.
func TestAlertsPaneNamesTheServiceOfEveryRow(t *testing.T) {
	var p alertsPane
	p.set("pagerduty", []integrations.Alert{
		{ID: "B1", Service: "checkout", Severity: integrations.SeverityCritical, Status: integrations.AlertTriggered, Title: "checkout: 5xx", CreatedAt: at("07:10")},
		{ID: "B2", Service: "checkout", Severity: integrations.SeverityCritical, Status: integrations.AlertTriggered, Title: "checkout: latency", CreatedAt: at("07:05")},
	})
	out := ansi.Strip(p.draw(PlainStyles(), 80, 6, true, fixtureNow, nil, ""))
	lines := strings.Split(out, "\n")
	if !strings.Contains(lines[1], "SEV  STAT FIRED     SERVICE     TITLE") {
		t.Errorf("no column names above the alerts:\n%s", out)
	}
	for _, l := range lines[2:4] {
		if !strings.Contains(l, "checkout    checkout:") {
			t.Errorf("a row without its service: %q", l)
		}
	}
}

// With the column names taking a line, the cursor moved to the last of
// many alerts is still drawn.
func TestAlertsCursorStaysInViewBelowTheColumnNames(t *testing.T) {
	var alerts []integrations.Alert
	for i := range 40 {
		alerts = append(alerts, integrations.Alert{ID: fmt.Sprintf("C%02d", i), Service: "web", Severity: integrations.SeverityWarning,
			Status: integrations.AlertTriggered, Title: fmt.Sprintf("alert number %02d", i), CreatedAt: at("07:00").Add(-time.Duration(i) * time.Minute)})
	}
	m := screenModel(80, 24, testOpts{})
	m.apply(integrations.Batch{Alerts: map[string][]integrations.Alert{"pagerduty": alerts}})
	m.scrollPane(paneAlerts, 100)
	if s := screen(m); !strings.Contains(s, "▸ WARN TRIG") || !strings.Contains(s, "alert number 39") {
		t.Fatalf("the cursor on the last alert is out of view:\n%s", s)
	}
}
