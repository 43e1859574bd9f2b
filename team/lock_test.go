package team

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

func locker(t *testing.T, ts *testServer, lease time.Duration) *Locker {
	t.Helper()
	l, err := dial(t, Options{URL: ts.url()}).Locker(lease)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func holder(who, run string) runbooks.Holder {
	return runbooks.Holder{Who: who, PID: 1, RunID: run, Runbook: "scale-out"}
}

func TestTwoRespondersAcquiringTheSameLockOnlyOneWins(t *testing.T) {
	ts := startTestServer(t, nil)
	alice, bob := locker(t, ts, time.Minute), locker(t, ts, time.Minute)
	for round := range 10 {
		var wg sync.WaitGroup
		leases := make([]*TeamLease, 2)
		errs := make([]error, 2)
		for i, l := range []*Locker{alice, bob} {
			who := []string{"alice@laptop", "bob@desk"}[i]
			wg.Go(func() { leases[i], errs[i] = l.Acquire([]string{"asg/web"}, holder(who, who+"-run")) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: errors %v and %v, want exactly one winner", round, errs[0], errs[1])
		}
		winner, loser := 0, 1
		if errs[0] != nil {
			winner, loser = 1, 0
		}
		var held *runbooks.HeldError
		if !errors.As(errs[loser], &held) {
			t.Fatalf("round %d: loser's error %v is not a HeldError", round, errs[loser])
		}
		wantWho := []string{"alice@laptop", "bob@desk"}[winner]
		if held.Holder.Who != wantWho || !strings.Contains(errs[loser].Error(), wantWho) || held.Holder.Expires.IsZero() {
			t.Fatalf("round %d: refusal %q names %+v, want %s and when the lease lapses", round, errs[loser], held.Holder, wantWho)
		}
		if err := leases[winner].Release(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAcquireTakesEveryTargetOrNone(t *testing.T) {
	ts := startTestServer(t, nil)
	l := locker(t, ts, time.Minute)
	if _, err := l.Acquire([]string{"haproxy/edge-2"}, holder("bob", "r1")); err != nil {
		t.Fatal(err)
	}
	var held *runbooks.HeldError
	if _, err := l.Acquire([]string{"haproxy/edge-1", "haproxy/edge-2"}, holder("alice", "r2")); !errors.As(err, &held) {
		t.Fatalf("want a HeldError, got %v", err)
	}
	if _, err := l.Acquire([]string{"haproxy/edge-1"}, holder("carol", "r3")); err != nil {
		t.Errorf("a refused acquire kept a target it had taken: %v", err)
	}
}

func TestRenewKeepsTheLockPastItsLeaseAndAdvancesTheToken(t *testing.T) {
	ts := startTestServer(t, nil)
	l := locker(t, ts, time.Second)
	ls, err := l.Acquire([]string{"asg/web"}, holder("alice", "r1"))
	if err != nil {
		t.Fatal(err)
	}
	token := ls.Token("asg/web")
	for range 6 { // 2 s: twice the lease
		time.Sleep(l.Lease() / 3)
		if err := ls.Renew(); err != nil {
			t.Fatal(err)
		}
		if next := ls.Token("asg/web"); next <= token {
			t.Fatalf("token went from %d to %d on renewal", token, next)
		} else {
			token = next
		}
	}
	var held *runbooks.HeldError
	if _, err := l.Acquire([]string{"asg/web"}, holder("bob", "r2")); !errors.As(err, &held) {
		t.Errorf("a renewed lock was taken: %v", err)
	}
	if err := ls.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire([]string{"asg/web"}, holder("bob", "r2")); err != nil {
		t.Errorf("a released lock is still held: %v", err)
	}
}

func TestLeaseNotRenewedInTimeIsReportedLost(t *testing.T) {
	ts := startTestServer(t, nil)
	l := locker(t, ts, time.Second)
	alice, err := l.Acquire([]string{"asg/web"}, holder("alice", "r1"))
	if err != nil {
		t.Fatal(err)
	}
	var bob *TeamLease
	eventually(t, 3*time.Second, "the lapsed lock is free for bob", func() bool {
		bob, err = l.Acquire([]string{"asg/web"}, holder("bob", "r2"))
		return err == nil
	})
	var lost *LostError
	if err := alice.Renew(); !errors.As(err, &lost) || lost.Holder == nil || lost.Holder.Who != "bob" {
		t.Fatalf("alice's renewal after losing the lock: %v, want a LostError naming bob", err)
	}
	if bob.Token("asg/web") <= alice.Token("asg/web") {
		t.Errorf("the new holder's token %d is not above the old one's %d", bob.Token("asg/web"), alice.Token("asg/web"))
	}
	if err := alice.Release(); err != nil {
		t.Fatal(err)
	}
	if err := bob.Renew(); err != nil {
		t.Errorf("alice's release freed bob's lock: %v", err)
	}
	time.Sleep(1500 * time.Millisecond) // bob stops renewing: the lease lapses with nobody taking it
	if err := bob.Renew(); !errors.As(err, &lost) || lost.Holder != nil || !strings.Contains(err.Error(), "lapsed") {
		t.Errorf("renewal after a lapse: %v", err)
	}
}

func TestRenewWithTheServerGoneIsReported(t *testing.T) {
	ts := startTestServer(t, nil)
	l := locker(t, ts, time.Minute)
	ls, err := l.Acquire([]string{"asg/web"}, holder("alice", "r1"))
	if err != nil {
		t.Fatal(err)
	}
	ts.stop()
	start := time.Now()
	var lost *LostError
	if err := ls.Renew(); !errors.As(err, &lost) || lost.Cause == nil {
		t.Fatalf("renewal with the server gone: %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("renewal took %s to fail", took)
	}
}

func TestLocksAsRunsTakeThem(t *testing.T) {
	ts := startTestServer(t, nil)
	var alice, bob runbooks.Locks = locker(t, ts, 3*time.Second).Locks(), locker(t, ts, time.Minute).Locks()
	if alice.RenewEvery() != time.Second || bob.RenewEvery() != time.Second {
		t.Fatalf("renew every %s and %s: the bucket's lease (3s) wins for both", alice.RenewEvery(), bob.RenewEvery())
	}
	held, err := alice.Acquire([]string{"aws:web"}, holder("alice@laptop", "r1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := bob.Acquire([]string{"aws:web"}, holder("bob@desk", "r2")); got != nil || err == nil || !strings.Contains(err.Error(), "alice@laptop") {
		t.Fatalf("bob's acquire: %v, %v", got, err)
	}
	hs, err := bob.Holders()
	if err != nil || len(hs) != 1 || hs[0].Who != "alice@laptop" || hs[0].Target != "aws:web" {
		t.Fatalf("holders %+v (%v)", hs, err)
	}
	if err := bob.Clear(holder("bob@desk", "r2")); err != nil {
		t.Fatal(err)
	}
	if hs, _ := bob.Holders(); len(hs) != 1 {
		t.Fatalf("clearing another run's holder removed alice's lock: %+v", hs)
	}
	if err := held.Renew(); err != nil {
		t.Fatal(err)
	}
	if err := bob.Clear(hs[0]); err != nil {
		t.Fatal(err)
	}
	var lost *LostError
	if err := held.Renew(); !errors.As(err, &lost) {
		t.Errorf("renewing a cleared lock: %v, want a LostError", err)
	}
}

func TestARunWhoseLeaseCannotBeRenewedStopsAndSaysWhy(t *testing.T) {
	ts := startTestServer(t, nil)
	l := locker(t, ts, 1500*time.Millisecond)
	rb, err := runbooks.Parse("scale.yaml", []byte("name: scale\nsteps:\n  - action: aws.scale_group\n    args: {group: web, desired: 8, poll: 20ms}\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := &group{desired: 4, served: 4, stuck: true}
	actions := integrations.Actions{Scaler: g}
	plan, err := runbooks.NewPlan(context.Background(), rb, nil, actions, runbooks.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 1)
	done := make(chan *runbooks.Report, 1)
	go func() {
		r, _ := runbooks.Run(context.Background(), plan, actions, nil, runbooks.RunOptions{
			Confirmed: true, StateDir: t.TempDir(), Locks: l.Locks(), Holder: "alice",
			Progress: func(s runbooks.StepState) {
				if s.Status == runbooks.StepRunning {
					select {
					case started <- struct{}{}:
					default:
					}
				}
			}})
		done <- r
	}()
	<-started
	ts.stop() // the lease cannot be renewed any more
	select {
	case r := <-done:
		if r.Status != runbooks.RunFailed || r.Err == nil || !strings.Contains(r.Err.Error(), "could not renew the lock on aws:web") {
			t.Fatalf("status %s: %v", r.Status, r.Err)
		}
		if !strings.Contains(r.Aftermath, "web desired 4 → 8") {
			t.Errorf("the run does not say what it changed: %q", r.Aftermath)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the run went on without its lease")
	}
}
