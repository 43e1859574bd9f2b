package export

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

var measuredFrom = time.Date(2026, 1, 9, 23, 40, 0, 0, time.UTC)

// measured builds a series of one sample every 10 s for 30 minutes.
func measured(target, metric string, value func(at time.Duration) float64) series.Series {
	sr := series.Series{Key: series.Key{Source: "haproxy", Target: target, Metric: metric}, Interval: 10 * time.Second}
	for at := time.Duration(0); at <= 30*time.Minute; at += 10 * time.Second {
		sr.Points = append(sr.Points, series.Point{Time: measuredFrom.Add(at), Value: value(at)})
	}
	return sr
}

// incidentSeries: edge-1/web serves 1000 req/s; from 10:00 to 14:50 into
// the incident 20% of them fail (25% at 12:00); the frontend sheds 50/s
// meanwhile (its backend counts 40/s of the same, not to be added); web
// scales from 4 to 12; a quieter backend serves 10 req/s.
func incidentSeries() []series.Series {
	bad := func(at time.Duration) bool { return at >= 10*time.Minute && at < 15*time.Minute }
	ratio := func(at time.Duration) float64 {
		switch {
		case at == 12*time.Minute:
			return 0.25
		case bad(at):
			return 0.2
		}
		return 0
	}
	during := func(v float64) func(time.Duration) float64 {
		return func(at time.Duration) float64 {
			if bad(at) {
				return v
			}
			return 0
		}
	}
	capacity := func(at time.Duration) float64 { return min(12, 4+float64(at/(2*time.Minute))) }
	return []series.Series{
		measured("edge-1/web", integrations.MetricErrorRatio, ratio),
		measured("edge-1/web", integrations.MetricHTTP5xxPerS, func(at time.Duration) float64 { return ratio(at) * 1000 }),
		measured("edge-1/web", integrations.MetricReqPerS, func(time.Duration) float64 { return 1000 }),
		measured("edge-1/web", integrations.MetricShedPerS, during(40)),
		measured("edge-1/api", integrations.MetricReqPerS, func(time.Duration) float64 { return 10 }),
		measured("edge-1/api", integrations.MetricErrorRatio, func(time.Duration) float64 { return 0.9 }),
		measured("front-1/fe:http", integrations.MetricShedPerS, during(50)),
		measured("web", integrations.MetricDesired, func(time.Duration) float64 { return 12 }),
		measured("web", integrations.MetricInService, capacity),
	}
}

func impactSection(t *testing.T, md string) string {
	t.Helper()
	start := strings.Index(md, "\n## Impact\n")
	if start < 0 {
		t.Fatalf("no Impact section:\n%s", md)
	}
	end := strings.Index(md[start+1:], "\n## ")
	if end < 0 {
		t.Fatalf("nothing after the Impact section:\n%s", md)
	}
	return md[start : start+1+end]
}

