package integrations

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

type collect struct {
	mu     sync.Mutex
	events []Event
}

func (c *collect) Publish(e Event) { c.mu.Lock(); c.events = append(c.events, e); c.mu.Unlock() }

func (c *collect) states() []SourceState {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []SourceState
	for _, e := range c.events {
		if s, ok := e.(StatusChanged); ok {
			out = append(out, s.Status.State)
		}
	}
	return out
}

func TestPollMovesOkDegradedOk(t *testing.T) {
	outcomes := []error{nil, errors.New("500"), errors.New("500"), nil}
	var calls int
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &collect{}
	Poll(ctx, PollConfig{Source: "x", Interval: time.Millisecond, Budget: time.Hour, Jitter: func() float64 { return 1 }}, c,
		func(context.Context) error {
			err := outcomes[calls]
			calls++
			if calls == len(outcomes) {
				cancel()
			}
			return err
		})
	got := c.states()
	want := []SourceState{SourceOK, SourceOK, SourceDegraded}
	if len(got) != len(want) {
		t.Fatalf("states %v, want %v (the last attempt ends with ctx cancelled)", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("states %v, want %v", got, want)
		}
	}
}

func TestNextDelayHonoursRateLimitAndBacksOff(t *testing.T) {
	cfg := PollConfig{Interval: time.Second, MaxBackoff: 10 * time.Second, Jitter: func() float64 { return 1 }}.withDefaults()
	if d := nextDelay(SourceStatus{}, nil, cfg); d != time.Second {
		t.Errorf("success delay %s", d)
	}
	if d := nextDelay(SourceStatus{Failures: 3}, errors.New("x"), cfg); d != 4*time.Second {
		t.Errorf("third failure delay %s, want 4s", d)
	}
	if d := nextDelay(SourceStatus{Failures: 9}, errors.New("x"), cfg); d != 10*time.Second {
		t.Errorf("backoff not capped: %s", d)
	}
	rl := &RateLimitedError{After: 30 * time.Second, Err: errors.New("429")}
	if d := nextDelay(SourceStatus{Failures: 1}, rl, cfg); d != 30*time.Second {
		t.Errorf("rate limit ignored: %s", d)
	}
}

func TestStatusGoesStaleAfterBudget(t *testing.T) {
	now := time.Unix(1000, 0)
	cfg := PollConfig{Interval: time.Second, Budget: 3 * time.Second, Now: func() time.Time { return now }}.withDefaults()
	st := nextStatus(SourceStatus{Budget: cfg.Budget}, nil, cfg)
	now = now.Add(5 * time.Second)
	st = nextStatus(st, errors.New("timeout"), cfg)
	if st.State != SourceStale {
		t.Fatalf("state %s after 5s without success and a 3s budget, want stale", st.State)
	}
	if never := nextStatus(SourceStatus{}, errors.New("refused"), cfg); never.State != SourceDown {
		t.Fatalf("a source that never succeeded is %s, want down", never.State)
	}
}

// waitRecord waits (bounded) until the collector holds a status record
// moving to state, and returns it.
func (c *collect) waitRecord(t *testing.T, to SourceState, within time.Duration) Record {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for _, e := range c.events {
			if r, ok := e.(Record); ok && r.Fields["to"] == string(to) {
				c.mu.Unlock()
				return r
			}
		}
		c.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no record of the source turning %s within %s; states %v", to, within, c.states())
	return Record{}
}

// The poller records staleness itself, at the moment the budget runs out,
// while it waits out a long rate-limit backoff and while a refresh hangs:
// the screen shows only what the poller recorded, so the timeline holds
// every stale spell the header shows.
func TestPollRecordsStaleWhenTheBudgetRunsOut(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after func(ctx context.Context) error // every refresh after the first good one
	}{
		{"waiting out a rate limit", func(context.Context) error {
			return &RateLimitedError{After: time.Hour, Err: errors.New("429")}
		}},
		{"refresh not answering", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			c := &collect{}
			calls := 0
			done := make(chan struct{})
			go func() {
				defer close(done)
				Poll(ctx, PollConfig{Source: "x", Interval: 10 * time.Millisecond, Timeout: time.Hour, Budget: 60 * time.Millisecond,
					Jitter: func() float64 { return 1 }}, c, func(ctx context.Context) error {
					calls++
					if calls == 1 {
						return nil
					}
					return tc.after(ctx)
				})
			}()
			r := c.waitRecord(t, SourceStale, 2*time.Second)
			cancel()
			<-done
			if r.Kind != "source.status" || r.Fields["from"] != string(SourceOK) || !strings.Contains(r.Text, "x ok → stale") {
				t.Fatalf("stale record %+v", r)
			}
			var last SourceStatus
			for _, e := range c.events {
				if s, ok := e.(StatusChanged); ok {
					last = s.Status
				}
			}
			if last.State != SourceStale || last.LastError == "" {
				t.Fatalf("last published status %+v, want stale with a reason", last)
			}
		})
	}
}
