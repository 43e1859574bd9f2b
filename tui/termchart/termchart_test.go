package termchart

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

func series(n int, step time.Duration, f func(i int) float64) []Point {
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{T: t0.Add(time.Duration(i) * step), V: f(i)}
	}
	return pts
}

func spec(w, h int) Spec {
	return Spec{From: t0, To: t0.Add(10 * time.Minute), Width: w, Height: h}
}

func TestFlatZeroSeriesSitsOnTheBottomRow(t *testing.T) {
	c := Render(spec(20, 4), series(61, 10*time.Second, func(int) float64 { return 0 }), nil)
	for i, row := range c.Rows[:3] {
		if strings.ContainsFunc(row, isBraille) {
			t.Errorf("row %d has dots for an all-zero series: %q", i, row)
		}
	}
	if !strings.ContainsFunc(c.Rows[3], isBraille) {
		t.Errorf("bottom row has no dots: %q", c.Rows[3])
	}
	if c.Peak != 0 || c.Points != 61 {
		t.Errorf("peak %v points %d, want 0 and 61", c.Peak, c.Points)
	}
}

func TestRisingSeriesClimbsFromBottomLeftToTopRightWithItsScale(t *testing.T) {
	pts := series(61, 10*time.Second, func(i int) float64 { return float64(i) * 4 })
	c := Render(Spec{From: t0, To: t0.Add(10 * time.Minute), Width: 20, Height: 4,
		Format: func(v float64) string { return fmt.Sprintf("%.0f/s", v) }}, pts, nil)
	if !strings.HasPrefix(c.Rows[0], "240/s ┤") {
		t.Errorf("top row should carry the scale's top 240/s: %q", c.Rows[0])
	}
	if !strings.HasPrefix(c.Rows[3], "  0/s ┤") {
		t.Errorf("bottom row should carry 0/s: %q", c.Rows[3])
	}
	plot := func(r int) []rune { return []rune(c.Rows[r])[len([]rune("240/s ┤")):] }
	if !isBraille(plot(0)[19]) || isBraille(plot(0)[0]) {
		t.Errorf("top row: want dots on the right only: %q", c.Rows[0])
	}
	if !isBraille(plot(3)[0]) || isBraille(plot(3)[19]) {
		t.Errorf("bottom row: want dots on the left only: %q", c.Rows[3])
	}
	if c.Peak != 240 {
		t.Errorf("peak %v, want 240", c.Peak)
	}
}

func TestAGapInTheMeasurementsIsNotDrawnAsALine(t *testing.T) {
	var pts []Point
	for i := range 10 { // 07:00:00–07:01:30
		pts = append(pts, Point{T: t0.Add(time.Duration(i) * 10 * time.Second), V: 5})
	}
	for i := range 10 { // 07:08:00–07:09:30
		pts = append(pts, Point{T: t0.Add(8*time.Minute + time.Duration(i)*10*time.Second), V: 5})
	}
	s := spec(20, 2)
	s.Max = 10
	s.GapAfter = 30 * time.Second
	c := Render(s, pts, nil)
	joined := Render(Spec{From: s.From, To: s.To, Width: 20, Height: 2, Max: 10}, pts, nil)
	mid := func(c Chart) string {
		return string([]rune(c.Rows[0])[len([]rune("10 ┤"))+6 : len([]rune("10 ┤"))+14])
	}
	if strings.ContainsFunc(mid(c), isBraille) {
		t.Errorf("the unmeasured middle has dots: %q", c.Rows[0])
	}
	if !strings.ContainsFunc(mid(joined), isBraille) {
		t.Errorf("without GapAfter the two spells should be joined: %q", joined.Rows[0])
	}
}

func TestPointsOutsideTheWindowAreIgnored(t *testing.T) {
	pts := series(200, 10*time.Second, func(i int) float64 {
		if i > 61 {
			return 1000 // after the window: must not set the scale
		}
		return 2
	})
	c := Render(spec(20, 3), pts, nil)
	if c.Points != 61 || c.Peak != 2 {
		t.Errorf("points %d peak %v, want 61 and 2", c.Points, c.Peak)
	}
}

func TestMarkersAreNumberedDrawnAndListed(t *testing.T) {
	marks := []Marker{
		{T: t0.Add(-time.Minute), Label: "before the window"},
		{T: t0.Add(2 * time.Minute), Label: "scale-up web 4 → 12"},
		{T: t0.Add(6 * time.Minute), Label: "throttle free 30%"},
	}
	c := Render(spec(20, 3), nil, marks)
	want := []string{"1 07:02:00 scale-up web 4 → 12", "2 07:06:00 throttle free 30%"}
	if strings.Join(c.Legend, "\n") != strings.Join(want, "\n") {
		t.Errorf("legend:\n%s\nwant:\n%s", strings.Join(c.Legend, "\n"), strings.Join(want, "\n"))
	}
	bottom := []rune(c.Rows[2])
	top := []rune(c.Rows[0])
	off := len([]rune("1 ┤"))
	// A marker's cell is its dot column (of 40) halved: 2/10 of 39 → 7 → 3.
	col1, col2 := 3, 11
	if bottom[off+col1] != '1' || bottom[off+col2] != '2' {
		t.Errorf("marker numbers not at their columns %d, %d: %q", col1, col2, c.Rows[2])
	}
	if top[off+col1] != '┊' || top[off+col2] != '┊' {
		t.Errorf("marker lines not drawn: %q", c.Rows[0])
	}
}

func TestAxisNamesTheWindowsEnds(t *testing.T) {
	c := Render(spec(40, 3), nil, nil)
	if !strings.Contains(c.Axis, "07:00:00") || !strings.Contains(c.Axis, "07:10:00") || !strings.Contains(c.Axis, "07:05:00") {
		t.Errorf("axis %q should name 07:00:00, 07:05:00 and 07:10:00", c.Axis)
	}
	long := Render(Spec{From: t0, To: t0.Add(48 * time.Hour), Width: 40, Height: 3}, nil, nil)
	if !strings.Contains(long.Axis, "07:00") || strings.Contains(long.Axis, "07:00:00") {
		t.Errorf("a long window's axis should use minutes: %q", long.Axis)
	}
}

func isBraille(r rune) bool { return r > 0x2800 && r <= 0x28FF }

// BenchmarkRender draws a 10-minute window of 10-second samples at the size
// the chart pane has at 200x60; the cost depends on the window, not on how
// long the incident is.
func BenchmarkRender(b *testing.B) {
	pts := series(61, 10*time.Second, func(i int) float64 { return float64(i % 17) })
	marks := []Marker{{T: t0.Add(3 * time.Minute), Label: "scale-up"}}
	s := spec(180, 40)
	b.ReportAllocs()
	for b.Loop() {
		Render(s, pts, marks)
	}
}
