package main

import (
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
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
		{Source: "pagerduty", Kind: "alert.triggered", Occurred: at, Fields: map[string]string{"alert": "P1"}},
		{Source: "slack", Kind: "chat.message", Occurred: at, Fields: map[string]string{"ts": "1.0001"}, Text: "hi"},
		{Source: "warroom", Kind: "note", Occurred: at, Text: "a note"},
	}
	f := newReplayFilter(history)
	in := []integrations.Record{
		{Source: "pagerduty", Kind: "alert.triggered", Occurred: at, Fields: map[string]string{"alert": "P1"}}, // replayed
		{Source: "pagerduty", Kind: "alert.resolved", Occurred: at.Add(time.Minute), Fields: map[string]string{"alert": "P1"}},
		{Source: "slack", Kind: "chat.message", Occurred: at, Fields: map[string]string{"ts": "1.0001"}, Text: "hi"}, // replayed
		{Source: "warroom", Kind: "note", Occurred: at, Text: "a note"},                                              // notes are never replays
	}
	got := f.fresh(in)
	if len(got) != 2 || got[0].Kind != "alert.resolved" || got[1].Kind != "note" {
		t.Fatalf("fresh kept %+v", got)
	}
	if again := f.fresh(in[1:2]); len(again) != 0 {
		t.Fatal("the same record passed twice")
	}
}
