package export

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

// DefaultImpactErrorRatio is the impact threshold when none is given.
const DefaultImpactErrorRatio = 0.01

// Impact is what the series say about an incident, for the postmortem.
type Impact struct {
	Main       string  // the backend it is about
	Wanted     string  // metrics.main, if set
	Configured bool    // Main came from metrics.main, not the busiest backend
	Threshold  float64 // error ratio above which the backend was impaired
	Series     int     // series recorded
	Interval   time.Duration

	// Impaired is false when the error ratio never exceeded Threshold;
	// From and To are then zero.
	Impaired bool
	From, To time.Time
	// Under is the first sample back at or under Threshold after the
	// impact window; zero when the last sample was still above it.
	Under  time.Time
	Peak   float64 // the highest error ratio sampled, and when
	PeakAt time.Time

	Requests, Failed float64 // on Main, integrated from req/s and 5xx/s
	Shed             float64 // requests shed by throttling, integrated from shed/s
	ShedAt           string  // which level it was summed at: frontends, backends or servers
	// ShedOf is the requests the same rows received, integrated from
	// their req/s (denied ones among them); 0 when one of them has no
	// req/s series, and then no share is stated.
	ShedOf float64

	Groups  []GroupCapacity
	Effects []timeline.Row // effect entries, in time order
}

// GroupCapacity is a group's capacity at the first and last sample.
type GroupCapacity struct {
	Group                           string
	DesiredBefore, DesiredAfter     float64
	InServiceBefore, InServiceAfter float64
	HasDesired, HasInService        bool
}

// ComputeImpact reads the impact from the series: the main backend is
// main (metrics.main) or else the busiest backend by requests; it was
// impaired from the first sample of its error ratio above threshold to the
// last. A bucket (older samples) counts as above when its maximum is, and
// its peak is its maximum. It returns false when no series was recorded.
func ComputeImpact(all []series.Series, rows []timeline.Row, main string, threshold float64) (Impact, bool) {
	if len(all) == 0 {
		return Impact{}, false
	}
	if threshold <= 0 {
		threshold = DefaultImpactErrorRatio
	}
	im := Impact{Main: MainBackend(all, main), Threshold: threshold, Series: len(all), Interval: all[0].Interval}
	im.Wanted, im.Configured = main, main != "" && im.Main == main
	shed := map[string]float64{}
	shedRows := map[string][]string{} // level → targets with a shed/s series
	received := map[string]float64{}  // target → requests, from its req/s
	groups := map[string]*GroupCapacity{}
	for _, sr := range all {
		switch {
		case sr.Target == im.Main && sr.Metric == integrations.MetricErrorRatio:
			im.errorRatio(sr)
		case sr.Metric == integrations.MetricReqPerS:
			received[sr.Target] += series.Integral(sr.Points, sr.Interval)
			if sr.Target == im.Main {
				im.Requests = received[sr.Target]
			}
		case sr.Target == im.Main && sr.Metric == integrations.MetricHTTP5xxPerS:
			im.Failed = series.Integral(sr.Points, sr.Interval)
		case sr.Metric == integrations.MetricShedPerS:
			level := shedLevel(sr.Target)
			shed[level] += series.Integral(sr.Points, sr.Interval)
			shedRows[level] = append(shedRows[level], sr.Target)
		case series.IsGroup(sr.Target) && (sr.Metric == integrations.MetricDesired || sr.Metric == integrations.MetricInService):
			g := groups[sr.Target]
			if g == nil {
				g = &GroupCapacity{Group: sr.Target}
				groups[sr.Target] = g
			}
			first, last := sr.Points[0].Value, sr.Points[len(sr.Points)-1].Value
			if sr.Metric == integrations.MetricDesired {
				g.DesiredBefore, g.DesiredAfter, g.HasDesired = first, last, true
			} else {
				g.InServiceBefore, g.InServiceAfter, g.HasInService = first, last, true
			}
		}
	}
	// Frontends see every request a throttle denies; lower levels only
	// when no frontend was measured, so nothing is counted twice.
	for _, level := range []string{"frontends", "backends", "servers"} {
		if v, ok := shed[level]; ok {
			im.Shed, im.ShedAt = v, level
			im.ShedOf = receivedBy(received, shedRows[level])
			break
		}
	}
	for _, g := range groups {
		im.Groups = append(im.Groups, *g)
	}
	slices.SortFunc(im.Groups, func(a, b GroupCapacity) int { return strings.Compare(a.Group, b.Group) })
	for _, r := range rows {
		if r.Entry.Kind == integrations.KindEffect {
			im.Effects = append(im.Effects, r)
		}
	}
	return im, true
}

func (im *Impact) errorRatio(sr series.Series) {
	for _, p := range sr.Points {
		high, end := p.Value, p.Time
		if p.N > 0 {
			high, end = p.Max, p.Time.Add(series.BucketWidth)
		}
		if high > im.Peak || im.PeakAt.IsZero() {
			im.Peak, im.PeakAt = high, p.Time
		}
		if high > im.Threshold {
			if !im.Impaired {
				im.From = p.Time
			}
			im.Impaired, im.To, im.Under = true, end, time.Time{}
		} else if im.Impaired && im.Under.IsZero() {
			im.Under = p.Time
		}
	}
}

// receivedBy sums the requests the targets received; 0 when one of them
// has no req/s series.
func receivedBy(received map[string]float64, targets []string) float64 {
	var sum float64
	for _, t := range targets {
		n, ok := received[t]
		if !ok {
			return 0
		}
		sum += n
	}
	return sum
}

