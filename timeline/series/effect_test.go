package series

import (
	"testing"
	"time"
)

// steady returns points every 10 s from from to to (inclusive) of value v.
func steady(from, to time.Duration, v float64) []Point {
	var out []Point
	for at := from; at <= to; at += 10 * time.Second {
		out = append(out, Point{Time: t0.Add(at), Value: v})
	}
	return out
}

// TestCompareMeansTheMinuteBeforeAndTheThirdMinuteAfter: the samples in
// the minute up to the action are compared with those of the minute
// ending three minutes after it finished; samples in between (the action
// taking hold) count on neither side.
func TestCompareMeansTheMinuteBeforeAndTheThirdMinuteAfter(t *testing.T) {
	at, end := t0.Add(10*time.Minute), t0.Add(11*time.Minute)
	points := append(steady(0, 8*time.Minute+50*time.Second, 999), steady(9*time.Minute, 10*time.Minute, 245)...)
	points = append(points, steady(10*time.Minute+10*time.Second, 13*time.Minute, 100)...)
	points = append(points, steady(13*time.Minute+10*time.Second, 14*time.Minute, 12)...)
	points = append(points, steady(14*time.Minute+10*time.Second, 20*time.Minute, 1)...)
	c, ok := Compare(points, at, end, DefaultEffectWindow)
	if !ok || c.Before != 245 || c.After != 12 || c.NBefore != 7 || c.NAfter != 6 {
		t.Fatalf("Compare = %+v, %v; want 245 (7 samples) → 12 (6 samples)", c, ok)
	}
	if pct, ok := c.Percent(); !ok || pct > -95 || pct < -95.2 {
		t.Fatalf("Percent = %v, %v", pct, ok)
	}
	got := EffectText("throttle-tier percent=30 tier=free", DefaultEffectWindow.Settle, []Measured{
		{Name: "5xx/s", Change: c},
		{Name: "error ratio", Ratio: true, Change: Change{Before: 0.142, After: 0.009}},
		{Name: "web in service", Change: Change{Before: 0, After: 12}},
	})
	want := "throttle-tier percent=30 tier=free: 5xx/s 245 → 12 within 3m (−95%); error ratio 14.2% → 0.90% (−94%); web in service 0 → 12"
	if got != want {
		t.Fatalf("EffectText:\n got %s\nwant %s", got, want)
	}
}

// TestCompareMakesNoClaimOnTooFewSamples: fewer than three samples on
// either side (a gap in the measurements, an action right after the
// session opened, an effect not yet due) makes no claim.
func TestCompareMakesNoClaimOnTooFewSamples(t *testing.T) {
	at := t0.Add(10 * time.Minute)
	for name, points := range map[string][]Point{
		"two before":  append(steady(9*time.Minute+50*time.Second, 10*time.Minute, 5), steady(12*time.Minute, 13*time.Minute, 1)...),
		"two after":   append(steady(9*time.Minute, 10*time.Minute, 5), steady(12*time.Minute+50*time.Second, 13*time.Minute, 1)...),
		"none after":  steady(0, 11*time.Minute, 5),
		"nothing":     nil,
		"before only": steady(9*time.Minute, 10*time.Minute, 5),
	} {
		if c, ok := Compare(points, at, at, DefaultEffectWindow); ok {
			t.Errorf("%s: claimed %+v", name, c)
		}
	}
	c, ok := Compare(append(steady(9*time.Minute, 10*time.Minute, 0), steady(12*time.Minute, 13*time.Minute, 4)...), at, at, DefaultEffectWindow)
	if _, rel := c.Percent(); !ok || rel || c.After != 4 {
		t.Fatalf("from zero: %+v %v; a rise from 0 has no percentage", c, ok)
	}
}

func TestFormatNumbers(t *testing.T) {
	for v, want := range map[float64]string{245.2: "245", 12.44: "12.4", 0.384: "0.38", 3: "3", 0: "0"} {
		if got := FormatValue(v); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", v, got, want)
		}
	}
	for r, want := range map[float64]string{0.142: "14.2%", 0.0035: "0.35%", 0: "0%", 1: "100.0%"} {
		if got := FormatRatio(r); got != want {
			t.Errorf("FormatRatio(%v) = %q, want %q", r, got, want)
		}
	}
	for d, want := range map[time.Duration]string{3 * time.Minute: "3m", 10 * time.Minute: "10m", 90 * time.Second: "90s", time.Hour: "1h", 90 * time.Minute: "1h30m"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
