package team

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// pagerSource is an alert source that counts its API calls: every poll
// reports the open alert, and the first poll of each run reports its
// trigger again, as a restarted adapter does.
type pagerSource struct {
	calls   *atomic.Int64
	fired   time.Time
	every   time.Duration
	samples bool
}

func (p pagerSource) Name() string { return "pagerduty" }

func (p pagerSource) Run(ctx context.Context, pub integrations.Publisher) error {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for first := true; ; first = false {
		p.calls.Add(1)
		now := time.Now().UTC()
		pub.Publish(integrations.AlertsSnapshot{Source: "pagerduty", Alerts: []integrations.Alert{{ID: "A1", Title: "checkout 5xx", CreatedAt: p.fired}}})
		pub.Publish(integrations.StatusChanged{Status: integrations.SourceStatus{Source: "pagerduty", State: integrations.SourceState("ok"), LastSuccess: now}})
		if p.samples {
			pub.Publish(integrations.SamplesTaken{Source: "pagerduty", Samples: []integrations.Sample{{Time: now, Source: "pagerduty", Target: "checkout", Metric: "open", Value: float64(p.calls.Load())}}})
		}
		if first {
			pub.Publish(integrations.Record{Source: "pagerduty", Kind: integrations.KindAlertTriggered, Occurred: p.fired,
				Text: "checkout 5xx triggered", Fields: map[string]string{"alert": "A1"}})
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// replayFilter is the application's replay filter reduced to its keys:
// an observation whose subject the timeline holds is dropped.
type replayFilter struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (f *replayFilter) admit(foreign, entries []timeline.Entry) []timeline.Entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range foreign {
		if subject, _, ok := integrations.StandardReplay(e.Record); ok {
			f.seen[e.Source+subject] = true
		}
	}
	var out []timeline.Entry
	for _, e := range entries {
		subject, _, ok := integrations.StandardReplay(e.Record)
		if ok && f.seen[e.Source+subject] {
			continue
		}
		if ok {
			f.seen[e.Source+subject] = true
		}
		out = append(out, e)
	}
	return out
}

// warroom is one responder's warroom for the poller tests: its shared
// timeline, its shared source and what reached its screen.
type warroom struct {
	client *Client
	tl     *Timeline
	shared *Shared
	stop   context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	alerts  int // alert snapshots shown
	samples int
}

func (w *warroom) Publish(e integrations.Event) {
	switch e := e.(type) {
	case integrations.Record:
		w.tl.Append(timeline.Entry{Record: e})
	case integrations.AlertsSnapshot:
		w.mu.Lock()
		w.alerts++
		w.mu.Unlock()
	case integrations.SamplesTaken:
		w.mu.Lock()
		w.samples += len(e.Samples)
		w.mu.Unlock()
	}
}

func (w *warroom) shown() (alerts, samples int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.alerts, w.samples
}

func startWarroom(t testing.TB, ts *testServer, who string, src pagerSource) *warroom {
	t.Helper()
	w := &warroom{client: dial(t, Options{URL: ts.url(), Name: who}), done: make(chan struct{})}
	f := &replayFilter{seen: map[string]bool{}}
	w.tl = openTimeline(t, w.client, t.TempDir(), "INC-9", TimelineOptions{Admit: f.admit})
	f.admit(w.tl.Entries(), nil)
	e, err := w.client.Elector(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	w.shared = w.client.Share(e, "INC-9", who, src)
	ctx, cancel := context.WithCancel(context.Background())
	w.stop = cancel
	go func() {
		defer close(w.done)
		w.shared.Run(ctx, w)
	}()
	t.Cleanup(w.kill)
	return w
}

// kill ends the warroom as a crash does: its source stops and its
// connection drops, without resigning.
func (w *warroom) kill() {
	w.client.Close()
	w.stop()
	<-w.done
}

func TestFiveRespondersMakeTheAPICallsOfOne(t *testing.T) {
	ts := startTestServer(t, nil)
	var calls atomic.Int64
	src := pagerSource{calls: &calls, fired: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), every: 100 * time.Millisecond, samples: true}
	rooms := startWarrooms(t, ts, 5, src)
	eventually(t, 10*time.Second, "every warroom shows the alerts and samples", func() bool {
		for _, w := range rooms {
			if a, s := w.shown(); a < 3 || s < 3 {
				return false
			}
		}
		return true
	})
	// Only the poller ever ran the real source: the others only replayed.
	pollers := 0
	for _, w := range rooms {
		switch runs := w.shared.Polls(); {
		case runs > 0 && w.shared.Leading():
			pollers++
		case runs > 0:
			t.Errorf("%s ran the source without being the poller", w.client.Identity())
		}
	}
	if pollers != 1 {
		t.Errorf("%d warrooms polled", pollers)
	}
}

func startWarrooms(t testing.TB, ts *testServer, n int, src pagerSource) []*warroom {
	var rooms []*warroom
	for i := range n {
		rooms = append(rooms, startWarroom(t, ts, fmt.Sprintf("r%d", i+1), src))
	}
	return rooms
}

// BenchmarkAPICallsOfFiveResponders reports the API calls per minute a
// source polled every 100 ms costs with one warroom and with five.
func BenchmarkAPICallsOfFiveResponders(b *testing.B) {
	for range b.N {
		for _, n := range []int{1, 5} {
			ts := startTestServer(b, nil)
			var calls atomic.Int64
			src := pagerSource{calls: &calls, fired: time.Now().UTC(), every: 100 * time.Millisecond, samples: true}
			rooms := startWarrooms(b, ts, n, src)
			time.Sleep(time.Second) // elected and polling
			start, began := calls.Load(), time.Now()
			time.Sleep(3 * time.Second)
			b.ReportMetric(float64(calls.Load()-start)/time.Since(began).Minutes(), fmt.Sprintf("calls/min-%dresponders", n))
			for _, w := range rooms {
				w.kill()
			}
			ts.stop()
		}
	}
}

func TestThePollersWarroomKilledAnotherTakesOverWithoutADuplicate(t *testing.T) {
	ts := startTestServer(t, nil)
	var calls atomic.Int64
	src := pagerSource{calls: &calls, fired: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), every: 50 * time.Millisecond}
	a := startWarroom(t, ts, "alice", src)
	eventually(t, 5*time.Second, "alice polls", a.shared.Leading)
	b := startWarroom(t, ts, "bob", src)
	eventually(t, 5*time.Second, "the trigger is on the timeline", func() bool { return len(b.tl.Entries()) == 1 })
	eventually(t, 5*time.Second, "bob shows alice's alerts", func() bool { n, _ := b.shown(); return n > 0 })
	if b.shared.Leading() {
		t.Fatal("two pollers")
	}

	a.kill()
	killed := time.Now()
	eventually(t, 5*time.Second, "bob takes over", b.shared.Leading)
	took := time.Since(killed)
	if took > 3*time.Second { // the lease is a second; its expiry marker wakes bob
		t.Errorf("takeover took %s with a lease of 1s", took)
	}
	before, _ := b.shown()
	eventually(t, 5*time.Second, "bob polls itself", func() bool { n, _ := b.shown(); return n > before+2 })
	// Bob's first poll reported the trigger again: the timeline has it once.
	all, err := b.tl.ReadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Kind != integrations.KindAlertTriggered {
		t.Errorf("the shared timeline holds %d entries: %+v", len(all), all)
	}
	t.Logf("takeover after the poller's warroom was killed: %s (lease 1s)", took.Round(time.Millisecond))
}
