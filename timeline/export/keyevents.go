package export

import (
	"fmt"
	"strings"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// KeyEvent is one row of the readable timeline.
type KeyEvent struct {
	Row  timeline.Row // the entry it comes from (a run's first)
	What string       // a short label: "alert fired", "decision", ...
	Text string
}

// KeyEvents is the readable timeline of rows (in time order): each
// alert's first firing, its clearing and any firing again after it; notes, decisions and key-time marks; one row per runbook run
// with its outcome, its steps folded; source outages and recoveries;
// odd-one-out findings; and every starred entry.
func KeyEvents(rows []timeline.Row, runs []RunbookRun) []KeyEvent {
	runAt := map[string]RunbookRun{}
	for _, run := range runs {
		runAt[run.First.Entry.ID] = run
	}
	var out []KeyEvent
	state := map[string]string{} // alert → "fired" or "cleared"
	for _, r := range rows {
		what, text := "", r.Text
		switch k := r.Entry.Kind; {
		case k == integrations.KindAlertTriggered:
			switch state[alertID(r)] {
			case "":
				what = "alert fired"
			case "cleared":
				what = "alert fired again"
			}
			state[alertID(r)] = "fired"
		case k == integrations.KindAlertResolved:
			if state[alertID(r)] == "fired" {
				what = "alert cleared"
			}
			state[alertID(r)] = "cleared"
		case k == integrations.KindNote, k == integrations.KindDecision:
			what = k
		case strings.HasPrefix(k, "incident."):
			what = "marked " + strings.TrimPrefix(k, "incident.")
		case k == integrations.KindSourceStatus:
			what = "source"
		case k == integrations.KindOddOne:
			what = "odd one out"
		case strings.HasPrefix(k, integrations.KindRunbookPrefix):
			if run, ok := runAt[r.Entry.ID]; ok {
				what, text = "runbook", runOutcome(run)
			}
		}
		if what == "" && r.Starred {
			what = "starred " + r.Entry.Kind
		}
		if what != "" {
			out = append(out, KeyEvent{Row: r, What: what, Text: text})
		}
	}
	return out
}

// runOutcome is a run in one line: "scale-up (run r1) group=web: done
// after 5m 0s, 3 steps".
func runOutcome(run RunbookRun) string {
	var b strings.Builder
	b.WriteString(cmpOr(run.Runbook, "runbook") + " (run " + run.ID + ")")
	if run.ParamText != "" {
		b.WriteString(" " + run.ParamText)
	}
	for _, p := range run.Params {
		if run.ParamText == "" {
			b.WriteString(" " + p[0] + "=" + p[1])
		}
	}
	b.WriteString(": " + cmpOr(run.Result, "no result recorded") + " after " + formatDuration(run.End.Sub(run.Start)))
	switch n := len(run.Steps); n {
	case 0:
	case 1:
		b.WriteString(", 1 step")
	default:
		fmt.Fprintf(&b, ", %d steps", n)
	}
	return b.String()
}

func (m *mdWriter) keyEvents(rows []timeline.Row, runs []RunbookRun) {
	m.str("\n## Key events\n\nThe alerts, notes, decisions, key-time marks, runbook runs, source outages, odd-one-out findings and starred entries; every entry is in the full timeline below.\n\n")
	events := KeyEvents(rows, runs)
	if len(events) == 0 {
		m.str("_None._\n")
		return
	}
	m.str("| When | What | Who | |\n|---|---|---|---|\n")
	for _, ev := range events {
		m.str("| ")
		m.time(ev.Row.Occurred, fullTime)
		m.str(" | ")
		if ev.Row.Starred {
			m.str("★ ")
		}
		m.printf("**%s:** ", ev.What)
		m.cell(ev.Text, maxCellText)
		m.str(" | ")
		m.cell(ev.Row.Entry.Actor, 0)
		m.str(" | ")
		m.entryRef(ev.Row)
		m.str(" |\n")
	}
}
