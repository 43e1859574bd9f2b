package timeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// fixedClock returns a clock that advances one second per call from start.
func fixedClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	t := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func openTemp(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := OpenIncident(t.TempDir(), "inc-1", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAppendAssignsIdentityAndPersists(t *testing.T) {
	start := time.Date(2026, 1, 9, 7, 0, 0, 0, time.UTC)
	s := openTemp(t, Options{Now: fixedClock(start)})
	occurred := time.Date(2026, 1, 9, 6, 59, 0, 0, time.FixedZone("CET", 3600))
	got, err := s.Append(
		Entry{Record: integrations.Record{Source: "pagerduty", Kind: integrations.KindAlertTriggered, Occurred: occurred, Text: "web 5xx", Fields: map[string]string{"service": "web"}, Links: []string{"https://pd.example/incidents/1"}}},
		Entry{Record: integrations.Record{Source: "warroom", Kind: integrations.KindNote, Actor: "ana", Text: "looking"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].ID != "e1" || got[0].Seq != 1 || got[1].ID != "e2" || got[1].Seq != 2 {
		t.Fatalf("ids/seqs: %+v", got)
	}
	if !got[0].Occurred.Equal(occurred) || got[0].Occurred.Location() != time.UTC {
		t.Errorf("occurred = %v, want %v in UTC", got[0].Occurred, occurred)
	}
	if !got[1].Occurred.Equal(got[1].Recorded) || got[1].Recorded.IsZero() {
		t.Errorf("zero occurred should default to recorded: %+v", got[1])
	}
	if got[0].Prev != genesisHash || got[1].Prev != got[0].Hash || got[1].Hash == got[0].Hash {
		t.Errorf("hash chain not linked: %+v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote}}); !errors.Is(err, ErrClosed) {
		t.Errorf("append after close: %v", err)
	}

	re, err := Open(s.Path(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	reread := re.Entries()
	if len(reread) != 2 || reread[0].Fields["service"] != "web" || reread[0].Links[0] != got[0].Links[0] || reread[1].Hash != got[1].Hash {
		t.Fatalf("reopened entries differ: %+v", reread)
	}
	more, err := re.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "after reopen"}})
	if err != nil {
		t.Fatal(err)
	}
	if more[0].Seq != 3 || more[0].Prev != got[1].Hash {
		t.Errorf("append after reopen does not continue the chain: %+v", more[0])
	}
	if _, err := Verify(s.Path()); err != nil {
		t.Fatal(err)
	}
}

func TestAppendRejectsInvalidEntries(t *testing.T) {
	s := openTemp(t, Options{})
	first, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]Entry{
		"no kind":          {Record: integrations.Record{Text: "x"}},
		"unknown op":       {Record: integrations.Record{Kind: integrations.KindAmend, Target: first[0].ID, Op: "rewrite"}},
		"time without To":  {Record: integrations.Record{Kind: integrations.KindAmend, Target: first[0].ID, Op: integrations.OpTime}},
		"target not an id": {Record: integrations.Record{Kind: integrations.KindAmend, Target: "../x", Op: integrations.OpHide}},
		"future target":    {Record: integrations.Record{Kind: integrations.KindAmend, Target: "e99", Op: integrations.OpHide}},
		"op on non-amend":  {Record: integrations.Record{Kind: integrations.KindNote, Target: first[0].ID, Op: integrations.OpHide}},
		"year 10000":       {Record: integrations.Record{Kind: integrations.KindNote, Occurred: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for name, e := range cases {
		if _, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "ok"}}, e); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A failed call stores nothing, and the store keeps working.
	got, err := s.Append(Amend(first[0], integrations.OpStar))
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Seq != 2 {
		t.Errorf("a rejected call consumed sequence numbers: seq %d", got[0].Seq)
	}
	if n := len(s.Entries()); n != 2 {
		t.Errorf("%d entries stored, want 2", n)
	}
}

func TestConcurrentAppendsFormOneChain(t *testing.T) {
	s := openTemp(t, Options{})
	const writers, each = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: fmt.Sprintf("w%d-%d", w, i)}}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	entries := s.Entries()
	if len(entries) != writers*each {
		t.Fatalf("%d entries, want %d", len(entries), writers*each)
	}
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
	}
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
}

// openShared opens the incident "shared" in dir, closed when the test ends.
func openShared(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	s, err := OpenIncident(dir, "shared", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestTwoStoresOnOneFileInterleave(t *testing.T) {
	dir := t.TempDir()
	a := openShared(t, dir, Options{})
	b := openShared(t, dir, Options{})
	for i := range 3 {
		if _, err := a.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: fmt.Sprint("a", i)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: fmt.Sprint("b", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Verify(); err != nil {
		t.Fatal(err)
	}
	// b has seen all of a's entries; a has seen b's up to its last commit.
	if n := len(b.Entries()); n != 6 {
		t.Errorf("b sees %d entries, want 6", n)
	}
	if n := len(a.Entries()); n != 5 {
		t.Errorf("a sees %d entries, want 5", n)
	}
	got, err := a.Refresh()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Text != "b2" || got[0].Seq != 6 {
		t.Errorf("Refresh returned %+v, want b's last entry", got)
	}
	if n := len(a.Entries()); n != 6 {
		t.Errorf("a sees %d entries after Refresh, want 6", n)
	}
	if got, err := a.Refresh(); err != nil || len(got) != 0 {
		t.Errorf("second Refresh: %v, %v", got, err)
	}
}

func TestOpenRecoversTornTail(t *testing.T) {
	s := openTemp(t, Options{})
	if _, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "one"}}, Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "two"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	whole, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	torn := append(append([]byte{}, whole...), `{"id":"e3","seq":3,"occurred":"2026-01-`...)
	if err := os.WriteFile(s.Path(), torn, 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, err := Verify(s.Path()); !errors.As(err, &ce) || ce.Problems[0].Kind != ProblemTorn || ce.Problems[0].Line != 3 {
		t.Fatalf("verify before reopening: %v", err)
	}

	re, err := Open(s.Path(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	entries := re.Entries()
	if len(entries) != 3 || entries[0].Text != "one" || entries[1].Text != "two" {
		t.Fatalf("entries after recovery: %+v", entries)
	}
	rec := entries[2]
	if rec.Kind != integrations.KindTimelineRecovered || rec.Seq != 3 || rec.Fields["discarded_bytes"] != fmt.Sprint(len(torn)-len(whole)) || rec.Fields["after_line"] != "2" {
		t.Errorf("recovery entry: %+v", rec)
	}
	if _, err := Verify(s.Path()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenKeepsWholeLastEntryWithoutNewline(t *testing.T) {
	s := openTemp(t, Options{})
	if _, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "one"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, _ := os.ReadFile(s.Path())
	if err := os.WriteFile(s.Path(), data[:len(data)-1], 0o600); err != nil {
		t.Fatal(err)
	}
	re, err := Open(s.Path(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	if got := re.Entries(); len(got) != 1 || got[0].Text != "one" {
		t.Fatalf("entries: %+v", got)
	}
	if _, err := re.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "two"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(s.Path()); err != nil {
		t.Fatal(err)
	}
}

// writeLines creates a timeline of n notes and returns its path and lines.
func writeLines(t *testing.T, n int) (string, []string) {
	t.Helper()
	s := openTemp(t, Options{})
	for i := range n {
		if _, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: fmt.Sprint("note ", i+1)}}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	return s.Path(), strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestVerifySaysWhatIsWrongAndWhere(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(lines []string) []string
		want   []Problem // Line, Seq and Kind
		detail string    // in one problem's Detail, if set
	}{
		{"changed text", func(l []string) []string {
			l[2] = strings.Replace(l[2], "note 3", "note X", 1)
			return l
		}, []Problem{{Line: 3, Seq: 3, Kind: ProblemChanged}}, "content does not match its hash"},
		{"changed and rehashed", func(l []string) []string {
			l[2] = rehash(t, strings.Replace(l[2], "note 3", "note X", 1))
			return l
		}, []Problem{{Line: 4, Seq: 4, Kind: ProblemChanged}}, "does not link to the one before it (seq 3)"},
		{"removed", func(l []string) []string {
			return append(l[:1:1], l[2:]...)
		}, []Problem{{Line: 2, Seq: 3, Kind: ProblemRemoved}}, "seq 2 before this line was removed"},
		{"removed last", func(l []string) []string {
			return l[:4]
		}, nil, ""},
		{"swapped", func(l []string) []string {
			l[1], l[2] = l[2], l[1]
			return l
		}, []Problem{{Line: 2, Seq: 3, Kind: ProblemReordered}, {Line: 3, Seq: 2, Kind: ProblemReordered}}, "seq 3 comes before seq 2 (line 3)"},
		{"duplicated", func(l []string) []string {
			return append(l[:3:3], append([]string{l[1]}, l[3:]...)...)
		}, []Problem{{Line: 4, Seq: 2, Kind: ProblemReordered}}, "seq 2 is also on line 2"},
		{"garbage line, then swapped", func(l []string) []string {
			l[0] = "hello\n"
			l[2], l[3] = l[3], l[2]
			return l
		}, []Problem{{Line: 1, Kind: ProblemMalformed}, {Line: 2, Seq: 2, Kind: ProblemRemoved}, {Line: 3, Seq: 4, Kind: ProblemReordered}, {Line: 4, Seq: 3, Kind: ProblemReordered}},
			"seq 4 comes before seq 3 (line 4)"},
		{"garbage line", func(l []string) []string {
			l[1] = "hello\n"
			return l
		}, []Problem{{Line: 2, Kind: ProblemMalformed}, {Line: 3, Seq: 3, Kind: ProblemRemoved}}, "not a JSON entry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, lines := writeLines(t, 5)
			if err := os.WriteFile(path, []byte(strings.TrimSuffix(strings.Join(tc.tamper(lines), ""), "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Verify(path)
			if tc.want == nil {
				// Removing the newest entries leaves a valid shorter chain:
				// the hash chain cannot tell, by design.
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Verify = %v, want a CorruptError", err)
			}
			var got []Problem
			for _, p := range ce.Problems {
				got = append(got, Problem{Line: p.Line, Seq: p.Seq, Kind: p.Kind})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("problems = %v\nwant %v\n(%v)", got, tc.want, err)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("no problem says %q: %v", tc.detail, err)
			}
			if _, err := Open(path, Options{}); !errors.As(err, &ce) {
				t.Errorf("Open of a corrupt file = %v, want a CorruptError", err)
			}
		})
	}
}

// rehash recomputes a line's own hash after it was edited, as a careful
// forger would.
func rehash(t *testing.T, line string) string {
	t.Helper()
	body := strings.TrimSuffix(line, "\n")
	var e Entry
	if st := decodeLine([]byte(body), &e); st.err != "" {
		t.Fatal(st.err)
	}
	enc := newLineEncoder()
	if err := enc.encode(&e); err != nil {
		t.Fatal(err)
	}
	return enc.buf.String()
}

func TestIncidentPathRejectsTraversal(t *testing.T) {
	for _, id := range []string{"", "../etc", "a/b", ".hidden", `a\b`, "two words", "é", strings.Repeat("x", 201)} {
		if _, err := IncidentPath("/state", id); err == nil {
			t.Errorf("IncidentPath accepted %q", id)
		}
	}
	p, err := IncidentPath("/state", "2026-01-09-web")
	if err != nil || p != filepath.Join("/state", "incidents", "2026-01-09-web", FileName) {
		t.Errorf("IncidentPath = %q, %v", p, err)
	}
}

func TestFilePermissionsArePrivate(t *testing.T) {
	s := openTemp(t, Options{})
	info, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("timeline file mode %v, want 0600", perm)
	}
}

// TestGroupCommitSharesOneSync holds the file lock so that the first
// append's commit waits, queues twenty more appends behind it, and checks
// that they are all written by one further commit (one write, one sync).
func TestGroupCommitSharesOneSync(t *testing.T) {
	var mu sync.Mutex
	commits := 0
	s := openTemp(t, Options{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		commits++ // the store reads the clock once per commit
		return time.Date(2026, 1, 9, 23, 0, commits, 0, time.UTC)
	}})
	other, err := os.Open(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := flock(other, syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			s.mu.Lock()
			ok := cond()
			s.mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s", what)
			}
		}
	}

	const queued = 20
	var wg sync.WaitGroup
	results := make([]Entry, queued+1)
	appendAt := func(i int) {
		defer wg.Done()
		got, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: fmt.Sprint(i)}})
		if err != nil {
			t.Error(err)
			return
		}
		results[i] = got[0]
	}
	wg.Add(1)
	go appendAt(0)
	waitFor("the first commit started", func() bool { return s.flushing })
	wg.Add(queued)
	for i := 1; i <= queued; i++ {
		go appendAt(i)
	}
	waitFor("all appends queued", func() bool { return len(s.queue) == queued })
	if err := flock(other, syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if commits != 2 {
		t.Errorf("%d commits for %d appends queued behind one, want 2", commits, queued)
	}
	for i, e := range results[1:] {
		if !e.Recorded.Equal(results[1].Recorded) || e.Recorded.Equal(results[0].Recorded) {
			t.Errorf("append %d was recorded at %v, apart from the shared commit", i+1, e.Recorded)
		}
	}
	if n := len(s.Entries()); n != queued+1 {
		t.Errorf("%d entries, want %d", n, queued+1)
	}
}

func TestOnForeignReportsEveryOtherWritersEntryOnce(t *testing.T) {
	dir := t.TempDir()
	var seen []string
	a := openShared(t, dir, Options{OnForeign: func(es []Entry) {
		for _, e := range es {
			seen = append(seen, e.Text)
		}
	}})
	b := openShared(t, dir, Options{})
	for i := range 3 {
		if _, err := b.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: fmt.Sprint("b", i)}}); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			// a's own append takes in b0 and b1 on the way.
			if _, err := a.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Text: "a"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := a.Refresh(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, " "); got != "b0 b1 b2" {
		t.Fatalf("OnForeign saw %q, want b0 b1 b2 once each", got)
	}
}
