package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
)

// inputKind is what the bottom line is taking text for.
type inputKind int

const (
	inputNone inputKind = iota
	inputNote
	inputDecision
	inputMark
	inputEdit
	inputJump
	inputChat
	inputFilter
	inputHandOver // the incident commander role, to whom
	inputRefuse   // why a run waiting for approval is refused
	inputStatus
)

var inputPrompts = map[inputKind]string{
	inputNote:     "note ▸ ",
	inputDecision: "decision ▸ ",
	inputMark:     "key time ▸ ",
	inputEdit:     "edit ▸ ",
	inputJump:     "jump to ▸ ",
	inputChat:     "chat ▸ ",
	inputFilter:   "filter ▸ ",
	inputHandOver: "hand over incident commander to ▸ ",
	inputRefuse:   "refuse the run, because ▸ ",
	inputStatus:   "status update ▸ ",
}

var inputPlaceholders = map[inputKind]string{
	inputNote:     "what happened, what you decided, why",
	inputDecision: "the decision and who made it",
	inputMark:     "started, detected, acknowledged, mitigated or resolved, a past time if not now (07:10), then what happened",
	inputEdit:     "the corrected text (recorded as an amendment)",
	inputJump:     "a time: 15:04, 15:04:05 or 2006-01-02 15:04",
	inputChat:     "message to the incident channel",
	inputFilter:   "words to match (kind, source, actor or text)",
	inputHandOver: "the responder's name, as the roster shows it",
	inputRefuse:   "why (recorded on the timeline)",
	inputStatus:   "the update to stakeholders;" + lineBreak + "starts a new line",
}

// openInput opens the input line for kind, holding value; m.field is its
// model, sized and styled for the terminal.
func (m *Model) openInput(kind inputKind, value string) tea.Cmd {
	m.closeInput() // one line at a time
	d := &inputDialog{kind: kind, field: m.field, submit: m.keys.Submit, cancel: m.keys.Cancel}
	d.field.Prompt = inputPrompts[kind]
	d.field.SetValue(value)
	d.field.CursorEnd()
	d.field.Placeholder = inputPlaceholders[kind]
	m.push(d)
	return d.field.Focus()
}

// reopenInput opens the input line again on refused text, saying why.
func (m *Model) reopenInput(kind inputKind, text, why string) tea.Cmd {
	cmd := m.openInput(kind, text)
	m.inputLine().err = why
	return cmd
}

func (m *Model) closeInput() {
	if in := m.inputLine(); in != nil {
		m.remove(in)
	}
}

// refused tells the user why a key did nothing, instead of silently ignoring it.
func (m *Model) refused(what string) tea.Cmd {
	if m.opts.Readonly {
		return m.raise("read-only: "+what+" refused", true)
	}
	return m.raise(what+": not available with the configured sources", true)
}

func (m Model) updateKeys(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	for _, b := range m.component(m.focus).bindings(k) {
		if key.Matches(msg, b.Binding) {
			return m, b.act(&m)
		}
	}
	switch {
	case key.Matches(msg, k.Quit):
		if m.flow != nil && m.flow.stage == stageRunning {
			m.push(&confirmDialog{
				prompt: "runbook " + m.flow.rb.Name + " is running: quitting aborts it. y to abort and quit, any other key stays",
				run:    tea.Quit, // the session aborts runs and waits for them on the way out
			})
			return m, nil
		}
		if c := m.quitWarning(); c != nil {
			m.push(c)
			return m, nil
		}
		return m, tea.Quit
	case key.Matches(msg, k.Abort) && m.flow != nil && m.flow.stage == stageRunning:
		m.askAbort(msg.String())
	case key.Matches(msg, k.Hide) && m.flow != nil && m.flow.stage == stageFinished:
		m.flow = nil // dismiss the finished run's footer line
	case key.Matches(msg, k.InForce):
		m.openLedger()
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(msg, k.NextPane):
		m.setFocus((m.focus + 1) % paneCount)
	case key.Matches(msg, k.PrevPane):
		m.setFocus((m.focus + paneCount - 1) % paneCount)
	case key.Matches(msg, k.GoPane):
		m.setFocus(pane(msg.String()[0] - '1'))
	case key.Matches(msg, k.Zoom):
		m.zoomed = !m.zoomed
	case key.Matches(msg, k.Open):
		m.component(m.focus).enter()
	case key.Matches(msg, k.Back):
		if _, back := m.escAction(); back != nil {
			back()
		}
	case key.Matches(msg, k.Filter):
		if why := m.component(m.focus).cannotFilter(); why != "" {
			return m, m.raise(why, false)
		}
		return m, m.openInput(inputFilter, m.focusedFilter())
	case key.Matches(msg, k.Note):
		return m, m.openInput(inputNote, m.drafts[inputNote])
	case key.Matches(msg, k.Decision):
		return m, m.openInput(inputDecision, m.drafts[inputDecision])
	case key.Matches(msg, k.Mark):
		return m, m.openInput(inputMark, m.drafts[inputMark])
	case msg.String() == "c":
		if !k.Chat.Enabled() {
			return m, m.refused("posting to chat")
		}
		return m, m.openInput(inputChat, m.drafts[inputChat])
	case msg.String() == "U":
		return m, m.draftStatus()
	case key.Matches(msg, k.Scorecard):
		if m.scorecard == "" {
			return m, m.raise("no scorecard yet: the drill is scored when it ends, or when you quit", false)
		}
		m.showScorecard()
	case msg.String() == "r":
		return m, m.openRunbooks()
	case key.Matches(msg, k.Commander):
		return m, m.commanderKey()
	case key.Matches(msg, k.Approvals):
		return m, m.approvalsKey()
	case msg.String() == "a":
		return m.alertAction("acknowledge", k.Ack.Enabled(), false)
	case msg.String() == "R":
		return m.alertAction("resolve", k.Resolve.Enabled(), true)
	}
	return m, nil
}

