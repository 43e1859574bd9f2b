package series

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// EffectWindow says how an action's effect is measured: the mean of the
// samples in the Window before the action against the mean of those in
// the Window ending Settle after it finished, each side with at least
// MinSamples samples.
type EffectWindow struct {
	Settle     time.Duration
	Window     time.Duration
	MinSamples int
}

// DefaultEffectWindow compares the minute before an action with the third
// minute after it, three samples a side at least.
var DefaultEffectWindow = EffectWindow{Settle: 3 * time.Minute, Window: time.Minute, MinSamples: 3}

// Change is one measure before and after an action.
type Change struct {
	Before, After   float64
	NBefore, NAfter int
}

// Compare measures points (one series, in time order) around an action
// planned at at and finished at end: the mean of the samples in
// [at−Window, at] against the mean of those in (end+Settle−Window,
// end+Settle]. ok is false, and no claim is made, when either side has
// fewer than MinSamples samples.
func Compare(points []Point, at, end time.Time, w EffectWindow) (c Change, ok bool) {
	afterEnd := end.Add(w.Settle)
	afterStart := afterEnd.Add(-w.Window)
	var sumB, sumA float64
	for _, p := range points {
		switch {
		case !p.Time.Before(at.Add(-w.Window)) && !p.Time.After(at):
			sumB += p.Value
			c.NBefore++
		case p.Time.After(afterStart) && !p.Time.After(afterEnd):
			sumA += p.Value
			c.NAfter++
		}
	}
	if c.NBefore < max(1, w.MinSamples) || c.NAfter < max(1, w.MinSamples) {
		return c, false
	}
	c.Before, c.After = sumB/float64(c.NBefore), sumA/float64(c.NAfter)
	return c, true
}

// Percent is the relative change, or false when there was nothing before
// to compare with.
func (c Change) Percent() (float64, bool) {
	if c.Before == 0 {
		return 0, false
	}
	return (c.After - c.Before) / math.Abs(c.Before) * 100, true
}

// Measured is a named Change; Ratio values are fractions shown as
// percentages.
type Measured struct {
	Name  string
	Ratio bool
	Change
}

// EffectText says what an action did: "throttle-tier percent=30 tier=free:
// 5xx/s 245 → 12 within 3m (−95%); error ratio 14.2% → 0.9% (−94%)", or,
// with nothing measured, that no claim is made.
func EffectText(action string, within time.Duration, measured []Measured) string {
	if len(measured) == 0 {
		return action + ": too few samples to measure an effect within " + shortDuration(within)
	}
	var b strings.Builder
	b.WriteString(action)
	b.WriteString(": ")
	for i, m := range measured {
		if i > 0 {
			b.WriteString("; ")
		}
		format := FormatValue
		if m.Ratio {
			format = FormatRatio
		}
		fmt.Fprintf(&b, "%s %s → %s", m.Name, format(m.Before), format(m.After))
		if i == 0 {
			b.WriteString(" within " + shortDuration(within))
		}
		if pct, ok := m.Percent(); ok {
			b.WriteString(" (" + FormatPercentChange(pct) + ")")
		}
	}
	return b.String()
}

// FormatValue writes a rate or a count for people: 245, 12.4, 0.38.
func FormatValue(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100 || v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

// FormatRatio writes a fraction as a percentage: 14.2%, 0.35%, 0%.
func FormatRatio(r float64) string {
	switch pct := r * 100; {
	case pct == 0:
		return "0%"
	case math.Abs(pct) < 1:
		return fmt.Sprintf("%.2f%%", pct)
	default:
		return fmt.Sprintf("%.1f%%", pct)
	}
}

// FormatPercentChange writes a relative change with its sign: +12%, −95%.
func FormatPercentChange(pct float64) string {
	r := math.Round(pct)
	switch {
	case r < 0:
		return fmt.Sprintf("−%.0f%%", -r)
	case r > 0:
		return fmt.Sprintf("+%.0f%%", r)
	}
	return "±0%"
}

// shortDuration writes 3m, 90s, 1h30m.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0 && d > time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, d%time.Hour/time.Minute)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
