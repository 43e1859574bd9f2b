package sourcetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

// TestPoll is a PollConfig for fault tests: quick refreshes, no jitter, a
// per-request timeout generous enough for the race detector to decode a
// body near the size bound, and a budget long enough that a failing source
// shows degraded rather than stale.
func TestPoll() integrations.PollConfig {
	return integrations.PollConfig{
		Interval:   20 * time.Millisecond,
		Timeout:    5 * time.Second,
		Budget:     time.Minute,
		MaxBackoff: 50 * time.Millisecond,
		Jitter:     func() float64 { return 1 },
	}
}

// Case is one fault a source must survive.
type Case struct {
	Name  string
	Path  string // the fault answers requests whose path contains this
	Fault Fault
	Setup func() // optional: also change the server's data when the fault starts
	Want  string // in the status's LastError while degraded
	// Timeout overrides TestPoll's per-request timeout, for cases about
	// timing out.
	Timeout time.Duration
}

// Poll is the PollConfig a source under this case should use.
func (c Case) Poll() integrations.PollConfig {
	p := TestPoll()
	if c.Timeout > 0 {
		p.Timeout = c.Timeout
	}
	return p
}

// DegradeAndRecover runs src against its healthy server until it is ok,
// applies the fault until the source reports degraded with the expected
// reason, heals the server and waits for ok again. The status must go
// exactly ok → degraded → ok, and Run must stop cleanly.
func DegradeAndRecover(t *testing.T, src integrations.Source, faults *Faults, c Case) *integrationstest.Recorder {
	t.Helper()
	rec := &integrationstest.Recorder{}
	stop := Start(t, src, rec)
	defer stop()
	waitState(t, rec, integrations.SourceOK, "")
	if c.Setup != nil {
		c.Setup()
	}
	faults.Set(c.Path, c.Fault)
	waitState(t, rec, integrations.SourceDegraded, c.Want)
	faults.Set("", nil)
	waitState(t, rec, integrations.SourceOK, "")
	stop()
	want := []integrations.SourceState{integrations.SourceOK, integrations.SourceDegraded, integrations.SourceOK}
	if got := rec.States(); !slices.Equal(got, want) {
		t.Errorf("states = %v, want %v", got, want)
	}
	return rec
}

// RetryAfterHonoured answers one request on path with fault (a 429) and
// checks, on the server's own clock, that the source's next request on
// path came at least wait later, and that the status named the rate limit.
func RetryAfterHonoured(t *testing.T, src integrations.Source, faults *Faults, path string, fault Fault, wait time.Duration) {
	t.Helper()
	rec := &integrationstest.Recorder{}
	stop := Start(t, src, rec)
	defer stop()
	waitState(t, rec, integrations.SourceOK, "")
	faults.Set(path, fault)
	var limited Hit
	integrationstest.Wait(t, "the rate-limited request", func() bool {
		for _, h := range faults.Hits() {
			if h.Faulted {
				limited = h
				return true
			}
		}
		return false
	})
	faults.Set("", nil)
	var next Hit
	integrationstest.Wait(t, "the request after the rate limit", func() bool {
		for _, h := range faults.Hits() {
			if h.At.After(limited.At) && strings.Contains(h.Path, path) {
				next = h
				return true
			}
		}
		return false
	})
	if gap := next.At.Sub(limited.At); gap < wait {
		t.Errorf("next request %s after the 429, want at least %s", gap, wait)
	}
	found := slices.ContainsFunc(rec.Statuses(), func(s integrations.SourceStatus) bool {
		return strings.Contains(s.LastError, "rate limited")
	})
	if !found {
		t.Errorf("no status reported the rate limit: %+v", rec.Statuses())
	}
}

// RefusedThenHealed runs src, configured to reach its server through
// gate, until it is ok; closes the gate until the source is degraded by
// refused connections; reopens it and waits for ok.
func RefusedThenHealed(t *testing.T, src integrations.Source, gate *Gate) {
	t.Helper()
	rec := &integrationstest.Recorder{}
	stop := Start(t, src, rec)
	defer stop()
	waitState(t, rec, integrations.SourceOK, "")
	gate.Close()
	waitState(t, rec, integrations.SourceDegraded, "connection refused")
	gate.Open()
	waitState(t, rec, integrations.SourceOK, "")
}

// waitState waits until the latest status is state and its error holds want.
func waitState(t *testing.T, rec *integrationstest.Recorder, state integrations.SourceState, want string) {
	t.Helper()
	var last integrations.SourceStatus
	deadline := time.Now().Add(integrationstest.WaitLimit)
	for {
		if s, ok := integrationstest.Last[integrations.StatusChanged](rec); ok {
			last = s.Status
			if last.State == state && strings.Contains(last.LastError, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s with error containing %q; last status %+v", state, want, last)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
