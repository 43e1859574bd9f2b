package export

import (
	"fmt"
	"io"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

// record48h writes a 48-hour incident of 500 series sampled every 10 s:
// 10 backends and 90 servers, five metrics each, with full-precision
// values; it returns the directory.
func record48h(b *testing.B) string {
	dir := b.TempDir()
	s, err := series.Open(dir, series.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	metrics := []string{integrations.MetricReqPerS, integrations.MetricHTTP5xxPerS, integrations.MetricErrorRatio, integrations.MetricSessions, integrations.MetricShedPerS}
	var keys []integrations.Sample
	for i := range 100 {
		target := fmt.Sprintf("edge-%d/web", i)
		if i >= 10 {
			target = fmt.Sprintf("edge-%d/web/web-%d", i%10, i)
		}
		for _, m := range metrics {
			keys = append(keys, integrations.Sample{Source: "haproxy", Target: target, Metric: m})
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var batch []integrations.Sample
	for i := range 48 * 360 {
		at := measuredFrom.Add(time.Duration(i) * 10 * time.Second)
		for _, k := range keys {
			k.Time, k.Value = at, rng.Float64()
			batch = append(batch, k)
		}
		if len(batch) >= 100_000 {
			if _, err := s.Append(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := s.Append(batch); err != nil {
		b.Fatal(err)
	}
	return dir
}

// markers48h is an alert and a runbook run every two hours.
func markers48h() []timeline.Entry {
	var entries []timeline.Entry
	for h := 0; h < 48; h += 2 {
		at := measuredFrom.Add(time.Duration(h) * time.Hour)
		entries = append(entries,
			timeline.Entry{Record: integrations.Record{ID: fmt.Sprint("e", 2*h+1), Occurred: at, Kind: integrations.KindAlertTriggered, Text: fmt.Sprint("alert ", h), Fields: map[string]string{"alert": fmt.Sprint("Q", h)}}, Seq: int64(2*h + 1)},
			timeline.Entry{Record: integrations.Record{ID: fmt.Sprint("e", 2*h+2), Occurred: at.Add(time.Hour), Kind: "runbook.requested", Text: "run", Fields: map[string]string{"run": fmt.Sprint("r", h), "runbook": "scale-up"}}, Seq: int64(2*h + 2)})
	}
	return entries
}

// bench48h times export over the 48-hour, 500-series incident: each
// operation reads the series the draft uses from disk, then runs export.
func bench48h(b *testing.B, export func(entries []timeline.Entry, all []series.Series) error) {
	dir := record48h(b)
	entries := markers48h()
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		all, err := series.Read(dir, time.Time{}, time.Time{}, DraftSeries)
		if err != nil {
			b.Fatal(err)
		}
		if err := export(entries, all); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkChartExport48h500 is the chart of a 48-hour incident with 500
// series: read the series the draft uses from disk, draw the main
// backend's, write SVG and PNG.
func BenchmarkChartExport48h500(b *testing.B) {
	bench48h(b, func(entries []timeline.Entry, all []series.Series) error {
		return Chart(io.Discard, io.Discard, entries, Options{Incident: "INC-9", Metrics: all})
	})
}

// cpuTime is the CPU time this process has used: on a shared machine the
// wall time per operation also counts waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64(cpuTime()-since)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkMarkdownImpact48h500 is the whole draft of that incident: read,
// Impact section, chart.
func BenchmarkMarkdownImpact48h500(b *testing.B) {
	bench48h(b, func(entries []timeline.Entry, all []series.Series) error {
		opts := Options{Incident: "INC-9", Metrics: all, Chart: "pm-impact.svg"}
		if err := Markdown(io.Discard, entries, opts); err != nil {
			return err
		}
		return Chart(io.Discard, io.Discard, entries, opts)
	})
}

// BenchmarkHTMLImpact48h500 is the HTML page of that incident: read,
// Impact section, the chart drawn and inlined as a PNG.
func BenchmarkHTMLImpact48h500(b *testing.B) {
	bench48h(b, func(entries []timeline.Entry, all []series.Series) error {
		return HTML(io.Discard, entries, Options{Incident: "INC-9", Metrics: all})
	})
}
