package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/warroomhq/warroom/integrations"
)

// keyEventsFixture is a stretch of record where the few entries that tell
// the story are buried among mechanical ones.
func keyEventsFixture() []integrations.Record {
	rec := func(id, hm, kind, actor, text string) integrations.Record {
		return integrations.Record{ID: id, Occurred: at(hm), Source: "drill", Kind: kind, Actor: actor, Text: text}
	}
	out := []integrations.Record{
		rec("e1", "07:15", "alert.triggered", "", "[critical] web: HTTP 5xx above 5%"),
		rec("e2", "07:16", "incident.detected", "dana", "detected"),
		rec("e3", "07:18", "decision", "dana", "scale web up by hand"),
		rec("e4", "07:20", "runbook.step.end", "dana", "step 1 scale done"),
		rec("e5", "07:21", integrations.KindRunbookDone, "dana", "scale-up done after 3m"),
		rec("e6", "07:22", "oddone", "", "edge-2/web/web-b: error 31% vs peer 0.5%"),
		rec("e7", "07:24", "source.status", "", "haproxy: unreachable"),
		rec("e8", "07:30", "alert.resolved", "", "[critical] web: HTTP 5xx above 5%"),
	}
	for i := range 40 { // mechanical: fleet changes and drift, one per instance
		out = append(out, rec("m"+string(rune('a'+i%26))+string(rune('a'+i/26)), "07:19", "fleet.change", "", "web: i-0"+string(rune('a'+i%26))+" InService"))
	}
	return out
}

// TestTimelineKeyEventsOnly: K shows only the key events; entries arriving
// meanwhile (late ones in their place) and stars join or leave the list as
// they qualify, and K again shows every entry.
func TestTimelineKeyEventsOnly(t *testing.T) {
	p := newTimelinePane()
	p.add(keyEventsFixture(), false)
	p.toggleKeyOnly()
	if got, want := listedIDs(&p), "e1 e2 e3 e5 e6 e7 e8"; got != want {
		t.Fatalf("key events %q, want %q", got, want)
	}
	p.add([]integrations.Record{
		{ID: "e9", Occurred: at("07:17"), Kind: "note", Actor: "bob", Text: "the provisioner lock is held since Friday"}, // late
		{ID: "e10", Occurred: at("07:31"), Kind: "fleet.change", Text: "web: desired 12 → 4"},
		{ID: "s1", Occurred: at("07:32"), Kind: "amend", Text: "star", Target: "e4", Op: "star"},
	}, false)
	if got, want := listedIDs(&p), "e1 e2 e9 e3 e4 e5 e6 e7 e8"; got != want {
		t.Fatalf("after more entries and a star: %q, want %q", got, want)
	}
	p.add([]integrations.Record{{ID: "s2", Occurred: at("07:33"), Kind: "amend", Text: "unstar", Target: "e4", Op: "unstar"}}, false)
	if got, want := listedIDs(&p), "e1 e2 e9 e3 e5 e6 e7 e8"; got != want {
		t.Fatalf("after the unstar: %q, want %q", got, want)
	}
	p.list.cursor, p.list.follow = 4, false // on e5, read back from the newest
	p.add([]integrations.Record{{ID: "s3", Occurred: at("07:34"), Kind: "amend", Text: "star", Target: "e4", Op: "star"}}, false)
	if row, _ := p.selected(); row.rec.ID != "e5" {
		t.Fatalf("a star above the cursor moved it to %s, want it kept on e5", row.rec.ID)
	}
	p.list.setFilter("dana", &p)
	if got, want := listedIDs(&p), "e2 e3 e4 e5"; got != want {
		t.Fatalf("key events filtered /dana: %q, want %q", got, want)
	}
	p.list.setFilter("", &p)
	p.toggleKeyOnly()
	if n := p.list.count(len(p.rows)); n != len(p.rows) {
		t.Fatalf("K again lists %d of %d entries", n, len(p.rows))
	}
}

// TestTimelineKeyEventsGolden: the pane's title says it shows key events,
// and of how many entries.
func TestTimelineKeyEventsGolden(t *testing.T) {
	m := screenModel(120, 40, testOpts{})
	recs := keyEventsFixture()
	for i := range recs { // IDs of their own: the screen's fixture has e1, e2, … already
		recs[i].ID = "k" + recs[i].ID
	}
	m.apply(integrations.Batch{Records: recs})
	m.setFocus(paneTimeline)
	m = pressAll(m, "K")
	out := m.timeline.draw(PlainStyles(), 90, 14, true, fixtureNow)
	if !strings.Contains(out, "key events") {
		t.Errorf("title does not say key events:\n%s", out)
	}
	golden.RequireEqual(t, out)
}
