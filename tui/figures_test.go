package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/integrations"
)

// TestDrillInShowsEachRowsOwnFiguresAndTheOddOneOut: in an HAProxy
// instance's drill-in every frontend, backend and server has its own
// requests/s, 5xx/s and error %; a server still measuring shows …, never a
// 0; the odd one out is marked on its row and its reason said in full.
func TestDrillInShowsEachRowsOwnFiguresAndTheOddOneOut(t *testing.T) {
	p := newFleetPane()
	p.setGroups("aws", fixtureGroups())
	p.setBackends("haproxy", fixtureBackends())
	p.list.cursor = len(p.allGroups) + 1 // edge-2
	p.enter()
	out := p.render(PlainStyles(), 124, 12, true, fixtureNow, "")
	golden.RequireEqual(t, out)
	row := func(server string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, " "+server+" ") {
				return l
			}
		}
		t.Fatalf("no row for %s:\n%s", server, out)
		return ""
	}
	if r := row("web-b"); !strings.Contains(r, "120.0") || !strings.Contains(r, "37.2") || !strings.Contains(r, "31%") || !strings.Contains(r, "⚠ odd") {
		t.Errorf("the failing server's own figures and mark: %q", r)
	}
	if r := row("web-a"); !strings.Contains(r, "0.6") || !strings.Contains(r, "0.5%") || strings.Contains(r, "⚠") {
		t.Errorf("its healthy peer: %q", r)
	}
	if r := row("web-c"); !strings.Contains(r, "…") || strings.Contains(r, " 0.0 ") || !strings.Contains(r, "measuring") {
		t.Errorf("a server with no measured rates must say so, not 0: %q", r)
	}
	if !strings.Contains(out, "⚠ odd one out edge-2/web/web-b: error 31% vs peer 0.5% (1 peer)") {
		t.Errorf("the reason is not said in full:\n%s", out)
	}
}

// TestInstanceRowCountsEachRequestOnce: an instance's figures are its
// frontends' own counters, not frontends and backends added up (every
// request passes through both), and the row is flagged when one of its
// servers is the odd one out.
func TestInstanceRowCountsEachRequestOnce(t *testing.T) {
	p := newFleetPane()
	p.setBackends("haproxy", fixtureBackends())
	lines, _ := p.overview(PlainStyles(), fixtureNow, false, 120)
	out := strings.Join(lines, "\n")
	if !strings.Contains(out, "240.0") || strings.Contains(out, "480.0") {
		t.Errorf("edge rows should read 240.0 req/s (frontend), not a double count:\n%s", out)
	}
	i := strings.Index(out, "edge-2")
	if i < 0 || !strings.Contains(out[i:], "⚠ odd one out edge-2/web/web-b") || strings.Contains(out[:i], "⚠ odd one out") {
		t.Errorf("edge-2, and only edge-2, should be flagged:\n%s", out)
	}
	// Before a second reading there is nothing to show but that.
	fresh := fixtureBackends()
	for i := range fresh.Proxies {
		fresh.Proxies[i].Rates = integrations.Rates{}
	}
	q := newFleetPane()
	q.setBackends("haproxy", fresh)
	lines, _ = q.overview(PlainStyles(), fixtureNow, false, 120)
	for _, l := range lines {
		if strings.Contains(l, "edge-1 ") && (!strings.Contains(l, "…") || !strings.Contains(l, "measuring") || strings.Contains(l, "0.0")) {
			t.Errorf("an instance still measuring: %q", l)
		}
	}
}

// TestTrendCarriesItsScaleAndWindow: a trend says its peak and the time it
// covers; a reading with no ratio is a gap, not a zero.
func TestTrendCarriesItsScaleAndWindow(t *testing.T) {
	pt := func(ratio float64) trendPoint {
		return trendPoint{ratio: ratio, ok: true, measured: true, window: 10 * time.Second}
	}
	h := []trendPoint{pt(0.01), pt(0.06), {measured: true, window: 10 * time.Second}, pt(0.12)}
	if got, want := trendCell(h, 24), "▂▅ █ peak 12% 40s"; !strings.HasPrefix(got, want) {
		t.Errorf("trend %q, want %q", got, want)
	}
	if got := trendCell([]trendPoint{{}}, 24); got != "measuring" {
		t.Errorf("no measured reading: %q", got)
	}
	if got := trendCell([]trendPoint{{measured: true, window: 10 * time.Second}}, 24); got != "no responses 10s" {
		t.Errorf("measured with no response: %q", got)
	}
}

