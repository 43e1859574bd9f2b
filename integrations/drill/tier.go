package drill

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

var _ integrations.TierMeter = (*World)(nil)

// TierRates implements integrations.TierMeter as a configured fleet does:
// two readings of an edge's backend counters, window apart on the
// scenario's clock, turned into rates by a meter of their own. The window
// passes as the world runs (see Run); a world nobody advances never
// finishes one, and the call ends with ctx. A reload in between leaves the
// rates unmeasured, as a new worker's counters would.
func (w *World) TierRates(ctx context.Context, instance, backend string, window time.Duration) (integrations.Rates, error) {
	// An edge serves the web backend; the front, its backend of edges.
	name, key := backendName, backendKey
	if w.front != nil && instance == w.front.name {
		name, key = frontBackend, frontBackendKey
	}
	if backend != "" && backend != name {
		return integrations.Rates{}, fmt.Errorf("drill: %s has no backend %q", instance, backend)
	}
	var meter integrations.Meter
	read := func() (map[string]integrations.Rates, time.Time, error) {
		var (
			rates map[string]integrations.Rates
			at    time.Time
		)
		err := w.withEdge(ctx, instance, func(e *edge) error {
			at = w.now
			rows := map[string]integrations.Counters{name: e.tally(key).counters()}
			rates = meter.Read(instance, strconv.Itoa(e.pid), at, rows)
			return nil
		})
		return rates, at, err
	}
	_, start, err := read()
	if err != nil {
		return integrations.Rates{}, err
	}
	if err := w.waitUntil(ctx, start.Add(window)); err != nil {
		return integrations.Rates{}, fmt.Errorf("drill: measuring %s/%s: %w", instance, name, err)
	}
	rates, _, err := read()
	return rates[name], err
}

// waitUntil returns once the scenario clock reaches t. In lockstep
// (headless) mode nobody else moves the clock while a runbook waits, so the
// wait itself advances the world, recording what happens meanwhile, as any
// call does there; otherwise the world runs on its own and this watches.
func (w *World) waitUntil(ctx context.Context, t time.Time) error {
	w.mu.Lock()
	if w.lockstep > 0 {
		for w.now.Before(t) {
			w.now = w.now.Add(time.Second)
			w.pending = append(w.pending, w.second()...)
		}
	}
	w.mu.Unlock()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for w.Now().Before(t) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}
