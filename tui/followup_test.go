package tui

import (
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
)

// pressSaved presses k and runs the record command it returns, handing the
// stored record back to the model as the program would.
func pressSaved(t *testing.T, m Model, k string) Model {
	t.Helper()
	next, cmd := m.Update(keyMsg(k))
	if cmd == nil {
		t.Fatalf("%s recorded nothing", k)
	}
	next, _ = next.(Model).Update(cmd())
	return next.(Model)
}

// TestFollowUpKeyOnTimelineAndChat: F on a timeline entry or a chat line
// records a note the postmortem's Follow-ups section lists, with the line's
// text and author, linked to the entry it came from.
func TestFollowUpKeyOnTimelineAndChat(t *testing.T) {
	store := &memoryStore{}
	m := screenModel(120, 40, Options{Record: store.record, User: "dana"})
	m.apply(integrations.Batch{
		Chat: []integrations.Message{{ID: "1736666400.000100", User: "erin", Text: "the sync's alert never fired", At: at("07:30")}},
		Records: []integrations.Record{{ID: "e77", Occurred: at("07:30"), Source: "slack", Kind: "chat.message", Actor: "erin",
			Text: "the sync's alert never fired", Fields: map[string]string{"ts": "1736666400.000100"}}},
	})
	m.setFocus(paneTimeline)
	m = pressAll(m, "k") // e40: carol's "entry number N", the row above the chat line
	m = pressSaved(t, m, "F")
	m.setFocus(paneChat)
	m = pressSaved(t, m, "F")

	want := []struct{ text, ref string }{
		{"Follow-up: entry number N (from carol)", "e40"},
		{"Follow-up: the sync's alert never fired (from erin)", "e77"},
	}
	if len(store.recs) != len(want) {
		t.Fatalf("recorded %d entries: %+v", len(store.recs), store.recs)
	}
	var rows []timeline.Row
	for i, w := range want {
		r := store.recs[i]
		if r.Kind != "note" || r.Actor != "dana" || r.Text != w.text || r.Fields["ref"] != w.ref {
			t.Errorf("recorded %+v, want note %q ref %s", r, w.text, w.ref)
		}
		rows = append(rows, timeline.Row{Entry: timeline.Entry{Record: integrations.Record{Kind: r.Kind, Actor: r.Actor, Text: r.Text}}, Text: r.Text})
	}
	if got := export.FollowUps(rows); len(got) != 2 || got[1].Text != "the sync's alert never fired (from erin)" {
		t.Errorf("the export's follow-ups: %+v", got)
	}
	for _, id := range []string{"n1", "n2"} {
		if _, ok := m.timeline.byID[id]; !ok {
			t.Errorf("the timeline pane does not have follow-up %s once saved", id)
		}
	}
}
