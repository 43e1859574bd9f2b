package drill

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/warroomhq/warroom/integrations"
)

// The web tier answers as the AWS and HAProxy adapters do.
var (
	_ integrations.Scaler        = (*Web)(nil)
	_ integrations.LoadBalancer  = (*Web)(nil)
	_ integrations.ConfigChecker = (*Web)(nil)
	_ integrations.TierMeter     = (*Web)(nil)
	_ integrations.LoadShedder   = (*Web)(nil)
)

// actions offers the tier's actions: scaling, the load balancers (their
// configuration checks and tier measurements too), and
// shedding when the scenario has optional features.
func (m *Web) actions(a *integrations.Actions) {
	a.Scaler, a.LoadBalancer, a.ConfigChecks, a.TierMeter = m, m, m, m
	if len(m.Optional) > 0 {
		a.Shedder = m
	}
}

// SetDesiredCapacity implements integrations.Scaler.
func (m *Web) SetDesiredCapacity(ctx context.Context, name string, desired int) error {
	return m.w.act(ctx, func(w *World) error {
		g := m.findGroup(name)
		if g == nil {
			return fmt.Errorf("drill: no Auto Scaling group named %q", name)
		}
		if desired < g.Min || desired > g.Max {
			return fmt.Errorf("drill: desired capacity %d for %s is outside min %d and max %d", desired, name, g.Min, g.Max)
		}
		from := g.Desired
		g.Desired, g.DesiredSince = desired, w.now
		if name == m.WebGroup && desired > from {
			w.mark(MilestoneScaleUp)
		}
		w.pending = append(w.pending, fleetRecord(w.now, fmt.Sprintf("%s: desired capacity %d → %d", name, from, desired),
			map[string]string{"group": name, "from": fmt.Sprint(from), "to": fmt.Sprint(desired)}))
		return nil
	})
}

// DescribeGroup implements integrations.Scaler.
func (m *Web) DescribeGroup(ctx context.Context, name string) (integrations.Group, error) {
	var c integrations.Group
	err := m.w.act(ctx, func(*World) error {
		g := m.findGroup(name)
		if g == nil {
			return fmt.Errorf("drill: no Auto Scaling group named %q", name)
		}
		c = g.Group
		c.Instances = slices.Clone(g.Instances)
		c.Activities = slices.Clone(g.Activities)
		return nil
	})
	return c, err
}

// withEdge is how every LoadBalancer method starts: give up if ctx has
// ended, then run fn on the named edge with the world locked.
func (m *Web) withEdge(ctx context.Context, name string, fn func(e *edge) error) error {
	return m.w.act(ctx, func(*World) error {
		for _, e := range m.edges {
			if e.name == name {
				return fn(e)
			}
		}
		if m.front != nil && m.front.name == name {
			return fn(m.front)
		}
		return fmt.Errorf("drill: no HAProxy instance named %q", name)
	})
}

// Instances implements integrations.LoadBalancer.
func (m *Web) Instances() []string {
	if m.Front != "" {
		return append(slices.Clone(m.Edges), m.Front)
	}
	return slices.Clone(m.Edges)
}

// Reloadable implements integrations.ConfigChecker: a roll reloads the
// edges, one after another, draining each on the front first.
func (m *Web) Reloadable() []string { return slices.Clone(m.Edges) }

// CheckConfig implements integrations.ConfigChecker: the drill's
// configurations are always valid.
func (m *Web) CheckConfig(_ context.Context, instance string) []integrations.Finding {
	return []integrations.Finding{{Level: integrations.FindingOK, Text: instance + ": configuration valid"}}
}

// Throttling implements integrations.LoadBalancer: every drill edge
// carries the throttle.
func (m *Web) Throttling() []string { return slices.Clone(m.Edges) }

// Servers implements integrations.LoadBalancer.
func (m *Web) Servers(ctx context.Context, instance string) ([]integrations.Backend, error) {
	var out []integrations.Backend
	err := m.withEdge(ctx, instance, func(*edge) error {
		for _, b := range m.backendsSnapshot().Backends {
			if b.Instance == instance {
				out = append(out, b)
			}
		}
		return nil
	})
	return out, err
}

