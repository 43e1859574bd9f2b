package export

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// mechanicalIncident: web scales from 4 to 12 and eight instances enter
// service over four minutes; a drift is polled five times, changes kind
// and clears; an alert fires, clears and fires again; a note is starred.
func mechanicalIncident() []timeline.Entry {
	var es []timeline.Entry
	add := func(min float64, kind, source, text string, fields map[string]string) {
		e := keyEntry(min, kind, "", fields)
		e.Source, e.Text = source, text
		es = append(es, e)
	}
	add(0, integrations.KindAlertTriggered, "pagerduty", "web 5xx", map[string]string{"alert": "Q1", "severity": "critical"})
	add(1, integrations.KindFleetChange, "aws", "web: desired capacity 4 → 12", map[string]string{"group": "web", "change": "desired", "from": "4", "to": "12"})
	for i := range 8 {
		id := fmt.Sprintf("i-%d", i)
		add(3+float64(i)/2, integrations.KindFleetChange, "aws", "web: instance "+id+" entered service 10.0.0."+fmt.Sprint(i), map[string]string{"group": "web", "change": "instance", "instance": id, "address": "10.0.0." + fmt.Sprint(i)})
	}
	// The drill world's own shape: no change field, a running count.
	add(10, integrations.KindFleetChange, "aws", "worker: desired capacity 6 → 8", map[string]string{"group": "worker", "from": "6", "to": "8"})
	add(11, integrations.KindFleetChange, "aws", "worker: i-a in service (7/8)", map[string]string{"group": "worker", "instance": "i-a"})
	add(12, integrations.KindFleetChange, "aws", "worker: i-b in service (8/8)", map[string]string{"group": "worker", "instance": "i-b"})
	drift := func(min float64, dead, missing, free string) {
		add(min, integrations.KindDrift, "drift", "slot drift on edge-1 web: dead "+dead+" missing "+missing, map[string]string{"group": "web", "instance": "edge-1", "backend": "web", "dead_slots": dead, "missing": missing, "free_slots": free})
	}
	drift(2, "", "i-0, i-1", "2")
	drift(3, "", "i-0", "2")
	drift(4, "", "i-0", "1")
	drift(5, "web3", "", "0") // changes kind: dead slots now
	drift(6, "web3", "", "0")
	add(7, integrations.KindDriftCleared, "drift", "slot drift edge-1 web cleared", map[string]string{"group": "web", "instance": "edge-1", "backend": "web"})
	add(8, integrations.KindAlertResolved, "pagerduty", "web 5xx cleared", map[string]string{"alert": "Q1"})
	add(9, integrations.KindAlertTriggered, "pagerduty", "web 5xx", map[string]string{"alert": "Q1", "severity": "critical"})
	add(30, integrations.KindFleetChange, "aws", "web: desired capacity 12 → 8", map[string]string{"group": "web", "change": "desired", "from": "12", "to": "8"}) // past the window: its own row
	add(31, integrations.KindNote, "warroom", "drift was the stale sync", nil)
	rows := keyRows(es...)
	entries := entriesOf(rows)
	star := timeline.Amend(entries[len(entries)-1], integrations.OpStar)
	star.ID, star.Seq, star.Source = fmt.Sprintf("e%d", len(entries)+1), int64(len(entries)+1), "warroom"
	return append(entries, star)
}

func TestFullTimelineFoldsMechanicalEntries(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, mechanicalIncident(), Options{Incident: "i"}); err != nil {
		t.Fatal(err)
	}
	sec := section(t, buf.String(), "Full timeline")
	for _, want := range []string{
		"| aws | fleet.change ×9 |  | web: desired 4 → 12; 8 instances entered service 07:03:00–07:06:30 (i-0, i-1, i-2, i-3, i-4, i-5, i-6, i-7) |",
		"| drift | drift ×3 |  | slot drift on edge-1 web: dead  missing i-0, i-1 (recorded 3 times 07:02:00–07:04:00; latest: slot drift on edge-1 web: dead  missing i-0) |",
		"| drift | drift ×2 |  | slot drift on edge-1 web: dead web3 missing  (recorded 2 times 07:05:00–07:06:00; latest: slot drift on edge-1 web: dead web3 missing ) |",
		"| drift | drift.cleared |  | slot drift edge-1 web cleared |",
		"| aws | fleet.change |  | web: desired capacity 12 → 8 |",
		"| aws | fleet.change ×3 |  | worker: desired 6 → 8; 2 instances in service 07:11:00–07:12:00 (i-a, i-b) |",
		"| warroom | note |  | ★ drift was the stale sync |",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("full timeline lacks %q:\n%s", want, sec)
		}
	}
	if rows := strings.Count(sec, "\n| <a id="); rows != 10 {
		t.Errorf("%d rows for 23 entries, want 10:\n%s", rows, sec)
	}
	if strings.Contains(sec, "| amend |") {
		t.Errorf("the star is a row of its own:\n%s", sec)
	}
}

// TestFoldingLosesNothing: every entry the draft shows has its anchor in
// the full timeline, and the JSON export still has every entry.
func TestFoldingLosesNothing(t *testing.T) {
	for name, entries := range map[string][]timeline.Entry{"mechanical": mechanicalIncident(), "fixture": fixture(t)} {
		var md, js bytes.Buffer
		if err := Markdown(&md, entries, Options{Incident: "i"}); err != nil {
			t.Fatal(err)
		}
		full := section(t, md.String(), "Full timeline")
		for _, r := range shownRows(timeline.NewView(entries)) {
			if n := strings.Count(full, `<a id="`+r.Entry.ID+`"></a>`); n != 1 {
				t.Errorf("%s: entry %s is in %d rows of the full timeline", name, r.Entry.ID, n)
			}
		}
		if err := JSON(&js, entries, Options{Incident: "i"}); err != nil {
			t.Fatal(err)
		}
		doc, err := ReadJSON(&js)
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Entries) != len(entries) {
			t.Errorf("%s: the JSON export has %d of %d entries", name, len(doc.Entries), len(entries))
		}
		for i := range entries {
			if doc.Entries[i].ID != entries[i].ID || doc.Entries[i].Hash != entries[i].Hash {
				t.Errorf("%s: JSON entry %d is %s, want %s", name, i, doc.Entries[i].ID, entries[i].ID)
			}
		}
	}
}

func TestKeyEventsAreTheReadableTimeline(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, mechanicalIncident(), Options{Incident: "i"}); err != nil {
		t.Fatal(err)
	}
	sec := section(t, buf.String(), "Key events")
	var got []string
	for line := range strings.Lines(sec) {
		if strings.HasPrefix(line, "| 2026") {
			got = append(got, strings.TrimSpace(line))
		}
	}
	want := []string{
		"| 2026-01-12 07:00:00 UTC | **alert fired:** web 5xx |  | [e1](#e1) |",
		"| 2026-01-12 07:08:00 UTC | **alert cleared:** web 5xx cleared |  | [e20](#e20) |",
		"| 2026-01-12 07:09:00 UTC | **alert fired again:** web 5xx |  | [e21](#e21) |",
		"| 2026-01-12 07:31:00 UTC | ★ **note:** drift was the stale sync |  | [e23](#e23) |",
	}
	// Not the fleet changes, nor the drift.
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("key events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
