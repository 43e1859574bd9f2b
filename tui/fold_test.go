package tui

import (
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/record"
)

// TestEraseOfAnAmendmentHidesWhatItSaid: a correction that itself leaked
// a secret is erased; the pane folds with the timeline's own view, so the
// entry it corrected and the correction's own row both stop showing it.
func TestEraseOfAnAmendmentHidesWhatItSaid(t *testing.T) {
	p := newTimelinePane()
	p.add([]integrations.Record{
		{ID: "e1", Occurred: at("07:20"), Kind: integrations.KindNote, Actor: "dana", Text: "db password rotated"},
		{ID: "a1", Occurred: at("07:21"), Kind: integrations.KindAmend, Actor: "dana", Text: "db password is hunter2", Target: "e1", Op: integrations.OpText},
	}, false)
	if row := p.rows[0]; row.rec.Text != "db password is hunter2" || !row.edited {
		t.Fatalf("after the correction: %+v", row)
	}
	p.add([]integrations.Record{{ID: "x1", Occurred: at("07:22"), Kind: integrations.KindAmend, Actor: "dana", Text: "leaked a secret", Target: "a1", Op: integrations.OpErase}}, false)
	for _, i := range []int{0, 1} {
		if row := p.rows[i]; strings.Contains(row.rec.Text, "hunter2") || row.rec.Text != record.ErasedText {
			t.Errorf("row %s after the erase reads %q, want %q", row.rec.ID, row.rec.Text, record.ErasedText)
		}
	}
	p.list.setFilter("hunter2", &p)
	if n := p.list.count(len(p.rows)); n != 0 {
		t.Errorf("the filter still finds the erased text in %d rows", n)
	}
}
