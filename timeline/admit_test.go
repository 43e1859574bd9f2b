package timeline

import (
	"slices"
	"testing"

	"github.com/warroomhq/warroom/integrations"
)

// Admit sees, under the file lock, what another store appended since its
// last commit before the entries it is about to write, and what it leaves
// out is not stored: the check and the write are one step.
func TestAdmitSeesForeignEntriesBeforeWriting(t *testing.T) {
	dir := t.TempDir()
	var seen []string
	admit := func(foreign, entries []Entry) []Entry {
		for _, e := range foreign {
			seen = append(seen, e.Text)
		}
		return slices.DeleteFunc(slices.Clone(entries), func(e Entry) bool { return slices.Contains(seen, e.Text) })
	}
	a := openShared(t, dir, Options{Admit: admit})
	b := openShared(t, dir, Options{})
	if _, err := b.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "web scaled to 12"}}); err != nil {
		t.Fatal(err)
	}
	stored, err := a.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "web scaled to 12"}}, Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "throttle lifted"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].Text != "throttle lifted" || stored[0].Seq != 2 {
		t.Fatalf("stored %+v, want only the entry b had not written, after b's", stored)
	}
	if err := a.Verify(); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadFile(a.Path())
	if err != nil || len(entries) != 2 {
		t.Fatalf("the file holds %d entries (%v), want 2", len(entries), err)
	}
}
