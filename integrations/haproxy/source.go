package haproxy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Run polls every instance each interval and publishes one
// BackendsSnapshot per refresh (servers, throttles in force, masters'
// reload counts), until ctx ends. An unreachable instance
// makes the refresh fail (the source turns degraded with a reason naming
// it) while the instances that answered are still published.
func (f *Fleet) Run(ctx context.Context, pub integrations.Publisher) error {
	integrations.Poll(ctx, f.opts.Poll, pub, func(ctx context.Context) error {
		snap, err := f.refresh(ctx)
		if len(snap.Backends) > 0 || err == nil {
			pub.Publish(snap)
		}
		return err
	})
	return nil
}

// Probe refreshes every instance once and summarises what it found.
func (f *Fleet) Probe(ctx context.Context) (string, error) {
	snap, err := f.refresh(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d instances, %d servers", len(f.instances), len(snap.Backends)), nil
}

// refresh reads all instances at once, so one slow instance cannot use up
// the others' time, and returns what answered plus the joined errors.
func (f *Fleet) refresh(ctx context.Context) (integrations.BackendsSnapshot, error) {
	type answer struct {
		servers   []integrations.Backend
		throttles map[string]int
		proc      *integrations.ProcessInfo
		err       error
	}
	answers := make([]answer, len(f.instances))
	var wg sync.WaitGroup
	for i, inst := range f.instances {
		wg.Go(func() {
			a := &answers[i]
			if a.servers, a.err = inst.servers(ctx); a.err != nil {
				return
			}
			if inst.ThrottleMap != "" {
				if a.throttles, a.err = inst.throttles(ctx); a.err != nil {
					return
				}
			}
			if inst.master != nil {
				p, err := inst.process(ctx)
				a.proc, a.err = &p, err
			}
		})
	}
	wg.Wait()

	snap := integrations.BackendsSnapshot{Source: f.Name(), Processes: map[string]integrations.ProcessInfo{}}
	var errs []error
	for i, inst := range f.instances {
		a := answers[i]
		if a.servers != nil {
			f.rates.update(inst.Name, a.servers)
			snap.Backends = append(snap.Backends, a.servers...)
		}
		for _, tier := range slices.Sorted(maps.Keys(a.throttles)) {
			if pct := a.throttles[tier]; pct != 0 {
				snap.Throttles = append(snap.Throttles, integrations.Throttle{Instance: inst.Name, Tier: tier, Percent: pct})
			}
		}
		if a.proc != nil && a.err == nil {
			snap.Processes[inst.Name] = *a.proc
		}
		if a.err != nil {
			errs = append(errs, a.err)
		}
	}
	return snap, errors.Join(errs...)
}

// rateTracker turns cumulative 5xx counters into a per-second rate
// between two samples of the same server.
type rateTracker struct {
	now  func() time.Time
	mu   sync.Mutex
	last map[string]map[string]sample // instance → backend/server → sample
}

type sample struct {
	total uint64
	at    time.Time
}

func newRateTracker(now func() time.Time) rateTracker {
	if now == nil {
		now = time.Now
	}
	return rateTracker{now: now, last: map[string]map[string]sample{}}
}

// update sets Rate5xx on servers from the previous sample of each and
// keeps these as the next previous samples.
func (r *rateTracker) update(instance string, servers []integrations.Backend) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.last[instance]
	next := make(map[string]sample, len(servers))
	for i := range servers {
		s := &servers[i]
		key := s.Backend + "/" + s.Server
		next[key] = sample{total: s.Total5xx, at: now}
		p, ok := prev[key]
		dt := now.Sub(p.at).Seconds()
		if !ok || dt <= 0 {
			continue
		}
		delta := s.Total5xx
		if s.Total5xx >= p.total {
			delta = s.Total5xx - p.total
		} // else: counters restart at zero with a reload's new worker
		s.Rate5xx = float64(delta) / dt
	}
	r.last[instance] = next
}
