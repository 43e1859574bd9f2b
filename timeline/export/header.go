package export

import (
	"slices"
	"strings"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

// ownSources are the sources warroom itself writes as: what it was told,
// what it did and what it worked out, not a source it watched.
var ownSources = []string{integrations.SourceWarroom, integrations.SourceRunbook, integrations.SourceDrift, integrations.SourceOddOne}

// Responders are the actors of every entry on the timeline, amendments
// included, sorted.
func Responders(entries []timeline.Entry) []string {
	return distinct(entries, func(e timeline.Entry) string { return e.Actor })
}

// SourcesWatched are the sources entries came from, besides warroom's own.
func SourcesWatched(entries []timeline.Entry) []string {
	return distinct(entries, func(e timeline.Entry) string {
		if e.Kind == integrations.KindAmend || slices.Contains(ownSources, e.Source) {
			return ""
		}
		return e.Source
	})
}

func distinct(entries []timeline.Entry, of func(timeline.Entry) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		if v := of(e); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// Status is the incident's state by its key times: resolved, mitigated
// or open.
func Status(kts []KeyTime) string {
	for _, name := range []string{KeyResolved, KeyMitigated} {
		if keyTimeNamed(kts, name).Found {
			return strings.ToLower(name)
		}
	}
	return "open"
}

// header writes the title and the facts table: id, status, dates,
// responders and sources.
func (m *mdWriter) header(title, incident string, entries []timeline.Entry, all []timeline.Row, kts []KeyTime) {
	m.printf("# Postmortem draft: %s\n\n| | |\n|---|---|\n| Incident | %s |\n| Status | %s (by the key times below) |\n| When | ", title, codeSpan(incident), Status(kts))
	if len(all) == 0 {
		m.str("_no entries_")
	} else {
		first, last := all[0].Occurred, all[len(all)-1].Occurred
		m.time(first, fullTime)
		m.str(" → ")
		m.time(last, fullTime)
		m.printf(" (%s, first entry to last)", formatDuration(last.Sub(first)))
	}
	m.str(" |\n")
	m.list("Responders", Responders(entries), "_none recorded_")
	m.list("Sources watched", SourcesWatched(entries), "_none: only entries warroom made_")
}

func (m *mdWriter) list(name string, items []string, none string) {
	m.printf("| %s | ", name)
	if len(items) == 0 {
		m.str(none)
	}
	for i, it := range items {
		if i > 0 {
			m.str(", ")
		}
		m.cell(it, 0)
	}
	m.str(" |\n")
}

// succeeded reports whether a run's result says it finished its work.
func succeeded(run RunbookRun) bool { return run.Result == "ok" || run.Result == "done" }

// summary writes a paragraph drafted from the record only: when impact
// started and ended, how it was detected, what mitigated it and the peak.
func (m *mdWriter) summary(kts []KeyTime, durations []Duration, im *Impact, runs []RunbookRun, all []timeline.Row) {
	started, detected := keyTimeNamed(kts, KeyStarted), keyTimeNamed(kts, KeyDetected)
	m.str("\n## Summary\n\n> **Draft, written by warroom from the record alone: edit it.**\n>\n> ")
	impact := durations[len(durations)-1]
	switch {
	case impact.Known && !impact.Impossible:
		m.str("Impact started at ")
		m.time(impact.From.At, fullTime)
		m.printf(" (%s) and ended at ", momentName(impact.From))
		m.time(impact.To.At, fullTime)
		m.printf(" (%s): %s. ", momentName(impact.To), formatDuration(impact.Length))
	case started.Found:
		m.str("Impact started at ")
		m.time(started.At, fullTime)
		m.str("; when it ended is not known from the record. ")
	default:
		m.str("When impact started is not known from the record. ")
	}
	if d := detected; d.Found {
		m.str("It was detected at ")
		m.time(d.At, fullTime)
		if d.Marked {
			m.str(" (marked by ")
			m.cell(cmpOr(d.From.Entry.Actor, "a responder"), 0)
			m.str(")")
		} else {
			m.printf(" by the %s", d.Inferred)
		}
		if d.From.Text != "" && !d.Marked {
			m.str(", “")
			m.cell(d.From.Text, 120)
			m.str("”")
		}
		m.str(". ")
	} else {
		m.str("How it was detected is not recorded. ")
	}
	m.mitigatedBy(runs, all)
	if im != nil && !im.PeakAt.IsZero() {
		m.printf("The error ratio on %s peaked at %s at ", codeSpan(im.Main), series.FormatRatio(im.Peak))
		m.time(im.PeakAt, fullTime)
		m.str(".")
	} else {
		m.str("No measurements were recorded, so no peak figure can be given.")
	}
	m.str("\n")
}

// momentName says where a moment comes from, in a sentence.
func momentName(mo Moment) string {
	if slices.ContainsFunc(keyTimeMarks, func(k struct{ name, kind string }) bool { return k.name == mo.Name }) {
		return "key time " + mo.Name
	}
	return mo.Name
}

// mitigatedBy writes the runs that succeeded, with the effect entries of
// each.
func (m *mdWriter) mitigatedBy(runs []RunbookRun, all []timeline.Row) {
	n := 0
	for _, run := range runs {
		if !succeeded(run) {
			continue
		}
		if n == 0 {
			m.str("What was run to mitigate it: ")
		} else {
			m.str("; ")
		}
		n++
		m.cell(cmpOr(run.Runbook, "a runbook"), 0)
		m.printf(" (run %s, %s at ", codeSpan(run.ID), run.Result)
		m.time(run.End, shortTime)
		m.str(")")
		for _, r := range all {
			if r.Entry.Kind == integrations.KindEffect && r.Fields["run"] == run.ID && run.ID != "" {
				m.str(", effect: ")
				m.cell(r.Text, maxCellText)
			}
		}
	}
	if n == 0 {
		m.str("No runbook run succeeded. ")
		return
	}
	m.str(". ")
}
