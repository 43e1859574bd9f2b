package drill

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/warroomhq/warroom/integrations"
)

// Sheddable implements integrations.LoadShedder: every edge can shed the
// scenario's optional features.
func (w *World) Sheddable(instance string) []string {
	if !slices.Contains(w.sc.Edges, instance) {
		return nil
	}
	return slices.Sorted(maps.Keys(w.sc.Optional))
}

// Shedding implements integrations.LoadShedder.
func (w *World) Shedding(ctx context.Context, instance string) (map[string]bool, error) {
	var out map[string]bool
	err := w.withEdge(ctx, instance, func(e *edge) error {
		out = maps.Clone(e.shed)
		return nil
	})
	return out, err
}

// SetShedding implements integrations.LoadShedder: the edge answers 503
// for the feature's requests, which never reach the servers.
func (w *World) SetShedding(ctx context.Context, instance, feature string, shed bool) error {
	return w.withEdge(ctx, instance, func(e *edge) error {
		if _, ok := w.sc.Optional[feature]; !ok {
			return fmt.Errorf("drill: %s has no optional feature %q (sheddable: %v)", instance, feature, slices.Sorted(maps.Keys(w.sc.Optional)))
		}
		was := e.shed[feature]
		if shed {
			e.shed[feature] = true
			w.mark(MilestoneShed)
		} else {
			delete(e.shed, feature)
		}
		w.pending = append(w.pending, integrations.Record{Occurred: w.now, Source: integrations.SourceHAProxy, Kind: integrations.KindFleetChange,
			Text:   fmt.Sprintf("%s: shed %s %s → %s", instance, feature, onOff(was), onOff(shed)),
			Fields: map[string]string{"instance": instance, "feature": feature, "shed": fmt.Sprint(shed)}})
		return nil
	})
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
