package drillscore

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/runbooks"
)

// catalog is the built-in runbooks: the drills rehearse the runbooks
// warroom ships.
func catalog(t testing.TB) *runbooks.Catalog {
	t.Helper()
	cat, err := runbooks.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func options(t testing.TB, seed uint64) Options {
	return Options{Seed: seed, Catalog: catalog(t), StateDir: t.TempDir()}
}

// TestEveryScenarioIsUnmitigatedWithoutAPlan: left alone, no scenario
// recovers within its horizon.
func TestEveryScenarioIsUnmitigatedWithoutAPlan(t *testing.T) {
	for _, sc := range drill.Scenarios() {
		if o := play(sc, nil, -1, options(t, 1), nil); o.mitigated {
			t.Errorf("%s recovered by itself after %s", sc.Name, o.ttm)
		}
	}
}

// TestEveryReferencePlanMitigates: each scenario's reference plan, the
// real recovery, mitigates it within its horizon, every step succeeding.
func TestEveryReferencePlanMitigates(t *testing.T) {
	for _, sc := range drill.Scenarios() {
		if len(sc.Reference) == 0 {
			t.Errorf("%s ships no reference plan", sc.Name)
			continue
		}
		o := play(sc, sc.Reference, -1, options(t, 1), nil)
		if !o.mitigated {
			t.Errorf("%s: the reference plan did not mitigate it (impact %+v)", sc.Name, o.impact)
		}
		for i, st := range o.statuses {
			if st != "done" {
				t.Errorf("%s: step %s ended %s: %s", sc.Name, sc.Reference[i], st, o.errs[i])
			}
		}
	}
}

// TestSameSeedAndPlanGiveIdenticalJSON: the scorecard carries no wall
// clock and no incident, so a drill in CI can be compared byte for byte.
func TestSameSeedAndPlanGiveIdenticalJSON(t *testing.T) {
	sc, _ := drill.Lookup("disk-full")
	run := func() []byte {
		card, err := Run(sc, sc.Reference, options(t, 7))
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(card)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := run(), run()
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs differ:\n%s\n%s", a, b)
	}
	for _, key := range []string{`"scenario"`, `"seed"`, `"mitigated":true`, `"time_to_mitigate_s"`, `"reference_time_to_mitigate_s"`, `"impact"`, `"actions"`, `"effect"`, `"score"`} {
		if !bytes.Contains(a, []byte(key)) {
			t.Errorf("scorecard JSON lacks %s: %s", key, a)
		}
	}
}

// withStep is plan with one more step.
func withStep(plan []drill.PlanStep, st drill.PlanStep) []drill.PlanStep {
	out := append(slices.Clone(plan), st)
	slices.SortStableFunc(out, func(a, b drill.PlanStep) int { return int(a.At - b.At) })
	return out
}

// TestLiftingTheThrottleEarlyScoresWorse: lifting the free-tier throttle
// before the new capacity is in re-fires the alerts; the replay without
// that lift shows it hurt, and the score drops.
func TestLiftingTheThrottleEarlyScoresWorse(t *testing.T) {
	sc, _ := drill.Lookup("monday-surge")
	ref, err := Run(sc, sc.Reference, options(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	// A lift before the scale-up: steps run one after another, so it
	// lands while the fleet is still at its weekend size.
	early := withStep(sc.Reference, drill.PlanStep{At: 4*time.Minute + 30*time.Second, Runbook: "lift-throttle", Params: map[string]string{"tier": "free"}})
	card, err := Run(sc, early, options(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if card.Score >= ref.Score {
		t.Errorf("lifting early scored %d, the reference %d", card.Score, ref.Score)
	}
	for _, a := range card.Actions {
		if a.AtSeconds == 270 && a.Effect != Hurt {
			t.Errorf("the early lift's effect is %s, want hurt", a.Effect)
		}
	}
	for _, a := range ref.Actions {
		if strings.HasPrefix(a.Step, "scale-up") && a.Effect != Helped {
			t.Errorf("scale-up's effect is %s, want helped", a.Effect)
		}
	}
}

// TestRestartingTheRepairScoresWorse: a repair restarted by hand costs the
// datastore more than the first and brings the collapse back.
func TestRestartingTheRepairScoresWorse(t *testing.T) {
	sc, _ := drill.Lookup("repair-overload")
	ref, err := Run(sc, sc.Reference, options(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	again := withStep(sc.Reference, drill.PlanStep{At: time.Hour, Runbook: "host-service-restart",
		Params: map[string]string{"instance": "cass-3", "service": "cassandra-repair"}})
	card, err := Run(sc, again, options(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if card.Score >= ref.Score || card.Impact.FailedRequests <= ref.Impact.FailedRequests {
		t.Errorf("restarting the repair scored %d with %v failed, the reference %d with %v", card.Score, card.Impact.FailedRequests, ref.Score, ref.Impact.FailedRequests)
	}
	if a := card.Actions[len(card.Actions)-1]; a.Effect != Hurt {
		t.Errorf("the repair restart's effect is %s, want hurt", a.Effect)
	}
}

// TestEachHolidayRecoveryStepHelps: taking the slow replica out of
// rotation, adding application servers, killing its long queries,
// returning it and restarting the proxy out of ports each change the
// outcome for the better, measured against a replay without it.
func TestEachHolidayRecoveryStepHelps(t *testing.T) {
	sc, _ := drill.Lookup("holiday-db")
	card, err := Run(sc, sc.Reference, options(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range card.Actions {
		if a.Effect != Helped {
			t.Errorf("%s at %s: effect %s, want helped", a.Step, a.At, a.Effect)
		}
	}
}
