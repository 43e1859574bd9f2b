package export

import (
	"slices"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

// KeyTime is one milestone of the incident: when, and where that comes
// from. A responder's mark (an incident.* entry) wins over an inference;
// marked twice, the latest mark recorded is in force and the earlier ones
// are Superseded.
type KeyTime struct {
	Name  string
	Found bool
	At    time.Time

	// Marked is true when a responder recorded it; From is then the mark,
	// else the entry it was inferred from (zero when inferred from the
	// measurements). Inferred says from what ("first critical alert").
	Marked     bool
	From       timeline.Row
	Inferred   string
	Superseded []timeline.Row // earlier marks, in the order recorded
}

// Key time names, in the order the draft lists them.
const (
	KeyStarted      = "Started"
	KeyDetected     = "Detected"
	KeyAcknowledged = "Acknowledged"
	KeyMitigated    = "Mitigated"
	KeyResolved     = "Resolved"
)

// keyTimeMarks are the entry kinds a responder marks each key time with.
var keyTimeMarks = []struct{ name, kind string }{
	{KeyStarted, integrations.KindIncidentStarted},
	{KeyDetected, integrations.KindIncidentDetected},
	{KeyAcknowledged, integrations.KindIncidentAcknowledged},
	{KeyMitigated, integrations.KindIncidentMitigated},
	{KeyResolved, integrations.KindIncidentResolved},
}

// KeyTimes finds the incident's key times in rows (in time order, hidden
// rows left out) and, when measurements were recorded, im (nil: none):
//
//	Started       marked, else the error ratio's first sample above the
//	              impact threshold
//	Detected      marked, else the first critical alert.triggered (the
//	              first of any severity when none is critical)
//	Acknowledged  marked, else the first alert.acknowledged
//	Mitigated     marked, else the first sample of the error ratio back at
//	              or under the threshold after the impact window
//	Resolved      marked, else the last alert.resolved, but only once every
//	              alert that triggered has resolved since
func KeyTimes(rows []timeline.Row, im *Impact) []KeyTime {
	out := make([]KeyTime, len(keyTimeMarks))
	for i, mark := range keyTimeMarks {
		kt := &out[i]
		kt.Name = mark.name
		for _, r := range rows {
			if r.Entry.Kind != mark.kind {
				continue
			}
			if !kt.Found {
				kt.Found, kt.Marked, kt.At, kt.From = true, true, r.Occurred, r
				continue
			}
			// rows are in time order; the mark in force is the one
			// recorded last, wherever its time falls.
			older, newer := kt.From, r
			if older.Entry.Seq > newer.Entry.Seq {
				older, newer = newer, older
			}
			kt.Superseded = insertBySeq(kt.Superseded, older)
			kt.At, kt.From = newer.Occurred, newer
		}
		if !kt.Found {
			inferKeyTime(kt, rows, im)
		}
	}
	return out
}

// keyTimeNamed is the key time called name in kts (zero if none is).
func keyTimeNamed(kts []KeyTime, name string) KeyTime {
	for _, kt := range kts {
		if kt.Name == name {
			return kt
		}
	}
	return KeyTime{}
}

func insertBySeq(rows []timeline.Row, r timeline.Row) []timeline.Row {
	i := len(rows)
	for i > 0 && rows[i-1].Entry.Seq > r.Entry.Seq {
		i--
	}
	rows = append(rows, timeline.Row{})
	copy(rows[i+1:], rows[i:])
	rows[i] = r
	return rows
}

// inferKeyTime sets kt from the record when no responder marked it.
func inferKeyTime(kt *KeyTime, rows []timeline.Row, im *Impact) {
	set := func(at time.Time, from timeline.Row, how string) {
		kt.Found, kt.At, kt.From, kt.Inferred = true, at, from, how
	}
	switch kt.Name {
	case KeyStarted:
		if im != nil && im.Impaired {
			set(im.From, timeline.Row{}, "error ratio first above "+series.FormatRatio(im.Threshold)+" on "+im.Main)
		}
	case KeyDetected:
		if r, ok := firstPage(rows); ok {
			how := "first critical alert"
			if r.Entry.Fields["severity"] != "critical" {
				how = "first alert (none was critical)"
			}
			set(r.Occurred, r, how)
		}
	case KeyAcknowledged:
		for _, r := range rows {
			if r.Entry.Kind == integrations.KindAlertAcknowledged {
				set(r.Occurred, r, "first page acknowledged")
				return
			}
		}
	case KeyMitigated:
		if im != nil && !im.Under.IsZero() {
			set(im.Under, timeline.Row{}, "error ratio back under "+series.FormatRatio(im.Threshold)+" on "+im.Main)
		}
	case KeyResolved:
		if !allAlertsResolved(rows) {
			return // an alert fired again, or never cleared: not resolved
		}
		for i := len(rows) - 1; i >= 0; i-- {
			if rows[i].Entry.Kind == integrations.KindAlertResolved {
				set(rows[i].Occurred, rows[i], "every alert cleared")
				return
			}
		}
	}
}

// firstPage is the first alert that counts as the page: the first
// critical alert.triggered, or the first of any severity when none is
// critical (a warning that fired days before and paged nobody is not when
// the incident was detected).
func firstPage(rows []timeline.Row) (timeline.Row, bool) {
	var first timeline.Row
	found := false
	for _, r := range rows {
		if r.Entry.Kind != integrations.KindAlertTriggered {
			continue
		}
		if r.Entry.Fields["severity"] == "critical" {
			return r, true
		}
		if !found {
			first, found = r, true
		}
	}
	return first, found
}

// allAlertsResolved reports whether the last word on every alert that
// triggered is a resolve. Alerts are told apart by their "alert" field,
// else by their text.
func allAlertsResolved(rows []timeline.Row) bool {
	last := map[string]string{}
	for _, r := range rows {
		switch r.Entry.Kind {
		case integrations.KindAlertTriggered, integrations.KindAlertAcknowledged, integrations.KindAlertResolved:
			last[alertID(r)] = r.Entry.Kind
		}
	}
	for _, kind := range last {
		if kind != integrations.KindAlertResolved {
			return false
		}
	}
	return true
}

func alertID(r timeline.Row) string { return cmpOr(r.Entry.Fields["alert"], r.Entry.Text) }

// Duration is one of the durations between key times.
type Duration struct {
	Name     string
	From, To Moment // what it is measured between
	// Known is set when both ends are; Impossible when the end comes
	// before the start: the draft then shows no length but flags the
	// order.
	Known, Impossible bool
	Length            time.Duration
}

// Moment is a named time: a key time, or the first page.
type Moment struct {
	Name  string
	Found bool
	At    time.Time
}

func moments(kts []KeyTime) map[string]Moment {
	at := make(map[string]Moment, len(kts))
	for _, kt := range kts {
		at[kt.Name] = Moment{Name: kt.Name, Found: kt.Found, At: kt.At}
	}
	return at
}

// timeToAcknowledge names the duration from the first page to its
// acknowledgement.
const timeToAcknowledge = "Time to acknowledge"

// Durations are time-to-detect (started → detected), -acknowledge (first
// page → acknowledged), -mitigate (detected → mitigated), -resolve
// (detected → resolved) and the customer impact: the measured impact
// window, else started → mitigated.
func Durations(kts []KeyTime, rows []timeline.Row, im *Impact) []Duration {
	at := moments(kts)
	page := Moment{Name: "first page"}
	if r, ok := firstPage(rows); ok {
		page.Found, page.At = true, r.Occurred
	}
	between := func(name string, from, to Moment) Duration {
		d := Duration{Name: name, From: from, To: to}
		if from.Found && to.Found {
			d.Known, d.Length, d.Impossible = true, to.At.Sub(from.At), to.At.Before(from.At)
		}
		return d
	}
	impact := between("Customer impact", at[KeyStarted], at[KeyMitigated])
	if im != nil && im.Impaired {
		impact = between("Customer impact",
			Moment{Name: "error ratio first above " + series.FormatRatio(im.Threshold), Found: true, At: im.From},
			Moment{Name: "last sample above it", Found: true, At: im.To})
	}
	return []Duration{
		between("Time to detect", at[KeyStarted], at[KeyDetected]),
		between(timeToAcknowledge, page, at[KeyAcknowledged]),
		between("Time to mitigate", at[KeyDetected], at[KeyMitigated]),
		between("Time to resolve", at[KeyDetected], at[KeyResolved]),
		impact,
	}
}

// keyOrder are the pairs of key times that cannot come in the other
// order, besides those a duration already measures.
var keyOrder = [][2]string{{KeyStarted, KeyMitigated}, {KeyStarted, KeyResolved}, {KeyMitigated, KeyResolved}}

// ImpossibleOrders lists the pairs of times in an order that cannot be:
// every duration below zero, and mitigated or resolved before started,
// resolved before mitigated. Each is the pair as [earlier-named, later].
func ImpossibleOrders(kts []KeyTime, durations []Duration) [][2]Moment {
	var out [][2]Moment
	for _, d := range durations {
		if d.Impossible {
			out = append(out, [2]Moment{d.From, d.To})
		}
	}
	at := moments(kts)
	for _, pair := range keyOrder {
		a, b := at[pair[0]], at[pair[1]]
		if a.Found && b.Found && b.At.Before(a.At) && !slices.ContainsFunc(out, func(p [2]Moment) bool { return p[0] == a && p[1] == b }) {
			out = append(out, [2]Moment{a, b})
		}
	}
	return out
}
