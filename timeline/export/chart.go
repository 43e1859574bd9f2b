package export

import (
	"fmt"
	"image/color"
	gopng "image/png"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

// The chart's size: wide enough for a document page at 96 dpi (1152×672
// pixels), with room for the markers' labels.
const (
	chartWidth  = 12 * vg.Inch
	chartHeight = 7 * vg.Inch
	chartDPI    = 96
	// chartColumns is how many points each line is reduced to: about one
	// per pixel of the plotting area, whatever the incident's length.
	chartColumns = 1000
)

// Marker is a labelled moment on the chart: an alert, a runbook run, a
// key time.
type Marker struct {
	At    time.Time
	Label string
	Kind  string // alert, action or key
}

// ChartMarkers are the moments the chart marks: each alert that
// triggered, each runbook run (at its first entry) and each key time
// found (see KeyTimes).
func ChartMarkers(rows []timeline.Row, kts []KeyTime) []Marker {
	var out []Marker
	seen := map[string]bool{}
	for _, r := range rows {
		if r.Entry.Kind != integrations.KindAlertTriggered {
			continue
		}
		id := cmpOr(r.Entry.Fields["alert"], r.Text)
		if !seen[id] {
			seen[id] = true
			out = append(out, Marker{At: r.Occurred, Label: "alert: " + shorten(r.Text, maxLabel-7), Kind: "alert"})
		}
	}
	for _, run := range RunbookRuns(rows) {
		out = append(out, Marker{At: run.Start, Label: "run " + cmpOr(run.Runbook, run.ID), Kind: "action"})
	}
	for _, kt := range kts {
		if kt.Found {
			out = append(out, Marker{At: kt.At, Label: kt.Name, Kind: "key"})
		}
	}
	slices.SortStableFunc(out, func(a, b Marker) int { return a.At.Compare(b.At) })
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// DraftSeries selects the series the Markdown draft and its chart use:
// every backend's, frontend's and group's, and the servers' shed/s; the
// servers' other series (most of a large fleet's) are left unread.
func DraftSeries(k series.Key) bool {
	return series.IsBackend(k.Target) || series.IsFrontend(k.Target) || series.IsGroup(k.Target) || k.Metric == integrations.MetricShedPerS
}

// HasChart reports whether the series hold what the chart draws: the
// main backend's error ratio or requests/s.
func HasChart(opts Options) bool {
	_, ratio, reqs := chartSeries(opts)
	return len(ratio) > 0 || len(reqs) > 0
}

func chartSeries(opts Options) (main string, ratio, reqs []series.Point) {
	main = MainBackend(opts.Metrics, opts.MainTarget)
	for _, sr := range opts.Metrics {
		if sr.Target != main {
			continue
		}
		switch sr.Metric {
		case integrations.MetricErrorRatio:
			ratio = sr.Points
		case integrations.MetricReqPerS:
			reqs = sr.Points
		}
	}
	return main, ratio, reqs
}

// Chart draws the incident: the main backend's error ratio (mean and peak
// per column, with the impact threshold) over its requests per second,
// with the alerts, runbook runs and key times as labelled vertical
// markers, and writes it as SVG to svg and as PNG to png (either may be
// nil). It draws only the main backend's series, each reduced to a point
// per pixel column, so it costs the same for any length of incident.
func Chart(svg, png io.Writer, entries []timeline.Entry, opts Options) error {
	main, ratio, reqs := chartSeries(opts)
	if len(ratio) == 0 && len(reqs) == 0 {
		return fmt.Errorf("no error ratio or requests/s recorded for %q: nothing to chart", main)
	}
	loc := opts.location()
	rows := shownRows(timeline.NewView(entries))
	markers := ChartMarkers(rows, KeyTimes(rows, measuredImpact(opts, rows)))
	from, to := extent(ratio, reqs, markers)
	threshold := opts.ImpactErrorRatio
	if threshold <= 0 {
		threshold = DefaultImpactErrorRatio
	}

	top := newPanel(from, to, loc)
	top.Title.Text = fmt.Sprintf("%s: error ratio and requests/s of %s (times in %s)", cmpOr(opts.Title, "Incident "+opts.Incident), main, loc)
	top.Y.Label.Text = "error ratio (%)"
	mean, peak := downsample(ratio, from, to)
	scale(mean, 100)
	scale(peak, 100)
	ymax := max(threshold*100*1.5, maxY(peak)*1.15, 1)
	top.Y.Min, top.Y.Max = 0, ymax
	addLine(top, peak, color.RGBA{R: 240, G: 150, B: 150, A: 255}, 1, "peak per column")
	addLine(top, mean, color.RGBA{R: 200, G: 30, B: 30, A: 255}, 2, "mean per column")
	th := addLine(top, plotter.XYs{{X: unix(from), Y: threshold * 100}, {X: unix(to), Y: threshold * 100}}, color.Gray{Y: 90}, 1, "impact threshold "+series.FormatRatio(threshold))
	th.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}

	bottom := newPanel(from, to, loc)
	bottom.Y.Label.Text = "requests/s"
	bottom.X.Label.Text = "time (" + loc.String() + ")"
	reqMean, _ := downsample(reqs, from, to)
	bottom.Y.Min, bottom.Y.Max = 0, max(maxY(reqMean)*1.15, 1)
	addLine(bottom, reqMean, color.RGBA{R: 30, G: 80, B: 200, A: 255}, 2, "")

	top.Add(markerLines{markers: markers, labelled: true})
	bottom.Add(markerLines{markers: markers})
	top.Legend.Top = true

	plots := [][]*plot.Plot{{top}, {bottom}}
	render := func(c vg.CanvasSizer) {
		dc := draw.New(c)
		tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(12), PadY: vg.Points(8)}
		canvases := plot.Align(plots, tiles, dc)
		top.Draw(canvases[0][0])
		bottom.Draw(canvases[1][0])
	}
	if svg != nil {
		c := vgsvg.New(chartWidth, chartHeight)
		render(c)
		if _, err := c.WriteTo(svg); err != nil {
			return err
		}
	}
	if png != nil {
		c := vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
		render(c)
		// Fast compression: the chart is flat colours, and a third of the
		// time goes to squeezing the last percent of its size.
		enc := gopng.Encoder{CompressionLevel: gopng.BestSpeed}
		if err := enc.Encode(png, c.Image()); err != nil {
			return err
		}
	}
	return nil
}

