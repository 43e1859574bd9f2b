package tui

import (
	"context"
	"fmt"
	"slices"
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
)

var inputPrompts = map[inputKind]string{
	inputNote:     "note ▸ ",
	inputDecision: "decision ▸ ",
	inputMark:     "key time ▸ ",
	inputEdit:     "edit ▸ ",
	inputJump:     "jump to ▸ ",
	inputChat:     "chat ▸ ",
	inputFilter:   "filter ▸ ",
}

var inputPlaceholders = map[inputKind]string{
	inputNote:     "what happened, what you decided, why",
	inputDecision: "the decision and who made it",
	inputMark:     "started, detected, acknowledged, mitigated or resolved, a past time if not now (07:10), then what happened",
	inputEdit:     "the corrected text (recorded as an amendment)",
	inputJump:     "a time: 15:04, 15:04:05 or 2006-01-02 15:04",
	inputChat:     "message to the incident channel",
	inputFilter:   "words to match (kind, source, actor or text)",
}

func (m *Model) openInput(kind inputKind, value string) tea.Cmd {
	m.input, m.inputErr = kind, ""
	m.field.Prompt = inputPrompts[kind]
	m.field.SetValue(value)
	m.field.CursorEnd()
	m.field.Placeholder = inputPlaceholders[kind]
	return m.field.Focus()
}

func (m *Model) closeInput() {
	m.input = inputNone
	m.field.Blur()
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
	switch {
	case key.Matches(msg, k.Quit):
		if m.flow != nil && m.flow.stage == stageRunning {
			m.confirm = &confirmation{
				prompt: "runbook " + m.flow.rb.Name + " is running: quitting aborts it. y to abort and quit, any other key stays",
				run:    tea.Quit, // the session aborts runs and waits for them on the way out
			}
			return m, nil
		}
		if m.confirm = m.quitWarning(); m.confirm != nil {
			return m, nil
		}
		return m, tea.Quit
	case key.Matches(msg, k.Abort) && m.flow != nil && m.flow.stage == stageRunning:
		return m.askAbort(msg.String())
	case key.Matches(msg, k.Hide) && m.flow != nil && m.flow.stage == stageFinished:
		m.flow = nil // dismiss the finished run's footer line
	case key.Matches(msg, k.InForce):
		return m.openLedger()
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(msg, k.NextPane):
		m.setFocus((m.focus + 1) % paneCount)
	case key.Matches(msg, k.PrevPane):
		m.setFocus((m.focus + paneCount - 1) % paneCount)
	case key.Matches(msg, k.GoPane):
		m.setFocus(pane(msg.String()[0] - '1'))
	case key.Matches(msg, k.Up):
		m.scrollPane(m.focus, -1)
	case key.Matches(msg, k.Down):
		m.scrollPane(m.focus, 1)
	case key.Matches(msg, k.PageUp):
		m.scrollPane(m.focus, -max(1, m.paneHeight(m.focus)-1))
	case key.Matches(msg, k.PageDown):
		m.scrollPane(m.focus, max(1, m.paneHeight(m.focus)-1))
	case key.Matches(msg, k.Top):
		m.scrollPane(m.focus, -1<<30)
	case key.Matches(msg, k.Bottom):
		m.scrollPane(m.focus, 1<<30)
	case key.Matches(msg, k.Zoom):
		m.zoomed = !m.zoomed
	case m.focus == paneFleet && key.Matches(msg, k.Chart):
		m.chart.open = !m.chart.open
	case m.focus == paneFleet && m.chart.open && key.Matches(msg, k.ZoomIn):
		m.chart.zoom = max(0, m.chart.zoom-1)
	case m.focus == paneFleet && m.chart.open && key.Matches(msg, k.ZoomOut):
		m.chart.zoom = min(len(chartWindows)-1, m.chart.zoom+1)
	case key.Matches(msg, k.Open):
		switch m.focus {
		case paneAlerts:
			_, ok := m.alerts.selected()
			m.alerts.detail = ok
		case paneFleet:
			m.fleet.enter()
		case paneTimeline:
			_, ok := m.timeline.selected()
			m.timeline.detail = ok
		}
	case key.Matches(msg, k.Back):
		if _, back := m.escAction(); back != nil {
			back(&m)
		}
	case key.Matches(msg, k.Filter):
		if m.focus == paneFleet && m.fleet.zoomIn == "" {
			return m, m.raise("enter a group or HAProxy instance first: / filters its rows", false)
		}
		return m, m.openInput(inputFilter, m.focusedFilter())
	case key.Matches(msg, k.Note):
		return m, m.openInput(inputNote, m.drafts[inputNote])
	case key.Matches(msg, k.Decision):
		return m, m.openInput(inputDecision, m.drafts[inputDecision])
	case key.Matches(msg, k.Mark):
		return m, m.openInput(inputMark, m.drafts[inputMark])
	case m.focus == paneTimeline && key.Matches(msg, k.Star):
		row, ok := m.timeline.selected()
		if !ok || row.rec.ID == "" {
			return m, m.raise("select a saved entry to star", false)
		}
		op := "star"
		if row.starred {
			op = "unstar"
		}
		return m, m.saveRecord(inputNone, integrations.Record{Kind: "amend", Text: op, Target: row.rec.ID, Op: op})
	case (m.focus == paneTimeline || m.focus == paneChat) && key.Matches(msg, k.FollowUp):
		return m.followUp()
	case m.focus == paneTimeline && key.Matches(msg, k.Edit):
		row, ok := m.timeline.selected()
		if !ok || row.rec.ID == "" {
			return m, m.raise("select a saved entry to edit", false)
		}
		m.editTarget = row.rec.ID
		return m, m.openInput(inputEdit, row.rec.Text)
	case m.focus == paneTimeline && key.Matches(msg, k.KeyEvents):
		m.timeline.toggleKeyOnly()
	case m.focus == paneTimeline && key.Matches(msg, k.Jump):
		return m, m.openInput(inputJump, "")
	case msg.String() == "c":
		if !k.Chat.Enabled() {
			return m, m.refused("posting to chat")
		}
		return m, m.openInput(inputChat, m.drafts[inputChat])
	case msg.String() == "r":
		return m, m.openRunbooks()
	case msg.String() == "a":
		return m.alertAction("acknowledge", k.Ack.Enabled(), false)
	case msg.String() == "R":
		return m.alertAction("resolve", k.Resolve.Enabled(), true)
	}
	return m, nil
}

