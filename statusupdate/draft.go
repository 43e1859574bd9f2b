// Package statusupdate keeps stakeholders informed during an incident: it
// drafts a status update from the record (what is affected and since when,
// the current figures, what is being done, when the next update comes),
// says when the next one is due by the incident's severity, and posts an
// update where it is configured to go, as a timeline record. It knows
// nothing of screens or of the services it posts to: those are Targets.
package statusupdate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
	"github.com/warroomhq/warroom/timeline/series"
)

// Kind is the timeline kind of a posted update.
const Kind = export.KindStatusUpdate

// Cadence is how often an update is due for an incident of a severity.
type Cadence func(severity integrations.Severity) time.Duration

// Options shape a draft.
type Options struct {
	Title    string         // the incident's title; default its ID
	Incident string         // the incident's ID
	Location *time.Location // for times; default UTC
	Now      time.Time      // the incident's clock
	Cadence  Cadence        // nil: every hour, whatever the severity
	// Metrics are the incident's series, when recorded; Main the backend
	// the figures are about (empty: the busiest).
	Metrics []series.Series
	Main    string
}

func (o Options) every(sev integrations.Severity) time.Duration {
	if o.Cadence == nil {
		return time.Hour
	}
	return o.Cadence(sev)
}

// Draft is an update ready to edit and post.
type Draft struct {
	Text     string
	Severity integrations.Severity // "" when no alert said
	NextDue  time.Time             // zero once the incident is resolved
}

// maxListed bounds the alerts and runs an update names: it is read by
// people outside the incident, on a phone.
const maxListed = 5

// timeLayout is how an update writes times: readers outside the incident
// want the clock time, the zone said once.
const timeLayout = "15:04 MST"

// NewDraft drafts an update from entries (the incident's timeline), from
// facts only.
func NewDraft(entries []timeline.Entry, opts Options) Draft {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	at := func(t time.Time) string { return t.In(loc).Format(timeLayout) }
	rows := export.Rows(entries)
	kts := export.KeyTimes(rows, impactOf(rows, opts))
	status := export.Status(kts)
	sev := Severity(rows)
	d := Draft{Severity: sev}

	var b strings.Builder
	title := opts.Title
	if title == "" {
		title = "incident " + opts.Incident
	}
	fmt.Fprintf(&b, "Status update: %s (%s", title, status)
	if sev != "" {
		fmt.Fprintf(&b, ", %s", sev)
	}
	b.WriteString(")\n")

	b.WriteString("Affected: " + affected(rows) + "\n")
	if since, what, ok := since(kts); ok {
		if end, ended := resolvedAt(kts); ended {
			fmt.Fprintf(&b, "Since: %s (%s) until %s (resolved, %s)\n", at(since), what, at(end), formatAgo(end.Sub(since)))
		} else {
			fmt.Fprintf(&b, "Since: %s (%s, %s ago)\n", at(since), what, formatAgo(opts.Now.Sub(since)))
		}
	}
	b.WriteString("Now: " + figures(opts, at) + "\n")
	b.WriteString("Being done: " + beingDone(rows, at) + "\n")
	if status == "resolved" {
		b.WriteString("Next update: none planned, the incident is resolved.")
	} else {
		d.NextDue = opts.Now.Add(opts.every(sev))
		fmt.Fprintf(&b, "Next update: by %s.", at(d.NextDue))
	}
	d.Text = b.String()
	return d
}

func impactOf(rows []timeline.Row, opts Options) *export.Impact {
	if len(opts.Metrics) == 0 {
		return nil
	}
	im, ok := export.ComputeImpact(opts.Metrics, rows, opts.Main, 0)
	if !ok {
		return nil
	}
	return &im
}

// Severity is the incident's severity: its most severe alert's; "" when
// no alert carries one.
func Severity(rows []timeline.Row) integrations.Severity {
	var sev integrations.Severity
	for _, r := range rows {
		s := integrations.Severity(r.Fields["severity"])
		if r.Entry.Kind == integrations.KindAlertTriggered && s != "" && (sev == "" || s.Rank() < sev.Rank()) {
			sev = s
		}
	}
	return sev
}

