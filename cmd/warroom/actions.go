package main

import (
	"context"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/runbooks"
)

// runbookDrillSpeed runs the drill fast under `warroom runbook run --drill`:
// a script waits for instances to come into service in seconds, not minutes.
const runbookDrillSpeed = 120

// openActions opens the world a scripted runbook acts on, recording to its
// timeline, and returns its actions, the sink for the run's records and a
// function that stops and closes everything.
func openActions(g *globalFlags, drill bool) (integrations.Actions, func(integrations.Record), func(), error) {
	s, err := openSession(g, sessionOptions{ForceDrill: drill, Speed: runbookDrillSpeed})
	if err != nil {
		return integrations.Actions{}, nil, nil, err
	}
	s.start(context.Background(), nil)
	return s.world.actions, func(r integrations.Record) { s.pump.Publish(r) }, func() { _ = s.close() }, nil
}

// runbookSettings is the user's runbook folder and the configured limits.
func runbookSettings(g *globalFlags) (string, runbooks.Limits, error) {
	cfg, err := configured(g)
	if err != nil || cfg == nil {
		return "", runbooks.Limits{}, err
	}
	return cfg.RunbookDir, runbookLimits(cfg), nil
}

// driftRecords watches fleet and HAProxy snapshots as they pass through the
// pump and records slot drift when it appears, changes and clears. It runs
// on the pump's goroutine only.
func driftRecords(bindings []drift.Binding, clock func() time.Time) func(integrations.Batch) []integrations.Record {
	if len(bindings) == 0 {
		return nil
	}
	groups := map[string][]integrations.Group{}
	backends := map[string][]integrations.Backend{}
	var tracker drift.Tracker
	return func(b integrations.Batch) []integrations.Record {
		for src, gs := range b.Fleet {
			groups[src] = gs
		}
		for src, snap := range b.Backends {
			backends[src] = snap.Backends
		}
		var allGroups []integrations.Group
		for _, gs := range groups {
			allGroups = append(allGroups, gs...)
		}
		var allBackends []integrations.Backend
		for _, bs := range backends {
			allBackends = append(allBackends, bs...)
		}
		return tracker.Update(drift.Compare(allGroups, allBackends, bindings), clock())
	}
}
