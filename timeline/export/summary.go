package export

import (
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/timeline"
)

// KeyTime is one milestone of the incident and the entry it came from.
type KeyTime struct {
	Name  string
	Found bool
	At    time.Time
	From  timeline.Row
}

// keyTimeRules say which entry kinds set each key time. An explicit
// incident.* entry wins over the fallback kind. All but Resolved take the
// earliest matching entry; Resolved takes the latest, since the incident
// is resolved when the last alert is.
//
//	Started       incident.started
//	Detected      incident.detected, else the first critical alert.triggered
//	              (the first of any severity when none is critical)
//	Acknowledged  incident.acknowledged, else the first alert.acknowledged
//	Mitigated     incident.mitigated
//	Resolved      incident.resolved, else the last alert.resolved, but
//	              only once every alert that triggered has resolved since
var keyTimeRules = []struct {
	name, explicit, fallback string
	latest                   bool
}{
	{"Started", timeline.KindIncidentStarted, "", false},
	{"Detected", timeline.KindIncidentDetected, timeline.KindAlertTriggered, false},
	{"Acknowledged", timeline.KindIncidentAcknowledged, timeline.KindAlertAcknowledged, false},
	{"Mitigated", timeline.KindIncidentMitigated, "", false},
	{"Resolved", timeline.KindIncidentResolved, timeline.KindAlertResolved, true},
}

// KeyTimes finds the incident's key times in rows, which must be in time
// order (hidden rows left out).
func KeyTimes(rows []timeline.Row) []KeyTime {
	out := make([]KeyTime, len(keyTimeRules))
	for i, rule := range keyTimeRules {
		out[i].Name = rule.name
		for _, kind := range []string{rule.explicit, rule.fallback} {
			if kind == "" || out[i].Found {
				continue
			}
			if kind == timeline.KindAlertResolved && !allAlertsResolved(rows) {
				continue // an alert fired again, or never cleared: not resolved
			}
			for j := range rows {
				r := rows[j]
				if rule.latest {
					r = rows[len(rows)-1-j]
				}
				if r.Entry.Kind == kind && (kind != timeline.KindAlertTriggered || paging(r, rows)) {
					out[i] = KeyTime{Name: rule.name, Found: true, At: r.Occurred, From: r}
					break
				}
			}
		}
	}
	return out
}

// paging reports whether an alert.triggered row counts as detection: a
// critical alert, or any alert when none of them is critical (a warning
// that fired days before and paged nobody is not when the incident was
// detected).
func paging(r timeline.Row, rows []timeline.Row) bool {
	if r.Entry.Fields["severity"] == "critical" {
		return true
	}
	for _, other := range rows {
		if other.Entry.Kind == timeline.KindAlertTriggered && other.Entry.Fields["severity"] == "critical" {
			return false
		}
	}
	return true
}

// allAlertsResolved reports whether the last word on every alert that
// triggered is a resolve. Alerts are told apart by their "alert" field,
// else by their text.
func allAlertsResolved(rows []timeline.Row) bool {
	last := map[string]string{}
	for _, r := range rows {
		switch r.Entry.Kind {
		case timeline.KindAlertTriggered, timeline.KindAlertAcknowledged, timeline.KindAlertResolved:
			id := r.Entry.Fields["alert"]
			if id == "" {
				id = r.Entry.Text
			}
			last[id] = r.Entry.Kind
		}
	}
	for _, kind := range last {
		if kind != timeline.KindAlertResolved {
			return false
		}
	}
	return true
}

// Runbook entries follow this convention (kind runbook.*):
//
//	fields["run"]        the run's ID, shared by all its entries
//	fields["runbook"]    the runbook's name
//	fields["param.NAME"] a parameter's value
//	fields["step"]       the step an entry is about, absent for the run itself
//	fields["result"]     ok, failed, aborted, timeout, ...
//	fields["duration"]   a Go duration, when the runner measured it
//	fields["output"]     a step's bounded output
//
// Text is a one-line summary (for a step, what it did or found).

// RunbookRun is one run of a runbook, gathered from its entries.
type RunbookRun struct {
	ID, Runbook, Actor string
	Params             [][2]string // name, value; sorted by name
	Start, End         time.Time
	Result             string
	Steps              []RunbookStep
}

// RunbookStep is one step of a run.
type RunbookStep struct {
	Name            string
	Start           time.Time
	Duration        time.Duration
	Result, Summary string
	Output          string

	end      time.Time // of its last entry
	measured bool      // Duration came from the runner
}

// RunbookRuns gathers runs from rows in time order, in order of their
// first entry.
func RunbookRuns(rows []timeline.Row) []RunbookRun {
	var runs []*RunbookRun
	byID := map[string]*RunbookRun{}
	for _, r := range rows {
		if !strings.HasPrefix(r.Entry.Kind, timeline.KindRunbookPrefix) {
			continue
		}
		f := r.Fields
		id := f["run"]
		if id == "" {
			id = f["runbook"]
		}
		run := byID[id]
		if run == nil {
			run = &RunbookRun{ID: id, Start: r.Occurred}
			byID[id] = run
			runs = append(runs, run)
		}
		run.End = r.Occurred
		if run.Runbook == "" {
			run.Runbook = f["runbook"]
		}
		if run.Actor == "" {
			run.Actor = r.Entry.Actor
		}
		for k, v := range f {
			if name, ok := strings.CutPrefix(k, "param."); ok && !slices.ContainsFunc(run.Params, func(p [2]string) bool { return p[0] == name }) {
				run.Params = append(run.Params, [2]string{name, v})
			}
		}
		name, isStep := f["step"]
		if !isStep {
			if f["result"] != "" {
				run.Result = f["result"]
			}
			continue
		}
		i := slices.IndexFunc(run.Steps, func(s RunbookStep) bool { return s.Name == name })
		if i < 0 {
			run.Steps = append(run.Steps, RunbookStep{Name: name, Start: r.Occurred})
			i = len(run.Steps) - 1
		}
		step := &run.Steps[i]
		step.end = r.Occurred
		if d, err := time.ParseDuration(f["duration"]); err == nil {
			step.Duration, step.measured = d, true
		}
		if f["result"] != "" {
			step.Result = f["result"]
		}
		if f["output"] != "" {
			step.Output = f["output"]
		}
		if r.Text != "" {
			step.Summary = r.Text
		}
	}
	out := make([]RunbookRun, len(runs))
	for i, run := range runs {
		for j := range run.Steps {
			if s := &run.Steps[j]; !s.measured {
				s.Duration = s.end.Sub(s.Start)
			}
		}
		slices.SortFunc(run.Params, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		out[i] = *run
	}
	return out
}
