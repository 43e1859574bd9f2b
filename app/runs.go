package app

import (
	"context"
	"errors"
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
	cancels map[string]context.CancelCauseFunc // by run ID, to abort one
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

// track makes run id abortable until untrack.
func (t *runTracker) track(id string, cancel context.CancelCauseFunc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cancels == nil {
		t.cancels = map[string]context.CancelCauseFunc{}
	}
	t.cancels[id] = cancel
}

func (t *runTracker) untrack(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.cancels, id)
}

// abort stops run id, if it is still running.
func (t *runTracker) abort(id string, cause error) {
	t.mu.Lock()
	cancel := t.cancels[id]
	t.mu.Unlock()
	if cancel != nil {
		if cause == nil {
			cause = errors.New("aborted")
		}
		cancel(cause)
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
// fleet change. It is built from the timeline file itself and, as the
// store's Admit, learns every entry another process appends and checks
// each new one under the same file lock as the write, so the record
// never says a thing twice.
type replayFilter struct {
	// keys says how each source's records replay (by source name); a
	// source that declared none uses integrations.StandardReplay.
	keys map[string]integrations.ReplayKey

	mu   sync.Mutex
	said map[string][]saying // subject → what the timeline says of it, by time
}

// saying is one thing the timeline says of a subject, and when.
type saying struct {
	at    time.Time
	value string
}

// replayWindow bounds how much later by its own clock a second watcher
// may date a change the first dated later still: two pollers see one
// change within an interval or a backoff of each other.
const replayWindow = 5 * time.Minute

func newReplayFilter(keys map[string]integrations.ReplayKey, history []timeline.Entry) *replayFilter {
	f := &replayFilter{keys: keys, said: map[string][]saying{}}
	f.learn(history)
	return f
}

// key is what r is an observation of, by its source's own replay keys.
func (f *replayFilter) key(r integrations.Record) (key string, s saying, ok bool) {
	replay := f.keys[r.Source]
	if replay == nil {
		replay = integrations.StandardReplay
	}
	subject, value, ok := replay(r)
	return r.Source + "\x00" + subject, saying{at: r.Occurred, value: value}, ok
}

// learn takes in entries as they are on the timeline.
func (f *replayFilter) learn(entries []timeline.Entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range entries {
		if key, s, ok := f.key(e.Record); ok {
			f.note(key, s)
		}
	}
}

// note records a saying in time order.
func (f *replayFilter) note(key string, s saying) {
	list := f.said[key]
	i, _ := slices.BinarySearchFunc(list, s.at, func(x saying, t time.Time) int { return x.at.Compare(t) })
	f.said[key] = slices.Insert(list, i, s)
}

// known reports whether the timeline already says s of the subject: the
// last thing it says at or before s.at is the same, or the next thing it
// says, soon after, is (another watcher saw the change first by its own
// clock).
func (f *replayFilter) known(key string, s saying) bool {
	list := f.said[key]
	i, _ := slices.BinarySearchFunc(list, s.at, func(x saying, t time.Time) int { return x.at.Compare(t) })
	for i < len(list) && list[i].at.Equal(s.at) {
		i++ // sayings at the very time count as before it
	}
	if i > 0 && list[i-1].value == s.value {
		return true
	}
	return i < len(list) && list[i].value == s.value && list[i].at.Sub(s.at) <= replayWindow
}

// admit is the timeline store's Admit: under the file lock it learns what
// other processes appended and keeps of entries only what the timeline
// does not say yet, remembering it.
func (f *replayFilter) admit(foreign, entries []timeline.Entry) []timeline.Entry {
	f.learn(foreign)
	f.mu.Lock()
	defer f.mu.Unlock()
	out := entries[:0:0]
	for _, e := range entries {
		if key, s, ok := f.key(e.Record); ok {
			if f.known(key, s) {
				continue
			}
			f.note(key, s)
		}
		out = append(out, e)
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
func leftUnfinished(history []timeline.Entry, locks runbooks.Locks, now time.Time, clock func() time.Time) []integrations.Record {
	record := func(run, runbook, text string, targets []string) integrations.Record {
		return integrations.Record{Occurred: clock(), Source: integrations.SourceRunbook, Kind: integrations.KindRunbookUnfinished, Text: text,
			Fields: map[string]string{"run": run, "runbook": runbook, "result": "unfinished", "targets": strings.Join(targets, ",")}}
	}
	holders, err := locks.Holders()
	if err != nil {
		// Without the locks, a run going on in another process would read
		// as unfinished: say what stopped the search instead.
		return []integrations.Record{{Occurred: clock(), Source: integrations.SourceWarroom, Kind: integrations.KindSourceStatus,
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