func newPanel(from, to time.Time, loc *time.Location) *plot.Plot {
	p := plot.New()
	p.X.Min, p.X.Max = unix(from), unix(to)
	layout := "15:04"
	if to.Sub(from) > 24*time.Hour {
		layout = "Mon 15:04"
	}
	p.X.Tick.Marker = plot.TimeTicks{Ticker: roundTimes{loc}, Format: layout, Time: func(t float64) time.Time {
		return time.Unix(0, int64(t*1e9)).In(loc)
	}}
	p.Add(plotter.NewGrid())
	return p
}

// roundTimes puts ticks at round times of the day in loc: every 1, 2, 5,
// 10, 15 or 30 minutes, or 1, 2, 3, 6 or 12 hours, or every day, about
// eight across the chart.
type roundTimes struct{ loc *time.Location }

var tickSteps = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

func (r roundTimes) Ticks(lo, hi float64) []plot.Tick {
	span := time.Duration((hi - lo) * 1e9)
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if span/s <= 8 {
			step = s
			break
		}
	}
	from := time.Unix(0, int64(lo*1e9)).In(r.loc)
	t := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, r.loc)
	var ticks []plot.Tick
	for ; unix(t) <= hi; t = t.Add(step) {
		if unix(t) >= lo {
			ticks = append(ticks, plot.Tick{Value: unix(t), Label: "x"}) // TimeTicks writes the label
		}
	}
	return ticks
}

func addLine(p *plot.Plot, xys plotter.XYs, c color.Color, width float64, legend string) *plotter.Line {
	l := &plotter.Line{XYs: xys}
	l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(width)}
	p.Add(l)
	if legend != "" {
		p.Legend.Add(legend, l)
	}
	return l
}

func markerColor(kind string) color.Color {
	switch kind {
	case "alert":
		return color.RGBA{R: 220, G: 20, B: 20, A: 255}
	case "action":
		return color.RGBA{R: 20, G: 110, B: 40, A: 255}
	}
	return color.Gray{Y: 60}
}

// maxLabel bounds a marker's label so that, upright, it fits the panel.
const maxLabel = 48

// markerLines draws a dotted vertical line across the panel for each
// marker inside it and, when labelled, its label upright beside the line
// from the top. Labels closer than a line of text to the one before are
// joined to it, so none overlaps. It adds nothing to the panel's ranges or
// margins.
type markerLines struct {
	markers  []Marker
	labelled bool
}