// starSelected stars the selected timeline entry, or unstars it.
func (m *Model) starSelected() tea.Cmd {
	row, ok := m.timeline.selected()
	if !ok || row.rec.ID == "" {
		return m.raise("select a saved entry to star", false)
	}
	op := integrations.OpStar
	if row.starred {
		op = integrations.OpUnstar
	}
	return m.saveRecord(inputNone, integrations.Record{Kind: integrations.KindAmend, Text: op, Target: row.rec.ID, Op: op})
}

// editSelected opens the input line on the selected entry's text: what
// is sent amends it.
func (m *Model) editSelected() tea.Cmd {
	row, ok := m.timeline.selected()
	if !ok || row.rec.ID == "" {
		return m.raise("select a saved entry to edit", false)
	}
	m.editTarget = row.rec.ID
	return m.openInput(inputEdit, row.rec.Text)
}

// followUpChat makes the selected chat line a follow-up; its ref is the
// entry that recorded it, once the timeline has it.
func (m *Model) followUpChat() tea.Cmd {
	msg, ok := m.chat.selected()
	if !ok {
		return m.raise("select a chat line to make a follow-up of", false)
	}
	return m.followUp(msg.Text, msg.User, m.timeline.chatEntry(msg.ID))
}

// followUpEntry makes the selected timeline entry a follow-up.
func (m *Model) followUpEntry() tea.Cmd {
	row, ok := m.timeline.selected()
	if !ok || row.rec.ID == "" {
		return m.raise("select a saved entry to make a follow-up of", false)
	}
	return m.followUp(row.rec.Text, row.rec.Actor, row.rec.ID)
}

// followUp records a note that makes a timeline entry or chat line a
// follow-up for the postmortem: its text after "Follow-up:", who said it,
// and in field ref the entry it came from.
func (m *Model) followUp(text, author, ref string) tea.Cmd {
	text = "Follow-up: " + oneLine(text)
	if author != "" {
		text += " (from " + author + ")"
	}
	var fields map[string]string
	if ref != "" {
		fields = map[string]string{"ref": ref}
	}
	return m.saveRecord(inputNone, integrations.Record{Kind: integrations.KindNote, Text: text, Fields: fields})
}

// alertAction acknowledges or resolves the selected alert; resolving asks
// for confirmation first.
func (m Model) alertAction(verb string, enabled, confirm bool) (tea.Model, tea.Cmd) {
	if !enabled {
		return m, m.refused(verb)
	}
	a, ok := m.alerts.selected()
	if m.focus != paneAlerts || !ok {
		return m, m.raise("select an alert in the Alerts pane to "+verb, false)
	}
	switch {
	case a.Status == integrations.AlertResolved:
		return m, m.raise(a.ID+" is already resolved", false)
	case verb == "acknowledge" && a.Status == integrations.AlertAcknowledged:
		return m, m.raise(a.ID+" is already acknowledged", false)
	}
	if f, busy := m.alerts.inflight[a.ID]; busy {
		return m, m.raise(f.verb+" "+a.ID+" is still on its way", false)
	}
	m.alerts.hold()
	cmd := m.actOnAlert(verb, a)
	if confirm {
		m.push(&confirmDialog{prompt: "Resolve " + a.ID + " (" + oneLine(a.Title) + ")? y to confirm, any other key cancels", run: cmd})
		return m, nil
	}
	return m, cmd
}

// escAction is what esc does now, named for the footer, and nil when it
// does nothing: the focused pane's, only (its detail, its chart, its
// filter, its drill-in, in that order). Nothing else answers esc here:
// zoom has z, a finished run's footer line its own key.
func (m *Model) escAction() (string, func()) { return m.component(m.focus).esc() }

// keysNow is the key map with esc named for what it does now, and
// hidden when it does nothing.
func (m *Model) keysNow() keyMap {
	k := m.keys
	if what, back := m.escAction(); back != nil {
		k.Esc = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", what))
	}
	return k
}

