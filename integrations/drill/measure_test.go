package drill

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/oddone"
)

// watch steps a world second by second to the given scenario second,
// keeping the latest HAProxy snapshot and the odd-one-out records a
// tracker makes of every snapshot published.
type watch struct {
	latest
	snap    integrations.BackendsSnapshot
	tracker oddone.Tracker
	odd     []integrations.Record
	samples []integrations.Sample
}

func (w *watch) Publish(e integrations.Event) {
	w.latest.Publish(e)
	switch e := e.(type) {
	case integrations.BackendsSnapshot:
		w.snap = e
		w.odd = append(w.odd, w.tracker.Update(e, time.Time{})...)
	case integrations.SamplesTaken:
		w.samples = append(w.samples, e.Samples...)
	}
}

func (w *watch) run(world *World, from, to int) {
	for s := from; s <= to; s++ {
		world.Step(world.Scenario().Start.Add(time.Duration(s)*time.Second), w)
	}
}

func (w *watch) proxy(instance string, kind integrations.ProxyKind) integrations.Proxy {
	for _, p := range w.snap.Proxies {
		if p.Instance == instance && p.Kind == kind {
			return p
		}
	}
	return integrations.Proxy{}
}

func ratio(r integrations.Rates) float64 {
	v, _ := r.ErrorRatio()
	return v
}

func TestDrillServersCarryTheirOwnFigures(t *testing.T) {
	sc, _ := Lookup("monday-surge")
	world := New(sc, Options{Seed: 1})
	w := &watch{}
	if err := webOf(world).SetServerState(context.Background(), "edge-1", "web", "", integrations.ServerUp); err != nil {
		t.Fatal(err)
	}
	w.run(world, 1, 1)
	drained := w.snap.Backends[0].Server
	if err := webOf(world).SetServerState(context.Background(), "edge-1", "web", drained, integrations.ServerDrain); err != nil {
		t.Fatal(err)
	}
	w.run(world, 2, 600)
	var upReq, up5xx float64
	for _, b := range w.snap.Backends {
		if !b.Rates.Measured() {
			t.Fatalf("%s still measuring at 600 s", b.Target())
		}
		switch {
		case b.Instance == "edge-1" && b.Server == drained:
			if b.State != integrations.ServerDrain || b.Rates.ReqPerS() != 0 || b.Rate5xx != 0 || b.Sessions != 0 {
				t.Errorf("the drained server shows traffic: %+v", b)
			}
		case b.Instance == "edge-1":
			upReq += b.Rates.ReqPerS()
			up5xx += b.Rates.HTTP5xxPerS()
			if b.Rate5xx <= 0 || b.Rate5xx != b.Rates.HTTP5xxPerS() {
				t.Errorf("an overloaded UP server shows no 5xx of its own: %+v", b)
			}
		}
	}
	// The backend's own row counts what its servers served; edge-1 has
	// one server fewer, so each of its servers fails more than edge-2's.
	be := w.proxy("edge-1", integrations.ProxyBackend)
	if math.Abs(be.Rates.ReqPerS()-upReq) > 0.02*upReq || math.Abs(be.Rates.HTTP5xxPerS()-up5xx) > 0.02*up5xx+1 {
		t.Errorf("edge-1 backend %.1f req/s %.1f 5xx/s; its servers add up to %.1f and %.1f", be.Rates.ReqPerS(), be.Rates.HTTP5xxPerS(), upReq, up5xx)
	}
	if r1, r2 := ratio(be.Rates), ratio(w.proxy("edge-2", integrations.ProxyBackend).Rates); r1 <= r2 {
		t.Errorf("edge-1 with a drained server fails %.3f, edge-2 with all its servers %.3f", r1, r2)
	}
	fe := w.proxy("edge-1", integrations.ProxyFrontend)
	if math.Abs(fe.Rates.ReqPerS()-be.Rates.ReqPerS()) > 1 || fe.Rates.ShedPerS() != 0 {
		t.Errorf("unthrottled frontend %+v against backend %+v", fe.Rates, be.Rates)
	}
}

func TestDrillThrottleShedsAtTheFrontend(t *testing.T) {
	sc, _ := Lookup("monday-surge")
	world := New(sc, Options{Seed: 1})
	if err := world.SetThrottle(context.Background(), "edge-2", "free", 50); err != nil {
		t.Fatal(err)
	}
	w := &watch{}
	w.run(world, 1, 100)
	fe, be := w.proxy("edge-2", integrations.ProxyFrontend), w.proxy("edge-2", integrations.ProxyBackend)
	// 60% of traffic is free tier; half of it is shed: 30% of requests.
	if shed := fe.Rates.ShedPerS() / fe.Rates.ReqPerS(); math.Abs(shed-0.3) > 0.01 {
		t.Errorf("edge-2 sheds %.3f of its requests, want 0.3", shed)
	}
	if math.Abs(fe.Rates.ReqPerS()-fe.Rates.ShedPerS()-be.Rates.ReqPerS()) > 1 {
		t.Errorf("frontend %+v minus shed does not reach the backend %+v", fe.Rates, be.Rates)
	}
	if w.proxy("edge-1", integrations.ProxyFrontend).Rates.Denied != 0 {
		t.Error("an unthrottled edge sheds")
	}
}

