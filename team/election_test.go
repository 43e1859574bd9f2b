package team

import (
	"testing"
	"time"
)

func TestPollerElectionHasOneLeaderAndATakeoverWithinTheLease(t *testing.T) {
	ts := startTestServer(t, nil)
	const lease = time.Second
	names := []string{"alice", "bob", "carol"}
	clients := make([]*Client, len(names))
	camps := make([]*Campaign, len(names))
	for i, n := range names {
		clients[i] = dial(t, Options{URL: ts.url()})
		el, err := clients[i].Elector(lease)
		if err != nil {
			t.Fatal(err)
		}
		camps[i] = el.Campaign("pagerduty", n, nil)
		t.Cleanup(camps[i].Stop)
	}
	leaders := func(skip int) (n, who int) {
		who = -1
		for i, c := range camps {
			if i != skip && c.Leading() {
				n, who = n+1, i
			}
		}
		return n, who
	}
	eventually(t, 3*time.Second, "one poller is elected", func() bool { n, _ := leaders(-1); return n == 1 })
	for range 75 { // 1.5 s, past the lease: renewals keep one poller
		if n, _ := leaders(-1); n != 1 {
			t.Fatalf("%d pollers at once", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, first := leaders(-1)
	el, _ := clients[(first+1)%3].Elector(lease)
	if p, ok, err := el.Leader("pagerduty"); err != nil || !ok || p.Who != names[first] {
		t.Errorf("Leader says %+v %v %v, want %s", p, ok, err, names[first])
	}

	// The poller's warroom dies: its connection drops without resigning.
	killed := time.Now()
	clients[first].Close()
	var took time.Duration
	for {
		n, _ := leaders(first)
		if n > 1 {
			t.Fatalf("%d pollers at once after the takeover", n)
		}
		if n == 1 {
			took = time.Since(killed)
			break
		}
		if time.Since(killed) > 3*lease {
			t.Fatal("no poller took over")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("takeover %s after the poller died (lease %s)", took, lease)
	// The slack is the server's expiry timer on a loaded machine.
	if took > lease+300*time.Millisecond {
		t.Errorf("takeover took %s, more than the lease %s", took, lease)
	}
	if camps[first].Leading() {
		t.Error("the dead poller still believes it polls")
	}

	// The new poller resigns on Stop: the last one takes over at once.
	_, second := leaders(first)
	stopped := time.Now()
	camps[second].Stop()
	eventually(t, lease/2, "the resignation hands over at once", func() bool { n, _ := leaders(first); return n == 1 })
	t.Logf("handover %s after a resignation", time.Since(stopped))
}
