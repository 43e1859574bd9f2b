package tui

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/oddone"
	"github.com/warroomhq/warroom/tui/termchart"
)

// chartWindows are the spans the chart zooms between (+ and -).
var chartWindows = []time.Duration{5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour}

// defaultChartWindow is the index in chartWindows the chart opens at: 15m.
const defaultChartWindow = 1

// seriesCap is how many points each kept series holds: the largest window
// at one point every seriesSpacing. Points closer together than that are
// folded into the newest, so the ring always covers the largest window.
const (
	seriesCap     = 4320
	seriesSpacing = 3 * time.Hour / seriesCap // 2.5 s
)

// chartMetrics are the series the screen keeps: what the chart and the
// header show.
var chartMetrics = []string{integrations.MetricErrorRatio, integrations.MetricReqPerS}

type seriesKey struct{ target, metric string }

// ring is one series' newest points, oldest first from start.
type ring struct {
	pts   []termchart.Point // len ≤ seriesCap
	start int               // index of the oldest point once full
}

func (r *ring) len() int                 { return len(r.pts) }
func (r *ring) at(i int) termchart.Point { return r.pts[(r.start+i)%len(r.pts)] }
func (r *ring) last() (termchart.Point, bool) {
	if len(r.pts) == 0 {
		return termchart.Point{}, false
	}
	return r.at(len(r.pts) - 1), true
}

// push adds a point in time order; an older point than the newest is
// dropped. While the newest is within seriesSpacing of the one before it,
// a new point replaces it: kept points are at least seriesSpacing apart
// (but for the newest), so the ring covers the largest window whatever the
// sampling rate.
func (r *ring) push(p termchart.Point) {
	if last, ok := r.last(); ok {
		switch {
		case p.T.Before(last.T):
			return
		case r.len() > 1 && last.T.Sub(r.at(r.len()-2).T) < seriesSpacing:
			r.pts[(r.start+r.len()-1)%len(r.pts)] = p
			return
		}
	}
	if len(r.pts) < seriesCap {
		r.pts = append(r.pts, p)
		return
	}
	r.pts[r.start] = p
	r.start = (r.start + 1) % len(r.pts)
}

// window copies the points from from to to into buf (binary search: the
// cost is the window's points, not the series' length).
func (r *ring) window(from, to time.Time, buf []termchart.Point) []termchart.Point {
	n := r.len()
	i := sort.Search(n, func(i int) bool { return !r.at(i).T.Before(from) })
	for ; i < n; i++ {
		p := r.at(i)
		if p.T.After(to) {
			break
		}
		buf = append(buf, p)
	}
	return buf
}

// seriesStore keeps the frontends' and backends' error ratio and request
// rate, bounded per series; servers' series are not kept (their rows keep
// a short trend of their own).
type seriesStore struct {
	rings map[seriesKey]*ring
}

func newSeriesStore(history []integrations.Sample) seriesStore {
	s := seriesStore{rings: map[seriesKey]*ring{}}
	s.add(history)
	return s
}

func (s seriesStore) add(samples []integrations.Sample) {
	for _, x := range samples {
		if !slices.Contains(chartMetrics, x.Metric) || strings.Count(x.Target, "/") != 1 {
			continue
		}
		k := seriesKey{x.Target, x.Metric}
		r := s.rings[k]
		if r == nil {
			r = &ring{}
			s.rings[k] = r
		}
		r.push(termchart.Point{T: x.Time, V: x.Value})
	}
}

// tail is the newest n points of a series, oldest first.
func (s seriesStore) tail(target, metric string, n int) []termchart.Point {
	r := s.rings[seriesKey{target, metric}]
	if r == nil {
		return nil
	}
	out := make([]termchart.Point, 0, min(n, r.len()))
	for i := max(0, r.len()-n); i < r.len(); i++ {
		out = append(out, r.at(i))
	}
	return out
}

// chartView is the Fleet pane's chart: open or not, and its window.
type chartView struct {
	open bool
	zoom int // index in chartWindows
}

// mainTarget is what the chart and the header measure: the configured
// main frontend or backend, else the busiest backend by requests/s.
func (m Model) mainTarget() string {
	if m.info.MainTarget != "" {
		return m.info.MainTarget
	}
	return m.fleet.busiest
}

// chartMarker is the label of a timeline entry the chart marks: alerts
// firing, runbook runs, key times and odd ones out.
func chartMarker(r integrations.Record) (string, bool) {
	switch {
	case r.Kind == integrations.KindAlertTriggered:
		return "alert: " + r.Text, true
	case r.Kind == integrations.KindRunbookRequested, r.Kind == integrations.KindRunbookDone,
		r.Kind == integrations.KindRunbookFailed, r.Kind == integrations.KindRunbookAbort:
		return r.Text, true
	case strings.HasPrefix(r.Kind, integrations.KindIncidentPrefix):
		return strings.TrimPrefix(r.Kind, integrations.KindIncidentPrefix) + ": " + r.Text, true
	case r.Kind == integrations.KindOddOne, r.Kind == integrations.KindOddOneCleared:
		return r.Text, true
	}
	return "", false
}

// Bounds on the markers' search, so a window crowded with entries costs
// no more than a quiet one.
const (
	maxChartMarkers = 9
	maxMarkerScan   = 2000
)

