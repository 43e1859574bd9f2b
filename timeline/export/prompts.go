package export

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// The retrospective headings, in the order the draft lists them.
const (
	HeadingContributing = "Contributing factors"
	HeadingWentWell     = "What went well"
	HeadingWentBadly    = "What went badly"
	HeadingLucky        = "Where we got lucky"
)

// retroHeadings are the retrospective headings with the hint each shows
// people who write under it.
var retroHeadings = []struct{ name, hint string }{
	{HeadingContributing, "What made this possible or worse: conditions, changes, alerts that were missing or ignored."},
	{HeadingWentWell, "What helped: alerts that fired in time, runbooks that worked, the right people at hand."},
	{HeadingWentBadly, "What hurt: slow detection, actions that failed or had to be undone, blind spots."},
	{HeadingLucky, "What saved us this time that we cannot count on next time."},
}

// prompt is a fact from the record put under a retrospective heading for
// people to keep, reword or strike.
type prompt struct {
	Heading string
	Text    string
	From    timeline.Row // the entry it links; zero for none
}

// Thresholds of the prompt rules.
const (
	earlyAlert   = 30 * time.Minute // an alert this long before detection was a missed warning
	refireWindow = 15 * time.Minute // an alert firing again this soon after an undo followed it
	quickAck     = 5 * time.Minute  // a page acknowledged this fast went well
)

// promptRecord is what the rules read.
type promptRecord struct {
	rows      []timeline.Row // shown rows, in time order
	runs      []RunbookRun
	kts       []KeyTime
	durations []Duration
	inForce   []ledger.Item
	loc       *time.Location
}

// promptRules are the rules with the heading each prompts under; every
// one is deterministic and states only what the entries say.
var promptRules = []struct {
	heading string
	rule    func(*promptRecord) []prompt
}{
	{HeadingContributing, alertBeforeDetection},
	{HeadingContributing, sourceOutDuringImpact},
	{HeadingContributing, oddOneOut},
	{HeadingWentBadly, undoneThenAlertAgain},
	{HeadingWentBadly, runStopped},
	{HeadingWentBadly, changeInForce},
	{HeadingWentWell, runImproved},
	{HeadingWentWell, quickAcknowledge},
}

// retroPrompts applies every rule to the record, in the rules' order.
func retroPrompts(rec *promptRecord) []prompt {
	var out []prompt
	for _, r := range promptRules {
		for _, p := range r.rule(rec) {
			p.Heading = r.heading
			out = append(out, p)
		}
	}
	return out
}

func (rec *promptRecord) when(t time.Time) string { return t.In(rec.loc).Format("Mon 15:04") }

// alertBeforeDetection: an alert whose first firing came earlyAlert or
// more before the incident was detected.
func alertBeforeDetection(rec *promptRecord) []prompt {
	detected := keyTimeNamed(rec.kts, KeyDetected)
	if !detected.Found {
		return nil
	}
	var out []prompt
	seen := map[string]bool{}
	for _, r := range rec.rows {
		if r.Entry.Kind != integrations.KindAlertTriggered || seen[alertID(r)] {
			continue
		}
		seen[alertID(r)] = true
		if lead := detected.At.Sub(r.Occurred); lead >= earlyAlert {
			out = append(out, prompt{From: r, Text: fmt.Sprintf("an alert fired %s before detection: %s (%s)", formatDuration(lead), r.Text, rec.when(r.Occurred))})
		}
	}
	return out
}

// impactWindow is from started to mitigated (or the end of the record
// when not mitigated); ok is false when the start is unknown.
func (rec *promptRecord) impactWindow() (from, to time.Time, ok bool) {
	started, mitigated := keyTimeNamed(rec.kts, KeyStarted), keyTimeNamed(rec.kts, KeyMitigated)
	if !started.Found || len(rec.rows) == 0 {
		return from, to, false
	}
	to = rec.rows[len(rec.rows)-1].Occurred
	if mitigated.Found {
		to = mitigated.At
	}
	return started.At, to, !to.Before(started.At)
}

// sourceOutDuringImpact: a source that went stale or down while customers
// were impacted, so the screen was partly blind.
func sourceOutDuringImpact(rec *promptRecord) []prompt {
	from, to, ok := rec.impactWindow()
	if !ok {
		return nil
	}
	var out []prompt
	for _, r := range rec.rows {
		state := r.Fields["to"]
		if r.Entry.Kind != integrations.KindSourceStatus || (state != "stale" && state != "down") || r.Occurred.Before(from) || r.Occurred.After(to) {
			continue
		}
		out = append(out, prompt{From: r, Text: fmt.Sprintf("source %s was %s during the impact (%s): %s", cmpOr(r.Entry.Source, "unknown"), state, rec.when(r.Occurred), r.Text)})
	}
	return out
}

// oddOneOut: every odd-one-out finding.
func oddOneOut(rec *promptRecord) []prompt {
	var out []prompt
	for _, r := range rec.rows {
		if r.Entry.Kind == integrations.KindOddOne {
			out = append(out, prompt{From: r, Text: fmt.Sprintf("an odd one out (%s): %s", rec.when(r.Occurred), r.Text)})
		}
	}
	return out
}

