package haproxy_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
)

// startPair starts HAProxy balancing over a server failing 30% of its
// requests and a healthy peer, and a Fleet for it.
func startPair(t *testing.T) (*haproxytest.Instance, *haproxy.Fleet) {
	t.Helper()
	in := haproxytest.Start(t, haproxytest.Config{Name: "edge-1", Servers: []string{
		"bad " + haproxytest.StartFlakyBackend(t, "bad", 3),
		"good " + haproxytest.StartFlakyBackend(t, "good", 0),
	}})
	f, err := haproxy.New(haproxy.Options{Instances: []haproxy.InstanceOptions{in.Options()}})
	if err != nil {
		t.Fatal(err)
	}
	return in, f
}

func serverRow(t *testing.T, snap integrations.BackendsSnapshot, name string) integrations.Backend {
	t.Helper()
	for _, b := range snap.Backends {
		if b.Server == name {
			return b
		}
	}
	t.Fatalf("no server %s in %+v", name, snap.Backends)
	return integrations.Backend{}
}

func proxyRow(t *testing.T, snap integrations.BackendsSnapshot, kind integrations.ProxyKind, name string) integrations.Proxy {
	t.Helper()
	for _, p := range snap.Proxies {
		if p.Kind == kind && p.Name == name {
			return p
		}
	}
	t.Fatalf("no %s %s in %+v", kind, name, snap.Proxies)
	return integrations.Proxy{}
}

func TestPerServerErrorRatiosMatchWhatClientsGot(t *testing.T) {
	in, f := startPair(t)
	ctx := ctxT(t)
	first, err := f.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range first.Backends {
		if b.Rates.Measured() {
			t.Fatalf("%s has rates from a single reading: %+v", b.Server, b.Rates)
		}
	}
	got := haproxytest.Load{URL: "http://" + in.HTTPAddr + "/", Workers: 4, Requests: 2000,
		Duration: 30 * time.Second, CountBy: "X-Server"}.Run()
	if got.Requests != 2000 {
		t.Fatalf("load: %s", got)
	}
	snap, err := f.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bad", "good"} {
		b := serverRow(t, snap, name)
		counted := got.By[name]
		answered := counted[200] + counted[500]
		wantRatio := float64(counted[500]) / float64(answered)
		ratio, ok := b.Rates.ErrorRatio()
		if !ok || math.Abs(ratio-wantRatio) > 0.02 {
			t.Errorf("%s: error ratio %.3f (%v), the load generator got %d of %d failing (%.3f)", name, ratio, ok, counted[500], answered, wantRatio)
		}
		if n := b.Rates.Answered(); math.Abs(float64(n)-float64(answered)) > 0.03*float64(answered) {
			t.Errorf("%s: %d responses measured, the load generator got %d", name, n, answered)
		}
		if math.Abs(b.Rate5xx-b.Rates.HTTP5xxPerS()) > 1e-9 || b.Total5xx != b.Counters.Responses[4] {
			t.Errorf("%s: the 5xx fields disagree with its own counters: %+v", name, b)
		}
	}
	if bad, good := serverRow(t, snap, "bad"), serverRow(t, snap, "good"); !strings.HasPrefix(bad.OddOneOut, "error 30% vs peer 0% (1 peer)") || good.OddOneOut != "" {
		t.Errorf("odd one out: bad %q, good %q; want bad marked and good not", bad.OddOneOut, good.OddOneOut)
	}
	// The backend's and frontend's own rows count every request, not a
	// copy of one server's.
	be, fe := proxyRow(t, snap, integrations.ProxyBackend, "app"), proxyRow(t, snap, integrations.ProxyFrontend, "web")
	if be.Rates.Requests != 2000 || fe.Rates.Requests != 2000 || be.Rates.Responses[4] != uint64(got.Statuses[500]) {
		t.Errorf("aggregates: backend %+v, frontend %+v; load %s", be.Rates, fe.Rates, got)
	}
}

func TestReloadMidLoadGivesNoNegativeOrSpikingRate(t *testing.T) {
	in, f := startPair(t)
	ctx := ctxT(t)
	load := haproxytest.Load{URL: "http://" + in.HTTPAddr + "/", Workers: 4, Duration: 30 * time.Second}.Start()
	defer load.Stop()
	type read struct {
		at    time.Duration
		rates integrations.Rates
	}
	var reads []read
	begin := time.Now()
	reloaded := false
	for i := 0; i < 24; i++ {
		snap, err := f.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		reads = append(reads, read{time.Since(begin), proxyRow(t, snap, integrations.ProxyBackend, "app").Rates})
		if i == 10 {
			if _, err := f.Reload(ctx, "edge-1"); err != nil {
				t.Fatal(err)
			}
			reloaded = true
		}
		time.Sleep(400 * time.Millisecond)
	}
	got := load.Stop()
	if !reloaded || got.Requests == 0 {
		t.Fatalf("reloaded %v, load %s", reloaded, got)
	}
	var perS []float64
	var measuredTotal uint64
	unmeasuredAfterReload := false
	for i, r := range reads {
		if !r.rates.Measured() {
			unmeasuredAfterReload = unmeasuredAfterReload || (i > 10 && i <= 12)
			continue
		}
		if ratio, ok := r.rates.ErrorRatio(); ok && (ratio < 0 || ratio > 1) {
			t.Errorf("read %d: error ratio %v", i, ratio)
		}
		perS = append(perS, r.rates.ReqPerS())
		measuredTotal += r.rates.Requests
	}
	if !unmeasuredAfterReload {
		t.Errorf("no reading right after the reload restarted the delta: %+v", reads)
	}
	if measuredTotal > uint64(got.Requests) {
		t.Errorf("measured %d requests in total, the load sent %d: a delta mixed two workers' counters", measuredTotal, got.Requests)
	}
	slices.Sort(perS)
	if len(perS) < 15 {
		t.Fatalf("only %d measured readings of 24", len(perS))
	}
	if med, peak := perS[len(perS)/2], perS[len(perS)-1]; peak > 3*med {
		t.Errorf("request rate spiked: peak %.0f/s against a median of %.0f/s (%v)", peak, med, perS)
	}
}
