// Package termchart draws a measured time series in a terminal with braille
// dots (2×4 dots a cell), with a labelled value scale, a time axis and
// numbered vertical markers for events.
//
// It draws only what it is given, and it is given only the window on
// screen: the cost of a chart depends on its size in cells and the points
// inside the window, never on how long the incident has run. Gaps stay
// gaps: two points further apart than GapAfter are not joined, so a spell
// with no measurements never reads as a measured line.
package termchart

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Point is one measured value.
type Point struct {
	T time.Time
	V float64
}

// Marker is an event drawn as a vertical line at its time: an alert, a
// runbook action, a key time.
type Marker struct {
	T     time.Time
	Label string
}

// Spec describes one chart.
type Spec struct {
	From, To      time.Time // the window; points outside it are ignored
	Width, Height int       // the plot area in cells, without the axes
	// Max is the top of the scale; 0 scales to the data's maximum (a flat
	// zero series gets a scale of 1 so it sits on the bottom line).
	Max float64
	// Format writes a scale value; the default prints it with %.3g.
	Format func(float64) string
	// GapAfter is the longest spell between two points that is still drawn
	// as a line; 0 joins every pair.
	GapAfter time.Duration
}

// Chart is a rendered chart: the plot rows with the scale on their left,
// the time axis, and one legend line per marker that fell in the window.
type Chart struct {
	Rows   []string // scale label + plot; the first row is the top of the scale
	Axis   string   // tick times, aligned under the plot
	Legend []string // "1 07:17 scale-up" for each marker in the window
	Peak   float64  // the largest value drawn, for a title
	Points int      // how many points fell in the window
}

// Lines returns the chart as lines, ready to print.
func (c Chart) Lines() []string {
	out := append([]string{}, c.Rows...)
	out = append(out, c.Axis)
	return append(out, c.Legend...)
}

// dot bits of a braille cell, by [x][y].
var dotBit = [2][4]rune{{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}

// markerGlyphs number the markers on the plot; a tenth and later marker
// shows as "+".
const markerGlyphs = "123456789"

// Render draws pts (in time order) and marks over spec's window.
func Render(spec Spec, pts []Point, marks []Marker) Chart {
	w, h := max(spec.Width, 2), max(spec.Height, 1)
	format := spec.Format
	if format == nil {
		format = func(v float64) string { return fmt.Sprintf("%.3g", v) }
	}
	span := spec.To.Sub(spec.From)
	if span <= 0 {
		span = time.Second
	}
	inWindow := func(t time.Time) bool { return !t.Before(spec.From) && !t.After(spec.To) }

	var chart Chart
	top := spec.Max
	for _, p := range pts {
		if !inWindow(p.T) || math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			continue
		}
		chart.Points++
		chart.Peak = max(chart.Peak, p.V)
	}
	if top <= 0 {
		top = chart.Peak
	}
	if top <= 0 {
		top = 1
	}

	dotsW, dotsH := w*2, h*4
	grid := make([][]rune, h)
	for i := range grid {
		grid[i] = make([]rune, w)
	}
	xOf := func(t time.Time) int {
		x := int(float64(t.Sub(spec.From)) / float64(span) * float64(dotsW-1))
		return min(max(x, 0), dotsW-1)
	}
	yOf := func(v float64) int {
		y := dotsH - 1 - int(math.Round(min(max(v, 0), top)/top*float64(dotsH-1)))
		return min(max(y, 0), dotsH-1)
	}
	set := func(x, y int) { grid[y/4][x/2] |= dotBit[x%2][y%4] }

	havePrev := false
	var prev Point
	var px, py int
	for _, p := range pts {
		if !inWindow(p.T) || math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			continue
		}
		x, y := xOf(p.T), yOf(p.V)
		if havePrev && (spec.GapAfter == 0 || p.T.Sub(prev.T) <= spec.GapAfter) {
			line(px, py, x, y, set)
		} else {
			set(x, y)
		}
		prev, px, py, havePrev = p, x, y, true
	}

	// Markers: a dotted vertical line in empty cells, the marker's number
	// on the bottom row, and a legend line.
	markCol := map[int]rune{}
	n := 0
	for _, m := range marks {
		if !inWindow(m.T) {
			continue
		}
		glyph := '+'
		if n < len(markerGlyphs) {
			glyph = rune(markerGlyphs[n])
		}
		n++
		col := xOf(m.T) / 2
		markCol[col] = glyph
		chart.Legend = append(chart.Legend, fmt.Sprintf("%c %s %s", glyph, m.T.Format("15:04:05"), m.Label))
	}

	labelW := max(utf8.RuneCountInString(format(top)), utf8.RuneCountInString(format(0)))
	for r := range h {
		var b strings.Builder
		switch r {
		case 0:
			b.WriteString(padLeft(format(top), labelW))
		case h - 1:
			b.WriteString(padLeft(format(0), labelW))
		default:
			b.WriteString(strings.Repeat(" ", labelW))
		}
		b.WriteString(" ┤")
		for c := range w {
			cell := grid[r][c]
			glyph, marked := markCol[c]
			switch {
			case marked && r == h-1 && cell == 0:
				b.WriteRune(glyph)
			case cell != 0:
				b.WriteRune(0x2800 + cell)
			case marked:
				b.WriteRune('┊')
			default:
				b.WriteRune(' ')
			}
		}
		chart.Rows = append(chart.Rows, b.String())
	}
	chart.Axis = strings.Repeat(" ", labelW+2) + axis(spec.From, span, w)
	return chart
}

// axis writes tick times under a plot w cells wide: the window's start,
// its end, and the middle when there is room.
func axis(from time.Time, span time.Duration, w int) string {
	row := []rune(strings.Repeat(" ", w))
	put := func(col int, s string) {
		rs := []rune(s)
		col = min(max(col, 0), w-len(rs))
		if col < 0 {
			return
		}
		copy(row[col:], rs)
	}
	stamp := "15:04"
	if span <= 10*time.Minute {
		stamp = "15:04:05"
	}
	first, last := from.Format(stamp), from.Add(span).Format(stamp)
	if w >= 3*len(first)+4 {
		put((w-len(first))/2, from.Add(span/2).Format(stamp))
	}
	if w >= 2*len(first)+2 {
		put(0, first)
		put(w-len(last), last)
	} else {
		put(0, first)
	}
	return string(row)
}

// line joins two dots with Bresenham's algorithm.
func line(x0, y0, x1, y1 int, set func(x, y int)) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	err := dx + dy
	for {
		set(x0, y0)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * err
		if e2 >= dy {
			err += dy
			x0 += sx
		}
		if e2 <= dx {
			err += dx
			y0 += sy
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func padLeft(s string, w int) string {
	if n := utf8.RuneCountInString(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}
