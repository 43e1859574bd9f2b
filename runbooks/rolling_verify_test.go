package runbooks

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// answered is a window's rates with n responses, failed of them 5xx.
func answered(n, failed uint64, window time.Duration) integrations.Rates {
	return integrations.Rates{Window: window, Requests: n, HTTP: true, Responses: [5]uint64{0, n - failed, 0, 0, failed}}
}

func measured(n, failed uint64) errorMeasure {
	return errorMeasure{tier: tierRef{"front", "edges"}, window: 10 * time.Second, rates: answered(n, failed, 10*time.Second)}
}

func TestErrorBoundIsThePreRunRatioPlusPoints(t *testing.T) {
	b := errorBound{tier: tierRef{"front", "edges"}, before: measured(1000, 4), points: 5}
	if got, want := b.String(), "halts if the error ratio of front/edges rises above 0.4% + 5 points = 5.4% after a batch"; got != want {
		t.Errorf("bound = %q, want %q", got, want)
	}
	if c := b.check(); !c.OK || c.Warn || c.Text != "halts if the error ratio of front/edges rises above 0.4% + 5 points = 5.4% after a batch (now error ratio 0.4% (1000 responses in 10s))" {
		t.Errorf("check = %+v", c)
	}
	// Too few responses before the run: the bound stands on 0%, and the
	// plan warns that it does.
	b.before = measured(3, 1)
	if c := b.check(); !c.OK || !c.Warn || c.Text != "halts if the error ratio of front/edges rises above 0.0% + 5 points = 5.0% after a batch; its ratio before the run is not measured: 3 responses in 10s (100 needed)" {
		t.Errorf("check = %+v", c)
	}
	b.points = 2.5
	if got := b.formula(); got != "0.0% + 2.5 points = 2.5%" {
		t.Errorf("formula = %q", got)
	}
}

func TestBatchVerdictHaltsOnlyPastTheBoundWithEnoughResponses(t *testing.T) {
	healthy := errorBound{tier: tierRef{"front", "edges"}, before: measured(1000, 4), points: 5}
	blind := errorBound{tier: tierRef{"front", "edges"}, before: measured(3, 0), points: 5}
	cases := []struct {
		name  string
		bound errorBound
		after errorMeasure
		halt  bool
		text  string
	}{
		{"at the bound", healthy, measured(1000, 54), false, "front/edges verified: error ratio 5.4% (1000 responses in 10s), at most 5.4%"},
		{"just past it", healthy, measured(1000, 55), true, "front/edges error ratio 5.5% (1000 responses in 10s) is above 0.4% + 5 points = 5.4%"},
		{"clean", healthy, measured(2000, 0), false, "front/edges verified: error ratio 0.0% (2000 responses in 10s), at most 5.4%"},
		{"all failing but too few", healthy, measured(99, 99), false, "front/edges not measured: 99 responses in 10s (100 needed)"},
		{"enough, against an unmeasured start", blind, measured(100, 6), true, "front/edges error ratio 6.0% (100 responses in 10s) is above 0.0% + 5 points = 5.0%"},
		{"enough, within it", blind, measured(100, 5), false, "front/edges verified: error ratio 5.0% (100 responses in 10s), at most 5.0%"},
		{"no response", healthy, measured(0, 0), false, "front/edges not measured: 0 responses in 10s (100 needed)"},
		{"counters restarted", healthy, errorMeasure{tier: healthy.tier, window: 10 * time.Second}, false, "front/edges not measured: its counters restarted during the 10s window"},
		{"unreadable", healthy, errorMeasure{tier: healthy.tier, window: 10 * time.Second, err: errors.New("haproxy front: connection refused")}, false, "front/edges not measured: haproxy front: connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			halt, text := tc.bound.judge(tc.after)
			if halt != tc.halt || text != tc.text {
				t.Errorf("judge = %v %q, want %v %q", halt, text, tc.halt, tc.text)
			}
		})
	}
}

