package statusupdate

import (
	"fmt"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
)

// Reminder says when the next update is due.
type Reminder struct {
	Severity integrations.Severity
	Every    time.Duration // the cadence for Severity
	Last     time.Time     // the latest update posted; zero for none
	// Next is when the next update is due: the next_due the latest one
	// promised, else a cadence after it, else a cadence after the
	// incident was detected (or began). Zero when Done or nothing began.
	Next    time.Time
	Overdue bool // now is past Next
	Done    bool // the incident is resolved: no update is due
}

// Due reads the reminder from entries (the incident's timeline) at now
// (the incident's clock).
func Due(entries []timeline.Entry, now time.Time, cadence Cadence) Reminder {
	rows := export.Rows(entries)
	kts := export.KeyTimes(rows, nil)
	r := Reminder{Severity: Severity(rows)}
	r.Every = cadence(r.Severity)
	if export.Status(kts) == "resolved" {
		r.Done = true
		return r
	}
	var last *timeline.Row
	for i := range rows {
		if rows[i].Entry.Kind == Kind {
			last = &rows[i]
		}
	}
	switch {
	case last != nil:
		r.Last = last.Occurred
		r.Next = r.Last.Add(r.Every)
		if promised, err := time.Parse(time.RFC3339, last.Fields["next_due"]); err == nil {
			r.Next = promised
		}
	default:
		for _, kt := range kts {
			if (kt.Name == export.KeyDetected || kt.Name == export.KeyStarted) && kt.Found && (r.Next.IsZero() || kt.At.Before(r.Next)) {
				r.Next = kt.At
			}
		}
		if !r.Next.IsZero() {
			r.Next = r.Next.Add(r.Every)
		}
	}
	r.Overdue = !r.Next.IsZero() && now.After(r.Next)
	return r
}

// Describe says the reminder in a line, times in loc: "next status update
// due by 08:00 UTC (in 12m; every 30m for critical)".
func (r Reminder) Describe(now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	every := fmt.Sprintf("every %s", formatAgo(r.Every))
	if r.Severity != "" {
		every += " for " + string(r.Severity)
	}
	switch {
	case r.Done:
		return "the incident is resolved: no status update is due"
	case r.Next.IsZero():
		return "no status update is due: nothing on the timeline says the incident began (" + every + " once it does)"
	case r.Overdue:
		return fmt.Sprintf("status update OVERDUE by %s: it was due by %s (%s)", formatAgo(now.Sub(r.Next)), r.Next.In(loc).Format(timeLayout), every)
	}
	return fmt.Sprintf("next status update due by %s (in %s; %s)", r.Next.In(loc).Format(timeLayout), formatAgo(r.Next.Sub(now)), every)
}
