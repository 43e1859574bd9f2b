package haproxy

import (
	"context"
	"fmt"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

var _ integrations.TierMeter = (*Fleet)(nil)

// TierRates measures one backend of an instance (or every backend it
// watches, when backend is "") over window from now: two readings of its
// `show stat` counters, window apart, turned into rates by a meter of its
// own, so a poll of the Fleet in between changes neither. A reload in
// between (a new worker counting from zero) leaves the rates unmeasured.
func (f *Fleet) TierRates(ctx context.Context, name, backend string, window time.Duration) (integrations.Rates, error) {
	inst, err := f.instance(name)
	if err != nil {
		return integrations.Rates{}, err
	}
	if backend != "" {
		if err := checkName("backend", backend); err != nil {
			return integrations.Rates{}, fmt.Errorf("haproxy %s: %w", name, err)
		}
	}
	what := "its backends"
	if backend != "" {
		what = "backend " + backend
	}
	var meter integrations.Meter
	take := func() (map[string]integrations.Rates, int, error) {
		r, err := inst.read(ctx)
		if err != nil {
			return nil, 0, err
		}
		rows := map[string]integrations.Counters{}
		for _, p := range r.proxies {
			if p.Kind == integrations.ProxyBackend && (backend == "" || p.Name == backend) {
				rows[p.Name] = p.Counters
			}
		}
		if len(rows) == 0 {
			return nil, 0, fmt.Errorf("haproxy %s: cannot measure %s: not among the backends it watches", name, what)
		}
		return meter.Read(name, r.pid, f.now(), rows), len(rows), nil
	}
	if _, _, err := take(); err != nil {
		return integrations.Rates{}, err
	}
	timer := time.NewTimer(window)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return integrations.Rates{}, fmt.Errorf("haproxy %s: measuring %s: %w", name, what, ctx.Err())
	case <-timer.C:
	}
	rates, rows, err := take()
	if err != nil {
		return integrations.Rates{}, err
	}
	var sum integrations.Rates
	if len(rates) < rows {
		return sum, nil // counters restarted, or a backend appeared: not measured
	}
	for _, r := range rates {
		sum.Window, sum.HTTP = r.Window, sum.HTTP || r.HTTP
		sum.Requests += r.Requests
		sum.Denied += r.Denied
		for i := range sum.Responses {
			sum.Responses[i] += r.Responses[i]
		}
	}
	return sum, nil
}
