package drill

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// TierRates implements integrations.TierMeter as a configured fleet does:
// two readings of an edge's backend counters, window apart on the
// scenario's clock, turned into rates by a meter of their own. The window
// passes as the world runs (see Run); a world nobody advances never
// finishes one, and the call ends with ctx. A reload in between leaves the
// rates unmeasured, as a new worker's counters would.
func (m *Web) TierRates(ctx context.Context, instance, backend string, window time.Duration) (integrations.Rates, error) {
	// An edge serves the web backend; the front, its backend of edges.
	name, key := backendName, backendKey
	if m.front != nil && instance == m.front.name {
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
		err := m.withEdge(ctx, instance, func(e *edge) error {
			at = m.w.now
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
	if err := m.w.waitUntil(ctx, start.Add(window)); err != nil {
		return integrations.Rates{}, fmt.Errorf("drill: measuring %s/%s: %w", instance, name, err)
	}
	rates, _, err := read()
	return rates[name], err
}
