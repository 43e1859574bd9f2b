package runbooks

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestLeaseExpiresWhenHolderDies(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 12, 7, 30, 0, 0, time.UTC)}
	l := &Locker{Dir: t.TempDir(), Lease: time.Minute, Now: clock.Now}
	dead, err := l.Acquire([]string{"aws:web"}, Holder{Who: "alice@laptop", PID: 4242, RunID: "r1", Runbook: "scale-up"})
	if err != nil {
		t.Fatal(err)
	}
	// alice's process dies: nothing renews the lease.
	clock.Advance(30 * time.Second)
	_, err = l.Acquire([]string{"aws:web"}, Holder{Who: "bob@desk", RunID: "r2", Runbook: "scale-up"})
	var held *HeldError
	if !errors.As(err, &held) || held.Holder.Who != "alice@laptop" || held.Holder.RunID != "r1" {
		t.Fatalf("within the lease: %v", err)
	}
	if want := "aws:web is locked by alice@laptop (pid 4242, run r1 of scale-up) since 07:30:00; the lease runs until 07:31:00 unless renewed"; err.Error() != want {
		t.Fatalf("error = %q\nwant    %q", err, want)
	}
	clock.Advance(31 * time.Second)
	bob, err := l.Acquire([]string{"aws:web"}, Holder{Who: "bob@desk", RunID: "r2", Runbook: "scale-up"})
	if err != nil {
		t.Fatalf("after the lease expired: %v", err)
	}
	if err := dead.Renew(); err == nil || !strings.Contains(err.Error(), "lost the lock on aws:web") {
		t.Fatalf("renewing a lost lease = %v", err)
	}
	if err := dead.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(l.Dir, "aws_web.lock")); err != nil {
		t.Fatalf("releasing a lost lease removed the new holder's lock: %v", err)
	}
	if err := bob.Release(); err != nil {
		t.Fatal(err)
	}
}

func TestRenewKeepsLeaseAlive(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	l := &Locker{Dir: t.TempDir(), Lease: time.Minute, Now: clock.Now}
	live, err := l.Acquire([]string{"haproxy:edge-1", "haproxy:edge-2"}, Holder{Who: "alice", RunID: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		clock.Advance(40 * time.Second)
		if err := live.Renew(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Acquire([]string{"haproxy:edge-2"}, Holder{Who: "bob", RunID: "r2"}); err == nil {
		t.Fatal("took a renewed lock")
	}
}

func TestAcquireIsAllOrNothing(t *testing.T) {
	l := &Locker{Dir: t.TempDir()}
	if _, err := l.Acquire([]string{"haproxy:edge-2"}, Holder{Who: "alice", RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire([]string{"haproxy:edge-1", "haproxy:edge-2"}, Holder{Who: "bob", RunID: "r2"}); err == nil {
		t.Fatal("acquired a held target")
	}
	if _, err := os.Stat(filepath.Join(l.Dir, "haproxy_edge-1.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused acquire left a lock on edge-1: %v", err)
	}
}

func TestConcurrentAcquireHasOneWinner(t *testing.T) {
	l := &Locker{Dir: t.TempDir()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.Acquire([]string{"aws:web"}, Holder{Who: "w", RunID: string(rune('a' + i))}); err == nil {
				mu.Lock()
				winners++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if winners != 1 {
		t.Fatalf("%d runs took the same target", winners)
	}
}

func TestRunRenewsItsLease(t *testing.T) {
	lb := edges()
	lb.stuckSessions["edge-1"] = true
	rb := mustParse(t, `name: hold
steps:
  - action: haproxy.server_state
    args:
      instance: front
      backend: edges
      server: edge-1
      state: drain
      drain_timeout: 400ms
      poll: 10ms
`)
	a := integrations.Actions{LoadBalancer: lb}
	p, err := NewPlan(context.Background(), rb, nil, a, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var rec integrationstest.Recorder
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), p, a, rec.Sink, RunOptions{Confirmed: true, StateDir: dir, Lease: 60 * time.Millisecond})
		done <- err
	}()
	integrationstest.Wait(t, "edge-1 draining", func() bool { return lb.upstreamState("edge-1") == integrations.ServerDrain })
	other := &Locker{Dir: filepath.Join(dir, "locks"), Lease: time.Minute}
	integrationstest.Wait(t, "the lock to come free", func() bool {
		_, err := other.Acquire([]string{"haproxy:front"}, Holder{Who: "bob", RunID: "r2"})
		return err == nil
	})
	// The lock came free: only because the run ended (it records done
	// before it releases), never because its lease lapsed mid-run.
	if kinds := recordKinds(&rec); kinds[len(kinds)-1] != integrations.KindRunbookDone {
		t.Fatalf("took the target of a live run (its lease was not renewed); records so far %v", kinds)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestLockOfADeadProcessIsGoneBeforeItsLeaseEnds: a run whose process
// died on this host (a crash, a dropped connection) is found at once, not
// only when its lease runs out; a live holder's lock is never cleared.
func TestLockOfADeadProcessIsGoneBeforeItsLeaseEnds(t *testing.T) {
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	l := &Locker{Dir: t.TempDir(), Lease: time.Hour}
	if _, err := l.Acquire([]string{"haproxy:front"}, Holder{Who: "alice@" + host, Host: host, PID: child.Process.Pid, RunID: "dead", Runbook: "drain-server"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire([]string{"aws:web"}, Holder{Who: "bob@" + host, Host: host, PID: os.Getpid(), RunID: "live", Runbook: "scale-up"}); err != nil {
		t.Fatal(err)
	}
	holders, err := l.Holders()
	if err != nil || len(holders) != 2 {
		t.Fatalf("holders = %+v, %v", holders, err)
	}
	for _, h := range holders {
		if gone := h.Gone(time.Now()); gone != (h.RunID == "dead") {
			t.Errorf("run %s gone = %v", h.RunID, gone)
		}
		if err := l.Clear(h); err != nil {
			t.Fatal(err)
		}
	}
	left, _ := l.Holders()
	if len(left) != 1 || left[0].RunID != "live" {
		t.Errorf("after clearing: %+v", left)
	}
}
