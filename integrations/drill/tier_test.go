package drill

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// measureWhileStepping measures an edge over window while the world moves
// on by window at once; before runs once the first reading is in.
func measureWhileStepping(t *testing.T, world *World, edge string, window time.Duration, before func()) (integrations.Rates, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type answer struct {
		rates integrations.Rates
		err   error
	}
	done := make(chan answer, 1)
	start := world.Now()
	go func() {
		r, err := webOf(world).TierRates(ctx, edge, "", window)
		done <- answer{r, err}
	}()
	// The first reading is taken at once; give it the moment it needs
	// before the clock moves.
	time.Sleep(50 * time.Millisecond)
	before()
	world.Step(start.Add(window), integrations.PublisherFunc(func(integrations.Event) {}))
	a := <-done
	return a.rates, a.err
}

func TestDrillTierRatesAreTheBackendsCounterDeltas(t *testing.T) {
	sc, _ := Lookup("stale-slots")
	world := New(sc, Options{Seed: 2})
	world.Step(sc.Start.Add(10*time.Second), integrations.PublisherFunc(func(integrations.Event) {}))
	counters := func() integrations.Counters {
		for _, p := range webOf(world).backendsSnapshot().Proxies {
			if p.Instance == "edge-3" && p.Kind == integrations.ProxyBackend {
				return p.Counters
			}
		}
		t.Fatal("no edge-3 backend")
		return integrations.Counters{}
	}
	first := counters()
	r, err := measureWhileStepping(t, world, "edge-3", 10*time.Second, func() {})
	if err != nil {
		t.Fatal(err)
	}
	last := counters()
	if r.Window != 10*time.Second || r.Answered() != sumResponses(last)-sumResponses(first) || r.Responses[4] != last.Responses[4]-first.Responses[4] {
		t.Errorf("rates %+v, counters %+v → %+v", r, first, last)
	}
	// edge-3 fails its own share of requests before the scale-in.
	if ratio, ok := r.ErrorRatio(); !ok || ratio < 0.05 || ratio > 0.11 {
		t.Errorf("edge-3 error ratio %v (%v), want about 8%%", ratio, ok)
	}
}

func sumResponses(c integrations.Counters) uint64 {
	var n uint64
	for _, v := range c.Responses {
		n += v
	}
	return n
}

func TestDrillTierRatesAcrossAReloadAreNotMeasured(t *testing.T) {
	sc, _ := Lookup("stale-slots")
	world := New(sc, Options{Seed: 2})
	r, err := measureWhileStepping(t, world, "edge-1", 5*time.Second, func() {
		if _, err := webOf(world).Reload(context.Background(), "edge-1"); err != nil {
			t.Fatal(err)
		}
	})
	if err != nil || r.Measured() {
		t.Errorf("a window across a reload: %+v, %v", r, err)
	}
}

func TestDrillTierRatesEndWithTheContextWhenTheWorldStands(t *testing.T) {
	sc, _ := Lookup("stale-slots")
	world := New(sc, Options{Seed: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := webOf(world).TierRates(ctx, "edge-1", "", time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if _, err := webOf(world).TierRates(context.Background(), "edge-1", "app", time.Second); err == nil {
		t.Error("measured a backend the edge does not have")
	}
}

// A headless drill moves its clock only through the calls actions make: a
// tier measurement there must move it itself, or a rolling restart would
// wait for a window that never passes. The front's tier of edges is
// measured as the edges' upstream.
func TestDrillTierRatesAdvanceALockstepWorld(t *testing.T) {
	sc, _ := Lookup("stale-slots")
	world := New(sc, Options{Seed: 2})
	world.SetLockstep(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := world.Now()
	rates, err := webOf(world).TierRates(ctx, webOf(world).Front, "edges", 30*time.Second)
	if err != nil {
		t.Fatalf("measuring the front's tier in lockstep: %v", err)
	}
	if !rates.Measured() || rates.Answered() == 0 {
		t.Errorf("rates %+v: want a measured window with responses", rates)
	}
	if got := world.Now().Sub(start); got < 30*time.Second {
		t.Errorf("the clock moved %s, less than the window", got)
	}
}
