package main

import (
	"context"
	"strings"
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

// replayFilter drops observations the timeline already holds, whichever
// process recorded them: a restarted adapter reports again everything it
// reported before (each `warroom runbook run` from a script starts its
// own), and the screen and a script watching at once both see every
// fleet change. It is built from the timeline file itself and learns
// every entry another process appends, so the record never says a thing
// twice.
type replayFilter struct {
	mu     sync.Mutex
	latest map[string]string // subject → what the timeline last said of it
}

func newReplayFilter(history []timeline.Entry) *replayFilter {
	f := &replayFilter{latest: map[string]string{}}
	f.learn(history)
	return f
}

// learn takes in entries as they are on the timeline, in file order.
func (f *replayFilter) learn(entries []timeline.Entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range entries {
		if subject, value, ok := replayKey(e.Kind, e.Occurred, e.Fields, e.Text); ok {
			f.latest[e.Source+"\x00"+subject] = value
		}
	}
}

// replayKey says what an observation is about (its subject) and what it
// says of it, from the identity the source gives it; ok is false for what
// is not an observation of the world (notes, runbook steps, source
// status), which is never a replay.
//
// Happenings the service dates itself (an alert's trigger, a log entry, a
// chat message, a failed scaling activity) are one subject each, their
// time included: the timeline holds them or not. Changes a watcher dates
// by when it saw them (a desired capacity, an instance entering service,
// slot drift, an incident gone from the open list) are each one subject
// whose latest word counts: a watcher seeing the same change again, at
// its own time, says nothing new; a change back and forth is recorded
// each time.
func replayKey(kind string, occurred time.Time, fields map[string]string, text string) (subject, value string, ok bool) {
	at := occurred.UTC().Format(time.RFC3339Nano)
	switch {
	case kind == "chat.message" && fields["ts"] != "":
		return "chat\x00" + fields["ts"], "", true
	case kind == "alert.resolved" && fields["alert"] != "":
		return "alert\x00" + fields["alert"] + "\x00resolved", "", true
	case strings.HasPrefix(kind, "alert.") && fields["alert"] != "":
		return "alert\x00" + fields["alert"] + "\x00" + kind + "\x00" + at + "\x00" + fields["log_entry"], "", true
	case kind == "fleet.change" && fields["activity"] != "":
		return "activity\x00" + fields["activity"] + "\x00" + fields["status"], "", true
	case kind == "fleet.change":
		return "fleet\x00" + fields["group"] + "\x00" + fields["change"] + "\x00" + fields["instance"] + "\x00" +
			fields["backend"] + "\x00" + fields["server"], text, true
	case kind == "drift" || kind == "drift.cleared":
		return "drift\x00" + fields["group"] + "\x00" + fields["instance"] + "\x00" + fields["backend"], kind + "\x00" + text, true
	}
	return "", "", false
}

// fresh returns the records the timeline does not hold yet, remembering
// them.
func (f *replayFilter) fresh(recs []integrations.Record) []integrations.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := recs[:0:0]
	for _, r := range recs {
		if subject, value, ok := replayKey(r.Kind, r.Occurred, r.Fields, r.Text); ok {
			key := r.Source + "\x00" + subject
			if said, known := f.latest[key]; known && said == value {
				continue
			}
			f.latest[key] = value
		}
		out = append(out, r)
	}
	return out
}
