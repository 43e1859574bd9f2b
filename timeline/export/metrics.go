package export

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/warroomhq/warroom/timeline/series"
)

// MetricsFormat identifies the layout of `warroom metrics export --format json`.
const MetricsFormat = "warroom-metrics/1"

// metricTime is how metric rows write times: RFC 3339 with milliseconds.
const metricTime = "2006-01-02T15:04:05.000Z07:00"

// MetricRow is one sample of one series, or one bucket of samples older
// than the series' full-resolution horizon (N > 0): Value is then the
// time-weighted mean, Min and Max the extremes, N the count and SpanS the
// seconds the samples covered.
type MetricRow struct {
	Time   string  `json:"time"`
	Source string  `json:"source"`
	Target string  `json:"target"`
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`

	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
	N     int      `json:"n,omitempty"`
	SpanS float64  `json:"span_s,omitempty"`
}

// MetricRows lists every point of every series, in time order (then by
// target, metric and source), with times in loc.
func MetricRows(all []series.Series, loc *time.Location) []MetricRow {
	type at struct {
		t   time.Time
		row MetricRow
	}
	var rows []at
	for _, sr := range all {
		for _, p := range sr.Points {
			r := MetricRow{Time: p.Time.In(loc).Format(metricTime), Source: sr.Source, Target: sr.Target, Metric: sr.Metric, Value: p.Value}
			if p.N > 0 {
				lo, hi := p.Min, p.Max
				r.Min, r.Max, r.N, r.SpanS = &lo, &hi, p.N, p.Span.Seconds()
			}
			rows = append(rows, at{p.Time, r})
		}
	}
	slices.SortStableFunc(rows, func(a, b at) int {
		return cmp.Or(a.t.Compare(b.t), cmp.Compare(a.row.Target, b.row.Target), cmp.Compare(a.row.Metric, b.row.Metric), cmp.Compare(a.row.Source, b.row.Source))
	})
	out := make([]MetricRow, len(rows))
	for i, r := range rows {
		out[i] = r.row
	}
	return out
}

// MetricsCSV writes the long format: time,source,target,metric,value, one
// row per sample and series (a bucket's row holds its mean).
func MetricsCSV(w io.Writer, all []series.Series, loc *time.Location) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"time", "source", "target", "metric", "value"}); err != nil {
		return err
	}
	for _, r := range MetricRows(all, loc) {
		if err := cw.Write([]string{r.Time, cellText(r.Source), cellText(r.Target), cellText(r.Metric), strconv.FormatFloat(r.Value, 'g', -1, 64)}); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// MetricsDocument is `warroom metrics export --format json`.
type MetricsDocument struct {
	Format    string      `json:"format"`
	Incident  string      `json:"incident"`
	IntervalS float64     `json:"interval_s"`
	Samples   []MetricRow `json:"samples"`
}

// MetricsJSON writes every point losslessly, buckets with their minimum,
// maximum, count and span.
func MetricsJSON(w io.Writer, incident string, all []series.Series, loc *time.Location) error {
	doc := MetricsDocument{Format: MetricsFormat, Incident: incident, IntervalS: interval(all).Seconds(), Samples: MetricRows(all, loc)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// within keeps the points in [since, until] (zero: unbounded).
func within(all []series.Series, since, until time.Time) []series.Series {
	if since.IsZero() && until.IsZero() {
		return all
	}
	out := make([]series.Series, 0, len(all))
	for _, sr := range all {
		var kept []series.Point
		for _, p := range sr.Points {
			if (since.IsZero() || !p.Time.Before(since)) && (until.IsZero() || !p.Time.After(until)) {
				kept = append(kept, p)
			}
		}
		if len(kept) > 0 {
			sr.Points = kept
			out = append(out, sr)
		}
	}
	return out
}

func interval(all []series.Series) time.Duration {
	if len(all) > 0 {
		return all[0].Interval
	}
	return series.DefaultInterval
}
