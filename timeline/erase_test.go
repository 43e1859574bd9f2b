package timeline

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
)

// leakThenErase stores a chat message carrying a password no pattern
// knows, and an erase amendment of it; it returns the store, the message
// as first stored, and the file's bytes before the erasure.
func leakThenErase(t *testing.T) (*Store, Entry, []byte) {
	t.Helper()
	s := openTemp(t, Options{})
	stored, err := s.Append(
		Entry{Record: integrations.Record{Source: "slack", Kind: integrations.KindChatMessage, Actor: "carol", Text: "db password is Winter2026!", Fields: map[string]string{"password": "Winter2026!"}, Links: []string{"https://db.example/?pw=Winter2026!"}}},
		Entry{Record: integrations.Record{Source: "slack", Kind: integrations.KindChatMessage, Actor: "bob", Text: "thanks"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	erase := Amend(stored[0], integrations.OpErase)
	erase.Text = "password pasted in chat"
	if _, err := s.Append(erase); err != nil {
		t.Fatal(err)
	}
	return s, stored[0], before
}

func TestEraseRemovesContentFromTheFile(t *testing.T) {
	s, leak, before := leakThenErase(t)
	after, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(after, []byte("Winter2026")) {
		t.Fatalf("the erased password is still in the file:\n%s", after)
	}
	if !bytes.Equal(lines(after)[1], lines(before)[1]) {
		t.Error("erasing changed another line")
	}
	if len(lines(after)[0]) != len(lines(before)[0]) {
		t.Error("erasing changed the line's length")
	}
	if _, err := Verify(s.Path()); err != nil {
		t.Fatalf("verify after erasing: %v", err)
	}
	for name, entries := range map[string][]Entry{"in memory": s.Entries(), "reread": mustRead(t, s.Path())} {
		got := entries[0]
		if strings.Contains(got.Text+got.Fields["password"]+strings.Join(got.Links, ""), "Winter2026") || got.Hash != leak.Hash || got.Actor != "carol" {
			t.Errorf("%s, the erased entry reads %+v", name, got)
		}
	}
	if r := NewView(s.Entries()).Row(0); !r.Erased || r.Text != ErasedText {
		t.Errorf("view row: %+v", r)
	}
	// More entries chain on as before.
	if _, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "after"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(s.Path()); err != nil {
		t.Fatal(err)
	}
}

func TestEraseInterruptedByACrashIsCompletedOnOpen(t *testing.T) {
	s, _, before := leakThenErase(t)
	s.Close()
	// Put the content back, as if the process died after recording the
	// erase and before overwriting.
	after, _ := os.ReadFile(s.Path())
	restored := append(append([]byte{}, before...), after[len(before):]...)
	if err := os.WriteFile(s.Path(), restored, 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, err := Verify(s.Path()); !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Kind != ProblemErasePending || ce.Problems[0].Line != 1 {
		t.Fatalf("verify with the erase pending: %v", err)
	}
	re, err := Open(s.Path(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	data, _ := os.ReadFile(s.Path())
	if bytes.Contains(data, []byte("Winter2026")) {
		t.Error("opening did not complete the erase")
	}
	if strings.Contains(re.Entries()[0].Text, "Winter2026") {
		t.Error("the reopened store holds the erased text")
	}
	if _, err := Verify(s.Path()); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCatchesAnEditToAnErasedEntry(t *testing.T) {
	s, _, _ := leakThenErase(t)
	s.Close()
	data, _ := os.ReadFile(s.Path())
	edited := bytes.Replace(data, []byte(`"actor":"carol"`), []byte(`"actor":"mallo"`), 1)
	if err := os.WriteFile(s.Path(), edited, 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, err := Verify(s.Path()); !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Kind != ProblemChanged || ce.Problems[0].Line != 1 {
		t.Fatalf("verify after editing an erased entry: %v", err)
	}
	if _, err := Open(s.Path(), Options{}); !errors.As(err, &ce) {
		t.Fatalf("open after editing an erased entry: %v", err)
	}
}

func TestEraseALeakyCorrectionAndAcrossStores(t *testing.T) {
	dir := t.TempDir()
	a, err := OpenIncident(dir, "inc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenIncident(dir, "inc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	note, err := a.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "rotated the key"}})
	if err != nil {
		t.Fatal(err)
	}
	fix := Amend(note[0], integrations.OpText)
	fix.Text = "rotated key hunter2hunter2"
	corr, err := a.Append(fix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Append(Amend(corr[0], integrations.OpErase)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(a.Path())
	if bytes.Contains(data, []byte("hunter2")) {
		t.Error("the erased correction is still in the file")
	}
	if _, err := a.Refresh(); err != nil {
		t.Fatal(err)
	}
	if got := a.Entries()[1].Text; strings.Contains(got, "hunter2") {
		t.Errorf("the other store still holds the erased text: %q", got)
	}
	if r := NewView(a.Entries()).Row(0); r.Text != ErasedText {
		t.Errorf("row text after erasing its correction: %q", r.Text)
	}
	if _, err := Verify(a.Path()); err != nil {
		t.Fatal(err)
	}
}

func TestEraseNeedsTheTargetStored(t *testing.T) {
	s := openTemp(t, Options{})
	if _, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "x"}}, Entry{Record: integrations.Record{Kind: integrations.KindAmend, Target: "e1", Op: integrations.OpErase}}); err == nil {
		t.Error("erased an entry in the append that stores it")
	}
}

func lines(data []byte) [][]byte { return bytes.Split(data, []byte("\n")) }

func mustRead(t *testing.T, path string) []Entry {
	t.Helper()
	entries, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
