package pagerduty_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/warroomhq/warroom/integrations"
)

// busyServer holds 500 open incidents (five pages), each with two log
// entries.
func busyServer(b *testing.B) *pdServer {
	pd := newPDServer(b, token)
	for i := range 500 {
		id := fmt.Sprintf("P%03d", i)
		pd.incidents = append(pd.incidents, openIncident(id))
		pd.logs[id] = []logEntry{
			{ID: id + "a", Type: "trigger_log_entry", At: "2026-11-21T09:00:00Z", Agent: "svc", Summary: "Triggered"},
			{ID: id + "b", Type: "escalate_log_entry", At: "2026-11-21T09:05:00Z", Agent: "policy", Summary: "Escalated"},
		}
	}
	return pd
}

// BenchmarkFirstRefresh measures a Run's first refresh of the busy
// server: listing, mapping, the log entries of the 20 most recently
// changed incidents, records and the snapshot.
func BenchmarkFirstRefresh(b *testing.B) {
	src := newSource(b, busyServer(b).start().URL, nil)
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = src.Run(ctx, integrations.PublisherFunc(func(e integrations.Event) {
				if snap, ok := e.(integrations.AlertsSnapshot); ok && len(snap.Alerts) == 500 {
					cancel()
				}
			}))
		}()
		<-done
		cancel()
	}
}

// BenchmarkListOpen measures what every later refresh costs at least:
// listing the busy server's open incidents, as Probe does.
func BenchmarkListOpen(b *testing.B) {
	src := newSource(b, busyServer(b).start().URL, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Probe(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
