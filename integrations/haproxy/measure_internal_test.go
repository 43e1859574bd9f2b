package haproxy

import (
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/oddone"
)

// The front balancing over the edges is not one of the edges' peers: an
// edge failing 30% is compared with the other edges, not with the front,
// whose own ratio is the edges' average.
func TestOddOneOutComparesEdgesBehindTheSameFront(t *testing.T) {
	up := &integrations.UpstreamRef{Instance: "front", Backend: "edges"}
	f, err := New(Options{Instances: []InstanceOptions{
		{Name: "edge-1", RuntimeAddr: "/run/e1.sock", Upstream: up},
		{Name: "edge-2", RuntimeAddr: "/run/e2.sock", Upstream: up},
		{Name: "front", RuntimeAddr: "/run/f.sock"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	rates := func(bad uint64) integrations.Rates {
		return integrations.Rates{Window: 10 * time.Second, Requests: 1000, HTTP: true, Responses: [5]uint64{0, 1000 - bad, 0, 0, bad}}
	}
	snap := integrations.BackendsSnapshot{Proxies: []integrations.Proxy{
		{Instance: "edge-1", Name: "web", Kind: integrations.ProxyFrontend, Rates: rates(300)},
		{Instance: "edge-2", Name: "web", Kind: integrations.ProxyFrontend, Rates: rates(0)},
		{Instance: "front", Name: "web", Kind: integrations.ProxyFrontend, Rates: rates(150)},
	}}
	oddone.Default.Mark(&snap, f.tier)
	if got := snap.Proxies[0].OddOneOut; got != "error 30% vs peer 0% (1 peer)" {
		t.Fatalf("edge-1 against edge-2 only: %q", got)
	}
	if snap.Proxies[2].OddOneOut != "" {
		t.Fatalf("the front is marked: %q", snap.Proxies[2].OddOneOut)
	}
}

// A server `show stat` did not list (added between the two commands) has
// no reading: its zero counters must not become the base of a delta that
// would count everything it ever served as served in one interval.
func TestServerMissingFromShowStatIsNotMeasuredFromZero(t *testing.T) {
	f, err := New(Options{Instances: []InstanceOptions{{Name: "edge-1", RuntimeAddr: "/run/e1.sock"}}})
	if err != nil {
		t.Fatal(err)
	}
	inst := f.instances[0]
	states := []serverState{{Backend: "be", Server: "s1", OpState: 2}}
	counted := func(req uint64) map[string]statRow {
		return map[string]statRow{"be/s1": {Proxy: "be", Server: "s1", Counters: integrations.Counters{Requests: req, HTTP: true}}}
	}
	at := time.Unix(1000, 0)
	read := func(stats map[string]statRow) integrations.Rates {
		at = at.Add(10 * time.Second)
		r := inst.assemble(states, "1", stats)
		f.measure(inst.Name, r, at)
		return r.servers[0].Rates
	}
	read(map[string]statRow{})
	if r := read(counted(50000)); r.Measured() {
		t.Fatalf("rates from a reading that did not count the server: %+v", r)
	}
	if r := read(counted(50100)); r.ReqPerS() != 10 {
		t.Fatalf("rates once counted twice: %+v", r)
	}
}
