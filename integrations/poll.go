package integrations

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// sourceStarting is a source's state before its first refresh ends.
const sourceStarting SourceState = "starting"

// RateLimitedError is returned by a fetch when the service asked us to slow
// down; the poller waits at least After before the next request.
type RateLimitedError struct {
	After time.Duration
	Err   error
}

// Error says what happened and, when the service said, how long to wait.
func (e *RateLimitedError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("%v; try again in %s", e.Err, roundWait(e.After))
	}
	return e.Err.Error()
}

// roundWait shows a wait in whole seconds (at least one).
func roundWait(d time.Duration) time.Duration { return max(time.Second, d.Round(time.Second)) }

func (e *RateLimitedError) Unwrap() error { return e.Err }

// PollConfig sets how a source refreshes. Zero fields take defaults.
type PollConfig struct {
	Source       string
	Interval     time.Duration // between successful refreshes (default 10s)
	Timeout      time.Duration // per refresh (default Interval)
	Budget       time.Duration // data older than this is stale (default 3×Interval)
	MaxBackoff   time.Duration // ceiling of the error backoff (default 5 min)
	DegradeAfter int           // consecutive failures before degraded (default 2)
	Now          func() time.Time
	// Jitter returns a factor in [0.8, 1.2) applied to error backoffs so
	// many clients do not retry in step. Default: random.
	Jitter func() float64
}

func (c PollConfig) withDefaults() PollConfig {
	if c.Interval <= 0 {
		c.Interval = 10 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = c.Interval
	}
	if c.Budget <= 0 {
		c.Budget = 3 * c.Interval
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Minute
	}
	if c.DegradeAfter <= 0 {
		c.DegradeAfter = 2
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Jitter == nil {
		c.Jitter = func() float64 { return 0.8 + 0.4*rand.Float64() }
	}
	return c
}

// Poll calls fetch every Interval until ctx ends. Refreshes never overlap:
// the next starts only after the previous returned. Each refresh gets its
// own Timeout. Failures back off exponentially with jitter, honour
// RateLimitedError, and move the source's status ok → degraded → ok on
// recovery. The poller alone decides staleness: when no refresh has
// succeeded within the Budget it turns the source stale at that moment,
// whether it is waiting out a backoff or a refresh that has not answered,
// so the screen never shows a state the timeline lacks. Every attempt
// publishes a StatusChanged; every change of state also publishes a
// source.status Record for the timeline.
func Poll(ctx context.Context, cfg PollConfig, pub Publisher, fetch func(ctx context.Context) error) {
	cfg = cfg.withDefaults()
	// The first outcome is always a change of state, so a source that
	// never succeeds is on the timeline with its reason from the start.
	st := SourceStatus{Source: cfg.Source, State: sourceStarting, Budget: cfg.Budget}
	set := func(next SourceStatus, at time.Time) {
		prev := st.State
		st = next
		pub.Publish(StatusChanged{Status: st})
		if st.State != prev {
			pub.Publish(statusRecord(st, prev, at))
		}
	}
	for {
		done := make(chan error, 1)
		go func() {
			fctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
			defer cancel()
			done <- fetch(fctx)
		}()
		// fetch honours its context, so this wait ends with it.
		var err error
		for waiting := true; waiting; {
			stale, stop := staleTimer(st, cfg)
			select {
			case err = <-done:
				waiting = false
			case <-stale:
				set(wentStale(st), cfg.Now())
			}
			stop()
		}
		if ctx.Err() != nil {
			return
		}
		next := nextStatus(st, err, cfg)
		delay := nextDelay(next, err, cfg)
		var rl *RateLimitedError
		if errors.As(err, &rl) {
			// The poller, not the service, decides when it retries.
			next.LastError = fmt.Sprintf("%s; retrying in %s", truncate(rl.Err.Error(), 160), roundWait(delay))
		}
		set(next, next.LastAttempt)
		wake := time.NewTimer(delay)
		for sleeping := true; sleeping; {
			stale, stop := staleTimer(st, cfg)
			select {
			case <-ctx.Done():
				stop()
				wake.Stop()
				return
			case <-wake.C:
				sleeping = false
			case <-stale:
				set(wentStale(st), cfg.Now())
			}
			stop()
		}
	}
}

// staleTimer fires when the source's data outlives its budget; it never
// fires for a source already stale, or one that has never succeeded (that
// one is down). stop releases the timer.
func staleTimer(st SourceStatus, cfg PollConfig) (<-chan time.Time, func()) {
	if st.LastSuccess.IsZero() || (st.State != SourceOK && st.State != SourceDegraded) {
		return nil, func() {}
	}
	t := time.NewTimer(max(0, st.Budget-cfg.Now().Sub(st.LastSuccess)))
	return t.C, func() { t.Stop() }
}

// wentStale is the status once the budget has run out with no success.
func wentStale(st SourceStatus) SourceStatus {
	st.State = SourceStale
	if st.LastError == "" {
		st.LastError = fmt.Sprintf("no successful refresh within %s", st.Budget)
	}
	return st
}

// nextStatus folds one refresh's outcome into the status.
func nextStatus(st SourceStatus, err error, cfg PollConfig) SourceStatus {
	now := cfg.Now()
	st.LastAttempt = now
	if err == nil {
		st.State = SourceOK
		st.LastSuccess = now
		st.LastError = ""
		st.Failures = 0
		return st
	}
	st.Failures++
	st.LastError = describeError(err)
	switch {
	case st.LastSuccess.IsZero():
		st.State = SourceDown
	case now.Sub(st.LastSuccess) > st.Budget:
		st.State = SourceStale
	case st.Failures >= cfg.DegradeAfter:
		st.State = SourceDegraded
	}
	return st
}

// describeError keeps a status line short and readable.
func describeError(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out: " + truncate(err.Error(), 160)
	default:
		return truncate(err.Error(), 200)
	}
}

// truncate shortens s to about n bytes at a word boundary: a secret the
// redactor knows is then either whole (and scrubbed downstream) or gone,
// never a recognisable piece of one.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexAny(s[:n], " \t\n")
	if cut <= 0 {
		return "…"
	}
	return s[:cut] + " …"
}

// nextDelay is the wait before the next refresh.
func nextDelay(st SourceStatus, err error, cfg PollConfig) time.Duration {
	if err == nil {
		return cfg.Interval
	}
	backoff := float64(cfg.Interval) * math.Pow(2, float64(st.Failures-1))
	d := time.Duration(math.Min(backoff, float64(cfg.MaxBackoff)) * cfg.Jitter())
	var rl *RateLimitedError
	if errors.As(err, &rl) && rl.After > d {
		d = rl.After
	}
	return d
}

func statusRecord(st SourceStatus, prev SourceState, at time.Time) Record {
	text := fmt.Sprintf("%s %s → %s", st.Source, prev, st.State)
	if st.LastError != "" {
		text += ": " + st.LastError
	}
	return Record{
		Occurred: at,
		Source:   st.Source,
		Kind:     KindSourceStatus,
		Text:     text,
		Fields:   map[string]string{"from": string(prev), "to": string(st.State)},
	}
}

// Sleep waits d or until ctx ends, whichever comes first. It reports
// whether to go on: false means ctx ended, so the caller should stop
// rather than start another attempt.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
