package export

import (
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/ledger"
)

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
	ParamText          string      // fields["params"] as the runner wrote it
	Start, End         time.Time
	First              timeline.Row // its first entry
	Result             string
	Steps              []RunbookStep
	// Changes are what it changed in the world, in order (the entries'
	// change fields); Stays is what of them its end said stays, when it
	// said.
	Changes []ledger.Change
	Stays   string
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
		if !strings.HasPrefix(r.Entry.Kind, integrations.KindRunbookPrefix) {
			continue
		}
		f := r.Fields
		id := f["run"]
		if id == "" {
			id = f["runbook"]
		}
		run := byID[id]
		if run == nil {
			run = &RunbookRun{ID: id, Start: r.Occurred, First: r}
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
		if run.ParamText == "" {
			run.ParamText = f["params"]
		}
		if field := f[ledger.FieldChange]; field != "" {
			if c, err := ledger.Decode(field); err == nil {
				run.Changes = append(run.Changes, c)
			}
		}
		if f["stays"] != "" {
			run.Stays = f["stays"]
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