// SetServerState implements integrations.LoadBalancer.
func (m *Web) SetServerState(ctx context.Context, instance, backend, server string, state integrations.ServerState) error {
	return m.withEdge(ctx, instance, func(e *edge) error {
		switch {
		case e == m.front && (backend != frontBackend || !slices.Contains(m.Edges, server)):
			return fmt.Errorf("drill: %s has no server %s/%s", instance, backend, server)
		case e != m.front && backend != "web":
			return fmt.Errorf("drill: %s has no backend %q", instance, backend)
		}
		if state == integrations.ServerUp {
			delete(e.servers, server)
		} else {
			e.servers[server] = state
		}
		m.w.pending = append(m.w.pending, integrations.Record{Occurred: m.w.now, Source: integrations.SourceHAProxy, Kind: integrations.KindFleetChange,
			Text:   fmt.Sprintf("%s: %s/%s set to %s", instance, backend, server, state),
			Fields: map[string]string{"instance": instance, "backend": backend, "server": server, "state": string(state)}})
		return nil
	})
}

// Throttles implements integrations.LoadBalancer.
func (m *Web) Throttles(ctx context.Context, instance string) (map[string]int, error) {
	var out map[string]int
	err := m.withEdge(ctx, instance, func(e *edge) error {
		out = maps.Clone(e.throttles)
		return nil
	})
	return out, err
}

// SetThrottle implements integrations.LoadBalancer.
func (m *Web) SetThrottle(ctx context.Context, instance, tier string, percent int) error {
	if percent < 0 || percent > 100 {
		return fmt.Errorf("drill: throttle %d%% is outside 0..100", percent)
	}
	return m.withEdge(ctx, instance, func(e *edge) error {
		if tier != "free" {
			return fmt.Errorf("drill: tier %q cannot be throttled (only free)", tier)
		}
		if e == m.front {
			return fmt.Errorf("drill: %s carries no throttle (the edges do)", instance)
		}
		from := e.throttles[tier]
		if percent == 0 {
			delete(e.throttles, tier)
		} else {
			e.throttles[tier] = percent
			m.w.mark(MilestoneThrottle)
		}
		m.w.pending = append(m.w.pending, integrations.Record{Occurred: m.w.now, Source: integrations.SourceHAProxy, Kind: integrations.KindFleetChange,
			Text:   fmt.Sprintf("%s: throttle tier %s %d%% → %d%%", instance, tier, from, percent),
			Fields: map[string]string{"instance": instance, "tier": tier, "from": fmt.Sprint(from), "to": fmt.Sprint(percent)}})
		return nil
	})
}

// Reload implements integrations.LoadBalancer. The drill's reload is
// instant and keeps throttles and server states, as a correct one must.
func (m *Web) Reload(ctx context.Context, instance string) (integrations.ProcessInfo, error) {
	var p integrations.ProcessInfo
	err := m.withEdge(ctx, instance, func(e *edge) error {
		e.reloads++
		e.pid++
		// The new worker counts from zero and no longer carries the old
		// one's trouble.
		e.counts, e.failing = map[string]*tally{}, 0
		text := fmt.Sprintf("%s: reloaded (reload %d, worker pid %d)", instance, e.reloads, e.pid)
		if e.slots != nil {
			// A new worker resolves its server-template slots afresh.
			live := inService(m.group(m.WebGroup))
			e.resolve(live)
			text += fmt.Sprintf("; slots re-resolved: %d servers, %d free", min(len(live), len(e.slots)), max(0, len(e.slots)-len(live)))
		}
		m.w.mark(MilestoneReload)
		m.w.pending = append(m.w.pending, integrations.Record{Occurred: m.w.now, Source: integrations.SourceHAProxy, Kind: integrations.KindFleetChange,
			Text: text, Fields: map[string]string{"instance": instance}})
		p = e.process()
		return nil
	})
	return p, err
}

// Process implements integrations.LoadBalancer.
func (m *Web) Process(ctx context.Context, instance string) (integrations.ProcessInfo, error) {
	var p integrations.ProcessInfo
	err := m.withEdge(ctx, instance, func(e *edge) error {
		p = e.process()
		return nil
	})
	return p, err
}

func (e *edge) process() integrations.ProcessInfo {
	return integrations.ProcessInfo{Reloads: e.reloads, CurrentPID: e.pid}
}

// Upstream implements integrations.LoadBalancer: an edge's server on the
// front, when there is one; otherwise the edges sit directly behind a
// cloud load balancer the drill does not model.
func (m *Web) Upstream(instance string) (integrations.UpstreamRef, bool) {
	if m.Front == "" || !slices.Contains(m.Edges, instance) {
		return integrations.UpstreamRef{}, false
	}
	return integrations.UpstreamRef{Instance: m.Front, Backend: frontBackend, Server: instance}, true
}