// TestFocusedPaneTakesTheWiderShare: the focused pane takes three fifths
// of its row, a Fleet drill-in what its columns need (leaving the pane
// beside it sideMin), and the other row stays even.
func TestFocusedPaneTakesTheWiderShare(t *testing.T) {
	m := screenModel(120, 40, testOpts{})
	width := func(p pane) int { m.relayout(); return m.paneWidth(p) } // the fields are set directly, not through Update
	if width(paneAlerts) != 72 || width(paneFleet) != 48 || width(paneChat) != 60 {
		t.Errorf("alerts focused: alerts %d fleet %d chat %d", width(paneAlerts), width(paneFleet), width(paneChat))
	}
	m.setFocus(paneFleet)
	if width(paneFleet) != 72 || width(paneAlerts) != 48 {
		t.Errorf("fleet focused: fleet %d alerts %d", width(paneFleet), width(paneAlerts))
	}
	m.fleet.list.cursor = len(m.fleet.allGroups)
	m.fleet.enter()
	if width(paneFleet) != 120-sideMin {
		t.Errorf("fleet drill-in: %d", width(paneFleet))
	}
	m.width, m.height = 100, 30 // two panes
	m.fleet.back()
	if width(paneFleet) != 60 || width(paneTimeline) != 40 {
		t.Errorf("columns, fleet focused: fleet %d timeline %d", width(paneFleet), width(paneTimeline))
	}
	m.setFocus(paneTimeline)
	if width(paneTimeline) != 60 {
		t.Errorf("columns, timeline focused: %d", width(paneTimeline))
	}
}

// TestFleetKeepsNumbersAndStatesAtEverySize: from 80x24 up, the Fleet
// pane's tables (focused, and drilled into) keep the names, the states
// and every measured number, and cut addresses and weights first.
func TestFleetKeepsNumbersAndStatesAtEverySize(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 40}, {200, 60}} {
		m := screenModel(size[0], size[1], testOpts{})
		m.setFocus(paneFleet)
		m.relayout()
		s := screen(m)
		for _, want := range []string{"HAPROXY", "REQ/S", "5XX/S", "ERR", "240.0", "16%", "⚠ short 8 for 10m", "⚠ odd one out edge-2/web/web-b"} {
			if !strings.Contains(s, want) {
				t.Errorf("%dx%d overview lacks %q:\n%s", size[0], size[1], want, s)
			}
		}
		m.fleet.list.cursor = len(m.fleet.allGroups) + 1
		m.fleet.enter()
		m.relayout()
		s = screen(m)
		for _, want := range []string{"SERVER", "STATE", "SESS", "REQ/S", "5XX/S", "ERR", "DRAIN", "37.2", "31%", "⚠ odd"} {
			if !strings.Contains(s, want) {
				t.Errorf("%dx%d drill-in lacks %q:\n%s", size[0], size[1], want, s)
			}
		}
		if size[0] >= 120 && !strings.Contains(s, "ERR TREND") {
			t.Errorf("%dx%d drill-in has room for the trend:\n%s", size[0], size[1], s)
		}
		if size[0] < 200 && strings.Contains(s, "10.0.1.2:8080") && !strings.Contains(s, "ERR TREND") {
			t.Errorf("%dx%d: addresses kept while the trend was cut", size[0], size[1])
		}
	}
}

// mainSeries is n readings of edge-1/web, one every 10 s up to fixtureNow,
// its error ratio climbing.
func mainSeries(n int) []integrations.Sample {
	var out []integrations.Sample
	for i := range n {
		at := fixtureNow.Add(-time.Duration(n-1-i) * 10 * time.Second)
		out = append(out,
			integrations.Sample{Time: at, Source: "haproxy", Target: "edge-1/web", Metric: integrations.MetricErrorRatio, Value: float64(i) / float64(n) * 0.2},
			integrations.Sample{Time: at, Source: "haproxy", Target: "edge-1/web", Metric: integrations.MetricReqPerS, Value: 200 + float64(i%7)})
	}
	return out
}