// chartMarkers are the newest marked timeline entries in the window, in
// time order.
func (m Model) chartMarkers(from, to time.Time) []termchart.Marker {
	p := &m.timeline
	occurred := func(pos int) time.Time { return p.rows[p.order[pos]].rec.Occurred }
	end := sort.Search(len(p.order), func(pos int) bool { return occurred(pos).After(to) })
	var out []termchart.Marker
	for pos, scanned := end-1, 0; pos >= 0 && scanned < maxMarkerScan && len(out) < maxChartMarkers; pos, scanned = pos-1, scanned+1 {
		row := p.rows[p.order[pos]]
		if row.rec.Occurred.Before(from) {
			break
		}
		if label, ok := chartMarker(row.rec); ok && !row.hidden {
			out = append(out, termchart.Marker{T: row.rec.Occurred, Label: label})
		}
	}
	slices.Reverse(out)
	return out
}

// renderChart draws the main target's error ratio and request rate over
// the chart's window, ending now, two charts stacked with their scales,
// and the markers' legend under them. Only the window is drawn: the cost
// does not grow with the incident's length.
func (m Model) renderChart(width, height int, focused bool) string {
	st := m.styles
	span := chartWindows[m.chart.zoom]
	target := m.mainTarget()
	title := "Chart › " + target + "  last " + shortDuration(span) + "  (+/- zoom, esc back)"
	if target == "" {
		lines := []string{st.Dim.Render("no frontend or backend measured yet: the chart plots the main backend (metrics.main) or the busiest one")}
		return frame(st, "Chart  (esc back)", lines, width, height, focused)
	}
	from, to := m.now.Add(-span), m.now
	inner, plotW := height-2, max(8, width-2-8)
	marks := m.chartMarkers(from, to)
	avail := inner - 4 // two titles, two time axes
	legend := min(len(marks), max(0, avail/4))
	rows := max(1, (avail-legend)/2)
	var lines []string
	var legendLines []string
	for i, metric := range chartMetrics {
		var pts []termchart.Point
		if r := m.series.rings[seriesKey{target, metric}]; r != nil {
			pts = r.window(from, to, nil)
		}
		spec := termchart.Spec{From: from, To: to, Width: plotW, Height: rows, GapAfter: gapAfter(pts)}
		name, format := "requests/s", func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + "/s" }
		if metric == integrations.MetricErrorRatio {
			name, format = "error ratio (5xx ÷ responses)", func(v float64) string { return oddone.Percent(v) }
		}
		spec.Format = format
		c := termchart.Render(spec, pts, marks)
		head := name
		switch {
		case c.Points == 0:
			head += "  " + st.Dim.Render("no measurement in the window")
		default:
			head += fmt.Sprintf("  peak %s  %d readings", format(c.Peak), c.Points)
		}
		lines = append(lines, head)
		lines = append(lines, c.Rows...)
		lines = append(lines, st.Dim.Render(c.Axis))
		if i == 0 {
			legendLines = c.Legend
		}
	}
	lines = append(lines, legendLines[max(0, len(legendLines)-legend):]...)
	return frame(st, title, lines, width, height, focused)
}

// gapAfter is the longest spell between two points still drawn as a line:
// three times their usual spacing, so a missed reading or two joins and a
// spell without measurements stays a gap.
func gapAfter(pts []termchart.Point) time.Duration {
	if len(pts) < 2 {
		return 0
	}
	spacing := pts[len(pts)-1].T.Sub(pts[0].T) / time.Duration(len(pts)-1)
	return max(30*time.Second, 3*spacing)
}

// headline is the header's one-glance figure: the main target's error
// ratio now and which way it went over the last readings, "5xx measuring"
// before there is a ratio, and nothing at all before there is a target.
func (m Model) headline() string {
	target := m.mainTarget()
	if target == "" {
		return ""
	}
	st := m.styles
	pts := m.series.tail(target, integrations.MetricErrorRatio, 4)
	if len(pts) == 0 {
		return st.Dim.Render(target + " 5xx measuring")
	}
	now := pts[len(pts)-1].V
	text := fmt.Sprintf("%s 5xx %.1f%%", target, now*100)
	if len(pts) > 1 {
		text += " " + trendArrow(pts)
	}
	if age := m.now.Sub(pts[len(pts)-1].T); age > headlineFresh {
		// An old figure must not read as the state now.
		return st.Bad.Render(text + " " + shortDuration(age) + " old")
	}
	switch {
	case now >= 0.05:
		return st.Bad.Render(text)
	case now >= 0.01:
		return st.Warn.Render(text)
	}
	return st.OK.Render(text)
}

// headlineFresh is how old the header's figure may be before it says its
// age: a few sampling intervals.
const headlineFresh = time.Minute

// trendArrow compares the newest reading with the mean of the ones
// before it: ↑ or ↓ when it moved by more than a tenth of a point and a
// tenth of itself, → otherwise.
func trendArrow(pts []termchart.Point) string {
	last := pts[len(pts)-1].V
	var sum float64
	for _, p := range pts[:len(pts)-1] {
		sum += p.V
	}
	before := sum / float64(len(pts)-1)
	d := last - before
	if abs := max(d, -d); abs <= 0.001 || abs <= 0.1*max(last, before) {
		return "→"
	}
	if d > 0 {
		return "↑"
	}
	return "↓"
}