// followUp records a note that makes the selected timeline entry or chat
// line a follow-up for the postmortem: its text after "Follow-up:", who
// said it, and in field ref the entry it came from (for a chat line, the
// entry that recorded it, once the timeline has it).
func (m Model) followUp() (tea.Model, tea.Cmd) {
	var text, author, ref string
	if m.focus == paneChat {
		msg, ok := m.chat.selected()
		if !ok {
			return m, m.raise("select a chat line to make a follow-up of", false)
		}
		text, author, ref = msg.Text, msg.User, m.timeline.chatEntry(msg.ID)
	} else {
		row, ok := m.timeline.selected()
		if !ok || row.rec.ID == "" {
			return m, m.raise("select a saved entry to make a follow-up of", false)
		}
		text, author, ref = row.rec.Text, row.rec.Actor, row.rec.ID
	}
	text = "Follow-up: " + oneLine(text)
	if author != "" {
		text += " (from " + author + ")"
	}
	var fields map[string]string
	if ref != "" {
		fields = map[string]string{"ref": ref}
	}
	return m, m.saveRecord(inputNone, integrations.Record{Kind: "note", Text: text, Fields: fields})
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
	cmd := m.actOnAlert(verb, a.ID)
	if confirm {
		m.confirm = &confirmation{prompt: "Resolve " + a.ID + " (" + oneLine(a.Title) + ")? y to confirm, any other key cancels", run: cmd}
		return m, nil
	}
	return m, cmd
}

// escAction is what esc does now, named for the footer, and nil when it
// does nothing: in the focused pane only, it closes the open detail, else
// clears the filter, else leaves the drill-in. Nothing else answers esc
// here: zoom has z, a finished run's footer line its own key.
func (m Model) escAction() (string, func(*Model)) {
	switch {
	case m.focus == paneAlerts && m.alerts.detail:
		return "back", func(m *Model) { m.alerts.detail = false }
	case m.focus == paneTimeline && m.timeline.detail:
		return "back", func(m *Model) { m.timeline.detail = false }
	case m.focus == paneFleet && m.chart.open:
		return "close chart", func(m *Model) { m.chart.open = false }
	case m.focusedFilter() != "":
		return "clear filter", func(m *Model) { m.setFocusedFilter("") }
	case m.focus == paneFleet && m.fleet.zoomIn != "":
		return "back", func(m *Model) { m.fleet.back() }
	}
	return "", nil
}