// submitInput acts on the text sent from the input line of kind: it
// records it, posts it, jumps to it or filters by it. Refused text keeps
// the line open, saying why.
func (m *Model) submitInput(kind inputKind, text string) tea.Cmd {
	text = strings.TrimSpace(text)
	switch {
	case kind == inputFilter:
		m.closeInput()
		return nil
	case text == "":
		return nil
	case kind == inputJump:
		at, err := parseJump(text, m.now)
		if err != nil {
			m.inputLine().err = err.Error()
			return nil
		}
		m.closeInput()
		if !m.timeline.jump(at) {
			return m.raise("nothing on the timeline at or after "+at.Format("Mon 15:04:05"), false)
		}
		m.timeline.list.settle(len(m.timeline.rows), m.paneHeight(paneTimeline))
		return nil
	}
	m.closeInput()
	if kind == inputStatus {
		return m.confirmStatus(text)
	}
	delete(m.drafts, kind)
	switch kind {
	case inputHandOver, inputRefuse:
		return m.submitTeam(kind, text)
	case inputChat:
		app := m.app
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			since := time.Now() // the channel's clock is the wall clock, not the drill's
			_, err := app.Post(ctx, text, "")
			return chatPostedMsg{text: text, since: since, err: err}
		}
	case inputEdit:
		return m.saveRecord(kind, integrations.Record{Kind: integrations.KindAmend, Text: text, Target: m.editTarget, Op: integrations.OpText})
	case inputDecision:
		return m.saveRecord(kind, integrations.Record{Kind: integrations.KindDecision, Text: text})
	case inputMark:
		which, what, _ := strings.Cut(text, " ")
		if !keyTimes[strings.ToLower(which)] {
			m.drafts[kind] = text
			return m.reopenInput(inputMark, text, fmt.Sprintf("%q is not a key time: start with started, detected, acknowledged, mitigated or resolved", which))
		}
		named, what, err := markTime(strings.TrimSpace(what), m.now, m.info.IncidentStart)
		if err != nil {
			m.drafts[kind] = text
			return m.reopenInput(inputMark, text, err.Error())
		}
		if what == "" {
			what = strings.ToLower(which)
		}
		// A past time is the time the entry names; saveRecord keeps when
		// it was said beside it.
		return m.saveRecord(kind, integrations.Record{Kind: integrations.KindIncidentPrefix + strings.ToLower(which), Occurred: named, Text: what})
	}
	return m.saveRecord(kind, integrations.Record{Kind: integrations.KindNote, Text: text})
}

// keyTimes are the incident's key times the postmortem export reports.
var keyTimes = map[string]bool{"started": true, "detected": true, "acknowledged": true, "mitigated": true, "resolved": true}

// markTime reads the time a key time names at the start of what ("07:10
// first customer report", "at 07:15:44", "2026-01-11 23:58 …") and returns
// it with the rest of the text; zero when what names no time. The time is
// on the incident's clock and in its zone: a bare time of day is the latest
// such time not after now, on the incident's date or later; a time after
// now is refused.
func markTime(what string, now, start time.Time) (time.Time, string, error) {
	loc := now.Location()
	if !start.IsZero() {
		loc = start.Location()
	}
	now = now.In(loc)
	rest, explicit := strings.CutPrefix(what, "at ")
	rest = strings.TrimSpace(rest)
	word, tail, _ := strings.Cut(rest, " ")
	date, dateErr := time.ParseInLocation("2006-01-02", word, loc)
	if !explicit && dateErr != nil && !strings.Contains(word, ":") {
		return time.Time{}, what, nil // no time ("5xx back under 1%"): the mark is for now
	}
	var named time.Time
	if dateErr == nil {
		clock, more, _ := strings.Cut(strings.TrimSpace(tail), " ")
		tod, err := parseTimeOfDay(clock)
		if err != nil {
			return time.Time{}, "", err
		}
		named, tail = onDate(date, tod), more
	} else {
		tod, err := parseTimeOfDay(word)
		if err != nil {
			return time.Time{}, "", err
		}
		named = onDate(now, tod)
		if named.After(now) {
			// Said after midnight about the evening before, unless that
			// evening is before the incident's date.
			earlier := named.AddDate(0, 0, -1)
			sy, sm, sd := start.In(loc).Date()
			if start.IsZero() || !earlier.Before(time.Date(sy, sm, sd, 0, 0, 0, 0, loc)) {
				named = earlier
			}
		}
	}
	if named.After(now) {
		return time.Time{}, "", fmt.Errorf("%s is in the future (the incident's clock says %s)", named.Format("Mon 15:04:05"), now.Format("Mon 15:04:05"))
	}
	return named, strings.TrimSpace(tail), nil
}

// parseTimeOfDay reads 15:04 or 15:04:05.
func parseTimeOfDay(s string) (time.Time, error) {
	for _, layout := range []string{"15:04", "15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q (try 07:10, 07:15:44 or 2006-01-02 07:10)", s)
}

// onDate is the time of day tod on day's date, in day's zone.
func onDate(day, tod time.Time) time.Time {
	y, mo, d := day.Date()
	return time.Date(y, mo, d, tod.Hour(), tod.Minute(), tod.Second(), 0, day.Location())
}

// parseJump reads a time of day (on now's date) or a full date and time.
func parseJump(text string, now time.Time) (time.Time, error) {
	if tod, err := parseTimeOfDay(text); err == nil {
		return onDate(now, tod), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, text, now.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q (try 15:04 or 2006-01-02 15:04)", text)
}
