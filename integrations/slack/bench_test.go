package slack_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/warroomhq/warroom/integrations"
)

// BenchmarkFirstRefresh measures a Run's first read of a channel holding
// 1,000 messages from two people (five pages of history): paging, name
// lookups (cached within a Source, so once per Run's first iteration),
// and publishing.
func BenchmarkFirstRefresh(b *testing.B) {
	cs := newChannelServer(b, token)
	for i := range 1000 {
		cs.add(wireMessage{User: []string{"U1", "U2"}[i%2], Text: fmt.Sprintf("message %d", i), TS: fmt.Sprintf("%d.000100", 1700000000+i)})
	}
	src := newSource(b, cs.url(), nil)
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		var got integrations.SourceStatus
		go func() {
			defer close(done)
			_ = src.Run(ctx, integrations.PublisherFunc(func(e integrations.Event) {
				if s, ok := e.(integrations.StatusChanged); ok {
					got = s.Status
					cancel()
				}
			}))
		}()
		<-done
		cancel()
		if got.State != integrations.SourceOK {
			b.Fatalf("refresh failed: %+v", got)
		}
	}
}
