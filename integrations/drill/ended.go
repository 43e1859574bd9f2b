package drill

import (
	"fmt"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// KindEnded is the timeline kind of the record a world publishes once,
// when its drill ends: field why says how (EndMitigated or EndHorizon).
// The application scores the drill then (drillscore.FromRecords).
const KindEnded = "drill.ended"

// How a drill ends.
const (
	// EndMitigated: the world was mitigated (Scenario.Mitigated) for the
	// scenario's stable time without a break.
	EndMitigated = "mitigated"
	// EndHorizon: the scenario's horizon was reached first.
	EndHorizon = "horizon"
)

// End is how and when a drill ended.
type End struct {
	Why string    // EndMitigated or EndHorizon
	At  time.Time // on the scenario's clock
	// MitigatedSince is when the stretch of mitigation that ended it
	// began (zero for EndHorizon).
	MitigatedSince time.Time
}

// Mitigated says whether a second's signal counts as mitigated, with
// nothing open: an error rate under 1%, no alert fired and unresolved,
// and whatever else the scenario's models must show (Healthy).
func (s Scenario) Mitigated(sig Signal, open int) bool {
	return sig.ErrorRate < 0.01 && open == 0 && (s.Healthy == nil || s.Healthy(sig))
}

// Stable is how long the world must stay mitigated for the drill to end.
func (s Scenario) Stable() time.Duration {
	if s.StableFor > 0 {
		return s.StableFor
	}
	return DefaultStableFor
}

// ending follows the mitigated stretch a drill's end waits on.
type ending struct {
	mitigated bool
	since     time.Time // when the current mitigated stretch began
	end       *End
}

// trackEnd notes whether this second is mitigated and, the first time the
// world has been so for the stable time or the horizon is reached,
// publishes the drill's end.
func (w *World) trackEnd(open int) []integrations.Event {
	e := &w.ending
	switch ok := w.sc.Mitigated(w.signal, open); {
	case ok && !e.mitigated:
		e.mitigated, e.since = true, w.now
	case !ok:
		e.mitigated = false
	}
	if e.end != nil {
		return nil
	}
	var text string
	switch {
	case e.mitigated && w.now.Sub(e.since) >= w.sc.Stable():
		e.end = &End{Why: EndMitigated, At: w.now, MitigatedSince: e.since}
		text = fmt.Sprintf("drill ended: mitigated since %s, stable for %s", e.since.Format("15:04:05"), w.sc.Stable())
	case w.sc.Horizon > 0 && !w.now.Before(w.sc.Start.Add(w.sc.Horizon)):
		e.end = &End{Why: EndHorizon, At: w.now}
		text = fmt.Sprintf("drill ended: its horizon of %s was reached, not mitigated for %s", w.sc.Horizon, w.sc.Stable())
	default:
		return nil
	}
	return []integrations.Event{integrations.Record{Occurred: w.now, Source: integrations.SourceDrill, Kind: KindEnded, Text: text,
		Fields: map[string]string{"why": e.end.Why, "scenario": w.sc.Name}}}
}

// Ended says how and when the drill ended, once it has.
func (w *World) Ended() (End, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ending.end == nil {
		return End{}, false
	}
	return *w.ending.end, true
}

// openAlerts counts the alerts fired and not resolved.
func (w *World) openAlerts() int {
	n := 0
	for _, a := range w.alerts {
		if a.fired && a.alert.Status != integrations.AlertResolved {
			n++
		}
	}
	return n
}
