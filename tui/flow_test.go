package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/integrations"
)

// memoryStore stands in for the timeline store: it records what the
// screen asked to persist, or fails when told to.
type memoryStore struct {
	mu   sync.Mutex
	recs []integrations.Record
	fail error
}

func (s *memoryStore) record(_ context.Context, r integrations.Record) (integrations.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return r, s.fail
	}
	s.recs = append(s.recs, r)
	r.ID = fmt.Sprintf("n%d", len(s.recs))
	return r, nil
}

func newTestModel(t *testing.T, store *memoryStore) *teatest.TestModel {
	t.Helper()
	return testOpts{Title: "Monday surge", Drill: true, Notice: "simulated world", User: "dana",
		IncidentStart: fixtureNow, Clock: func() time.Time { return fixtureNow }, Record: store.record, NoColor: true}.program(t, 120, 40)
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func TestNoteFlowRecordsDurablyThenShows(t *testing.T) {
	store := &memoryStore{}
	tm := newTestModel(t, store)
	waitFor(t, tm, "DRILL")
	tm.Send(tea.KeyPressMsg{Code: 'n', Text: "n"})
	waitFor(t, tm, "note ▸")
	tm.Type("scaling web to 12")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "scaling web to 12")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)

	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.recs) != 1 || store.recs[0].Text != "scaling web to 12" || store.recs[0].Actor != "dana" || store.recs[0].Kind != "note" {
		t.Fatalf("store got %+v", store.recs)
	}
	rows := final.timeline.rows
	if len(rows) != 1 || rows[0].rec.ID != "n1" || rows[0].unsaved {
		t.Fatalf("timeline pane rows %+v, want the stored note", rows)
	}
}

func TestNoteThatFailsToSaveIsKept(t *testing.T) {
	store := &memoryStore{fail: errors.New("disk full")}
	tm := newTestModel(t, store)
	tm.Send(tea.KeyPressMsg{Code: 'n', Text: "n"})
	tm.Type("decided to throttle")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "NOT saved")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if len(final.timeline.rows) != 0 {
		t.Fatal("an unsaved note was shown on the timeline as if recorded")
	}
	if final.drafts[inputNote] != "decided to throttle" {
		t.Fatalf("the typed note was lost: %q", final.drafts[inputNote])
	}
}

// TestNoteQueuedForTheTeamIsNotTypedTwice: a note the team server did not
// take in time is saved in the local journal; the screen says so and
// drops the draft, since typing it again would record it twice, and shows
// no row until the published entry arrives.
func TestNoteQueuedForTheTeamIsNotTypedTwice(t *testing.T) {
	store := &memoryStore{fail: fmt.Errorf("team server not reached: %w", integrations.ErrQueued)}
	tm := newTestModel(t, store)
	tm.Send(tea.KeyPressMsg{Code: 'n', Text: "n"})
	tm.Type("paged the DBA")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "note queued: the team server was not reached")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if len(final.timeline.rows) != 0 {
		t.Fatal("a queued note was shown on the timeline before the server had it")
	}
	if d, ok := final.drafts[inputNote]; ok {
		t.Fatalf("the queued note was kept as a draft to type again: %q", d)
	}
}

func TestBatchesReachPanesAndFocusMoves(t *testing.T) {
	tm := newTestModel(t, &memoryStore{})
	tm.Send(integrations.Batch{
		Alerts:  map[string][]integrations.Alert{"pagerduty": fixtureAlerts()},
		Fleet:   map[string][]integrations.Group{"aws": fixtureGroups()},
		Chat:    fixtureChat(),
		Records: fixtureRecords(3),
		Status:  map[string]integrations.SourceStatus{"aws": fixtureStatuses()["aws"]},
	})
	waitFor(t, tm, "HTTP 5xx above 5%")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if final.focus != paneFleet {
		t.Errorf("focus %d after tab, tab, shift+tab; want fleet", final.focus)
	}
	if len(final.alerts.sorted) != 4 || len(final.chat.messages) != 3 || len(final.timeline.rows) != 3 {
		t.Errorf("panes did not take the batch: %d alerts, %d messages, %d rows",
			len(final.alerts.sorted), len(final.chat.messages), len(final.timeline.rows))
	}
}

func TestHelpToggles(t *testing.T) {
	tm := newTestModel(t, &memoryStore{})
	tm.Send(tea.KeyPressMsg{Code: '?', Text: "?"})
	waitFor(t, tm, "previous pane")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !final.help.ShowAll {
		t.Error("? did not open the full help")
	}
}