// TestChartKeyOpensTheMainTargetsChart: v on the Fleet pane opens the
// chart of the main target's error ratio and request rate, with scales,
// markers for alerts, runs and key times in a legend; + and - change the
// window; esc closes it.
func TestChartKeyOpensTheMainTargetsChart(t *testing.T) {
	m := newScreen(testOpts{Title: "Monday surge", IncidentStart: fixtureNow.Add(-time.Hour), Clock: func() time.Time { return fixtureNow },
		NoColor: true, MainTarget: "edge-1/web", History: mainSeries(180)})
	m.now = fixtureNow
	m.apply(integrations.Batch{Records: []integrations.Record{
		{ID: "r1", Occurred: fixtureNow.Add(-12 * time.Minute), Kind: "alert.triggered", Text: "web: HTTP 5xx above 5%"},
		{ID: "r2", Occurred: fixtureNow.Add(-8 * time.Minute), Kind: "runbook.requested", Text: "throttle free 30% requested"},
		{ID: "r3", Occurred: fixtureNow.Add(-3 * time.Minute), Kind: "incident.mitigated", Text: "throttle holds"},
		{ID: "r4", Occurred: fixtureNow.Add(-20 * time.Minute), Kind: "alert.triggered", Text: "outside the window"},
	}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	tm.Send(tea.KeyPressMsg{Code: '2', Text: "2"})
	tm.Send(tea.KeyPressMsg{Code: 'v', Text: "v"})
	waitFor(t, tm, "Chart › edge-1/web  last 15m")
	tm.Send(tea.KeyPressMsg{Code: '+', Text: "+"}) // 5m
	tm.Send(tea.KeyPressMsg{Code: '-', Text: "-"})
	tm.Send(tea.KeyPressMsg{Code: '-', Text: "-"}) // 30m: the final model says
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	waitFor(t, tm, "HAPROXY")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if final.chart.open || final.chart.zoom != 2 {
		t.Errorf("chart after esc: %+v", final.chart)
	}

	// The 15-minute chart as drawn.
	final.chart = chartView{open: true, zoom: defaultChartWindow}
	out := final.renderChart(110, 30, true)
	golden.RequireEqual(t, out)
	for _, want := range []string{"error ratio", "requests/s", "peak 20%", "1 07:28:00 alert: web: HTTP 5xx above 5%",
		"2 07:32:00 throttle free 30% requested", "3 07:37:00 mitigated: throttle holds", "07:25", "07:40"} {
		if !strings.Contains(out, want) {
			t.Errorf("chart lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "outside the window") {
		t.Errorf("a marker outside the window is drawn:\n%s", out)
	}
}

// TestHeaderSaysHowBadItIsNow: the header gives the main target's error
// ratio with the way it is going, "measuring" before there is a ratio,
// its age when it is old, and nothing without a target.
func TestHeaderSaysHowBadItIsNow(t *testing.T) {
	m := newScreen(testOpts{Title: "t", NoColor: true, IncidentStart: fixtureNow})
	m.now = fixtureNow
	if h := m.headline(); h != "" {
		t.Errorf("no target, yet: %q", h)
	}
	m.apply(integrations.Batch{Backends: map[string]integrations.BackendsSnapshot{"haproxy": fixtureBackends()}})
	if h := m.headline(); h != "edge-1/web 5xx measuring" {
		t.Errorf("the busiest backend before a ratio: %q", h)
	}
	ratio := func(ago time.Duration, v float64) integrations.Sample {
		return integrations.Sample{Time: fixtureNow.Add(-ago), Target: "edge-1/web", Metric: integrations.MetricErrorRatio, Value: v}
	}
	m.apply(integrations.Batch{Samples: []integrations.Sample{ratio(30*time.Second, 0.05)}})
	if h := m.headline(); h != "edge-1/web 5xx 5.0%" {
		t.Errorf("one reading, no arrow: %q", h)
	}
	m.apply(integrations.Batch{Samples: []integrations.Sample{ratio(20*time.Second, 0.08), ratio(10*time.Second, 0.142)}})
	if h := m.headline(); h != "edge-1/web 5xx 14.2% ↑" {
		t.Errorf("rising: %q", h)
	}
	m.apply(integrations.Batch{Samples: []integrations.Sample{ratio(0, 0.02)}})
	if h := m.headline(); h != "edge-1/web 5xx 2.0% ↓" {
		t.Errorf("falling: %q", h)
	}
	m.now = fixtureNow.Add(5 * time.Minute)
	if h := m.headline(); h != "edge-1/web 5xx 2.0% ↓ 5m old" {
		t.Errorf("old: %q", h)
	}
	if top := m.header(160)[0]; !strings.Contains(top, "edge-1/web 5xx 2.0% ↓ 5m old") {
		t.Errorf("header: %q", top)
	}
	// The configured main target wins over the busiest.
	m = newScreen(testOpts{Title: "t", NoColor: true, MainTarget: "edge-2/web", History: []integrations.Sample{
		{Time: fixtureNow, Target: "edge-2/web", Metric: integrations.MetricErrorRatio, Value: 0.31}}})
	m.now = fixtureNow
	if h := m.headline(); h != "edge-2/web 5xx 31.0%" {
		t.Errorf("main target from the options and its history: %q", h)
	}
}

// TestSeriesStayBoundedAndCoverTheLargestWindow: 48 hours of readings
// every second keep at most seriesCap points per series, spanning the
// largest window.
func TestSeriesStayBoundedAndCoverTheLargestWindow(t *testing.T) {
	s := newSeriesStore(nil)
	start := fixtureNow.Add(-48 * time.Hour)
	for i := range 48 * 3600 {
		s.add([]integrations.Sample{{Time: start.Add(time.Duration(i) * time.Second), Target: "edge-1/web", Metric: integrations.MetricReqPerS, Value: 1}})
	}
	s.add([]integrations.Sample{{Time: fixtureNow, Target: "edge-1/web/web-1", Metric: integrations.MetricReqPerS, Value: 1},
		{Time: fixtureNow, Target: "edge-1/web", Metric: integrations.MetricSessions, Value: 1}})
	r := s.rings[seriesKey{"edge-1/web", integrations.MetricReqPerS}]
	if r.len() > seriesCap {
		t.Fatalf("%d points kept", r.len())
	}
	if span := r.at(r.len() - 1).T.Sub(r.at(0).T); span < chartWindows[len(chartWindows)-1] {
		t.Errorf("the ring spans %s, less than the largest window", span)
	}
	if len(s.rings) != 1 {
		t.Errorf("servers' and other metrics' series are kept: %d series", len(s.rings))
	}
	for i := 1; i < r.len(); i++ {
		if r.at(i).T.Before(r.at(i - 1).T) {
			t.Fatalf("out of order at %d", i)
		}
	}
}
