package haproxy_test

import (
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
)

// The LoadBalancer primitives a rolling restart is built from, composed by
// hand on the front + three edges topology: drain the edge's server on the
// front, wait for its sessions to end, reload the edge, put it back.
func TestRollingReloadThroughFrontDropsNothing(t *testing.T) {
	tp := haproxytest.StartTopology(t, 3, 3)
	f, err := haproxy.New(tp.FleetOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if got := f.Instances(); len(got) != 4 || got[0] != "edge-1" || got[3] != "front" {
		t.Fatalf("instances %v", got)
	}
	before := map[string]int{}
	for _, e := range tp.Edges {
		p, err := f.Process(ctx, e.Name)
		if err != nil {
			t.Fatal(err)
		}
		before[e.Name] = p.Reloads
	}
	load := haproxytest.Load{URL: "http://" + tp.Front.HTTPAddr + "/", Workers: 8, Duration: 60 * time.Second}.Start()
	defer load.Stop()

	upstreamState := func(edge string) (integrations.Backend, bool) {
		up, _ := f.Upstream(edge)
		servers, err := f.Servers(ctx, up.Instance)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range servers {
			if s.Backend == up.Backend && s.Server == up.Server {
				return s, true
			}
		}
		return integrations.Backend{}, false
	}
	for _, e := range tp.Edges {
		up, ok := f.Upstream(e.Name)
		if !ok || up.Instance != "front" || up.Server != e.Name {
			t.Fatalf("upstream of %s: %+v %v", e.Name, up, ok)
		}
		if err := f.SetServerState(ctx, up.Instance, up.Backend, up.Server, integrations.ServerDrain); err != nil {
			t.Fatal(err)
		}
		haproxytest.WaitFor(t, 10*time.Second, e.Name+" drained on the front", func() bool {
			s, ok := upstreamState(e.Name)
			return ok && s.State == integrations.ServerDrain && s.Sessions == 0
		})
		if _, err := f.Reload(ctx, e.Name); err != nil {
			t.Fatal(err)
		}
		if err := f.SetServerState(ctx, up.Instance, up.Backend, up.Server, integrations.ServerUp); err != nil {
			t.Fatal(err)
		}
		haproxytest.WaitFor(t, 10*time.Second, e.Name+" back in rotation", func() bool {
			s, ok := upstreamState(e.Name)
			return ok && s.State == integrations.ServerUp
		})
	}
	res := load.Stop()
	t.Logf("load through the front: %v", res)
	if res.Requests == 0 || res.Failed != 0 {
		t.Errorf("load through the front: %v", res)
	}
	for _, e := range tp.Edges {
		if p, err := f.Process(ctx, e.Name); err != nil || p.Reloads != before[e.Name]+1 {
			t.Errorf("%s: %+v %v, want exactly one reload", e.Name, p, err)
		}
	}
}