// TestImpactSectionIsComputedFromTheSeries: with measurements, the
// Impact section states the window, the peak, the requests failed and
// shed with percentages, the capacity added, the effect entries, the
// thresholds it used and the chart, and no placeholder.
func TestImpactSectionIsComputedFromTheSeries(t *testing.T) {
	effect := timeline.Entry{Record: integrations.Record{ID: "e9", Occurred: measuredFrom.Add(17 * time.Minute), Source: "warroom", Kind: integrations.KindEffect, Text: "throttle-tier percent=30 tier=free: edge-1/web 5xx/s 200 → 0 within 3m (−100%)"}, Seq: 9}
	var buf bytes.Buffer
	// The frontend that sheds receives 1050 req/s, the shed among them.
	all := append(incidentSeries(), measured("front-1/fe:http", integrations.MetricReqPerS, func(time.Duration) float64 { return 1050 }))
	err := Markdown(&buf, []timeline.Entry{effect}, Options{Incident: "INC-9", Metrics: all, Chart: "pm-impact.svg"})
	if err != nil {
		t.Fatal(err)
	}
	got := impactSection(t, buf.String())
	want := `
## Impact

Measured on ` + "`edge-1/web`" + ` (the busiest backend by requests; set ` + "`metrics.main`" + ` to choose another), from 10 series recorded every 10s. Thresholds used: impaired while the error ratio (5xx ÷ responses) was above 1.0% (` + "`metrics.impact_error_ratio`" + `).

- **Impact window:** 2026-01-09 23:50:00 UTC → 2026-01-09 23:54:50 UTC (4m 50s), error ratio above 1.0%.
- **Peak error ratio:** 25.0% at 2026-01-09 23:52:00 UTC.
- **Requests failed:** ≈ 60,500 of ≈ 1,810,000 (3.3%), integrated from 5xx/s.
- **Requests shed by throttling:** ≈ 15,000 of ≈ 1,900,500 received (0.79%), integrated from shed/s at the frontends.
- **Capacity added:**

  | Group | Desired first → last | In service first → last |
  |---|---|---|
  | web | 12 → 12 | 4 → 12 (+8) |

- **Effects of actions** (the minute before each against the third minute after):
  - 23:57:00 throttle-tier percent=30 tier=free: edge-1/web 5xx/s 200 → 0 within 3m (−100%)

![impact](pm-impact.svg)
`
	if got != want {
		t.Fatalf("Impact section:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "To fill in") || strings.Contains(got, "_No measurements") {
		t.Fatal("a placeholder next to figures")
	}
}

// TestImpactUsesTheConfiguredMainAndThreshold: metrics.main and
// metrics.impact_error_ratio replace the busiest backend and 1%, and the
// section says so.
func TestImpactUsesTheConfiguredMainAndThreshold(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, nil, Options{Incident: "INC-9", Metrics: incidentSeries(), MainTarget: "edge-1/api", ImpactErrorRatio: 0.95}); err != nil {
		t.Fatal(err)
	}
	got := impactSection(t, buf.String())
	for _, want := range []string{"Measured on `edge-1/api` (`metrics.main`)", "above 95.0% (`metrics.impact_error_ratio`)",
		"**Impact window:** none: the error ratio stayed at or below 95.0%.", "**Peak error ratio:** 90.0%", "Requests failed:** ≈ 0 of ≈ 18,100 (0%)"} {
		if !strings.Contains(got, want) {
			t.Errorf("Impact section lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "![impact]") {
		t.Error("a chart link without a chart")
	}
	buf.Reset()
	if err := Markdown(&buf, nil, Options{Incident: "INC-9", Metrics: incidentSeries(), MainTarget: "edge-9/web"}); err != nil {
		t.Fatal(err)
	}
	if got := impactSection(t, buf.String()); !strings.Contains(got, "Measured on `edge-1/web` (the busiest backend by requests: `metrics.main` names `edge-9/web`, which was not measured)") {
		t.Errorf("an unmeasured metrics.main:\n%s", got)
	}
}

// TestImpactOfRolledUpBuckets: buckets count as impaired when their
// maximum is above the threshold, through the end of the bucket, and
// their integral is their mean over their span.
func TestImpactOfRolledUpBuckets(t *testing.T) {
	bucket := func(start time.Duration, mean, hi float64) series.Point {
		return series.Point{Time: measuredFrom.Add(start), Value: mean, Min: 0, Max: hi, N: 30, Span: 5 * time.Minute}
	}
	key := func(metric string) series.Key {
		return series.Key{Source: "haproxy", Target: "edge-1/web", Metric: metric}
	}
	all := []series.Series{
		{Key: key(integrations.MetricErrorRatio), Interval: 10 * time.Second, Points: []series.Point{bucket(0, 0.001, 0.002), bucket(5*time.Minute, 0.05, 0.3), bucket(10*time.Minute, 0.001, 0.002)}},
		{Key: key(integrations.MetricHTTP5xxPerS), Interval: 10 * time.Second, Points: []series.Point{bucket(5*time.Minute, 50, 300)}},
		{Key: key(integrations.MetricReqPerS), Interval: 10 * time.Second, Points: []series.Point{bucket(5*time.Minute, 1000, 1000)}},
	}
	im, ok := ComputeImpact(all, nil, "", 0)
	if !ok || !im.Impaired || !im.From.Equal(measuredFrom.Add(5*time.Minute)) || !im.To.Equal(measuredFrom.Add(10*time.Minute)) ||
		im.Peak != 0.3 || im.Failed != 15000 || im.Requests != 300000 || im.Main != "edge-1/web" {
		t.Fatalf("impact %+v", im)
	}
}

// TestImpactWithoutABackend: series with no backend among them still give
// the capacity, and say why there is no impact window, with no
// placeholder claiming nothing was measured.
func TestImpactWithoutABackend(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, nil, Options{Incident: "INC-9", Metrics: incidentSeries()[7:]}); err != nil {
		t.Fatal(err)
	}
	got := impactSection(t, buf.String())
	for _, want := range []string{"None of the 2 series recorded is an HAProxy backend's requests or errors", "| web | 12 → 12 | 4 → 12 (+8) |"} {
		if !strings.Contains(got, want) {
			t.Errorf("Impact section lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "No measurements") {
		t.Errorf("says nothing was measured:\n%s", got)
	}
}

// TestImpactShedShareIsOfTheRowsThatShed: the share of requests shed is
// taken of what the shedding rows received, never of the main backend's
// requests (another instance, and rows the shed requests never reach);
// with no req/s of those rows, no share is stated.
func TestImpactShedShareIsOfTheRowsThatShed(t *testing.T) {
	all := append(incidentSeries(), measured("front-1/fe:http", integrations.MetricReqPerS, func(time.Duration) float64 { return 100 }))
	im, _ := ComputeImpact(all, nil, "", 0)
	if im.Shed != 15000 || im.ShedOf != 18100*10 || im.ShedAt != "frontends" {
		t.Fatalf("shed %v of %v at the %s, want 15000 of 181000 at the frontends", im.Shed, im.ShedOf, im.ShedAt)
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, nil, Options{Incident: "INC-9", Metrics: incidentSeries()}); err != nil {
		t.Fatal(err)
	}
	if got := impactSection(t, buf.String()); !strings.Contains(got, "- **Requests shed by throttling:** ≈ 15,000, integrated from shed/s at the frontends.\n") {
		t.Errorf("a share stated without the shedding rows' requests:\n%s", got)
	}
}
