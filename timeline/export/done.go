package export

import (
	"strings"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// decisions writes every decision entry with its time and author.
func (m *mdWriter) decisions(rows []timeline.Row) {
	m.str("\n## Decisions\n\n")
	n := 0
	for _, r := range rows {
		if r.Entry.Kind != integrations.KindDecision {
			continue
		}
		if n == 0 {
			m.str("| When | Who | Decision |\n|---|---|---|\n")
		}
		n++
		m.str("| ")
		m.time(r.Occurred, fullTime)
		m.str(" ")
		m.entryRef(r)
		m.str(" | ")
		m.cell(r.Entry.Actor, 0)
		m.str(" | ")
		m.cell(r.Text, maxCellText)
		m.str(" |\n")
	}
	if n == 0 {
		m.str("_No decision was recorded._\n")
	}
}

// screenAction reports whether r is an action a responder took from the
// screen outside a runbook: an alert acknowledged or resolved by someone,
// or the read-back that settled one.
func screenAction(r timeline.Row) bool {
	switch r.Entry.Kind {
	case integrations.KindAlertAcknowledged, integrations.KindAlertResolved:
		return r.Entry.Actor != ""
	case integrations.KindActionChecked:
		return true
	}
	return false
}

// whatWasDone writes one row per runbook run and per action from the
// screen: what it changed, what remains of a run that did not finish, how
// long it took and its effect entries.
func (m *mdWriter) whatWasDone(rows []timeline.Row, runs []RunbookRun) {
	m.str("\n## What was done\n\n")
	effects := map[string][]string{} // by run ID and by entry ID
	for _, r := range rows {
		if r.Entry.Kind == integrations.KindEffect {
			for _, k := range []string{"run:" + r.Fields["run"], "of:" + r.Fields["of"]} {
				if !strings.HasSuffix(k, ":") {
					effects[k] = append(effects[k], r.Text)
				}
			}
		}
	}
	n := 0
	header := func() {
		if n == 0 {
			m.str("| When | What | Who | Result | Duration | Changed | What remains | Effect |\n|---|---|---|---|---|---|---|---|\n")
		}
		n++
	}
	ri := 0
	for _, r := range rows {
		// Runs in order of their first entry, among the screen's actions.
		for ri < len(runs) && !runs[ri].Start.After(r.Occurred) {
			header()
			m.runRow(runs[ri], effects["run:"+runs[ri].ID])
			ri++
		}
		if screenAction(r) {
			header()
			m.actionRow(r, effects["of:"+r.Entry.ID])
		}
	}
	for ; ri < len(runs); ri++ {
		header()
		m.runRow(runs[ri], effects["run:"+runs[ri].ID])
	}
	if n == 0 {
		m.str("_No runbook was run and no action taken from the screen._\n")
	}
}

func (m *mdWriter) runRow(run RunbookRun, effects []string) {
	m.str("| ")
	m.time(run.Start, fullTime)
	m.str(" | ")
	m.cell(cmpOr(run.Runbook, "runbook"), 0)
	m.printf(" (run %s)", codeSpan(run.ID))
	switch {
	case run.ParamText != "":
		m.str(" ")
		m.cell(run.ParamText, 0)
	case len(run.Params) > 0:
		for _, p := range run.Params {
			m.str(" ")
			m.cell(p[0]+"="+p[1], 0)
		}
	}
	m.str(" | ")
	m.cell(run.Actor, 0)
	m.str(" | ")
	m.cell(cmpOr(run.Result, "no result recorded"), 0)
	m.printf(" | %s | ", formatDuration(run.End.Sub(run.Start)))
	var did []string
	for _, c := range run.Changes {
		did = append(did, c.String())
	}
	m.cell(cmpOr(strings.Join(did, "; "), "no change recorded"), maxCellText)
	m.str(" | ")
	if run.Result != "" && !succeeded(run) { // stopped: say what it left
		stays := run.Stays
		if stays == "" {
			var left []string
			for _, c := range ledger.Net(run.Changes) {
				left = append(left, c.Stays())
			}
			stays = cmpOr(strings.Join(left, "; "), "nothing")
		}
		m.cell(stays, maxCellText)
	}
	m.str(" | ")
	m.cell(strings.Join(effects, "; "), maxCellText)
	m.str(" |\n")
}

func (m *mdWriter) actionRow(r timeline.Row, effects []string) {
	m.str("| ")
	m.time(r.Occurred, fullTime)
	m.str(" | ")
	what, result := strings.TrimPrefix(r.Entry.Kind, "alert."), "seen on "+r.Entry.Source
	if r.Entry.Kind == integrations.KindActionChecked {
		what, result = r.Fields["action"], "read back: "+r.Fields["outcome"]
	}
	m.cell(what+" alert "+r.Fields["alert"], 0)
	m.str(" ")
	m.entryRef(r)
	m.str(" | ")
	m.cell(r.Entry.Actor, 0)
	m.str(" | ")
	m.cell(result, 0)
	m.str(" | | ")
	m.cell(r.Text, maxCellText)
	m.str(" | | ")
	m.cell(strings.Join(effects, "; "), maxCellText)
	m.str(" |\n")
}

// followUpMarkers say a line is a follow-up, before a colon, in any case.
var followUpMarkers = []string{"follow-up", "follow up", "followup", "todo", "action item"}

// followUpText is what line says is a follow-up, after a marker and its
// colon ("TODO: page the DB team" → "page the DB team").
func followUpText(line string) (string, bool) {
	for i := 0; i < len(line); i++ {
		if line[i] != ':' {
			continue
		}
		head := strings.TrimRight(line[:i], " \t")
		for _, mk := range followUpMarkers {
			n := len(head) - len(mk)
			if n < 0 || !strings.EqualFold(head[n:], mk) || (n > 0 && isWordByte(head[n-1])) {
				continue
			}
			if rest := strings.TrimSpace(line[i+1:]); rest != "" {
				return rest, true
			}
		}
	}
	return "", false
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// FollowUp is an action item a note or chat line called one.
type FollowUp struct {
	Text string
	From timeline.Row
}

// FollowUps harvests the lines of notes and chat messages that say
// "Follow-up:", "TODO:" or "Action item:" (any case), in time order.
func FollowUps(rows []timeline.Row) []FollowUp {
	var out []FollowUp
	for _, r := range rows {
		if r.Erased || (r.Entry.Kind != integrations.KindNote && r.Entry.Kind != integrations.KindChatMessage) {
			continue
		}
		for line := range strings.Lines(r.Text) {
			if text, ok := followUpText(line); ok {
				out = append(out, FollowUp{Text: text, From: r})
			}
		}
	}
	return out
}

func (m *mdWriter) followUps(rows []timeline.Row) {
	m.str("\n## Follow-ups\n\n")
	items := FollowUps(rows)
	if len(items) > 0 {
		m.str("Harvested from the notes and chat lines that said “Follow-up:”, “TODO:” or “Action item:”; give each an owner and a due date.\n\n")
	} else {
		m.str("_No note or chat line said “Follow-up:”, “TODO:” or “Action item:”. To fill in: one action item per line, with an owner and a due date._\n\n")
	}
	for _, f := range items {
		m.str("- [ ] ")
		m.cell(f.Text, maxCellText)
		m.str(" — ")
		m.cell(cmpOr(f.From.Entry.Actor, "unknown author"), 0)
		m.str(", ")
		m.time(f.From.Occurred, fullTime)
		m.str(" (")
		m.entryRef(f.From)
		m.str(")\n")
	}
	m.str("- [ ] \n")
}
