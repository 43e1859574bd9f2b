package drill

import (
	"context"
	"testing"
	"time"
)

// rollEdges reloads every edge of a stale-slots world at minute 5, the
// reference recovery, and steps it to the given time.
func rollEdges(t *testing.T, sc Scenario, to time.Duration) (*World, *recorder) {
	t.Helper()
	w, rec := New(sc, Options{Seed: 3}), &recorder{}
	w.Step(sc.Start.Add(5*time.Minute), rec)
	for _, e := range w.Instances() {
		if _, err := webOf(w).Reload(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	w.Step(sc.Start.Add(to), rec)
	return w, rec
}

// TestDrillEndsOnceMitigatedAndStable: the world publishes drill.ended,
// why mitigated, once it has been mitigated for the scenario's stable
// time, and only once; a shorter stable time ends it sooner.
func TestDrillEndsOnceMitigatedAndStable(t *testing.T) {
	sc, _ := Lookup("stale-slots")
	w, rec := rollEdges(t, sc, sc.Horizon+time.Minute)
	ended := rec.records(KindEnded)
	if len(ended) != 1 || ended[0].Fields["why"] != EndMitigated || ended[0].Fields["scenario"] != "stale-slots" || ended[0].Source != "drill" {
		t.Fatalf("drill.ended records %+v, want one, why mitigated", ended)
	}
	end, ok := w.Ended()
	if !ok || end.Why != EndMitigated || !end.At.Equal(ended[0].Occurred) || end.At.Sub(end.MitigatedSince) != DefaultStableFor {
		t.Fatalf("Ended() = %+v, %v; record at %s", end, ok, ended[0].Occurred)
	}
	if since := end.MitigatedSince.Sub(sc.Start); since < 5*time.Minute || since > 10*time.Minute {
		t.Errorf("mitigated %s into the drill; the roll was at 5m", since)
	}

	sc.StableFor = 2 * time.Minute
	w, rec = rollEdges(t, sc, 30*time.Minute)
	short, ok := w.Ended()
	if !ok || short.Why != EndMitigated || short.At.Sub(short.MitigatedSince) != 2*time.Minute || !short.At.Before(end.At) {
		t.Fatalf("with a 2 min stable time: %+v, %v (10 min: %+v)", short, ok, end)
	}
	if n := len(rec.records(KindEnded)); n != 1 {
		t.Fatalf("%d drill.ended records, want 1", n)
	}
}

// TestDrillEndsAtItsHorizonUnmitigated: left alone, a drill ends when its
// horizon is reached, why horizon; not a second before.
func TestDrillEndsAtItsHorizonUnmitigated(t *testing.T) {
	for _, sc := range Scenarios() {
		w, rec := New(sc, Options{Seed: 1, RecordsOnly: true}), &recorder{}
		w.Step(sc.Start.Add(sc.Horizon-time.Second), rec)
		if _, ok := w.Ended(); ok || len(rec.records(KindEnded)) != 0 {
			t.Fatalf("%s ended before its horizon: %+v", sc.Name, rec.records(KindEnded))
		}
		w.Step(sc.Start.Add(sc.Horizon+time.Minute), rec)
		ended := rec.records(KindEnded)
		if len(ended) != 1 || ended[0].Fields["why"] != EndHorizon || !ended[0].Occurred.Equal(sc.Start.Add(sc.Horizon)) {
			t.Fatalf("%s: drill.ended records %+v, want one at the horizon, why horizon", sc.Name, ended)
		}
	}
}
