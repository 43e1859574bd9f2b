package tui

import (
	"strings"
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
	if !star.IsAmendment() || star.Op != "star" || star.Target != "e31" {
		t.Errorf("star = %+v, want a star amendment of e31 (07:15:30)", star)
	}
	if !edit.IsAmendment() || edit.Op != "text" || edit.Target != "e31" || edit.Text != "retried launch by hand" {
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
	p.add([]integrations.Record{{ID: "x", Kind: "amend", Text: "new", Target: "nope", Op: "text"}}, false)
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

// TestTimelineListsEntriesByTheirTime is a restart mid-incident: the file
// holds the new session's opening (08:23) before alerts it then read with
// their own earlier times. The pane lists by the time each entry names,
// entries with the same time in the order they arrived, and a later batch
// with an older entry goes in its place.
func TestTimelineListsEntriesByTheirTime(t *testing.T) {
	rec := func(id, hm, kind, text string) integrations.Record {
		return integrations.Record{ID: id, Occurred: at(hm), Source: "warroom", Kind: kind, Text: text}
	}
	p := newTimelinePane()
	p.add([]integrations.Record{
		rec("e1", "08:23", "session.opened", "war-room opened on Monday surge"),
		rec("e2", "08:08", "alert.triggered", "[critical] web: HTTP 5xx above 5%"),
		rec("e3", "08:08", "chat.message", "same minute, arrived second"),
		{ID: "e4", Occurred: at("08:15"), Source: "warroom", Kind: "note", Actor: "dana", Text: "throttling free tier"},
	}, false)
	p.add([]integrations.Record{
		rec("e5", "08:30", "alert.resolved", "[critical] web: HTTP 5xx above 5%"),
		rec("e6", "08:10", "fleet.change", "web: desired capacity 4 → 12"),
	}, false)
	if got, want := listedIDs(&p), "e2 e3 e6 e4 e1 e5"; got != want {
		t.Errorf("timeline order %s, want %s", got, want)
	}
	if row, _ := p.selected(); row.rec.ID != "e5" {
		t.Errorf("following the newest entry, the cursor is on %s, want e5 (08:30)", row.rec.ID)
	}
	golden.RequireEqual(t, p.render(PlainStyles(), 70, 9, true, at("08:30")))

	// An alert's detail lists its entries in the same order.
	about := func(id, hm string) integrations.Record {
		r := rec(id, hm, "alert.note", "about A7")
		r.Fields = map[string]string{"alert": "A7"}
		return r
	}
	p.add([]integrations.Record{about("n1", "08:20"), about("n2", "08:40")}, false)
	p.add([]integrations.Record{about("n3", "08:09")}, false)
	var related []string
	for _, r := range p.related("A7", 10) {
		related = append(related, r.ID)
	}
	if got, want := strings.Join(related, " "), "n3 n1 n2"; got != want {
		t.Errorf("entries about alert A7: %s, want %s", got, want)
	}
}

// TestTimelineFilterAndCursorFollowEntriesIntoPlace: with a filter on and
// the cursor on an entry, an older entry arriving late and a correction
// of an entry's time both put entries in their place; the filter shows
// exactly the matching entries in time order and the cursor stays on the
// entry it was on, so the next key acts on it.
func TestTimelineFilterAndCursorFollowEntriesIntoPlace(t *testing.T) {
	p := newTimelinePane()
	p.add(fixtureRecords(10), false) // 07:15:00 … 07:15:09; chat.message at e2, e6, e10
	p.list.setFilter("chat", len(p.rows), p.match)
	p.list.move(-1, p.list.count(len(p.rows)), true)
	if row, _ := p.selected(); row.rec.ID != "e6" {
		t.Fatalf("cursor on %s, want e6", row.rec.ID)
	}
	late := integrations.Record{ID: "e11", Occurred: at("07:14"), Source: "slack", Kind: "chat.message", Text: "posted before the drill"}
	other := integrations.Record{ID: "e12", Occurred: at("07:15").Add(3500 * time.Millisecond), Source: "aws", Kind: "fleet.change", Text: "between"}
	p.add([]integrations.Record{late, other}, false)
	if got, want := listedIDs(&p), "e11 e2 e6 e10"; got != want {
		t.Errorf("filtered after a late entry: %s, want %s", got, want)
	}
	if row, _ := p.selected(); row.rec.ID != "e6" {
		t.Errorf("after a late entry the cursor is on %s, want e6", row.rec.ID)
	}
	moved := integrations.Record{ID: "e13", Occurred: at("07:16"), Kind: "amend", Text: "it was earlier",
		Target: "e10", Op: "time", To: at("07:14").Add(30 * time.Second)}
	p.add([]integrations.Record{moved}, false)
	if got, want := listedIDs(&p), "e11 e10 e2 e6"; got != want {
		t.Errorf("filtered after e10's time was corrected to 07:14:30: %s, want %s", got, want)
	}
	if row, _ := p.selected(); row.rec.ID != "e6" {
		t.Errorf("after a time correction the cursor is on %s, want e6", row.rec.ID)
	}
	p.list.setFilter("", len(p.rows), p.match)
	if got, want := listedIDs(&p), "e11 e10 e1 e2 e3 e4 e12 e5 e6 e7 e8 e9 e13"; got != want {
		t.Errorf("unfiltered: %s, want %s", got, want)
	}
}

// listedIDs is the pane's entries as the list shows them, top to bottom.
func listedIDs(p *timelinePane) string {
	cursor := p.list.cursor
	defer func() { p.list.cursor = cursor }()
	var ids []string
	for pos := range p.list.count(len(p.rows)) {
		p.list.cursor = pos
		row, _ := p.selected()
		ids = append(ids, row.rec.ID)
	}
	return strings.Join(ids, " ")
}

// TestMarkKeyTimeInThePast: a key time named after the fact is recorded at
// the time it names, with when it was said beside it; a time in the future
// or one that does not parse is refused and the text kept.
func TestMarkKeyTimeInThePast(t *testing.T) {
	store := &memoryStore{}
	tm := loaded(t, Options{Record: store.record, User: "dana"})
	for _, line := range []string{"started 07:10 first customer report", "detected at 07:15:44"} {
		press(tm, "m")
		tm.Type(line)
		press(tm, "enter")
	}
	teatest.WaitFor(t, tm.Output(), func([]byte) bool { store.mu.Lock(); defer store.mu.Unlock(); return len(store.recs) == 2 },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	finish(t, tm)
	store.mu.Lock()
	defer store.mu.Unlock()
	said := fixtureNow.Format(time.RFC3339)
	for i, want := range []integrations.Record{
		{Kind: "incident.started", Occurred: at("07:10"), Text: "first customer report"},
		{Kind: "incident.detected", Occurred: at("07:15").Add(44 * time.Second), Text: "detected"},
	} {
		r := store.recs[i]
		if r.Kind != want.Kind || !r.Occurred.Equal(want.Occurred) || r.Text != want.Text || r.Fields["said"] != said {
			t.Errorf("recorded %+v, want %s at %v %q said %s", r, want.Kind, want.Occurred, want.Text, said)
		}
	}
}

func TestMarkKeyTimeRefusesFutureAndNonsense(t *testing.T) {
	store := &memoryStore{}
	for line, want := range map[string]string{
		"mitigated 07:50 throttle holds": "is in the future",
		"resolved 2026-01-13 07:00":      "is in the future",
		"detected at noon":               `not a time: "noon"`,
		"started 7:6o":                   "not a time",
	} {
		m := screenModel(120, 40, Options{Record: store.record}) // the incident's clock says 07:40
		got := pressAll(typeInto(pressAll(m, "m"), line), "enter")
		if !strings.Contains(got.inputErr, want) || got.input != inputMark || got.field.Value() != line || got.saving != 0 {
			t.Errorf("%q: error %q (want %q), input %v %q, saving %d", line, got.inputErr, want, got.input, got.field.Value(), got.saving)
		}
	}
}

func TestMarkTimeAfterMidnightIsTheEveningBefore(t *testing.T) {
	zone := time.FixedZone("CET", 3600)
	start := time.Date(2026, 1, 11, 23, 40, 0, 0, zone)
	now := time.Date(2026, 1, 12, 0, 20, 0, 0, time.UTC) // 01:20 CET
	got, rest, err := markTime("23:55 first page", now, start)
	if want := time.Date(2026, 1, 11, 23, 55, 0, 0, zone); err != nil || !got.Equal(want) || rest != "first page" {
		t.Errorf("markTime = %v %q %v, want %v", got, rest, err, want)
	}
	if got, _, err := markTime("00:05", now, start); err != nil || !got.Equal(time.Date(2026, 1, 12, 0, 5, 0, 0, zone)) {
		t.Errorf("markTime(00:05) = %v %v", got, err)
	}
	for _, what := range []string{"error rate back under 1%", "5xx back under 1%", "12 instances in service"} {
		if got, rest, err := markTime(what, now, start); err != nil || !got.IsZero() || rest != what {
			t.Errorf("no time in %q: %v %q %v", what, got, rest, err)
		}
	}
}
