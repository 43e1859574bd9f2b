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
func (m *Web) Sheddable(instance string) []string {
	if !slices.Contains(m.Edges, instance) {
		return nil
	}
	return slices.Sorted(maps.Keys(m.Optional))
}

// Shedding implements integrations.LoadShedder.
func (m *Web) Shedding(ctx context.Context, instance string) (map[string]bool, error) {
	var out map[string]bool
	err := m.withEdge(ctx, instance, func(e *edge) error {
		out = maps.Clone(e.shed)
		return nil
	})
	return out, err
}

// SetShedding implements integrations.LoadShedder: the edge answers 503
// for the feature's requests, which never reach the servers.
func (m *Web) SetShedding(ctx context.Context, instance, feature string, shed bool) error {
	return m.withEdge(ctx, instance, func(e *edge) error {
		if _, ok := m.Optional[feature]; !ok {
			return fmt.Errorf("drill: %s has no optional feature %q (sheddable: %v)", instance, feature, slices.Sorted(maps.Keys(m.Optional)))
		}
		was := e.shed[feature]
		if shed {
			e.shed[feature] = true
			m.w.mark(MilestoneShed)
		} else {
			delete(e.shed, feature)
		}
		m.w.pending = append(m.w.pending, integrations.Record{Occurred: m.w.now, Source: integrations.SourceHAProxy, Kind: integrations.KindFleetChange,
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