// openAlerts are the alerts triggered and not resolved since, in the order
// they fired.
func openAlerts(rows []timeline.Row) []timeline.Row {
	var open []timeline.Row
	for _, r := range rows {
		id := alertID(r)
		switch r.Entry.Kind {
		case integrations.KindAlertTriggered:
			open = slices.DeleteFunc(open, func(o timeline.Row) bool { return alertID(o) == id })
			open = append(open, r)
		case integrations.KindAlertResolved:
			open = slices.DeleteFunc(open, func(o timeline.Row) bool { return alertID(o) == id })
		}
	}
	return open
}

func alertID(r timeline.Row) string {
	if id := r.Fields["alert"]; id != "" {
		return id
	}
	return r.Text
}

// affected names what the open alerts are about.
func affected(rows []timeline.Row) string {
	open := openAlerts(rows)
	if len(open) == 0 {
		return "no alert is open now."
	}
	var parts []string
	for _, r := range open[:min(len(open), maxListed)] {
		p := oneLine(r.Text)
		if svc := r.Fields["service"]; svc != "" && !strings.Contains(p, svc) {
			p = svc + ": " + p
		}
		parts = append(parts, p)
	}
	s := strings.Join(parts, "; ")
	if more := len(open) - maxListed; more > 0 {
		s += fmt.Sprintf("; and %d more", more)
	}
	return s + "."
}

// since is when the incident began, by its key times: started, else
// detected.
func since(kts []export.KeyTime) (time.Time, string, bool) {
	for _, kt := range kts {
		if (kt.Name == export.KeyStarted || kt.Name == export.KeyDetected) && kt.Found {
			return kt.At, strings.ToLower(kt.Name), true
		}
	}
	return time.Time{}, "", false
}

// resolvedAt is when the incident was resolved, if it was.
func resolvedAt(kts []export.KeyTime) (time.Time, bool) {
	for _, kt := range kts {
		if kt.Name == export.KeyResolved && kt.Found {
			return kt.At, true
		}
	}
	return time.Time{}, false
}

// figures are the main backend's latest error ratio and requests/s.
func figures(opts Options, at func(time.Time) string) string {
	main := export.MainBackend(opts.Metrics, opts.Main)
	var parts []string
	var when time.Time
	for _, metric := range []struct{ name, label string }{{integrations.MetricErrorRatio, "error ratio"}, {integrations.MetricReqPerS, "requests/s"}} {
		for _, sr := range opts.Metrics {
			if sr.Target != main || sr.Metric != metric.name || len(sr.Points) == 0 {
				continue
			}
			p := sr.Points[len(sr.Points)-1]
			v := series.FormatValue(p.Value)
			if metric.name == integrations.MetricErrorRatio {
				v = series.FormatRatio(p.Value)
			}
			parts = append(parts, metric.label+" "+v)
			if p.Time.After(when) {
				when = p.Time
			}
		}
	}
	if len(parts) == 0 {
		return "no measurements recorded."
	}
	return fmt.Sprintf("%s on %s at %s.", strings.Join(parts, ", "), main, at(when))
}

// beingDone names the runbook runs: the ones in progress, then the latest
// finished.
func beingDone(rows []timeline.Row, at func(time.Time) string) string {
	runs := export.RunbookRuns(rows)
	var running, done []string
	for _, run := range runs {
		name := run.Runbook
		if run.ParamText != "" {
			name += " " + run.ParamText
		}
		if run.Result == "" {
			running = append(running, fmt.Sprintf("%s (running since %s)", name, at(run.Start)))
		} else {
			done = append(done, fmt.Sprintf("%s (%s at %s)", name, run.Result, at(run.End)))
		}
	}
	var parts []string
	if len(running) > 0 {
		parts = append(parts, strings.Join(running, "; "))
	}
	if len(done) > 0 {
		done = done[max(0, len(done)-maxListed):]
		parts = append(parts, "done: "+strings.Join(done, "; "))
	}
	if len(parts) == 0 {
		return "no runbook run yet."
	}
	return strings.Join(parts, "; ") + "."
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// formatAgo writes a duration for people: "45s", "12m", "2h 05m".
func formatAgo(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
}