func TestErrorRiseIsBoundedByTheConfiguredLimit(t *testing.T) {
	cases := []struct {
		asked  int
		limits Limits
		points float64
		check  string
		ok     bool
	}{
		{0, Limits{}, 5, "error ratio may rise 5 points after a batch (limits.max_error_rise_points)", true},
		{2, Limits{}, 2, "max_error_rise 2 points within the configured maximum 5", true},
		{8, Limits{}, 5, "max_error_rise 8 points is above the configured maximum 5 (limits.max_error_rise_points)", false},
		{8, Limits{MaxErrorRisePoints: 10}, 8, "max_error_rise 8 points within the configured maximum 10", true},
		{0, Limits{MaxErrorRisePoints: 1.5}, 1.5, "error ratio may rise 1.5 points after a batch (limits.max_error_rise_points)", true},
	}
	for _, tc := range cases {
		points, c := risePoints(Call{Args: Args{"max_error_rise": tc.asked}, Limits: tc.limits})
		if points != tc.points || c.Text != tc.check || c.OK != tc.ok {
			t.Errorf("asked %d with %+v: %v, %+v; want %v, %q ok=%v", tc.asked, tc.limits, points, c, tc.points, tc.check, tc.ok)
		}
	}
}

// meteredLB is the fake fleet with a tier meter: rates says what a tier
// answered, given how often edge-1 was reloaded.
type meteredLB struct {
	*fakeLB
	mu       sync.Mutex
	measured []string // tiers measured, in order
	rates    func(tier string, edge1Reloads int) integrations.Rates
}

func (m *meteredLB) TierRates(ctx context.Context, instance, backend string, window time.Duration) (integrations.Rates, error) {
	tier := tierRef{instance, backend}.String()
	m.mu.Lock()
	m.measured = append(m.measured, tier)
	m.mu.Unlock()
	return m.rates(tier, m.reloads("edge-1")), ctx.Err()
}

const verifiedRunbook = rollingRunbook + "      verify_window: 10s\n"

func TestRollHaltsWhenABatchRaisesTheTiersErrorRatio(t *testing.T) {
	lb := &meteredLB{fakeLB: edges(), rates: func(_ string, edge1Reloads int) integrations.Rates {
		if edge1Reloads > 0 {
			return answered(400, 160, 10*time.Second) // 40% once edge-1 reloaded
		}
		return answered(1000, 4, 10*time.Second)
	}}
	report, recs, err := planAndRun(t, context.Background(), mustParse(t, verifiedRunbook), nil, integrations.Actions{LoadBalancer: lb, TierMeter: lb}, RunOptions{})
	if err == nil || report.Status == RunDone {
		t.Fatalf("the roll went on past a batch that raised the error ratio: %v %v", report.Status, err)
	}
	allInRotation(t, lb.fakeLB)
	if n := lb.reloads("edge-2") + lb.reloads("edge-3"); n != 0 {
		t.Errorf("edge-2 and edge-3 reloaded %d times after the halt", n)
	}
	if f := stepFields(report); f["done"] != "" || f["in_progress"] != "edge-1" || f["untouched"] != "edge-2,edge-3" {
		t.Errorf("fields = %v", f)
	}
	res := report.Steps[0].Result
	for _, want := range []string{
		"done: none; in progress: edge-1 (reloaded, returned to rotation); untouched: edge-2, edge-3",
		"halted after edge-1: front/edges error ratio 40.0% (400 responses in 10s) is above 0.4% + 5 points = 5.4%",
	} {
		if !strings.Contains(report.Steps[0].Err, want) {
			t.Errorf("step error %q lacks %q", report.Steps[0].Err, want)
		}
	}
	if !strings.Contains(res.Output, "front/edges before the roll: error ratio 0.4% (1000 responses in 10s); halts if the error ratio of front/edges rises above 0.4% + 5 points = 5.4% after a batch") {
		t.Errorf("output %q lacks the measurement before the roll", res.Output)
	}
	var recorded bool
	for _, r := range recs.Records(integrations.KindRunbookStepProgress) {
		recorded = recorded || (r.Kind == integrations.KindRunbookStepProgress && r.Text == "edge-1: front/edges error ratio 40.0% (400 responses in 10s) is above 0.4% + 5 points = 5.4%")
	}
	if !recorded {
		t.Error("the measurement that halted the roll is not on the timeline")
	}
}

