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