func TestStaleSlotsFlagsTheFailingEdgeUntilItsReload(t *testing.T) {
	sc, _ := Lookup("stale-slots")
	world := New(sc, Options{Seed: 3})
	w := &watch{}
	w.run(world, 1, 30)
	for _, b := range w.snap.Backends {
		front := b.Target() == "front-1/edges/edge-3" // edge-3 as a server of the front: odd there too
		if front != strings.HasPrefix(b.OddOneOut, "error 8") {
			t.Errorf("server %s marked %q", b.Target(), b.OddOneOut)
		}
	}
	for _, p := range w.snap.Proxies {
		switch {
		case p.Instance == "edge-3" && !strings.HasPrefix(p.OddOneOut, "error 8"):
			t.Errorf("the failing edge's %s is not the odd one out: %q (rates %+v)", p.Target(), p.OddOneOut, p.Rates)
		case p.Instance != "edge-3" && p.OddOneOut != "":
			t.Errorf("a healthy edge's %s is marked: %q", p.Target(), p.OddOneOut)
		}
	}
	// Every edge in trouble after the scale-in: nobody is odd. A rolling
	// reload fixes the slots and edge-3's ports.
	w.run(world, 31, 200)
	for _, p := range w.snap.Proxies {
		if p.OddOneOut != "" {
			t.Errorf("with every edge failing, %s is marked: %q", p.Target(), p.OddOneOut)
		}
	}
	for i, e := range world.Instances() {
		if _, err := webOf(world).Reload(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		w.run(world, 201+10*i, 210+10*i)
	}
	w.run(world, 231, 300)
	var kinds []string
	for _, r := range w.odd {
		kinds = append(kinds, r.Kind+" "+r.Fields["target"])
	}
	// Marked from the first measured window; cleared once the scale-in
	// has every edge failing alike; marked again while edge-3 is the last
	// edge still to be reloaded, its peers recovered; cleared after its
	// own reload (not at it: its first window is still measuring). The
	// front sees edge-3 as the odd server of its backend of edges; after
	// the reload it clears there first: the front's counters go on, while
	// the new worker's own first window is still measuring.
	appear := "oddone edge-3/fe:http,oddone edge-3/web,oddone front-1/edges/edge-3,"
	clear := "oddone.cleared edge-3/fe:http,oddone.cleared edge-3/web"
	want := appear + clear + ",oddone.cleared front-1/edges/edge-3," + appear + "oddone.cleared front-1/edges/edge-3," + clear
	if got := strings.Join(kinds, ","); got != want {
		t.Fatalf("odd-one-out records:\n%s\nwant\n%s", got, want)
	}
}

func TestMondaySurgeHasNoOddOneOut(t *testing.T) {
	sc, _ := Lookup("monday-surge")
	world := New(sc, Options{Seed: 1})
	w := &watch{}
	w.run(world, 1, 900)
	if len(w.odd) != 0 {
		t.Fatalf("identical edges and servers gave odd-one-out records: %+v", w.odd)
	}
}

func TestDrillPublishesSamplesOnItsOwnClock(t *testing.T) {
	sc, _ := Lookup("monday-surge")
	world := New(sc, Options{Seed: 1})
	if err := world.SetThrottle(context.Background(), "edge-1", "free", 20); err != nil {
		t.Fatal(err)
	}
	w := &watch{}
	w.run(world, 1, 30)
	times := map[time.Time]bool{}
	series := map[string]bool{}
	for _, s := range w.samples {
		times[s.Time] = true
		series[s.Source+" "+s.Target+" "+s.Metric] = true
	}
	if len(times) != 3 {
		t.Errorf("samples at %d times in 30 s, want one reading every 10 s", len(times))
	}
	server := w.snap.Backends[0].Target()
	for _, k := range []string{
		"haproxy " + server + " req_per_s", "haproxy " + server + " error_ratio", "haproxy " + server + " sessions",
		"haproxy edge-1/web http_5xx_per_s", "haproxy edge-1/fe:http shed_per_s", "haproxy edge-1/tier:free throttle_pct",
		"aws web desired", "aws web in_service", "aws web pending",
	} {
		if !series[k] {
			t.Errorf("no %s series", k)
		}
	}
}
