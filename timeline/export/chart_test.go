package export

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// chartEntries are an incident's alert, runbook run and key times within
// the measured half hour.
func chartEntries() []timeline.Entry {
	at := func(m int) time.Time { return measuredFrom.Add(time.Duration(m) * time.Minute) }
	return []timeline.Entry{
		{Record: integrations.Record{ID: "e1", Occurred: at(10), Kind: integrations.KindAlertTriggered, Text: "web: 5xx rate above 5% for 5 minutes", Fields: map[string]string{"alert": "Q1", "severity": "critical"}}, Seq: 1},
		{Record: integrations.Record{ID: "e2", Occurred: at(12), Kind: "runbook.requested", Text: "run throttle-tier requested", Fields: map[string]string{"run": "r1", "runbook": "throttle-tier"}}, Seq: 2},
		{Record: integrations.Record{ID: "e3", Occurred: at(16), Kind: integrations.KindIncidentMitigated, Text: "error rate back under 1%"}, Seq: 3},
		{Record: integrations.Record{ID: "e4", Occurred: at(25), Kind: integrations.KindAlertResolved, Text: "recovered", Fields: map[string]string{"alert": "Q1"}}, Seq: 4},
	}
}

// svgTexts returns the text of every <text> element of an SVG document,
// failing if it is not well-formed XML.
func svgTexts(t *testing.T, data []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var texts []string
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return texts
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts = append(texts, string(tok))
			}
		}
	}
}

// TestChartMarksAlertsActionsAndKeyTimes: the SVG parses, names the main
// backend, and labels a marker for the alert, the runbook run and each key
// time; the PNG decodes at the chart's size.
func TestChartMarksAlertsActionsAndKeyTimes(t *testing.T) {
	var svg, pngBuf bytes.Buffer
	opts := Options{Incident: "INC-9", Metrics: incidentSeries(), Location: time.UTC}
	if err := Chart(&svg, &pngBuf, chartEntries(), opts); err != nil {
		t.Fatal(err)
	}
	texts := strings.Join(svgTexts(t, svg.Bytes()), "\n")
	for _, want := range []string{"alert: web: 5xx rate above", "run throttle-tier", "Detected", "Mitigated", "Resolved",
		"edge-1/web", "error ratio (%)", "requests/s", "impact threshold 1.0%", "23:50"} {
		if !strings.Contains(texts, want) {
			t.Errorf("the chart has no text %q; it has:\n%s", want, texts)
		}
	}
	img, err := png.Decode(&pngBuf)
	if err != nil {
		t.Fatalf("the PNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1152 || b.Dy() != 672 {
		t.Fatalf("PNG is %v, want 1152×672", b)
	}
	if dir := os.Getenv("WARROOM_CHART_DIR"); dir != "" { // to look at it
		os.WriteFile(dir+"/chart.svg", svg.Bytes(), 0o644)
		var again bytes.Buffer
		Chart(nil, &again, chartEntries(), opts)
		os.WriteFile(dir+"/chart.png", again.Bytes(), 0o644)
	}
}

// TestChartNeedsTheMainBackendsSeries: without an error ratio or a
// request rate there is nothing to chart, and HasChart says so.
func TestChartNeedsTheMainBackendsSeries(t *testing.T) {
	opts := Options{Metrics: incidentSeries()[7:]} // only the group's capacity
	if HasChart(opts) {
		t.Fatal("HasChart with no backend series")
	}
	if err := Chart(io.Discard, io.Discard, nil, opts); err == nil {
		t.Fatal("Chart drew nothing without an error")
	}
	if !HasChart(Options{Metrics: incidentSeries()}) {
		t.Fatal("no chart with the backend's series")
	}
}

// TestJoinedLabelsKeepEveryMarker: labels too close to draw apart are
// joined, the longest shortened first, so a short one is never cut.
func TestJoinedLabelsKeepEveryMarker(t *testing.T) {
	got := joinLabels([]string{"alert: web: 5xx rate above 5% for 5 minutes", "Detected"}, 40)
	if got != "alert: web: 5xx rate above 5… · Detected" || len([]rune(got)) > 40 {
		t.Fatalf("joined %q", got)
	}
	if got := joinLabels([]string{"run scale-up"}, 40); got != "run scale-up" {
		t.Fatalf("one label %q", got)
	}
}

// TestChartKeepsToTheMeasurements: a marker just before the first sample
// widens the chart to show it; an alert two days earlier is left out
// instead of squeezing the half hour of measurements into a corner.
func TestChartKeepsToTheMeasurements(t *testing.T) {
	entries := []timeline.Entry{
		{Record: integrations.Record{ID: "e1", Occurred: measuredFrom.Add(-48 * time.Hour), Kind: integrations.KindAlertTriggered, Text: "disk warning on db-2", Fields: map[string]string{"alert": "Q0"}}, Seq: 1},
		{Record: integrations.Record{ID: "e2", Occurred: measuredFrom.Add(-time.Minute), Kind: "runbook.requested", Text: "run", Fields: map[string]string{"run": "r1", "runbook": "scale-up"}}, Seq: 2},
	}
	var svg bytes.Buffer
	if err := Chart(&svg, nil, entries, Options{Metrics: incidentSeries(), Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	texts := strings.Join(svgTexts(t, svg.Bytes()), "\n")
	if !strings.Contains(texts, "run scale-up") || !strings.Contains(texts, "23:40") {
		t.Errorf("the run a minute before the measurements is not marked:\n%s", texts)
	}
	if strings.Contains(texts, "disk warning") || strings.Contains(texts, "Thu") {
		t.Errorf("the chart stretches to an alert two days before:\n%s", texts)
	}
	from, to := extent(incidentSeries()[0].Points, nil, ChartMarkers(shownRows(timeline.NewView(entries)), nil))
	if !from.Equal(measuredFrom.Add(-time.Minute)) || !to.Equal(measuredFrom.Add(30*time.Minute)) {
		t.Errorf("extent %v – %v", from, to)
	}
}
