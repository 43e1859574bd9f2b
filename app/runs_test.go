package app

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/ledger"
)

func TestRunTrackerAbortsAndWaitsForRuns(t *testing.T) {
	tr := newRunTracker()
	ctx, end := tr.begin()
	ended := make(chan time.Time, 1)
	go func() {
		<-ctx.Done() // the run sees the abort, then winds down
		time.Sleep(20 * time.Millisecond)
		ended <- time.Now()
		end()
	}()
	tr.shutdown(10 * time.Second)
	returned := time.Now()
	select {
	case at := <-ended:
		if returned.Before(at) {
			t.Fatal("shutdown returned before the run wound down")
		}
	default:
		t.Fatal("shutdown returned while the run was still going")
	}
	late, end2 := tr.begin()
	defer end2()
	if late.Err() == nil {
		t.Fatal("a run begun after shutdown was not cancelled at once")
	}
}

func TestRunTrackerGivesUpAfterGrace(t *testing.T) {
	tr := newRunTracker()
	_, end := tr.begin()
	defer end()
	done := make(chan struct{})
	go func() { tr.shutdown(30 * time.Millisecond); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown waited past its grace for a run that never ends")
	}
}

func TestReplayFilterDropsWhatTheTimelineHolds(t *testing.T) {
	at := time.Date(2026, 1, 12, 7, 15, 0, 0, time.UTC)
	history := []timeline.Entry{
		{Record: integrations.Record{Source: "pagerduty", Kind: "alert.triggered", Occurred: at, Fields: map[string]string{"alert": "P1"}}},
		{Record: integrations.Record{Source: "slack", Kind: "chat.message", Occurred: at, Fields: map[string]string{"ts": "1.0001"}, Text: "hi"}},
		{Record: integrations.Record{Source: "warroom", Kind: "note", Occurred: at, Text: "a note"}},
	}
	f := newReplayFilter(nil, history)
	in := []timeline.Entry{
		{Record: integrations.Record{Source: "pagerduty", Kind: "alert.triggered", Occurred: at, Fields: map[string]string{"alert": "P1"}}}, // replayed
		{Record: integrations.Record{Source: "pagerduty", Kind: "alert.resolved", Occurred: at.Add(time.Minute), Fields: map[string]string{"alert": "P1"}}},
		{Record: integrations.Record{Source: "slack", Kind: "chat.message", Occurred: at, Fields: map[string]string{"ts": "1.0001"}, Text: "hi"}}, // replayed
		{Record: integrations.Record{Source: "warroom", Kind: "note", Occurred: at, Text: "a note"}},                                              // notes are never replays
	}
	got := f.admit(nil, in)
	if len(got) != 2 || got[0].Kind != "alert.resolved" || got[1].Kind != "note" {
		t.Fatalf("admit kept %+v", got)
	}
	if again := f.admit(nil, in[1:2]); len(again) != 0 {
		t.Fatal("the same record passed twice")
	}
}

