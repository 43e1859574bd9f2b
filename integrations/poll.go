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

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.After, e.Err)
}

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
// RateLimitedError, and move the source's status ok → degraded (→ stale
// while the data ages past its budget) → ok on recovery. Every attempt
// publishes a StatusChanged; every change of state also publishes a
// source.status Record for the timeline.
func Poll(ctx context.Context, cfg PollConfig, pub Publisher, fetch func(ctx context.Context) error) {
	cfg = cfg.withDefaults()
	// The first outcome is always a change of state, so a source that
	// never succeeds is on the timeline with its reason from the start.
	st := SourceStatus{Source: cfg.Source, State: sourceStarting, Budget: cfg.Budget}
	for {
		fctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		err := fetch(fctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		prev := st.State
		st = nextStatus(st, err, cfg)
		pub.Publish(StatusChanged{Status: st})
		if st.State != prev {
			pub.Publish(statusRecord(st, prev))
		}
		if !Sleep(ctx, nextDelay(st, err, cfg)) {
			return
		}
	}
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

func statusRecord(st SourceStatus, prev SourceState) Record {
	text := fmt.Sprintf("%s %s → %s", st.Source, prev, st.State)
	if st.LastError != "" {
		text += ": " + st.LastError
	}
	return Record{
		Occurred: st.LastAttempt,
		Source:   st.Source,
		Kind:     "source.status",
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