func shedLevel(target string) string {
	switch {
	case series.IsFrontend(target):
		return "frontends"
	case series.IsBackend(target):
		return "backends"
	}
	return "servers"
}

// MainBackend is the backend the impact and the chart are about: the
// configured one (metrics.main) if it was measured, else the busiest.
func MainBackend(all []series.Series, configured string) string {
	if configured != "" && slices.ContainsFunc(all, func(sr series.Series) bool { return sr.Target == configured }) {
		return configured
	}
	return BusiestBackend(all)
}

// BusiestBackend is the backend with the most requests over the incident.
func BusiestBackend(all []series.Series) string {
	totals := map[string]float64{}
	for _, sr := range all {
		if sr.Metric == integrations.MetricReqPerS && series.IsBackend(sr.Target) {
			totals[sr.Target] += series.Integral(sr.Points, sr.Interval)
		}
	}
	return series.Busiest(totals)
}

// measuredImpact is the impact from opts.Metrics, nil when no series was
// recorded.
func measuredImpact(opts Options, rows []timeline.Row) *Impact {
	im, ok := ComputeImpact(opts.Metrics, rows, opts.MainTarget, opts.ImpactErrorRatio)
	if !ok {
		return nil
	}
	return &im
}

// impact writes the Impact section: figures when measurements were
// recorded (im not nil), a placeholder saying none were otherwise.
func (m *mdWriter) impact(im *Impact, chart string) {
	m.str("\n## Impact\n\n")
	if im == nil {
		m.str("_No measurements were recorded for this incident, so warroom cannot state its impact. To fill in: who and what was affected, how many users or requests, for how long; error rates and counts over time._\n")
		return
	}
	if im.Main == "" {
		m.printf("None of the %d series recorded is an HAProxy backend's requests or errors, so no impact window or failed requests can be stated.\n\n", im.Series)
	} else {
		m.backendImpact(*im)
	}
	m.capacityAndEffects(*im)
	if chart != "" {
		m.printf("\n![impact](%s)\n", chart)
	}
}

// backendImpact writes the main backend's figures.
func (m *mdWriter) backendImpact(im Impact) {
	how := "the busiest backend by requests; set `metrics.main` to choose another"
	switch {
	case im.Configured:
		how = "`metrics.main`"
	case im.Wanted != "":
		how = "the busiest backend by requests: `metrics.main` names " + codeSpan(im.Wanted) + ", which was not measured"
	}
	m.printf("Measured on %s (%s), from %d series recorded every %s. Thresholds used: impaired while the error ratio (5xx ÷ responses) was above %s (`metrics.impact_error_ratio`).\n\n",
		codeSpan(im.Main), how, im.Series, formatDuration(im.Interval), series.FormatRatio(im.Threshold))
	if im.Impaired {
		m.str("- **Impact window:** ")
		m.time(im.From, fullTime)
		m.str(" → ")
		m.time(im.To, fullTime)
		m.printf(" (%s), error ratio above %s.\n", formatDuration(im.To.Sub(im.From)), series.FormatRatio(im.Threshold))
	} else {
		m.printf("- **Impact window:** none: the error ratio stayed at or below %s.\n", series.FormatRatio(im.Threshold))
	}
	if !im.PeakAt.IsZero() {
		m.printf("- **Peak error ratio:** %s at ", series.FormatRatio(im.Peak))
		m.time(im.PeakAt, fullTime)
		m.str(".\n")
	}
	m.printf("- **Requests failed:** %s", formatCount(im.Failed))
	if im.Requests > 0 {
		m.printf(" of %s (%s)", formatCount(im.Requests), series.FormatRatio(im.Failed/im.Requests))
	}
	m.str(", integrated from 5xx/s.\n")
	if im.ShedAt != "" {
		m.printf("- **Requests shed by throttling:** %s", formatCount(im.Shed))
		if im.ShedOf > 0 {
			m.printf(" of %s received (%s)", formatCount(im.ShedOf), series.FormatRatio(im.Shed/im.ShedOf))
		}
		m.printf(", integrated from shed/s at the %s.\n", im.ShedAt)
	}
}

// capacityAndEffects writes each group's capacity and the effect entries.
func (m *mdWriter) capacityAndEffects(im Impact) {
	if len(im.Groups) > 0 {
		m.str("- **Capacity added:**\n\n  | Group | Desired first → last | In service first → last |\n  |---|---|---|\n")
		for _, g := range im.Groups {
			m.str("  | ")
			m.cell(g.Group, 0)
			m.printf(" | %s | %s |\n", capacityChange(g.HasDesired, g.DesiredBefore, g.DesiredAfter), capacityChange(g.HasInService, g.InServiceBefore, g.InServiceAfter))
		}
		m.str("\n")
	}
	if len(im.Effects) > 0 {
		m.str("- **Effects of actions** (the minute before each against the third minute after):\n")
		for _, r := range im.Effects {
			m.str("  - ")
			m.time(r.Occurred, shortTime)
			m.str(" ")
			m.cell(r.Text, maxCellText)
			m.str("\n")
		}
	}
}

func capacityChange(has bool, before, after float64) string {
	if !has {
		return "not measured"
	}
	s := series.FormatValue(before) + " → " + series.FormatValue(after)
	if d := after - before; d != 0 {
		s += fmt.Sprintf(" (%+g)", math.Round(d*10)/10)
	}
	return s
}

// formatCount writes an integrated count: ≈ 12,345.
func formatCount(v float64) string {
	n := int64(math.Round(v))
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return "≈ " + s
}
