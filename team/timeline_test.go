package team

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

func note(text string) timeline.Entry {
	return timeline.Entry{Record: integrations.Record{Source: "test", Kind: integrations.KindNote, Actor: "tester", Text: text}}
}

// hashes is the chain of a list of entries, to compare orders.
func hashes(es []timeline.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Hash
	}
	return out
}

// checkOnce fails unless entries hold each of want exactly once.
func checkOnce(t *testing.T, es []timeline.Entry, want []string) {
	t.Helper()
	count := map[string]int{}
	for _, e := range es {
		count[e.Text]++
	}
	for _, w := range want {
		if count[w] != 1 {
			t.Errorf("entry %q is on the shared timeline %d times, want once", w, count[w])
		}
	}
	if len(es) != len(want) {
		t.Errorf("shared timeline has %d entries, want %d", len(es), len(want))
	}
}

func testConcurrentWriters(t *testing.T, writers, each int) {
	ts := startTestServer(t, nil)
	var tls []*Timeline
	for range writers {
		c := dial(t, Options{URL: ts.url()})
		tls = append(tls, openTimeline(t, c, t.TempDir(), "INC-1", TimelineOptions{}))
	}
	var want []string
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w, tl := range tls {
		for i := range each {
			want = append(want, fmt.Sprintf("writer %d note %d", w, i))
		}
		wg.Go(func() {
			for i := range each {
				stored, err := tl.Append(note(fmt.Sprintf("writer %d note %d", w, i)))
				if err == nil && (len(stored) != 1 || stored[0].Seq == 0) {
					err = fmt.Errorf("append returned %+v", stored)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all, err := tls[0].ReadAll(context.Background())
	if err != nil {
		t.Fatalf("the shared timeline does not verify: %v", err)
	}
	checkOnce(t, all, want)
	for w, tl := range tls {
		eventually(t, 5*time.Second, fmt.Sprintf("writer %d sees every entry", w), func() bool { return len(tl.Entries()) == len(want) })
		if !slices.Equal(hashes(tl.Entries()), hashes(all)) {
			t.Errorf("writer %d sees another order than the server's", w)
		}
		if err := tl.Verify(); err != nil {
			t.Errorf("writer %d: verify: %v", w, err)
		}
	}
}

func TestTwoWritersAppendingConcurrentlyKeepOneChain(t *testing.T) {
	testConcurrentWriters(t, 2, 100)
}

func TestFiveWritersAppendingConcurrentlyKeepOneChain(t *testing.T) {
	testConcurrentWriters(t, 5, 50)
}

func TestForeignEntriesReachOnForeignInOrderAndOwnDoNot(t *testing.T) {
	ts := startTestServer(t, nil)
	var mu sync.Mutex
	var got []string
	a := openTimeline(t, dial(t, Options{URL: ts.url()}), t.TempDir(), "INC-1", TimelineOptions{})
	b := openTimeline(t, dial(t, Options{URL: ts.url()}), t.TempDir(), "INC-1", TimelineOptions{OnForeign: func(es []timeline.Entry) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range es {
			got = append(got, e.Text)
		}
	}})
	for i := range 5 {
		if _, err := a.Append(note(fmt.Sprint("from a ", i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Append(note("from b")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "b hears a's five entries", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 5 })
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"from a 0", "from a 1", "from a 2", "from a 3", "from a 4"}; !slices.Equal(got, want) {
		t.Errorf("OnForeign got %q, want %q (in order, without b's own entry)", got, want)
	}
}

func TestAppendRedactsSecretsBeforeTheyLeave(t *testing.T) {
	ts := startTestServer(t, nil)
	a := openTimeline(t, dial(t, Options{URL: ts.url()}), t.TempDir(), "INC-1", TimelineOptions{})
	secret := "xoxb-1234567890-abcdefghij"
	if _, err := a.Append(note("posted with " + secret)); err != nil {
		t.Fatal(err)
	}
	all, err := a.ReadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Text != "posted with [REDACTED:slack-token]" {
		t.Errorf("server holds %+v", all)
	}
}

func TestAmendmentsCrossTheJournalAndEraseIsRefused(t *testing.T) {
	ts := startTestServer(t, nil)
	a := openTimeline(t, dial(t, Options{URL: ts.url()}), t.TempDir(), "INC-1", TimelineOptions{})
	b := openTimeline(t, dial(t, Options{URL: ts.url()}), t.TempDir(), "INC-1", TimelineOptions{})
	first, err := a.Append(note("db failover at 10:02"))
	if err != nil {
		t.Fatal(err)
	}
	fix := timeline.Amend(first[0], integrations.OpText)
	fix.Text, fix.Source, fix.Actor = "db failover at 10:03", "test", "bob"
	fix.Fields = map[string]string{"why": "clock"}
	if _, err := b.Append(fix); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "a sees b's amendment", func() bool { return len(a.Entries()) == 2 })
	got := a.Entries()[1]
	if got.Kind != integrations.KindAmend || got.Target != first[0].ID || got.Op != integrations.OpText || !maps.Equal(got.Fields, map[string]string{"why": "clock"}) {
		t.Errorf("amendment arrived as %+v", got)
	}
	if v := timeline.NewView(a.Entries()); v.Len() != 1 || v.Row(0).Text != "db failover at 10:03" {
		t.Errorf("view after amendment: %+v", v.Rows())
	}
	if _, err := b.Append(timeline.Amend(first[0], integrations.OpErase)); !errors.Is(err, timeline.ErrEraseUnsupported) {
		t.Errorf("erase on the shared timeline: %v, want it refused", err)
	}
}
