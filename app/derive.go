package app

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/integrations/oddone"
)

// The derivations run on the pump's goroutine, once per batch, before its
// records are made durable: what they find is recorded once and delivered
// to every front end in the batch, never computed again by a screen.

// derivation computes records from a batch and may set its derived facts.
type derivation func(*integrations.Batch) []integrations.Record

// deriveAll runs every derivation given (nil ones are skipped), in order.
func deriveAll(derive ...derivation) derivation {
	return func(b *integrations.Batch) []integrations.Record {
		var out []integrations.Record
		for _, d := range derive {
			if d != nil {
				out = append(out, d(b)...)
			}
		}
		return out
	}
}

// driftRecords watches fleet and HAProxy snapshots as they pass through the
// pump: it sets the batch's drift findings whenever either changed, and
// records slot drift when it appears, changes and clears.
func driftRecords(bindings []drift.Binding, clock func() time.Time) derivation {
	if len(bindings) == 0 {
		return nil
	}
	groups := map[string][]integrations.Group{}
	backends := map[string][]integrations.Backend{}
	var tracker drift.Tracker
	return func(b *integrations.Batch) []integrations.Record {
		if len(b.Fleet) == 0 && len(b.Backends) == 0 {
			return nil
		}
		maps.Copy(groups, b.Fleet)
		for src, snap := range b.Backends {
			backends[src] = snap.Backends
		}
		var allGroups []integrations.Group
		for _, src := range slices.Sorted(maps.Keys(groups)) {
			allGroups = append(allGroups, groups[src]...)
		}
		var allBackends []integrations.Backend
		for _, src := range slices.Sorted(maps.Keys(backends)) {
			allBackends = append(allBackends, backends[src]...)
		}
		b.Drift, b.DriftChecked = drift.Compare(allGroups, allBackends, bindings), true
		return tracker.Update(b.Drift, clock())
	}
}

// oddOneOutRecords puts on the timeline, once each, every member the
// sources mark as the odd one out and the moment its mark clears.
func oddOneOutRecords(clock func() time.Time) derivation {
	var tracker oddone.Tracker
	return func(b *integrations.Batch) []integrations.Record {
		var out []integrations.Record
		for _, src := range slices.Sorted(maps.Keys(b.Backends)) {
			out = append(out, tracker.Update(b.Backends[src], clock())...)
		}
		return out
	}
}

// alertIndex follows the alert snapshots: it sets each batch's new
// critical alerts (first seen, triggered and critical) and knows which
// source reported each alert, so a runbook acting on an alert by its ID
// reaches the alert's own source.
type alertIndex struct {
	seen map[string]bool // source, id and creation time of every alert seen

	mu       sync.Mutex
	sourceOf map[string]string // alert id → its source
}

func newAlertIndex() *alertIndex {
	return &alertIndex{seen: map[string]bool{}, sourceOf: map[string]string{}}
}

func (x *alertIndex) derive(b *integrations.Batch) []integrations.Record {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, src := range slices.Sorted(maps.Keys(b.Alerts)) {
		for _, a := range b.Alerts[src] {
			x.sourceOf[a.ID] = src
			key := src + "\x00" + a.ID + "\x00" + a.CreatedAt.String()
			if x.seen[key] {
				continue
			}
			x.seen[key] = true
			if a.Status == integrations.AlertTriggered && a.Severity == integrations.SeverityCritical {
				b.NewCritical = append(b.NewCritical, a)
			}
		}
	}
	return nil
}

// source names the source that reported alert id ("" if none has).
func (x *alertIndex) source(id string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.sourceOf[id]
}
