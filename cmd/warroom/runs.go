package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/ledger"
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

// finishingGrace is how long after its last entry a run with no end and
// no lock is taken for one finishing in another process (its end on its
// way to the timeline) rather than one left unfinished.
const finishingGrace = 30 * time.Second

// leftUnfinished finds the runs a crash or a dropped connection left
// unfinished and says what state each left behind: a mutating step that
// started on the timeline and never ended, with no live lock, and locks
// whose holder is gone. It clears those locks and returns one record for
// each run; a run reported unfinished is not reported again.
func leftUnfinished(history []timeline.Entry, locks *runbooks.Locker, now time.Time, clock func() time.Time) []integrations.Record {
	record := func(run, runbook, text string, targets []string) integrations.Record {
		return integrations.Record{Occurred: clock(), Source: runbooks.RecordSource, Kind: ledger.KindUnfinished, Text: text,
			Fields: map[string]string{"run": run, "runbook": runbook, "result": "unfinished", "targets": strings.Join(targets, ",")}}
	}
	holders, err := locks.Holders()
	if err != nil {
		// Without the locks, a run going on in another process would read
		// as unfinished: say what stopped the search instead.
		return []integrations.Record{{Occurred: clock(), Source: "warroom", Kind: "source.status",
			Text: "could not look for runs left unfinished: " + err.Error()}}
	}
	var recs []integrations.Record
	live, gone := map[string]bool{}, map[string][]runbooks.Holder{}
	for _, h := range holders {
		if h.Gone(now) {
			gone[h.RunID] = append(gone[h.RunID], h)
		} else {
			live[h.RunID] = true
		}
	}
	l := ledger.OfEntries(history)
	reported := map[string]bool{}
	for _, u := range l.Unfinished() {
		stale := gone[u.Run]
		if live[u.Run] || (len(stale) == 0 && now.Sub(u.LastRecorded) < finishingGrace) {
			continue // still going, or finishing
		}
		text := u.Text()
		if len(stale) > 0 {
			text += "; its locks on " + strings.Join(lockTargets(stale), ", ") + " were cleared"
		}
		recs = append(recs, record(u.Run, u.Runbook, text, lockTargets(stale)))
		reported[u.Run] = true
	}
	for _, run := range slices.Sorted(maps.Keys(gone)) {
		hs := gone[run]
		if !reported[run] && !l.Ended(run) {
			h := hs[0]
			targets := strings.Join(lockTargets(hs), ", ")
			recs = append(recs, record(run, h.Runbook, fmt.Sprintf(
				"run %s of %s by %s (pid %d) held locks on %s from %s and is gone without an end on this timeline (a crash before it recorded, or another incident's run): read the current state of %s before acting; the locks were cleared",
				run, h.Runbook, h.Who, h.PID, targets, h.Acquired.Format(time.TimeOnly), targets), lockTargets(hs)))
		}
		for _, h := range hs {
			_ = locks.Clear(h) // a lock that cannot be cleared still expires with its lease
		}
	}
	return recs
}

func lockTargets(hs []runbooks.Holder) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Target
	}
	sort.Strings(out)
	return out
}
