package team

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// An amendment names an entry of the shared timeline: the journal, a
// timeline file of its own, must keep it without amending (or refusing
// it for targeting) one of its own entries.
func TestJournalKeepsAmendmentsOfTheSharedTimelineIntact(t *testing.T) {
	j, err := timeline.Open(filepath.Join(t.TempDir(), JournalFile), timeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	to := time.Date(2026, 12, 1, 10, 2, 0, 0, time.UTC)
	amend := timeline.Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e50", Op: integrations.OpTime, To: to, Source: "test", Actor: "bob", Text: "it began earlier", Occurred: to.Add(time.Hour), Fields: map[string]string{"why": "logs"}}}
	plain := timeline.Entry{Record: integrations.Record{Kind: integrations.KindNote, Source: "test", Text: "a note", Occurred: to, Fields: map[string]string{"k": "v"}}}
	stored, err := j.Append(toJournal(amend), toJournal(plain))
	if err != nil {
		t.Fatalf("the journal refused a shared amendment: %v", err)
	}
	if stored[0].Kind == integrations.KindAmend || stored[0].Target != "" {
		t.Errorf("the journal holds a live amendment of its own entries: %+v", stored[0])
	}
	if view := timeline.NewView(j.Entries()); view.Len() != 2 {
		t.Errorf("the journal's own view has %d rows, want both entries as written", view.Len())
	}
	for i, want := range []timeline.Entry{amend, plain} {
		if got := fromJournal(stored[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("entry %d back from the journal:\n got %+v\nwant %+v", i, got, want)
		}
	}
}