// keysNow is the key map with esc named for what it does now, and
// hidden when it does nothing.
func (m Model) keysNow() keyMap {
	k := m.keys
	if what, back := m.escAction(); back != nil {
		k.Esc = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", what))
	}
	return k
}

func (m Model) updateConfirm(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	c := m.confirm
	m.confirm = nil
	yes := c.yes
	if len(yes) == 0 {
		yes = []string{"y"}
	}
	if slices.Contains(yes, msg.String()) {
		return m, c.run
	}
	kept := c.kept
	if kept == "" {
		kept = "cancelled"
	}
	return m, m.raise(kept, false)
}

func (m Model) updateInput(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		switch m.input {
		case inputFilter:
			m.setFocusedFilter("")
		case inputNote, inputDecision, inputMark, inputChat:
			m.drafts[m.input] = m.field.Value()
		}
		m.closeInput()
		m.inputErr = ""
		return m, nil
	case key.Matches(msg, m.keys.Submit):
		return m.submitInput()
	}
	var cmd tea.Cmd
	m.field, cmd = m.field.Update(msg)
	if m.input == inputFilter {
		m.setFocusedFilter(m.field.Value())
	}
	return m, cmd
}

func (m Model) submitInput() (tea.Model, tea.Cmd) {
	text := strings.TrimSpace(m.field.Value())
	kind := m.input
	switch {
	case kind == inputFilter:
		m.closeInput()
		return m, nil
	case text == "":
		return m, nil
	case kind == inputJump:
		at, err := parseJump(text, m.now)
		if err != nil {
			m.inputErr = err.Error()
			return m, nil
		}
		m.closeInput()
		m.inputErr = ""
		if !m.timeline.jump(at) {
			return m, m.raise("nothing on the timeline at or after "+at.Format("Mon 15:04:05"), false)
		}
		m.timeline.list.settle(len(m.timeline.rows), m.paneHeight(paneTimeline))
		return m, nil
	}
	m.closeInput()
	delete(m.drafts, kind)
	switch kind {
	case inputChat:
		chat := m.opts.Actions.Chat
		return m, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			since := time.Now() // the channel's clock is the wall clock, not the drill's
			_, err := chat.Post(ctx, text, "")
			return chatPostedMsg{text: text, since: since, err: err}
		}
	case inputEdit:
		return m, m.saveRecord(kind, integrations.Record{Kind: "amend", Text: text, Target: m.editTarget, Op: "text"})
	case inputDecision:
		return m, m.saveRecord(kind, integrations.Record{Kind: "decision", Text: text})
	case inputMark:
		which, what, _ := strings.Cut(text, " ")
		if !keyTimes[strings.ToLower(which)] {
			m.drafts[kind] = text
			cmd := m.openInput(inputMark, text)
			m.inputErr = fmt.Sprintf("%q is not a key time: start with started, detected, acknowledged, mitigated or resolved", which)
			return m, cmd
		}
		named, what, err := markTime(strings.TrimSpace(what), m.now, m.opts.IncidentStart)
		if err != nil {
			m.drafts[kind] = text
			cmd := m.openInput(inputMark, text)
			m.inputErr = err.Error()
			return m, cmd
		}
		if what == "" {
			what = strings.ToLower(which)
		}
		// A past time is the time the entry names; saveRecord keeps when
		// it was said beside it.
		return m, m.saveRecord(kind, integrations.Record{Kind: "incident." + strings.ToLower(which), Occurred: named, Text: what})
	}
	return m, m.saveRecord(kind, integrations.Record{Kind: "note", Text: text})
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

func (m Model) focusedFilter() string {
	switch m.focus {
	case paneAlerts:
		return m.alerts.list.filter
	case paneChat:
		return m.chat.list.filter
	case paneTimeline:
		return m.timeline.list.filter
	case paneFleet:
		return m.fleet.inner.filter
	}
	return ""
}

func (m *Model) setFocusedFilter(q string) {
	switch m.focus {
	case paneAlerts:
		m.alerts.list.setFilter(q, len(m.alerts.sorted), m.alerts.match)
	case paneChat:
		m.chat.list.setFilter(q, len(m.chat.messages), m.chat.match)
	case paneTimeline:
		m.timeline.list.setFilter(q, len(m.timeline.rows), m.timeline.match)
	case paneFleet:
		m.fleet.inner.setFilter(q, m.fleet.innerLen(), m.fleet.innerMatch)
	}
}
