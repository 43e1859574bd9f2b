package main

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
	"github.com/warroomhq/warroom/timeline/series"
)

// recordIncident writes a timeline and a series of every metric for
// incident INC-9 under stateDir: refreshes every 10 s from 23:41:00.123
// for 5 h 10 min, so everything before 00:50 is rolled up into 14 buckets
// and 1447 samples stay at full resolution.
func recordIncident(t *testing.T, stateDir string) {
	t.Helper()
	store, err := timeline.OpenIncident(stateDir, "INC-9", timeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(timeline.Entry{Record: integrations.Record{Occurred: metricsStart, Source: "warroom", Kind: "session.opened", Text: "opened"}},
		timeline.Entry{Record: integrations.Record{Occurred: metricsStart.Add(time.Hour), Source: "pagerduty", Kind: integrations.KindAlertTriggered, Text: "web 5xx above 5%", Fields: map[string]string{"alert": "Q1", "severity": "critical"}}}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	s, err := series.OpenIncident(stateDir, "INC-9", series.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	metrics := map[string]string{
		integrations.MetricReqPerS: "edge-1/web", integrations.MetricHTTP5xxPerS: "edge-1/web", integrations.MetricErrorRatio: "edge-1/web",
		integrations.MetricSessions: "edge-1/web/web-3", integrations.MetricShedPerS: "front-1/fe:http", integrations.MetricDesired: "web",
		integrations.MetricInService: "web", integrations.MetricPending: "web", integrations.MetricThrottlePct: "front-1/fe:http",
	}
	var batch []integrations.Sample
	for at := time.Duration(0); at <= 5*time.Hour+10*time.Minute; at += 10 * time.Second {
		for metric, target := range metrics {
			batch = append(batch, integrations.Sample{Time: metricsStart.Add(at).Add(123 * time.Millisecond), Source: "drill", Target: target, Metric: metric, Value: at.Seconds() / 10})
		}
	}
	if _, err := s.Append(batch); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsExportThroughTheBinary: `warroom metrics export` writes the
// long format, a row per sample and series with RFC 3339 millisecond
// times, in CSV (to a file) and JSON (losslessly, buckets with their
// extremes), within --since/--until and in --tz.
// metricsStart is when the incident of the metrics tests opened.
var metricsStart = time.Date(2026, 1, 9, 23, 41, 0, 0, time.UTC)

func TestMetricsExportThroughTheBinary(t *testing.T) {
	bin := buildBinary(t)
	stateDir := filepath.Join(t.TempDir(), "state")
	recordIncident(t, stateDir)

	out := filepath.Join(t.TempDir(), "metrics.csv")
	run := runCLI(t, bin, stateDir, "metrics", "export", "--incident", "INC-9", "-o", out)
	if run.code != 0 || run.stdout != "" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", run.code, run.stdout, run.stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "time,source,target,metric,value" {
		t.Fatalf("header %v", rows[0])
	}
	seen := map[string]int{}
	for _, r := range rows[1:] {
		seen[r[3]]++
		if _, err := time.Parse("2006-01-02T15:04:05.000Z07:00", r[0]); err != nil || !strings.HasSuffix(r[0], "Z") {
			t.Fatalf("time %q: %v", r[0], err)
		}
	}
	for _, metric := range []string{integrations.MetricReqPerS, integrations.MetricHTTP5xxPerS, integrations.MetricErrorRatio, integrations.MetricSessions,
		integrations.MetricShedPerS, integrations.MetricDesired, integrations.MetricInService, integrations.MetricPending, integrations.MetricThrottlePct} {
		if seen[metric] != 14+1447 {
			t.Errorf("%s: %d rows, want 1461", metric, seen[metric])
		}
	}
	if first := strings.Join(rows[1], ","); first != "2026-01-09T23:40:00.000Z,drill,edge-1/web,error_ratio,11.5" {
		t.Errorf("first row %s: want the first bucket (23:40, mean of 0…23)", first)
	}

	run = runCLI(t, bin, stateDir, "metrics", "export", "--incident", "INC-9", "--format", "json", "--tz", "Europe/Paris",
		"--since", "2026-01-10 00:39:00", "--until", "2026-01-10T00:40:30+01:00")
	if run.code != 0 {
		t.Fatalf("json: exit %d\n%s", run.code, run.stderr)
	}
	var doc export.MetricsDocument
	if err := json.Unmarshal([]byte(run.stdout), &doc); err != nil {
		t.Fatalf("stdout is not only JSON: %v\n%s", err, run.stdout)
	}
	if doc.Format != export.MetricsFormat || doc.Incident != "INC-9" || doc.IntervalS != 10 {
		t.Fatalf("document %+v", doc)
	}
	// 23:39–23:40:30 UTC holds one bucket start per series: 23:40.
	if len(doc.Samples) != 9 {
		t.Fatalf("want the 23:40 bucket of 9 series, got %d rows: %+v", len(doc.Samples), doc.Samples)
	}
	b := doc.Samples[0]
	if b.Time != "2026-01-10T00:40:00.000+01:00" || b.N != 24 || *b.Min != 0 || *b.Max != 23 || b.SpanS != 240 || b.Value != 11.5 {
		t.Fatalf("bucket row %+v", b)
	}

	run = runCLI(t, bin, stateDir, "metrics", "export", "--incident", "INC-404")
	if run.code == 0 || !strings.Contains(run.stderr, "no timeline for incident") {
		t.Fatalf("an unknown incident: exit %d, %s", run.code, run.stderr)
	}
}

// TestPostmortemChartThroughTheBinary: `warroom timeline export -o
// NAME.md` writes NAME-impact.svg and NAME-impact.png beside the draft and
// links the SVG by its relative name; the SVG parses and labels the
// alert's marker, the PNG decodes; --no-chart writes neither; the JSON
// export carries every point of the series.
func TestPostmortemChartThroughTheBinary(t *testing.T) {
	bin := buildBinary(t)
	stateDir := filepath.Join(t.TempDir(), "state")
	recordIncident(t, stateDir)
	out := t.TempDir()

	md := filepath.Join(out, "pm.md")
	if run := runCLI(t, bin, stateDir, "timeline", "export", "--incident", "INC-9", "-o", md); run.code != 0 {
		t.Fatalf("exit %d: %s", run.code, run.stderr)
	}
	draft, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(draft), "\n![impact](pm-impact.svg)\n") || !strings.Contains(string(draft), "**Peak error ratio:**") {
		t.Fatalf("the draft does not link its chart or lacks figures:\n%s", draft)
	}
	svg, err := os.ReadFile(filepath.Join(out, "pm-impact.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Fatalf("the SVG does not parse: %v", err)
	}
	if !strings.Contains(string(svg), ">alert: web 5xx above 5% · Detected</text>") {
		t.Errorf("the SVG has no label for the alert marker")
	}
	f, err := os.Open(filepath.Join(out, "pm-impact.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("the PNG does not decode: %v", err)
	}

	plain := filepath.Join(out, "plain.md")
	if run := runCLI(t, bin, stateDir, "timeline", "export", "--incident", "INC-9", "--no-chart", "-o", plain); run.code != 0 {
		t.Fatalf("--no-chart: exit %d: %s", run.code, run.stderr)
	}
	if data, _ := os.ReadFile(plain); strings.Contains(string(data), "![impact]") {
		t.Error("--no-chart still links a chart")
	}
	if _, err := os.Stat(filepath.Join(out, "plain-impact.svg")); err == nil {
		t.Error("--no-chart wrote a chart")
	}

	// The configuration's metrics section sets the threshold; one that
	// does not load leaves the defaults, with a warning.
	cfg := filepath.Join(out, "config.yaml")
	os.WriteFile(cfg, []byte("metrics: {impact_error_ratio: 0.5}\n"), 0o600)
	run := runCLI(t, bin, stateDir, "--config", cfg, "timeline", "export", "--incident", "INC-9", "--no-chart")
	if !strings.Contains(run.stdout, "was above 50.0% (`metrics.impact_error_ratio`)") {
		t.Errorf("the configured threshold is not used:\n%s", run.stdout)
	}
	os.WriteFile(cfg, []byte("haproxy: {instances: [{name: edge-1}]}\n"), 0o600)
	run = runCLI(t, bin, stateDir, "--config", cfg, "timeline", "export", "--incident", "INC-9", "--no-chart")
	if run.code != 0 || !strings.Contains(run.stderr, "the impact uses the default metrics settings") || !strings.Contains(run.stdout, "was above 1.0%") {
		t.Errorf("a broken configuration: exit %d\n%s\n%s", run.code, run.stderr, run.stdout)
	}

	run = runCLI(t, bin, stateDir, "timeline", "export", "--incident", "INC-9", "--format", "json")
	doc, err := export.ReadJSON(strings.NewReader(run.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Metrics) != 9*1461 {
		t.Fatalf("the JSON export carries %d metric rows, want %d", len(doc.Metrics), 9*1461)
	}
}
