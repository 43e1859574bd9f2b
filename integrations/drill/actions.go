package drill

import (
	"context"
	"fmt"

	"github.com/warroomhq/warroom/integrations"
)

// Actions returns the world's implementations of every action interface,
// so runbooks act on the drill exactly as they would on real services:
// the world answers commands, chat and alerts; its models the rest
// (scaling, load balancers, shedding, replicas).
func (w *World) Actions() integrations.Actions {
	a := integrations.Actions{Commands: w, BoundedCommands: w, Chat: w, Alerts: w}
	for _, m := range modelsOf[actor](w) {
		m.actions(&a)
	}
	return a
}

// act is how every action starts: give up if ctx has ended, then run fn
// with the world locked, after the call's cost in lockstep mode.
func (w *World) act(ctx context.Context, fn func(w *World) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.spend()
	return fn(w)
}

// A caller holding the world (the screen's tests) reaches the fleet and
// the throttles through it: these answer as the world's Scaler and
// LoadBalancer do, whichever model provides them.

// DescribeGroup answers as the world's Scaler does.
func (w *World) DescribeGroup(ctx context.Context, name string) (integrations.Group, error) {
	s := w.Actions().Scaler
	if s == nil {
		return integrations.Group{}, fmt.Errorf("drill: scenario %s has no Auto Scaling groups", w.sc.Name)
	}
	return s.DescribeGroup(ctx, name)
}

// Instances names the world's load balancer instances (none when the
// scenario has no load balancer).
func (w *World) Instances() []string {
	if lb := w.Actions().LoadBalancer; lb != nil {
		return lb.Instances()
	}
	return nil
}

// Throttles answers as the world's LoadBalancer does.
func (w *World) Throttles(ctx context.Context, instance string) (map[string]int, error) {
	lb, err := w.loadBalancer()
	if err != nil {
		return nil, err
	}
	return lb.Throttles(ctx, instance)
}

// SetThrottle acts as the world's LoadBalancer does.
func (w *World) SetThrottle(ctx context.Context, instance, tier string, percent int) error {
	lb, err := w.loadBalancer()
	if err != nil {
		return err
	}
	return lb.SetThrottle(ctx, instance, tier, percent)
}

func (w *World) loadBalancer() (integrations.LoadBalancer, error) {
	if lb := w.Actions().LoadBalancer; lb != nil {
		return lb, nil
	}
	return nil, fmt.Errorf("drill: scenario %s has no load balancer", w.sc.Name)
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
	var out []integrations.CommandResult
	err := w.act(ctx, func(w *World) error {
		for _, t := range targets {
			if !w.knownHost(t) {
				return fmt.Errorf("drill: no instance %q", t)
			}
		}
		out = w.runBounded(targets, command, opts)
		return nil
	})
	return out, err
}

func (w *World) runBounded(targets []string, command string, opts integrations.CommandOptions) []integrations.CommandResult {
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
	return out
}

func (w *World) knownHost(id string) bool {
	for _, h := range w.hosts {
		if h.owns(w, id) {
			return true
		}
	}
	for _, f := range w.fleets {
		if f.owns(id) {
			return true
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
	return w.setAlertStatus(ctx, id, integrations.AlertAcknowledged, integrations.KindAlertAcknowledged)
}

// Resolve implements integrations.AlertActor.
func (w *World) Resolve(ctx context.Context, id string) error {
	return w.setAlertStatus(ctx, id, integrations.AlertResolved, integrations.KindAlertResolved)
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
