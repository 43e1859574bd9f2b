package drill

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Actions returns the world's implementations of every action interface,
// so runbooks act on the drill exactly as they would on real services.
func (w *World) Actions() integrations.Actions {
	a := integrations.Actions{Scaler: w, Commands: w, LoadBalancer: w, Chat: w, Alerts: w}
	if len(w.sc.Optional) > 0 {
		a.Shedder = w
	}
	if w.replicaModel() != nil {
		a.Replicas = w
	}
	return a
}

func (w *World) newInstance(groupName, lifecycle string, launched time.Time) integrations.Instance {
	return integrations.Instance{
		ID:         fmt.Sprintf("i-0%015x", w.rng.Uint64()>>4),
		Group:      groupName,
		Zone:       "us-east-1" + string(rune('a'+w.rng.IntN(3))),
		Lifecycle:  lifecycle,
		Health:     "Healthy",
		PrivateIP:  fmt.Sprintf("10.0.%d.%d", 1+w.rng.IntN(3), 10+w.rng.IntN(240)),
		LaunchedAt: launched,
	}
}

func (g *group) recount() {
	g.InService, g.Pending, g.Terminating = 0, 0, 0
	for _, in := range g.Instances {
		switch in.Lifecycle {
		case integrations.LifecycleInService:
			g.InService++
		case integrations.LifecyclePending:
			g.Pending++
		case integrations.LifecycleTerminating:
			g.Terminating++
		}
	}
}

// launch brings pending instances into service when their time comes and
// starts or stops instances to meet the desired capacity.
func (w *World) launch(g *group) []integrations.Event {
	var out []integrations.Event
	for i := range g.Instances {
		in := &g.Instances[i]
		if in.Lifecycle == integrations.LifecyclePending && !w.now.Before(g.ready[in.ID]) {
			in.Lifecycle = integrations.LifecycleInService
			delete(g.ready, in.ID)
			g.recount()
			g.finishActivity(in.ID, w.now)
			out = append(out, fleetRecord(w.now, fmt.Sprintf("%s: %s in service (%d/%d)", g.Name, in.ID, g.InService, g.Desired),
				map[string]string{"group": g.Name, "instance": in.ID}))
		}
	}
	for live := g.InService + g.Pending; live < g.Desired; live++ {
		lo, hi := w.launchSeconds(g.Name)
		in := w.newInstance(g.Name, integrations.LifecyclePending, w.now)
		g.ready[in.ID] = w.now.Add(time.Duration(lo+w.rng.IntN(hi-lo+1)) * time.Second)
		g.Instances = append(g.Instances, in)
		g.Activities = slices.Insert(g.Activities, 0, integrations.ScalingActivity{
			ID: "act-" + in.ID, Description: "Launching a new EC2 instance: " + in.ID,
			Cause: fmt.Sprintf("desired capacity set to %d", g.Desired), Status: integrations.ActivityInProgress, Start: w.now})
	}
	for live := g.InService + g.Pending; live > g.Desired; live-- {
		// Instances are kept in launch order: the scenario says whether a
		// scale-in takes the newest or, as in the stale-slot incident, the
		// oldest.
		i := len(g.Instances) - 1
		if w.sc.TerminateOldest {
			i = 0
		}
		out = append(out, fleetRecord(w.now, fmt.Sprintf("%s: %s terminated", g.Name, g.Instances[i].ID),
			map[string]string{"group": g.Name, "instance": g.Instances[i].ID}))
		delete(g.ready, g.Instances[i].ID)
		g.Instances = slices.Delete(g.Instances, i, i+1)
	}
	g.recount()
	return out
}

func (g *group) finishActivity(instanceID string, at time.Time) {
	for i := range g.Activities {
		if g.Activities[i].ID == "act-"+instanceID {
			g.Activities[i].Status, g.Activities[i].End = integrations.ActivitySuccessful, at
		}
	}
}

func fleetRecord(at time.Time, text string, fields map[string]string) integrations.Record {
	return integrations.Record{Occurred: at, Source: integrations.SourceAWS, Kind: integrations.KindFleetChange, Text: text, Fields: fields}
}

