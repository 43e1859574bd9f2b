package timeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/internal/crashtest"
)

// crashChildEnv names the timeline file a re-executed test binary appends
// to until it is killed.
const crashChildEnv = "WARROOM_TIMELINE_CRASH_CHILD"

// crashChild appends from several goroutines, so batches share syncs, and
// prints "durable <seq> <text>" once Append has returned. It stops by
// itself after a minute in case its parent died.
func crashChild(path string) {
	s, err := Open(path, Options{})
	if err != nil {
		fmt.Println("open failed:", err)
		os.Exit(2)
	}
	deadline := time.Now().Add(time.Minute)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				text := fmt.Sprintf("g%d-%d", g, i)
				got, err := s.Append(Entry{Record: integrations.Record{Source: "crash-test", Kind: integrations.KindNote, Text: text}})
				if err != nil {
					fmt.Println("append failed:", err)
					os.Exit(2)
				}
				fmt.Printf("durable %d %s\n", got[0].Seq, text)
			}
		})
	}
	wg.Wait()
	os.Exit(0)
}

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
	}
	os.Exit(m.Run())
}

// TestCrashKeepsEveryDurableEntry kills an appending child with SIGKILL
// three times; after each kill, every entry the child reported durable is
// in the file with its text, and the file verifies.
func TestCrashKeepsEveryDurableEntry(t *testing.T) {
	path := t.TempDir() + "/" + FileName
	reported := map[int64]string{}
	for round := range 3 {
		seen := runAndKill(t, path, 100*(round+1))
		for seq, text := range seen {
			reported[seq] = text
		}
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		bySeq := map[int64]string{}
		for _, e := range s.Entries() {
			bySeq[e.Seq] = e.Text
		}
		s.Close()
		for seq, text := range reported {
			if bySeq[seq] != text {
				t.Fatalf("round %d: reported-durable entry %d (%q) reads %q after the crash", round, seq, text, bySeq[seq])
			}
		}
		if _, err := Verify(path); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if len(reported) < 600 {
		t.Fatalf("only %d entries reported durable", len(reported))
	}
}

// runAndKill starts the child, kills it once it has reported at least
// min more durable entries, and returns everything it reported.
func runAndKill(t *testing.T, path string, min int) map[int64]string {
	t.Helper()
	seen := map[int64]string{}
	crashtest.RunAndKill(t, crashChildEnv, path, min, func(f []string) error {
		if len(f) != 2 {
			return errors.New("want seq and text")
		}
		seq, err := strconv.ParseInt(f[0], 10, 64)
		seen[seq] = f[1]
		return err
	})
	return seen
}

// FuzzReadTimeline feeds arbitrary bytes to the reader. It must never
// panic; every line is either an entry or a reported problem; the entries
// it accepts are chained in sequence when it reports nothing.
func FuzzReadTimeline(f *testing.F) {
	enc := newLineEncoder()
	prev := genesisHash
	for i := range 3 {
		e := Entry{Record: integrations.Record{ID: entryID(int64(i + 1)), Kind: integrations.KindNote, Text: fmt.Sprint("n", i), Occurred: time.Date(2026, 1, 9, 23, 59, i, 0, time.UTC), Fields: map[string]string{"k": "v"}}, Seq: int64(i + 1), Prev: prev}
		if err := enc.encode(&e); err != nil {
			f.Fatal(err)
		}
		prev = e.Hash
	}
	valid := enc.buf.Bytes()
	f.Add(valid)
	f.Add(erasedTimeline(f))
	f.Add(valid[:len(valid)-7])
	f.Add([]byte("{}\n\n{\"seq\":1}"))
	f.Add([]byte(strings.Repeat("\x00", 64)))
	f.Add([]byte(`{"id":"e1","seq":1,"occurred":"2026-01-09T23:59:00Z","recorded":"2026-01-09T23:59:00Z","source":"\u00e9\ud83d\ude00","kind":"k","text":"a\"\\\/\n\t\u003c","fields":{},"links":["x"],"prev":"","hash":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, line := range bytes.Split(data, []byte("\n")) {
			checkFastDecodeAgrees(t, line)
		}
		res := scanLines(data, startOfFile)
		lines := strings.Count(string(data[:res.whole]), "\n")
		if res.whole > 0 && data[res.whole-1] != '\n' {
			lines++ // a whole last entry without its newline
		}
		malformed := 0
		for _, p := range res.problems {
			if p.Line < 1 || p.Line > lines+1 {
				t.Fatalf("problem on line %d of %d: %v", p.Line, lines, p)
			}
			if p.Kind == ProblemMalformed {
				malformed++
			}
		}
		if len(res.entries)+malformed != lines {
			t.Fatalf("%d entries + %d malformed lines != %d lines", len(res.entries), malformed, lines)
		}
		if len(res.problems) == 0 {
			prev := genesisHash
			for i, e := range res.entries {
				if e.Seq != int64(i+1) || e.Prev != prev {
					t.Fatalf("accepted a broken chain at entry %d", i)
				}
				prev = e.Hash
			}
		}
	})
}

// BenchmarkAppendParallel measures durable appends with many concurrent
// appenders sharing syncs, as during an alert storm.
func BenchmarkAppendParallel(b *testing.B) {
	s, err := Open(b.TempDir()+"/"+FileName, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(32)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Append(Entry{Record: integrations.Record{Source: "pagerduty", Kind: integrations.KindAlertTriggered, Text: "web-7 5xx rate above 5% for 5 minutes", Fields: map[string]string{"service": "web", "severity": "critical"}}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkAppendSerial is one appender waiting for each sync: the floor
// group commit improves on.
func BenchmarkAppendSerial(b *testing.B) {
	s, err := Open(b.TempDir()+"/"+FileName, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if _, err := s.Append(Entry{Record: integrations.Record{Source: "warroom", Kind: integrations.KindNote, Text: "note"}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// writeBig creates a timeline of n chat messages for the benchmarks.
func writeBig(b *testing.B, n int) string {
	path := b.TempDir() + "/" + FileName
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	batch := make([]Entry, 1000)
	for i := 0; i < n; i += len(batch) {
		for j := range batch {
			batch[j] = Entry{Record: integrations.Record{Source: "slack", Kind: integrations.KindChatMessage, Actor: "ana", Occurred: time.Date(2026, 1, 9, 7, 30, 0, 0, time.UTC).Add(time.Duration(i+j) * time.Second), Text: "restarting haproxy on edge-2, then edge-3; watch the 503 rate", Fields: map[string]string{"channel": "C0INCIDENT", "ts": "1736407800.000100"}}}
		}
		if _, err := s.Append(batch...); err != nil {
			b.Fatal(err)
		}
	}
	return path
}

// BenchmarkOpen100k opens a 100,000-entry timeline, which reads and
// verifies every entry.
func BenchmarkOpen100k(b *testing.B) {
	path := writeBig(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Entries()) != 100_000 {
			b.Fatal("wrong count")
		}
		s.Close()
	}
}

// BenchmarkVerify100k is `warroom timeline verify` on 100,000 entries.
func BenchmarkVerify100k(b *testing.B) {
	path := writeBig(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(path); err != nil {
			b.Fatal(err)
		}
	}
}

// checkFastDecodeAgrees fails if decodeFast accepts a line and decodes it
// differently from encoding/json.
func checkFastDecodeAgrees(t *testing.T, line []byte) {
	var fast, slow Entry
	if !decodeFast(line, &fast) {
		return
	}
	if err := json.Unmarshal(line, &slow); err != nil {
		t.Fatalf("decodeFast accepted %q, which encoding/json rejects: %v", line, err)
	}
	for _, pair := range [][2]*time.Time{{&fast.Occurred, &slow.Occurred}, {&fast.Recorded, &slow.Recorded}, {&fast.To, &slow.To}} {
		if !pair[0].Equal(*pair[1]) || pair[0].Format(time.RFC3339Nano) != pair[1].Format(time.RFC3339Nano) {
			t.Fatalf("time differs for %q: %v vs %v", line, *pair[0], *pair[1])
		}
		*pair[0], *pair[1] = time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decodeFast and encoding/json differ on %q:\n%#v\n%#v", line, fast, slow)
	}
}

// erasedTimeline returns a timeline file holding a scrubbed entry and its
// erase amendment.
func erasedTimeline(f *testing.F) []byte {
	s, err := Open(f.TempDir()+"/"+FileName, Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	got, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindChatMessage, Text: "pw \"x\"\n", Fields: map[string]string{"k": "v"}, Links: []string{"l"}}})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := s.Append(Amend(got[0], integrations.OpErase)); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(s.Path())
	if err != nil {
		f.Fatal(err)
	}
	return data
}