func (ml markerLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	type label struct {
		x     vg.Length
		parts []string
		kind  string
	}
	var labels []label
	for _, m := range ml.markers {
		x := trX(unix(m.At))
		if x < c.Min.X || x > c.Max.X {
			continue
		}
		c.StrokeLine2(draw.LineStyle{Color: markerColor(m.Kind), Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}},
			x, c.Min.Y, x, c.Max.Y)
		if n := len(labels); n > 0 && x-labels[n-1].x < vg.Points(11) {
			labels[n-1].parts = append(labels[n-1].parts, m.Label)
			continue
		}
		labels = append(labels, label{x, []string{m.Label}, m.Kind})
	}
	if !ml.labelled {
		return
	}
	for _, l := range labels {
		sty := text.Style{Color: markerColor(l.kind), Font: font.From(plotter.DefaultFont, vg.Points(9)),
			Rotation: math.Pi / 2, XAlign: text.XRight, YAlign: text.YTop, Handler: plot.DefaultTextHandler}
		c.FillText(sty, vg.Point{X: l.x + vg.Points(2), Y: c.Max.Y - vg.Points(2)}, joinLabels(l.parts, maxLabel))
	}
}

// joinLabels joins the labels of markers too close to label apart,
// shortening the longest ones until the whole fits in limit characters.
func joinLabels(parts []string, limit int) string {
	parts = slices.Clone(parts)
	for {
		total, longest := 3*(len(parts)-1), 0
		for i, p := range parts {
			total += len([]rune(p))
			if len([]rune(p)) > len([]rune(parts[longest])) {
				longest = i
			}
		}
		n := len([]rune(parts[longest]))
		if total <= limit || n <= 10 {
			return strings.Join(parts, " · ")
		}
		parts[longest] = shorten(parts[longest], max(10, n-(total-limit)))
	}
}

// extent is the time the chart covers: that of the series, widened to the
// markers close to it (within a quarter of it, or five minutes). Markers
// further away (an alert days before the measurements began) are left out
// rather than squeezing the measurements into a corner.
func extent(ratio, reqs []series.Point, markers []Marker) (from, to time.Time) {
	for _, ps := range [][]series.Point{ratio, reqs} {
		if len(ps) == 0 {
			continue
		}
		if first := ps[0].Time; from.IsZero() || first.Before(from) {
			from = first
		}
		last := ps[len(ps)-1]
		end := last.Time
		if last.N > 0 {
			end = end.Add(series.BucketWidth)
		}
		if end.After(to) {
			to = end
		}
	}
	margin := max(to.Sub(from)/4, 5*time.Minute)
	lo, hi := from.Add(-margin), to.Add(margin)
	for _, m := range markers {
		if m.At.Before(from) && !m.At.Before(lo) {
			from = m.At
		}
		if m.At.After(to) && !m.At.After(hi) {
			to = m.At
		}
	}
	if !to.After(from) {
		to = from.Add(time.Minute)
	}
	return from, to
}

// downsample reduces points to at most chartColumns columns over [from,
// to]: the mean and the highest value of each (a bucket contributes its
// mean and its maximum).
func downsample(points []series.Point, from, to time.Time) (mean, peak plotter.XYs) {
	width := float64(to.Sub(from)) / chartColumns
	var sum, hi float64
	n, col := 0, -1
	flush := func() {
		if n > 0 {
			x := unix(from) + (float64(col)+0.5)*width/1e9
			mean = append(mean, plotter.XY{X: x, Y: sum / float64(n)})
			peak = append(peak, plotter.XY{X: x, Y: hi})
		}
		sum, hi, n = 0, math.Inf(-1), 0
	}
	for _, p := range points {
		c := min(int(float64(p.Time.Sub(from))/width), chartColumns-1)
		if c != col {
			flush()
			col = c
		}
		sum += p.Value
		top := p.Value
		if p.N > 0 {
			top = p.Max
		}
		hi = max(hi, top)
		n++
	}
	flush()
	return mean, peak
}

func scale(xys plotter.XYs, k float64) {
	for i := range xys {
		xys[i].Y *= k
	}
}

func maxY(xys plotter.XYs) float64 {
	m := 0.0
	for _, p := range xys {
		m = max(m, p.Y)
	}
	return m
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