// undoneThenAlertAgain: a change that undid an earlier one (a throttle
// lifted, a server put back), followed within refireWindow by an alert
// that had cleared firing again.
func undoneThenAlertAgain(rec *promptRecord) []prompt {
	var out []prompt
	// standing are the changes not undone yet, by the thing changed
	// (the change without its values).
	standing := map[ledger.Change]ledger.Change{}
	cleared := map[string]bool{}
	var undo *timeline.Row
	var undone ledger.Change
	for _, r := range rec.rows {
		if undo != nil && r.Occurred.Sub(undo.Occurred) > refireWindow {
			undo = nil
		}
		switch r.Entry.Kind {
		case integrations.KindAlertResolved:
			cleared[alertID(r)] = true
		case integrations.KindAlertTriggered:
			if undo != nil && cleared[alertID(r)] {
				out = append(out, prompt{From: *undo, Text: fmt.Sprintf("%s at %s was followed at %s by an alert firing again: %s",
					undone.String(), rec.when(undo.Occurred), rec.when(r.Occurred), r.Text)})
				undo = nil
			}
			cleared[alertID(r)] = false
		}
		field := r.Fields[ledger.FieldChange]
		if field == "" || !strings.HasPrefix(r.Entry.Kind, integrations.KindRunbookPrefix) {
			continue // only runbook entries carry changes (a fleet.change's field is another thing)
		}
		c, err := ledger.Decode(field)
		if err != nil {
			continue
		}
		thing := c
		thing.From, thing.To, thing.Unconfirmed = "", "", false
		s, ok := standing[thing]
		if !ok {
			if len(ledger.Net([]ledger.Change{c})) > 0 {
				standing[thing] = c
			}
			continue
		}
		switch net := ledger.Net([]ledger.Change{s, c}); len(net) {
		case 0: // c put back what s changed
			delete(standing, thing)
			row := r
			undo, undone = &row, c
		case 1:
			standing[thing] = net[0]
		}
	}
	return out
}

// runStopped: a runbook run that failed, was aborted or timed out.
func runStopped(rec *promptRecord) []prompt {
	var out []prompt
	for _, run := range rec.runs {
		if run.Result != "" && !succeeded(run) {
			out = append(out, prompt{From: run.First, Text: fmt.Sprintf("%s (run %s) ended with result %s at %s", cmpOr(run.Runbook, "a runbook"), run.ID, run.Result, rec.when(run.End))})
		}
	}
	return out
}

// changeInForce: what warroom changed and had not reverted at the end.
func changeInForce(rec *promptRecord) []prompt {
	var out []prompt
	for _, it := range rec.inForce {
		p := prompt{Text: fmt.Sprintf("still in force at the end: %s (since %s)", it.What, rec.when(it.Since))}
		for _, run := range rec.runs {
			if run.ID == it.Run && it.Run != "" {
				p.From = run.First
			}
		}
		out = append(out, p)
	}
	return out
}

// errorMeasures are the measures whose fall is an improvement.
var errorMeasures = []string{".error_ratio", ".http_5xx_per_s"}

// improved reports whether an effect's fields show an error measure fell
// and none rose.
func improved(fields map[string]string) bool {
	fell := false
	for k, v := range fields {
		name, ok := strings.CutPrefix(k, "before.")
		if !ok || !hasAnySuffix(name, errorMeasures) {
			continue
		}
		before, err1 := strconv.ParseFloat(v, 64)
		after, err2 := strconv.ParseFloat(fields["after."+name], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		if after > before {
			return false
		}
		fell = fell || after < before
	}
	return fell
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// runImproved: an action whose effect entry shows the errors fell.
func runImproved(rec *promptRecord) []prompt {
	var out []prompt
	for _, r := range rec.rows {
		if r.Entry.Kind == integrations.KindEffect && improved(r.Fields) {
			out = append(out, prompt{From: r, Text: fmt.Sprintf("the errors fell after an action (%s): %s", rec.when(r.Occurred), r.Text)})
		}
	}
	return out
}

// quickAcknowledge: the first page acknowledged within quickAck.
func quickAcknowledge(rec *promptRecord) []prompt {
	for _, d := range rec.durations {
		if d.Name != timeToAcknowledge || !d.Known || d.Impossible || d.Length >= quickAck {
			continue
		}
		ack := keyTimeNamed(rec.kts, KeyAcknowledged)
		return []prompt{{From: ack.From, Text: fmt.Sprintf("the first page was acknowledged %s after it fired (%s)", formatDuration(d.Length), rec.when(ack.At))}}
	}
	return nil
}

// retrospective writes the retrospective headings, each with its prompts
// and an empty line to write on.
func (m *mdWriter) retrospective(prompts []prompt) {
	for _, h := range retroHeadings {
		m.printf("\n## %s\n\n_%s_\n\n", h.name, h.hint)
		for _, p := range prompts {
			if p.Heading != h.name {
				continue
			}
			m.str("- ")
			m.cell(p.Text, maxCellText)
			if p.From.Entry.ID != "" {
				m.str(" (")
				m.entryRef(p.From)
				m.str(")")
			}
			m.str("\n")
		}
		m.str("- \n")
	}
}
