// Package integrationstest helps test code that publishes integrations
// events: sources (as an integrations.Publisher) and runbook runs (as a
// record sink). Its Recorder keeps everything it is given, and Wait polls
// for a condition with a deadline instead of sleeping a fixed time.
package integrationstest

import (
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// WaitLimit bounds every Wait: long enough for a loaded machine running
// the race detector, short enough that a hang fails the test.
const WaitLimit = 10 * time.Second

// Recorder keeps every event published to it, in order. The zero value is
// ready to use and safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []integrations.Event
}

// Publish implements integrations.Publisher.
func (r *Recorder) Publish(e integrations.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Sink keeps a record, so that r.Sink can be a runbook run's sink.
func (r *Recorder) Sink(rec integrations.Record) { r.Publish(rec) }

// Events returns a copy of what was published, in order.
func (r *Recorder) Events() []integrations.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]integrations.Event(nil), r.events...)
}

// Records returns the records of the given kind ("" for all), in order.
func (r *Recorder) Records(kind string) []integrations.Record {
	var out []integrations.Record
	for _, e := range r.Events() {
		if rec, ok := e.(integrations.Record); ok && (kind == "" || rec.Kind == kind) {
			out = append(out, rec)
		}
	}
	return out
}

// Last returns the last record of the given kind ("" for any), or the
// zero Record when there is none.
func (r *Recorder) Last(kind string) integrations.Record {
	recs := r.Records(kind)
	if len(recs) == 0 {
		return integrations.Record{}
	}
	return recs[len(recs)-1]
}

// Statuses returns every published status, in order.
func (r *Recorder) Statuses() []integrations.SourceStatus {
	var out []integrations.SourceStatus
	for _, e := range r.Events() {
		if s, ok := e.(integrations.StatusChanged); ok {
			out = append(out, s.Status)
		}
	}
	return out
}

// States returns the sequence of status states with repeats collapsed,
// for example [down ok degraded ok].
func (r *Recorder) States() []integrations.SourceState {
	var out []integrations.SourceState
	for _, s := range r.Statuses() {
		if len(out) == 0 || out[len(out)-1] != s.State {
			out = append(out, s.State)
		}
	}
	return out
}

// Last returns the most recent event of type T, if any.
func Last[T integrations.Event](r *Recorder) (T, bool) {
	evs := r.Events()
	for i := len(evs) - 1; i >= 0; i-- {
		if e, ok := evs[i].(T); ok {
			return e, true
		}
	}
	var zero T
	return zero, false
}

// Wait polls cond until it holds, failing the test after WaitLimit.
func Wait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", WaitLimit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
