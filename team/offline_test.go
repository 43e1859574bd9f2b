package team

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

func TestWriterCutOffFromTheServerQueuesAndPublishesOnceOnReconnect(t *testing.T) {
	ts := startTestServer(t, nil)
	var mu sync.Mutex
	var shownToA []string // what a's screen is given as it lands
	a := openTimeline(t, dial(t, Options{URL: ts.url()}), t.TempDir(), "INC-1", TimelineOptions{OnForeign: func(es []timeline.Entry) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range es {
			shownToA = append(shownToA, e.Text)
		}
	}})
	b := openTimeline(t, dial(t, Options{URL: ts.url()}), t.TempDir(), "INC-1", TimelineOptions{})
	if _, err := a.Append(note("before the cut")); err != nil {
		t.Fatal(err)
	}
	ts.stop()
	eventually(t, 5*time.Second, "a notices the cut", func() bool { return !a.Status().Online })

	for i, text := range []string{"during the cut 1", "during the cut 2"} {
		start := time.Now()
		stored, err := a.Append(note(text))
		took := time.Since(start)
		var q *QueuedError
		if !errors.As(err, &q) || !errors.Is(err, integrations.ErrQueued) || len(stored) != 0 {
			t.Fatalf("offline append: %v, %+v; want a QueuedError", err, stored)
		}
		if q.Queued != i+1 {
			t.Errorf("queued %d, want %d", q.Queued, i+1)
		}
		if took < 2*time.Second-50*time.Millisecond || took > 3*time.Second {
			t.Errorf("offline append took %s, want about the 2 s append timeout", took)
		}
	}
	if got := a.Status().String(); got != "team: offline · 2 queued" {
		t.Errorf("status while cut off: %q", got)
	}

	ts.start()
	want := []string{"before the cut", "during the cut 1", "during the cut 2"}
	eventually(t, 10*time.Second, "a publishes its queue", func() bool { return a.Status().Queued == 0 })
	eventually(t, 10*time.Second, "b sees the queued entries", func() bool { return len(b.Entries()) == len(want) })
	if got := a.Status().String(); got != "team: online" {
		t.Errorf("status after reconnecting: %q", got)
	}
	all, err := b.ReadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkOnce(t, all, want)
	if _, err := a.Append(note("after the cut")); err != nil {
		t.Errorf("append after reconnecting: %v", err)
	}
	// a's own queued entries were answered "queued", never "stored": they
	// reach a's screen when published, once; the ones answered stored do
	// not come again.
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(shownToA, " | "); got != "during the cut 1 | during the cut 2" {
		t.Errorf("a was shown %q; want its two queued entries, once each", got)
	}
}

// A verb run while the server is down leaves its entry queued in the
// journal; the next process on the machine publishes it. Two processes
// sharing the journal and publishing at once still publish each entry
// once.
func TestQueuedEntriesOfAClosedSessionArePublishedOnceByTheNextOnes(t *testing.T) {
	ts := startTestServer(t, nil)
	state := t.TempDir()
	first := openTimeline(t, dial(t, Options{URL: ts.url()}), state, "INC-1", TimelineOptions{})
	if _, err := first.Append(note("online")); err != nil {
		t.Fatal(err)
	}
	first.Close()
	ts.stop()

	verb := openTimeline(t, dial(t, Options{URL: ts.url()}), state, "INC-1", TimelineOptions{AppendTimeout: 200 * time.Millisecond})
	if q := verb.Status().Queued; q != 0 {
		t.Errorf("a journal whose entries the server has shows %d queued", q)
	}
	for _, text := range []string{"queued 1", "queued 2"} {
		var q *QueuedError
		if _, err := verb.Append(note(text)); !errors.As(err, &q) {
			t.Fatalf("append with the server down: %v", err)
		}
	}
	verb.Close()

	screen := openTimeline(t, dial(t, Options{URL: ts.url()}), state, "INC-1", TimelineOptions{})
	verb2 := openTimeline(t, dial(t, Options{URL: ts.url()}), state, "INC-1", TimelineOptions{})
	if q := screen.Status().Queued; q != 2 {
		t.Errorf("reopened offline, queued %d, want 2", q)
	}
	ts.start()
	eventually(t, 10*time.Second, "both publish the queue", func() bool {
		return screen.Status().Queued == 0 && verb2.Status().Queued == 0
	})
	other := openTimeline(t, dial(t, Options{URL: ts.url()}), t.TempDir(), "INC-1", TimelineOptions{})
	all, err := other.ReadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkOnce(t, all, []string{"online", "queued 1", "queued 2"})
	if len(other.Entries()) != 3 {
		t.Errorf("a new reader sees %d entries, want 3", len(other.Entries()))
	}
}

// Should a writer ever publish an entry twice beyond the server's
// duplicate window, readers still show it once; the stored chain, the
// duplicate a link in it, verifies.
func TestDuplicateOnTheServerIsShownOnce(t *testing.T) {
	ts := startTestServer(t, nil)
	c := dial(t, Options{URL: ts.url()})
	if _, err := c.js.CreateStream(context.Background(), jetstream.StreamConfig{
		Name: TimelineStream, Subjects: []string{timelineSubject + ">"}, Duplicates: 100 * time.Millisecond, AllowDirect: true,
	}); err != nil {
		t.Fatal(err)
	}
	a := openTimeline(t, c, t.TempDir(), "INC-1", TimelineOptions{})
	stored, err := a.Append(note("said once"))
	if err != nil {
		t.Fatal(err)
	}
	last, err := a.stream.GetLastMsgForSubject(context.Background(), a.subject)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // past the server's duplicate window
	again, line, err := timeline.Seal(note("said once"), timeline.Link{Seq: stored[0].Seq, Hash: stored[0].Hash}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.js.Publish(context.Background(), a.subject, line, jetstream.WithMsgID(last.Header.Get(jetstream.MsgIDHeader)),
		jetstream.WithExpectLastSequencePerSubject(last.Sequence)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Append(note("after")); err != nil {
		t.Fatal(err)
	}
	b := openTimeline(t, dial(t, Options{URL: ts.url()}), t.TempDir(), "INC-1", TimelineOptions{})
	for name, tl := range map[string]*Timeline{"writer": a, "reader": b} {
		if got := tl.Entries(); len(got) != 2 || got[0].Text != "said once" || got[1].Text != "after" {
			t.Errorf("%s shows %+v", name, got)
		}
		if d := tl.Status().Duplicates; d != 1 {
			t.Errorf("%s counted %d duplicates, want 1", name, d)
		}
	}
	all, err := b.ReadAll(context.Background())
	if err != nil || len(all) != 3 || all[1].ID != again.ID {
		t.Errorf("stored chain: %d entries, %v", len(all), err)
	}
}
