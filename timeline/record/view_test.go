package record

import (
	"fmt"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// stored gives entries the identity a store would.
func stored(entries ...Entry) []Entry {
	for i := range entries {
		entries[i].Seq = int64(i + 1)
		entries[i].ID = fmt.Sprintf("e%d", entries[i].Seq)
	}
	return entries
}

func TestViewAppliesAmendments(t *testing.T) {
	t0 := time.Date(2026, 1, 9, 23, 50, 0, 0, time.UTC)
	later := t0.Add(20 * time.Minute)
	entries := stored(
		Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "scale web to 20", Occurred: t0}},                                                   // e1
		Entry{Record: integrations.Record{Kind: integrations.KindChatMessage, Text: "pw is hunter2", Occurred: t0, Fields: map[string]string{"channel": "inc"}}}, // e2
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e1", Op: integrations.OpText, Text: "scale web to 24"}},                         // e3
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e1", Op: integrations.OpTime, To: later}},                                       // e4
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e1", Op: integrations.OpStar}},                                                  // e5
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e2", Op: integrations.OpErase, Text: "password"}},                               // e6
		Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "noise"}},                                                                           // e7
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e7", Op: integrations.OpHide}},                                                  // e8
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e1", Op: integrations.OpUnstar}},                                                // e9
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e1", Op: integrations.OpStar}},                                                  // e10
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e404", Op: integrations.OpStar}},                                                // e11
	)
	v := NewView(nil)
	changed := make([]int, len(entries))
	for i, e := range entries {
		changed[i] = v.Add(e)
	}
	if want := []int{0, 1, 0, 0, 0, 1, 2, 2, 0, 0, -1}; fmt.Sprint(changed) != fmt.Sprint(want) {
		t.Errorf("Add returned rows %v, want %v", changed, want)
	}
	if v.Len() != 3 {
		t.Fatalf("%d rows, want 3", v.Len())
	}
	r := v.Row(0)
	if r.Text != "scale web to 24" || !r.Occurred.Equal(later) || !r.Starred || r.Hidden || !r.Amended || r.Entry.Text != "scale web to 20" {
		t.Errorf("amended row: %+v", r)
	}
	r = v.Row(1)
	if !r.Erased || r.Text != ErasedText || r.Fields != nil || r.Entry.Text != ErasedText {
		t.Errorf("erased row: %+v", r)
	}
	if !v.Row(2).Hidden {
		t.Errorf("hidden row: %+v", v.Row(2))
	}
	if i, ok := v.Index("e7"); !ok || i != 2 {
		t.Errorf("Index(e7) = %d, %v", i, ok)
	}
	h := v.History("e1")
	var ids []string
	for _, e := range h {
		ids = append(ids, e.ID)
	}
	if fmt.Sprint(ids) != "[e1 e3 e4 e5 e9 e10]" || h[0].Text != "scale web to 20" {
		t.Errorf("history of e1: %v", ids)
	}
	if h := v.History("e2"); len(h) != 2 || h[0].Text != ErasedText {
		t.Errorf("history of an erased entry must not show its content: %+v", h)
	}
}

func TestViewErasesALeakyCorrection(t *testing.T) {
	entries := stored(
		Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "token rotated"}},                                           // e1
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e1", Op: integrations.OpText, Text: "rotated tok=abc"}}, // e2
		Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e2", Op: integrations.OpErase}},                         // e3
	)
	v := NewView(entries)
	if r := v.Row(0); r.Text != ErasedText {
		t.Errorf("row shows %q after its correction was erased", r.Text)
	}
	h := v.History("e1")
	if len(h) != 3 || h[1].Text != ErasedText || h[2].ID != "e3" {
		t.Errorf("history: %+v", h)
	}
	for _, id := range []string{"e1", "e2", "e3"} {
		if i, ok := v.RowOf(id); !ok || i != 0 {
			t.Errorf("RowOf(%s) = %d, %v; want row 0", id, i, ok)
		}
	}
	if v.IsErased("e1") || !v.IsErased("e2") || v.IsErased("e3") {
		t.Errorf("IsErased: e1 %v e2 %v e3 %v; want only e2", v.IsErased("e1"), v.IsErased("e2"), v.IsErased("e3"))
	}
}

func BenchmarkViewAdd(b *testing.B) {
	entries := make([]Entry, 100_000)
	for i := range entries {
		entries[i] = Entry{Record: integrations.Record{ID: fmt.Sprintf("e%d", int64(i+1)), Kind: integrations.KindNote, Text: "x"}, Seq: int64(i + 1)}
		if i%10 == 9 {
			entries[i] = Entry{Record: integrations.Record{ID: entries[i].ID, Kind: integrations.KindAmend, Target: fmt.Sprintf("e%d", int64(i)), Op: integrations.OpStar}, Seq: entries[i].Seq}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		NewView(entries)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(entries)), "ns/entry")
}
