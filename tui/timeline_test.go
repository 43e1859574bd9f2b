package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/integrations"
)

// TestTimelineJumpStarEditDecide walks the timeline pane's own keys: jump
// to a time, star the entry there, correct its text, and record a
// decision. Every change reaches the store as a new entry; the pane shows
// the amended state.
func TestTimelineJumpStarEditDecide(t *testing.T) {
	store := &memoryStore{}
	tm := loaded(t, Options{Record: store.record, User: "dana"})
	press(tm, "4", "t")
	tm.Type("07:15:30")
	press(tm, "enter", "s", "e")
	tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}) // clear the prefilled text
	tm.Type("retried launch by hand")
	press(tm, "enter", "d")
	tm.Type("throttle free tier at 30%")
	press(tm, "enter")
	teatest.WaitFor(t, tm.Output(), func([]byte) bool { store.mu.Lock(); defer store.mu.Unlock(); return len(store.recs) == 3 },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	final := finish(t, tm)

	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.recs) != 3 {
		t.Fatalf("store got %d entries, want star, edit and decision: %+v", len(store.recs), store.recs)
	}
	star, edit, decision := store.recs[0], store.recs[1], store.recs[2]
	if star.Amends == nil || star.Amends.Op != "star" || star.Amends.Target != "e31" {
		t.Errorf("star = %+v, want a star amendment of e31 (07:15:30)", star)
	}
	if edit.Amends == nil || edit.Amends.Op != "text" || edit.Amends.Target != "e31" || edit.Text != "retried launch by hand" {
		t.Errorf("edit = %+v", edit)
	}
	if decision.Kind != "decision" || decision.Actor != "dana" || decision.Text != "throttle free tier at 30%" {
		t.Errorf("decision = %+v", decision)
	}
	row := final.timeline.rows[final.timeline.byID["e31"]]
	if !row.starred || !row.edited || row.rec.Text != "retried launch by hand" {
		t.Errorf("row e31 shows %+v, want starred and edited", row)
	}
	if original := fixtureRecords(31)[30]; original.Text == row.rec.Text {
		t.Error("the amendment did not change the row")
	}
}

func TestJumpParsesTimesOfDayAndDates(t *testing.T) {
	now := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"07:15":            time.Date(2026, 1, 12, 7, 15, 0, 0, time.UTC),
		"07:15:30":         time.Date(2026, 1, 12, 7, 15, 30, 0, time.UTC),
		"2026-01-11 23:59": time.Date(2026, 1, 11, 23, 59, 0, 0, time.UTC),
	} {
		got, err := parseJump(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseJump(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseJump("soon", now); err == nil {
		t.Error(`parseJump accepted "soon"`)
	}
}

func TestAmendmentForUnknownEntryIsShownNotApplied(t *testing.T) {
	p := newTimelinePane()
	p.add(fixtureRecords(2), false)
	p.add([]integrations.Record{{ID: "x", Kind: "amend", Text: "new", Amends: &integrations.Amendment{Target: "nope", Op: "text"}}}, false)
	if len(p.rows) != 3 || p.rows[0].edited || p.rows[1].edited {
		t.Fatalf("rows %+v", p.rows)
	}
}

func TestMarkKeyTimes(t *testing.T) {
	store := &memoryStore{}
	tm := loaded(t, Options{Record: store.record, User: "dana"})
	press(tm, "m")
	tm.Type("fixed it")
	press(tm, "enter") // not a key time: refused, text kept
	tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	tm.Type("mitigated error rate under 1% after the throttle")
	press(tm, "enter")
	teatest.WaitFor(t, tm.Output(), func([]byte) bool { store.mu.Lock(); defer store.mu.Unlock(); return len(store.recs) == 1 },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	finish(t, tm)
	store.mu.Lock()
	defer store.mu.Unlock()
	if r := store.recs[0]; r.Kind != "incident.mitigated" || r.Text != "error rate under 1% after the throttle" || r.Actor != "dana" {
		t.Fatalf("recorded %+v", r)
	}
}

func TestEntryDetailShowsEverything(t *testing.T) {
	row := timelineRow{starred: true, edited: true, rec: integrations.Record{ID: "e7", Kind: "runbook.step.end", Source: "runbook", Actor: "dana",
		Occurred: at("07:31"), Text: "step 1 scale done in 5s: web desired 4 → 12, 12 in service",
		Fields: map[string]string{"result": "ok", "duration": "5s", "output": "line one\nline two"}}}
	golden.RequireEqual(t, frame(PlainStyles(), "Entry e7", entryDetail(PlainStyles(), row, 48), 50, 14, true))
}
