package integrations

import (
	"context"
	"errors"
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
