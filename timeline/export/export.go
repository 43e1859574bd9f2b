// Package export turns an incident's timeline into a postmortem draft
// (Markdown, or the same document as one HTML page), a lossless record
// (JSON) or a spreadsheet (CSV). Exports
// show the amended state: corrected text and times, no hidden entries
// (except in JSON, which keeps every entry), erased content replaced by a
// placeholder.
package export

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

// Formats names the formats Write accepts.
var Formats = []string{"md", "html", "json", "csv"}

// Options shape an export.
type Options struct {
	Incident string         // the incident ID
	Title    string         // Markdown title; default "Incident <ID>"
	Location *time.Location // zone for times shown; default UTC

	// Filters, on the amended state. Since and Until are inclusive; zero
	// means unbounded. The Markdown key times always use every entry.
	StarredOnly bool
	Since       time.Time
	Until       time.Time

	// Metrics are the incident's series (package timeline/series): the
	// Markdown's Impact section is computed from them, the JSON carries
	// them. MainTarget is metrics.main (empty: the busiest backend);
	// ImpactErrorRatio the impact threshold (0: DefaultImpactErrorRatio).
	Metrics          []series.Series
	MainTarget       string
	ImpactErrorRatio float64
	// Chart, when set, is the chart's path relative to the Markdown,
	// linked from its Impact section. The HTML draws the chart itself,
	// inline, unless NoChart.
	Chart   string
	NoChart bool
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) filtered() bool {
	return o.StarredOnly || !o.Since.IsZero() || !o.Until.IsZero()
}

// keep reports whether a row passes the filters.
func (o Options) keep(r timeline.Row) bool {
	return (!o.StarredOnly || r.Starred) &&
		(o.Since.IsZero() || !r.Occurred.Before(o.Since)) &&
		(o.Until.IsZero() || !r.Occurred.After(o.Until))
}

// Write exports entries (a timeline in file order) in format: md, html,
// json or csv.
func Write(w io.Writer, format string, entries []timeline.Entry, opts Options) error {
	switch format {
	case "md", "markdown":
		return Markdown(w, entries, opts)
	case "html":
		return HTML(w, entries, opts)
	case "json":
		return JSON(w, entries, opts)
	case "csv":
		return CSV(w, entries, opts)
	}
	return fmt.Errorf("unknown export format %q (want %s)", format, strings.Join(Formats, ", "))
}

// shownRows returns the rows an export shows, hidden ones left out, in
// order of their (amended) time; entries recorded at the same time keep
// their recorded order.
func shownRows(v *timeline.View) []timeline.Row {
	rows := make([]timeline.Row, 0, v.Len())
	for _, r := range v.Rows() {
		if !r.Hidden {
			rows = append(rows, r)
		}
	}
	slices.SortStableFunc(rows, func(a, b timeline.Row) int { return a.Occurred.Compare(b.Occurred) })
	return rows
}

// ParseTime reads a --since/--until value: RFC 3339, or "2006-01-02
// 15:04[:05]" or "2006-01-02" in loc.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q: use RFC 3339 (2026-01-09T23:58:00+01:00) or 2026-01-09 23:58[:00] in the --tz zone", s)
}

// formatDuration writes d for people: "45s", "22m 5s", "2h 40m", "1d 3h 5m".
func formatDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	d = d.Round(time.Second)
	days, h, m, s := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60, int(d/time.Second)%60
	var out string
	switch {
	case days > 0:
		out = fmt.Sprintf("%dd %dh %dm", days, h, m)
	case h > 0:
		out = fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		out = fmt.Sprintf("%dm %ds", m, s)
	default:
		out = fmt.Sprintf("%ds", s)
	}
	if neg {
		return "-" + out
	}
	return out
}
