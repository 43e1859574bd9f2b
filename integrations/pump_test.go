package integrations

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestPumpCoalescesBurstsAndPersistsBeforeDelivery(t *testing.T) {
	var (
		mu        sync.Mutex
		persisted []Record
		batches   []Batch
	)
	p := NewPump(PumpOptions{
		Interval: 20 * time.Millisecond,
		Persist: func(rs []Record) ([]Record, error) {
			mu.Lock()
			defer mu.Unlock()
			for i := range rs {
				rs[i].ID = fmt.Sprint(len(persisted))
				persisted = append(persisted, rs[i])
			}
			return rs, nil
		},
		Deliver: func(b Batch) {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range b.Records {
				if r.ID == "" {
					t.Errorf("record %q delivered before it was persisted", r.Text)
				}
			}
			batches = append(batches, b)
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()

	const n = 10000
	for i := range n {
		p.Publish(Record{Kind: "alert.triggered", Text: fmt.Sprint(i)})
		p.Publish(AlertsSnapshot{Source: "pagerduty", Alerts: make([]Alert, i%7)})
	}
	cancel()
	<-done

	mu.Lock()
	defer mu.Unlock()
	if len(persisted) != n {
		t.Fatalf("persisted %d records, want %d", len(persisted), n)
	}
	for i, r := range persisted {
		if r.Text != fmt.Sprint(i) {
			t.Fatalf("record %d out of order: %q", i, r.Text)
		}
	}
	if len(batches) > n/10 {
		t.Errorf("%d deliveries for %d events: bursts are not coalesced", len(batches), 2*n)
	}
	last := batches[len(batches)-1]
	if got := len(last.Alerts["pagerduty"]); got != (n-1)%7 {
		t.Errorf("last alerts snapshot has %d alerts, want the latest (%d)", got, (n-1)%7)
	}
}

func TestPumpReportsPersistFailure(t *testing.T) {
	got := make(chan Batch, 1)
	p := NewPump(PumpOptions{
		Persist: func([]Record) ([]Record, error) { return nil, errors.New("disk full") },
		Deliver: func(b Batch) { got <- b },
	})
	ctx, cancel := context.WithCancel(context.Background())
	p.Publish(Record{Kind: "note", Text: "x"})
	cancel()
	p.Run(ctx)
	b := <-got
	if b.PersistErr == nil || len(b.Records) != 1 {
		t.Fatalf("want the record delivered with its persist error, got %+v", b)
	}
}

func TestPumpDeliversWhatPersistKept(t *testing.T) {
	got := make(chan Batch, 1)
	p := NewPump(PumpOptions{
		Persist: func(rs []Record) ([]Record, error) { return rs[1:], nil }, // the first was stored before
		Deliver: func(b Batch) { got <- b },
	})
	ctx, cancel := context.WithCancel(context.Background())
	p.Publish(Record{Text: "replayed"})
	p.Publish(Record{Text: "new"})
	cancel()
	p.Run(ctx)
	if b := <-got; len(b.Records) != 1 || b.Records[0].Text != "new" {
		t.Fatalf("delivered %+v, want only the new record", b.Records)
	}
}

func TestPumpDerivesRecordsFromSnapshots(t *testing.T) {
	got := make(chan Batch, 1)
	p := NewPump(PumpOptions{
		Derive: func(b *Batch) []Record {
			return []Record{{Kind: "drift", Text: fmt.Sprintf("%d groups", len(b.Fleet["aws"]))}}
		},
		Deliver: func(b Batch) { got <- b },
	})
	ctx, cancel := context.WithCancel(context.Background())
	p.Publish(FleetSnapshot{Source: "aws", Groups: make([]Group, 3)})
	cancel()
	p.Run(ctx)
	b := <-got
	if len(b.Records) != 1 || b.Records[0].Text != "3 groups" {
		t.Fatalf("derived records: %+v", b.Records)
	}
}

func TestPumpPassesSamplesThrough(t *testing.T) {
	got := make(chan Batch, 1)
	p := NewPump(PumpOptions{Deliver: func(b Batch) { got <- b }})
	ctx, cancel := context.WithCancel(context.Background())
	at := time.Unix(100, 0)
	p.Publish(SamplesTaken{Source: "aws", Samples: []Sample{{Time: at, Source: "aws", Target: "web", Metric: MetricDesired, Value: 4}}})
	p.Publish(SamplesTaken{Source: "haproxy", Samples: []Sample{{Time: at, Source: "haproxy", Target: "edge-1/web", Metric: MetricReqPerS, Value: 12.5}}})
	cancel()
	p.Run(ctx)
	b := <-got
	if len(b.Samples) != 2 || b.Samples[0].Metric != MetricDesired || b.Samples[1].Value != 12.5 {
		t.Fatalf("samples delivered: %+v", b.Samples)
	}
}

// TestPumpHandsSamplesToDeriveAndDelivery: samples reach Derive, so an
// effect can be computed where they arrive, and the screen, in order.
func TestPumpHandsSamplesToDeriveAndDelivery(t *testing.T) {
	var derived, delivered []Sample
	p := NewPump(PumpOptions{
		Interval: time.Hour, // one flush, at the end
		Derive: func(b *Batch) []Record {
			derived = append(derived, b.Samples...)
			return []Record{{Kind: "effect", Text: fmt.Sprint(len(b.Samples), " samples")}}
		},
		Deliver: func(b Batch) {
			delivered = append(delivered, b.Samples...)
			if len(b.Records) != 1 || b.Records[0].Text != "3 samples" {
				t.Errorf("delivered records %+v", b.Records)
			}
		},
	})
	p.Publish(SamplesTaken{Source: "haproxy", Samples: []Sample{{Target: "edge-1/web", Metric: MetricReqPerS, Value: 1}, {Target: "edge-1/web", Metric: MetricErrorRatio, Value: 0.5}}})
	p.Publish(SamplesTaken{Source: "aws", Samples: []Sample{{Target: "web", Metric: MetricDesired, Value: 4}}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Run(ctx)
	if fmt.Sprint(derived) != fmt.Sprint(delivered) || len(derived) != 3 || derived[2].Metric != MetricDesired {
		t.Fatalf("derived %v, delivered %v", derived, delivered)
	}
}