func TestRollVerifiesEachBatchOrSaysItCouldNot(t *testing.T) {
	lb := &meteredLB{fakeLB: edges(), rates: func(string, int) integrations.Rates { return answered(1200, 0, 10*time.Second) }}
	report, _, err := planAndRun(t, context.Background(), mustParse(t, verifiedRunbook), nil, integrations.Actions{LoadBalancer: lb, TierMeter: lb}, RunOptions{})
	if err != nil || report.Status != RunDone {
		t.Fatalf("%v %v", report.Status, err)
	}
	out := report.Steps[0].Result.Output
	for _, e := range lb.order {
		if want := e + ": front/edges verified: error ratio 0.0% (1200 responses in 10s), at most 5.0%"; !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	// Once before the plan, once before the roll, once per batch.
	if got := strings.Join(lb.measured, " "); got != "front/edges front/edges front/edges front/edges front/edges" {
		t.Errorf("measured %s", got)
	}

	// A quiet tier: nothing halts, nothing is called verified.
	quiet := &meteredLB{fakeLB: edges(), rates: func(string, int) integrations.Rates { return answered(3, 3, 10*time.Second) }}
	report, _, err = planAndRun(t, context.Background(), mustParse(t, verifiedRunbook), nil, integrations.Actions{LoadBalancer: quiet, TierMeter: quiet}, RunOptions{})
	if err != nil || report.Status != RunDone {
		t.Fatalf("a tier too quiet to measure stopped the roll: %v %v", report.Status, err)
	}
	out = report.Steps[0].Result.Output
	if strings.Contains(out, "verified") || strings.Count(out, "front/edges not measured: 3 responses in 10s (100 needed)") != 3 {
		t.Errorf("output:\n%s", out)
	}
}

func TestPlanStatesTheErrorBound(t *testing.T) {
	lb := &meteredLB{fakeLB: edges(), rates: func(string, int) integrations.Rates { return answered(1000, 4, 10*time.Second) }}
	p, err := NewPlan(context.Background(), builtin(t, "haproxy-rolling-restart"), map[string]string{"verify_window": "10s"}, integrations.Actions{LoadBalancer: lb, TierMeter: lb}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	text := p.String()
	for _, want := range []string{
		"ok   halts if the error ratio of front/edges rises above 0.4% + 5 points = 5.4% after a batch",
		"after each batch, back in rotation: measure its tier's error ratio over 10s, halt past the bound",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("plan lacks %q:\n%s", want, text)
		}
	}
	p, err = NewPlan(context.Background(), builtin(t, "haproxy-rolling-restart"), map[string]string{"max_error_rise": "8"}, integrations.Actions{LoadBalancer: lb, TierMeter: lb}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "max_error_rise 8 points is above the configured maximum 5 (limits.max_error_rise_points)") {
		t.Errorf("a rise above the limit: %v", err)
	}
}

func TestEachRolledInstanceIsMeasuredByTheTierItServes(t *testing.T) {
	lb := newFakeLB("edge-1", "edge-2")
	of, all := rollTiers(lb, []string{"edge-1", "edge-2", "front"})
	edgesTier := []tierRef{{"front", "edges"}}
	if !slices.Equal(of["edge-1"], edgesTier) || !slices.Equal(of["front"], edgesTier) || !slices.Equal(all, edgesTier) {
		t.Errorf("with its edges: %v, all %v", of, all)
	}
	// Rolled alone, the front is measured as a whole; so is an instance
	// nothing sends traffic to through a configured front.
	if of, _ := rollTiers(lb, []string{"front"}); !slices.Equal(of["front"], []tierRef{{instance: "front"}}) {
		t.Errorf("front alone: %v", of)
	}
}