// SetDesiredCapacity implements integrations.Scaler.
func (w *World) SetDesiredCapacity(ctx context.Context, name string, desired int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.spend()
	g := w.findGroup(name)
	if g == nil {
		return fmt.Errorf("drill: no Auto Scaling group named %q", name)
	}
	if desired < g.Min || desired > g.Max {
		return fmt.Errorf("drill: desired capacity %d for %s is outside min %d and max %d", desired, name, g.Min, g.Max)
	}
	from := g.Desired
	g.Desired, g.DesiredSince = desired, w.now
	if name == w.sc.WebGroup && desired > from {
		w.mark(MilestoneScaleUp)
	}
	w.pending = append(w.pending, fleetRecord(w.now, fmt.Sprintf("%s: desired capacity %d → %d", name, from, desired),
		map[string]string{"group": name, "from": fmt.Sprint(from), "to": fmt.Sprint(desired)}))
	return nil
}

// DescribeGroup implements integrations.Scaler.
func (w *World) DescribeGroup(ctx context.Context, name string) (integrations.Group, error) {
	if err := ctx.Err(); err != nil {
		return integrations.Group{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.spend()
	g := w.findGroup(name)
	if g == nil {
		return integrations.Group{}, fmt.Errorf("drill: no Auto Scaling group named %q", name)
	}
	c := g.Group
	c.Instances = slices.Clone(g.Instances)
	c.Activities = slices.Clone(g.Activities)
	return c, nil
}

func (w *World) findGroup(name string) *group {
	for _, g := range w.groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// withEdge is how every LoadBalancer method starts: give up if ctx has
// ended, then run fn on the named edge with the world locked.
func (w *World) withEdge(ctx context.Context, name string, fn func(e *edge) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.spend()
	for _, e := range w.edges {
		if e.name == name {
			return fn(e)
		}
	}
	if w.front != nil && w.front.name == name {
		return fn(w.front)
	}
	return fmt.Errorf("drill: no HAProxy instance named %q", name)
}

// Instances implements integrations.LoadBalancer.
func (w *World) Instances() []string {
	if w.sc.Front != "" {
		return append(slices.Clone(w.sc.Edges), w.sc.Front)
	}
	return slices.Clone(w.sc.Edges)
}

// Reloadable implements integrations.ConfigChecker: a roll reloads the
// edges, one after another, draining each on the front first.
func (w *World) Reloadable() []string { return slices.Clone(w.sc.Edges) }

// CheckConfig implements integrations.ConfigChecker: the drill's
// configurations are always valid.
func (w *World) CheckConfig(_ context.Context, instance string) []integrations.Finding {
	return []integrations.Finding{{Level: integrations.FindingOK, Text: instance + ": configuration valid"}}
}

// Throttling implements integrations.LoadBalancer: every drill edge
// carries the throttle.
func (w *World) Throttling() []string { return slices.Clone(w.sc.Edges) }

// Servers implements integrations.LoadBalancer.
func (w *World) Servers(ctx context.Context, instance string) ([]integrations.Backend, error) {
	var out []integrations.Backend
	err := w.withEdge(ctx, instance, func(*edge) error {
		for _, b := range w.backendsSnapshot().Backends {
			if b.Instance == instance {
				out = append(out, b)
			}
		}
		return nil
	})
	return out, err
}

// SetServerState implements integrations.LoadBalancer.
func (w *World) SetServerState(ctx context.Context, instance, backend, server string, state integrations.ServerState) error {
	return w.withEdge(ctx, instance, func(e *edge) error {
		switch {
		case e == w.front && (backend != frontBackend || !slices.Contains(w.sc.Edges, server)):
			return fmt.Errorf("drill: %s has no server %s/%s", instance, backend, server)
		case e != w.front && backend != "web":
			return fmt.Errorf("drill: %s has no backend %q", instance, backend)
		}
		if state == integrations.ServerUp {
			delete(e.servers, server)
		} else {
			e.servers[server] = state
		}
		w.pending = append(w.pending, integrations.Record{Occurred: w.now, Source: integrations.SourceHAProxy, Kind: integrations.KindFleetChange,
			Text:   fmt.Sprintf("%s: %s/%s set to %s", instance, backend, server, state),
			Fields: map[string]string{"instance": instance, "backend": backend, "server": server, "state": string(state)}})
		return nil
	})
}

// Throttles implements integrations.LoadBalancer.
func (w *World) Throttles(ctx context.Context, instance string) (map[string]int, error) {
	var out map[string]int
	err := w.withEdge(ctx, instance, func(e *edge) error {
		out = maps.Clone(e.throttles)
		return nil
	})
	return out, err
}

// SetThrottle implements integrations.LoadBalancer.
func (w *World) SetThrottle(ctx context.Context, instance, tier string, percent int) error {
	if percent < 0 || percent > 100 {
		return fmt.Errorf("drill: throttle %d%% is outside 0..100", percent)
	}
	return w.withEdge(ctx, instance, func(e *edge) error {
		if tier != "free" {
			return fmt.Errorf("drill: tier %q cannot be throttled (only free)", tier)
		}
		if e == w.front {
			return fmt.Errorf("drill: %s carries no throttle (the edges do)", instance)
		}
		from := e.throttles[tier]
		if percent == 0 {
			delete(e.throttles, tier)
		} else {
			e.throttles[tier] = percent
			w.mark(MilestoneThrottle)
		}
		w.pending = append(w.pending, integrations.Record{Occurred: w.now, Source: integrations.SourceHAProxy, Kind: integrations.KindFleetChange,
			Text:   fmt.Sprintf("%s: throttle tier %s %d%% → %d%%", instance, tier, from, percent),
			Fields: map[string]string{"instance": instance, "tier": tier, "from": fmt.Sprint(from), "to": fmt.Sprint(percent)}})
		return nil
	})
}

// Reload implements integrations.LoadBalancer. The drill's reload is
// instant and keeps throttles and server states, as a correct one must.
func (w *World) Reload(ctx context.Context, instance string) (integrations.ProcessInfo, error) {
	var p integrations.ProcessInfo
	err := w.withEdge(ctx, instance, func(e *edge) error {
		e.reloads++
		e.pid++
		// The new worker counts from zero and no longer carries the old
		// one's trouble.
		e.counts, e.failing = map[string]*tally{}, 0
		text := fmt.Sprintf("%s: reloaded (reload %d, worker pid %d)", instance, e.reloads, e.pid)
		if e.slots != nil {
			// A new worker resolves its server-template slots afresh.
			live := inService(w.group(w.sc.WebGroup))
			e.resolve(live)
			text += fmt.Sprintf("; slots re-resolved: %d servers, %d free", min(len(live), len(e.slots)), max(0, len(e.slots)-len(live)))
		}
		w.mark(MilestoneReload)
		w.pending = append(w.pending, integrations.Record{Occurred: w.now, Source: integrations.SourceHAProxy, Kind: integrations.KindFleetChange,
			Text: text, Fields: map[string]string{"instance": instance}})
		p = e.process()
		return nil
	})
	return p, err
}

// Process implements integrations.LoadBalancer.
func (w *World) Process(ctx context.Context, instance string) (integrations.ProcessInfo, error) {
	var p integrations.ProcessInfo
	err := w.withEdge(ctx, instance, func(e *edge) error {
		p = e.process()
		return nil
	})
	return p, err
}

func (e *edge) process() integrations.ProcessInfo {
	return integrations.ProcessInfo{Reloads: e.reloads, CurrentPID: e.pid}
}

// Upstream implements integrations.LoadBalancer: an edge's server on the
// scenario's front, when it has one; otherwise the edges sit directly
// behind a cloud load balancer the drill does not model.
func (w *World) Upstream(instance string) (integrations.UpstreamRef, bool) {
	if w.sc.Front == "" || !slices.Contains(w.sc.Edges, instance) {
		return integrations.UpstreamRef{}, false
	}
	return integrations.UpstreamRef{Instance: w.sc.Front, Backend: frontBackend, Server: instance}, true
}

// RunCommand implements integrations.CommandRunner: each host answers the
// command as its model says (a disk that fills, a process manager, a job
// holding a lock), or, for a host no model owns, as a quiet healthy host
// would.
func (w *World) RunCommand(ctx context.Context, targets []string, command string, maxOutput int) ([]integrations.CommandResult, error) {
	return w.RunCommandBounded(ctx, targets, command, integrations.CommandOptions{MaxConcurrency: len(targets), MaxErrors: len(targets), MaxOutput: maxOutput})
}

// RunCommandBounded implements integrations.BoundedCommandRunner: hosts
// answer one after another, MaxConcurrency at a time, and once MaxErrors
// hosts have failed the rest are not sent the command (status
// Cancelled), as the service does.
func (w *World) RunCommandBounded(ctx context.Context, targets []string, command string, opts integrations.CommandOptions) ([]integrations.CommandResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.spend()
	for _, t := range targets {
		if !w.knownHost(t) {
			return nil, fmt.Errorf("drill: no instance %q", t)
		}
	}
	var out []integrations.CommandResult
	failed := 0
	for _, t := range targets {
		if failed >= max(opts.MaxErrors, 1) {
			out = append(out, integrations.CommandResult{Target: t, Status: "Cancelled"})
			continue
		}
		text, code := w.runOn(t, command)
		if opts.MaxOutput > 0 && len(text) > opts.MaxOutput {
			text = text[:opts.MaxOutput]
		}
		status := "Success"
		if code != 0 {
			status = "Failed"
			failed++
		}
		out = append(out, integrations.CommandResult{Target: t, Status: status, ExitCode: code, Output: text})
	}
	return out, nil
}

func (w *World) knownHost(id string) bool {
	for _, h := range w.hosts {
		if h.owns(w, id) {
			return true
		}
	}
	for _, g := range w.groups {
		for _, in := range g.Instances {
			if in.ID == id {
				return true
			}
		}
	}
	return false
}

// Post implements integrations.ChatPoster.
func (w *World) Post(ctx context.Context, text, threadID string) (integrations.Message, error) {
	if err := ctx.Err(); err != nil {
		return integrations.Message{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.spend()
	evs := w.message(w.user, text)
	w.pending = append(w.pending, evs...)
	m := evs[0].(integrations.ChatPosted).Messages[0]
	m.ThreadID = threadID
	return m, nil
}

// Acknowledge implements integrations.AlertActor.
func (w *World) Acknowledge(ctx context.Context, id string) error {
	return w.setAlertStatus(ctx, id, integrations.AlertAcknowledged, "alert.acknowledged")
}

// Resolve implements integrations.AlertActor.
func (w *World) Resolve(ctx context.Context, id string) error {
	return w.setAlertStatus(ctx, id, integrations.AlertResolved, "alert.resolved")
}

func (w *World) setAlertStatus(ctx context.Context, id string, status integrations.AlertStatus, kind string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.spend()
	for _, a := range w.alerts {
		if a.fired && a.alert.ID == id {
			a.alert.Status, a.alert.UpdatedAt = status, w.now
			if status == integrations.AlertResolved {
				a.open = false
			}
			w.pending = append(w.pending, alertRecord(a.alert, kind, "by "+w.user))
			return nil
		}
	}
	return fmt.Errorf("drill: no alert %q", id)
}

// ReadAlert implements integrations.AlertActor.
func (w *World) ReadAlert(ctx context.Context, id string) (integrations.Alert, error) {
	if err := ctx.Err(); err != nil {
		return integrations.Alert{}, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, a := range w.alerts {
		if a.fired && a.alert.ID == id {
			return a.alert, nil
		}
	}
	return integrations.Alert{}, fmt.Errorf("drill: no alert %q", id)
}

// AddNote implements integrations.AlertActor.
func (w *World) AddNote(ctx context.Context, id, note string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.spend()
	w.pending = append(w.pending, integrations.Record{Occurred: w.now, Source: integrations.SourcePagerDuty, Kind: integrations.KindAlertNote,
		Actor: w.user, Text: note, Fields: map[string]string{"alert": id}})
	return nil
}
