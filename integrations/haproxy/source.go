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
	"github.com/warroomhq/warroom/integrations/oddone"
)

// Run polls every instance each interval and publishes one
// BackendsSnapshot per refresh (servers and proxies with their rates and
// odd-one-out marks, throttles in force, masters' reload counts) followed
// by the SamplesTaken of that refresh, until ctx ends. An unreachable
// instance makes the refresh fail (the source turns degraded with a reason
// naming it) while the instances that answered are still published.
func (f *Fleet) Run(ctx context.Context, pub integrations.Publisher) error {
	var sampler integrations.BackendSampler
	integrations.Poll(ctx, f.opts.Poll, pub, func(ctx context.Context) error {
		snap, at, err := f.refresh(ctx)
		if len(snap.Backends) > 0 || len(snap.Proxies) > 0 || err == nil {
			pub.Publish(snap)
			if samples := sampler.Samples(snap, at); len(samples) > 0 {
				pub.Publish(integrations.SamplesTaken{Source: snap.Source, Samples: samples})
			}
		}
		return err
	})
	return nil
}

// Probe refreshes every instance once and summarises what it found.
func (f *Fleet) Probe(ctx context.Context) (string, error) {
	snap, _, err := f.refresh(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d instances, %d servers", len(f.instances), len(snap.Backends)), nil
}

// Read refreshes every instance once, as a poll does: rates are measured
// against the previous Read or poll of the same Fleet (the first read of
// an instance has none yet), and odd ones out are marked. What answered is
// returned with the joined errors of what did not.
func (f *Fleet) Read(ctx context.Context) (integrations.BackendsSnapshot, error) {
	snap, _, err := f.refresh(ctx)
	return snap, err
}

// refresh reads all instances at once, so one slow instance cannot use up
// the others' time, and returns what answered, when, and the joined
// errors.
func (f *Fleet) refresh(ctx context.Context) (integrations.BackendsSnapshot, time.Time, error) {
	type answer struct {
		reading   reading
		at        time.Time
		throttles map[string]int
		proc      *integrations.ProcessInfo
		err       error
	}
	answers := make([]answer, len(f.instances))
	var wg sync.WaitGroup
	for i, inst := range f.instances {
		wg.Go(func() {
			a := &answers[i]
			if a.reading, a.err = inst.read(ctx); a.err != nil {
				return
			}
			a.at = f.now()
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
		if !a.at.IsZero() {
			f.measure(inst.Name, a.reading, a.at)
			snap.Backends = append(snap.Backends, a.reading.servers...)
			snap.Proxies = append(snap.Proxies, a.reading.proxies...)
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
	oddone.Default.Mark(&snap, f.tier)
	return snap, f.now(), errors.Join(errs...)
}

// tier groups instances for the odd-one-out rule: those sent traffic by the
// same front backend are peers; instances without an upstream are peers of
// one another.
func (f *Fleet) tier(instance string) string {
	if up, ok := f.Upstream(instance); ok {
		return up.Instance + "/" + up.Backend
	}
	return ""
}

// measure sets the rates of one instance's rows from the delta since its
// previous reading.
func (f *Fleet) measure(instance string, r reading, at time.Time) {
	rows := make(map[string]integrations.Counters, len(r.servers)+len(r.proxies))
	for _, s := range r.servers {
		if key := s.Backend + "/" + s.Server; !r.uncounted[key] {
			rows[key] = s.Counters
		}
	}
	for _, p := range r.proxies {
		rows[string(p.Kind)+":"+p.Name] = p.Counters
	}
	rates := f.meter.Read(instance, r.pid, at, rows)
	for i := range r.servers {
		s := &r.servers[i]
		s.Rates = rates[s.Backend+"/"+s.Server]
		s.Rate5xx = s.Rates.HTTP5xxPerS()
	}
	for i := range r.proxies {
		p := &r.proxies[i]
		p.Rates = rates[string(p.Kind)+":"+p.Name]
	}
}
