package main

import (
	"context"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// runTracker knows the runbook runs in flight, so quitting (q, SIGTERM or a
// dropped SSH connection) aborts them and waits for them to wind down
// instead of leaving an HAProxy instance drained with no record of it.
type runTracker struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	running int
	idle    chan struct{} // closed when running drops to zero after shutdown began
	closing bool
}

func newRunTracker() *runTracker {
	ctx, cancel := context.WithCancel(context.Background())
	return &runTracker{ctx: ctx, cancel: cancel}
}

// begin registers a run; its context ends at shutdown. end must be called
// when the run has returned.
func (t *runTracker) begin() (context.Context, func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		return t.ctx, func() {} // already cancelled: the run ends at once
	}
	t.running++
	return t.ctx, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.running--
		if t.running == 0 && t.idle != nil {
			close(t.idle)
			t.idle = nil
		}
	}
}

// shutdown aborts every run and waits up to grace for them to end.
func (t *runTracker) shutdown(grace time.Duration) {
	t.mu.Lock()
	t.closing = true
	t.cancel()
	if t.running == 0 {
		t.mu.Unlock()
		return
	}
	idle := make(chan struct{})
	t.idle = idle
	t.mu.Unlock()
	select {
	case <-idle:
	case <-time.After(grace):
	}
}

// replayFilter drops records the timeline already holds: after a restart,
// the PagerDuty, Slack and AWS adapters report again what they reported
// before, and the record must not say it twice.
type replayFilter struct {
	mu   sync.Mutex
	seen map[string]bool
}

// replayedSources are the adapters that replay on restart.
var replayedSources = map[string]bool{"pagerduty": true, "slack": true, "aws": true}

func newReplayFilter(history []timeline.Entry) *replayFilter {
	f := &replayFilter{seen: map[string]bool{}}
	for _, e := range history {
		if replayedSources[e.Source] {
			f.seen[replayKey(e.Source, e.Kind, e.Occurred, e.Fields, e.Text)] = true
		}
	}
	return f
}

// replayKey identifies a happening by its source's own identity for it.
func replayKey(source, kind string, occurred time.Time, fields map[string]string, text string) string {
	id := fields["alert"] + "\x00" + fields["ts"] + "\x00" + fields["instance"]
	if id == "\x00\x00" {
		id = text
	}
	return source + "\x00" + kind + "\x00" + occurred.UTC().Format(time.RFC3339Nano) + "\x00" + id
}

// fresh returns the records not seen before, remembering them.
func (f *replayFilter) fresh(recs []integrations.Record) []integrations.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := recs[:0:0]
	for _, r := range recs {
		if replayedSources[r.Source] {
			key := replayKey(r.Source, r.Kind, r.Occurred, r.Fields, r.Text)
			if f.seen[key] {
				continue
			}
			f.seen[key] = true
		}
		out = append(out, r)
	}
	return out
}