// TestEffectsAreRecordedOnceWhicheverWarRoomMeasuresThem: two war-rooms
// watching one incident both measure the effect of a script's run; the
// timeline holds the first one's entry only, and another record's effect
// still passes.
func TestEffectsAreRecordedOnceWhicheverWarRoomMeasuresThem(t *testing.T) {
	open := sharedIncident(t)
	at := time.Date(2026, 1, 12, 7, 15, 0, 0, time.UTC)
	effect := func(of, text string) integrations.Record {
		return integrations.Record{Source: "warroom", Kind: integrations.KindEffect, Occurred: at, Text: text,
			Fields: map[string]string{"of": of, "run": "cli-1", "window": "3m0s"}}
	}
	first, second := open(), open()
	for _, r := range []struct {
		s   *Session
		rec integrations.Record
	}{{first, effect("e2", "first: 5xx/s 245 → 12")}, {second, effect("e2", "second: 5xx/s 240 → 12")}, {second, effect("e9", "other: 5xx/s 12 → 3")}} {
		if _, err := persist(r.s.store, []integrations.Record{r.rec}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := timeline.ReadFile(first.TimelinePath())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Kind == integrations.KindEffect {
			got = append(got, e.Text)
		}
	}
	if want := []string{"first: 5xx/s 245 → 12", "other: 5xx/s 12 → 3"}; !slices.Equal(got, want) {
		t.Fatalf("effect entries %q, want %q", got, want)
	}
}

// sharedIncident returns a function opening one more war-room on the same
// configured incident, each with its own timeline handle, closed when the
// test ends. Its only source, HAProxy on a closed port, is never started.
func sharedIncident(t *testing.T) func() *Session {
	opts := configuredOptions(t, "incident: {title: Shared, id: INC-9}\nhaproxy:\n  instances:\n    - {name: edge-1, runtime: \"127.0.0.1:1\"}\n")
	return func() *Session {
		s, err := Open(opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// Two war-rooms on one incident (the screen and a script's `warroom
// runbook run`, each with its own timeline handle and its own adapters)
// and a third opened after them: whatever one of them recorded, the
// others never record again, whether the service dates it (an alert, its
// acknowledgement, a chat line) or the watcher does (a desired capacity
// seen a few seconds apart, slot drift, an odd one out); a change back is
// still recorded.
func TestObservationsAreRecordedOnceWhicheverProcessSeesThem(t *testing.T) {
	open := sharedIncident(t)
	record := func(s *Session, recs ...integrations.Record) {
		t.Helper()
		// What the pump's Persist does with a batch of records.
		if _, err := persist(s.store, recs); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 1, 12, 7, 15, 0, 0, time.UTC)
	alert := func(kind string, d time.Duration) integrations.Record {
		return integrations.Record{Source: "pagerduty", Kind: kind, Occurred: at.Add(d), Text: kind + ": web down",
			Fields: map[string]string{"alert": "P1"}}
	}
	desired := func(from, to string, d time.Duration) integrations.Record {
		return integrations.Record{Source: "aws", Kind: "fleet.change", Occurred: at.Add(d), Text: "web: desired capacity " + from + " → " + to,
			Fields: map[string]string{"group": "web", "change": "desired", "from": from, "to": to}}
	}
	drifted := func(d time.Duration) integrations.Record {
		return integrations.Record{Source: "drift", Kind: "drift", Occurred: at.Add(d), Text: "web ↔ edge-1/app: 2 hosts without a slot",
			Fields: map[string]string{"group": "web", "instance": "edge-1", "backend": "app"}}
	}
	chat := integrations.Record{Source: "slack", Kind: "chat.message", Occurred: at, Text: "looking", Fields: map[string]string{"ts": "1.0001"}}
	odd := func(d time.Duration, ratio string) integrations.Record {
		return integrations.Record{Source: "oddone", Kind: "oddone", Occurred: at.Add(d), Text: "odd one out edge-2/web: error " + ratio,
			Fields: map[string]string{"instance": "edge-2", "target": "edge-2/web"}}
	}

	screen, script := open(), open() // both open before either records
	record(screen, alert("alert.triggered", 0), alert("alert.acknowledged", time.Minute), desired("2", "3", 2*time.Minute), drifted(2*time.Minute), chat,
		odd(2*time.Minute, "31%"))
	// The script's adapters start afresh: they replay the alert's history
	// and see the same change a few seconds later by their own clock.
	record(script, alert("alert.triggered", 0), alert("alert.acknowledged", time.Minute), desired("2", "3", 2*time.Minute+3*time.Second),
		drifted(2*time.Minute+3*time.Second), chat, odd(2*time.Minute+3*time.Second, "29%"))
	record(screen, desired("3", "2", 5*time.Minute))
	record(script, desired("3", "2", 5*time.Minute+2*time.Second), desired("2", "3", 9*time.Minute))
	later := open() // the next scripted run
	record(later, alert("alert.triggered", 0), alert("alert.acknowledged", time.Minute), drifted(20*time.Minute), chat)

	entries, err := timeline.ReadFile(screen.TimelinePath())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Source != "warroom" {
			got = append(got, e.Text)
		}
	}
	want := []string{"alert.triggered: web down", "alert.acknowledged: web down", "web: desired capacity 2 → 3",
		"web ↔ edge-1/app: 2 hosts without a slot", "looking", "odd one out edge-2/web: error 31%", "web: desired capacity 3 → 2", "web: desired capacity 2 → 3"}
	if !slices.Equal(got, want) {
		t.Fatalf("the timeline holds\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// The check and the write are one step under the file lock: two war-rooms
// recording the same changes at the same moment still record each once.
func TestConcurrentWatchersRecordEachChangeOnce(t *testing.T) {
	open := sharedIncident(t)
	sessions := [2]*Session{open(), open()}
	const changes = 60
	at := time.Date(2026, 1, 12, 7, 15, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for w, s := range sessions {
		wg.Go(func() {
			for i := range changes {
				// Each watcher dates the change by its own clock.
				r := integrations.Record{Source: "aws", Kind: "fleet.change", Occurred: at.Add(time.Duration(i)*time.Minute + time.Duration(w)*time.Second),
					Text: fmt.Sprintf("web: desired capacity %d → %d", i, i+1), Fields: map[string]string{"group": "web", "change": "desired"}}
				if _, err := persist(s.store, []integrations.Record{r}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	entries, err := timeline.ReadFile(sessions[0].TimelinePath())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range entries {
		if e.Kind == "fleet.change" {
			seen[e.Text]++
		}
	}
	for text, n := range seen {
		if n != 1 {
			t.Errorf("%q recorded %d times", text, n)
		}
	}
	if len(seen) != changes {
		t.Errorf("%d changes recorded, want %d", len(seen), changes)
	}
}

// TestRunsLeftUnfinishedAreReportedOnce: a run whose process died mid-step
// (its lock's holder gone) is reported with what it had changed, and so is
// a dead run's lock with nothing on this timeline; their locks are
// cleared, and once reported they are not reported again.
func TestRunsLeftUnfinishedAreReportedOnce(t *testing.T) {
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	locks := &runbooks.Locker{Dir: filepath.Join(t.TempDir(), "locks"), Lease: time.Hour}
	for _, h := range []runbooks.Holder{
		{Who: "alice@" + host, RunID: "r1", Runbook: "drain-server"},
		{Who: "bob@" + host, RunID: "r9", Runbook: "scale-up"},
	} {
		h.Host, h.PID = host, child.Process.Pid
		target := map[string]string{"r1": "haproxy:front", "r9": "aws:web"}[h.RunID]
		if _, err := locks.Acquire([]string{target}, h); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Now().Add(-time.Minute)
	drain := ledger.Change{Kind: ledger.Server, Instance: "front", Backend: "edges", Server: "edge-1", From: "READY", To: "DRAIN"}
	history := []timeline.Entry{
		{Record: integrations.Record{Occurred: at, Source: "runbook", Kind: integrations.KindRunbookRequested, Actor: "alice", Fields: map[string]string{"run": "r1", "runbook": "drain-server", "params": "backend=edges instance=front server=edge-1"}}, Recorded: at},
		{Record: integrations.Record{Occurred: at, Source: "runbook", Kind: integrations.KindRunbookStepStart, Fields: map[string]string{"run": "r1", "step": "1", "step_name": "drain", "mutates": "true", "plan": "front edges/edge-1 UP → DRAIN"}}, Recorded: at},
		{Record: integrations.Record{Occurred: at, Source: "runbook", Kind: integrations.KindRunbookStepProgress, Text: "changed: " + drain.String(), Fields: map[string]string{"run": "r1", "step": "1", ledger.FieldChange: drain.Encode()}}, Recorded: at},
	}
	clock := func() time.Time { return at.Add(time.Minute) }
	recs := leftUnfinished(history, runbooks.FileLocks(locks.Dir, locks.Lease), time.Now(), clock)
	if len(recs) != 2 {
		t.Fatalf("records = %+v", recs)
	}
	for _, want := range []string{"run r1 of drain-server (backend=edges instance=front server=edge-1) by alice was left unfinished",
		"step 1 drain started", "edges/edge-1 on front stays DRAIN", "its locks on haproxy:front were cleared"} {
		if !strings.Contains(recs[0].Text, want) {
			t.Errorf("report %q lacks %q", recs[0].Text, want)
		}
	}
	if r := recs[1]; r.Fields["run"] != "r9" || !strings.Contains(r.Text, "held locks on aws:web") || r.Kind != integrations.KindRunbookUnfinished {
		t.Errorf("lock-only report = %+v", r)
	}
	if left, _ := locks.Holders(); len(left) != 0 {
		t.Errorf("locks left: %+v", left)
	}
	for _, r := range recs {
		history = append(history, timeline.Entry{Record: integrations.Record{Occurred: r.Occurred, Source: r.Source, Kind: r.Kind, Text: r.Text, Fields: r.Fields}})
	}
	if again := leftUnfinished(history, runbooks.FileLocks(locks.Dir, locks.Lease), time.Now(), clock); len(again) != 0 {
		t.Errorf("reported again: %+v", again)
	}
}

// TestRunStillFinishingIsNotReported: no end yet, no lock, and its last
// entry a moment ago: another process is finishing it.
func TestRunStillFinishingIsNotReported(t *testing.T) {
	now := time.Now()
	history := []timeline.Entry{
		{Record: integrations.Record{Occurred: now, Source: "runbook", Kind: integrations.KindRunbookStepStart, Fields: map[string]string{"run": "r1", "step": "1", "mutates": "true"}}, Recorded: now},
	}
	locks := &runbooks.Locker{Dir: filepath.Join(t.TempDir(), "locks")}
	if recs := leftUnfinished(history, runbooks.FileLocks(locks.Dir, locks.Lease), now.Add(time.Second), time.Now); len(recs) != 0 {
		t.Errorf("records = %+v", recs)
	}
	if recs := leftUnfinished(history, runbooks.FileLocks(locks.Dir, locks.Lease), now.Add(time.Minute), time.Now); len(recs) != 1 {
		t.Errorf("a minute later: records = %+v", recs)
	}
}

// TestUnreadableLocksStopTheSearch: without the locks a run going on
// elsewhere would read as unfinished; the search says why it stopped.
func TestUnreadableLocksStopTheSearch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "aws_web.lock"), []byte("{torn"), 0o600); err != nil {
		t.Fatal(err)
	}
	history := []timeline.Entry{{Record: integrations.Record{Source: "runbook", Kind: integrations.KindRunbookStepStart, Fields: map[string]string{"run": "r1", "step": "1", "mutates": "true"}}}}
	recs := leftUnfinished(history, runbooks.FileLocks(dir, 0), time.Now(), time.Now)
	if len(recs) != 1 || !strings.Contains(recs[0].Text, "could not look for runs left unfinished") || recs[0].Fields["run"] != "" {
		t.Fatalf("records = %+v", recs)
	}
}
