package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
)

// alertsPane lists alerts from every source: open before resolved, most
// severe first, newest first within a severity, grouped by service inside
// each band. Enter opens the selected alert's detail.
type alertsPane struct {
	bySource map[string][]integrations.Alert
	sorted   []integrations.Alert
	list     listView
	counts   [3]int // triggered, acknowledged, resolved
	detail   bool
	// pinned is set once the user moves the cursor or acts on an alert:
	// from then on the cursor stays on the same alert (by id) while the
	// list re-sorts. Until then it stays on the top (most urgent) alert.
	pinned bool
	// inflight holds the alerts with a change sent and not yet settled,
	// by id: what was sent, and whether its answer never came and the
	// alert is being read back.
	inflight map[string]inflight
}

// inflight is a change sent to an alert's source, awaiting its outcome.
type inflight struct {
	verb     string // acknowledge or resolve
	checking bool   // no answer came: reading the alert back
}

// set replaces one source's alerts; it sorts and counts once per batch,
// never per frame. Every alert carries its source, which acts on it.
func (p *alertsPane) set(source string, alerts []integrations.Alert) {
	if p.bySource == nil {
		p.bySource = map[string][]integrations.Alert{}
	}
	selected, hadSelection := p.selected()
	clean := make([]integrations.Alert, len(alerts))
	for i, a := range alerts {
		a.Title, a.Service, a.Body, a.Link = oneLine(a.Title), oneLine(a.Service), safeText(a.Body), oneLine(a.Link)
		if a.Source == "" {
			a.Source = source
		}
		clean[i] = a
	}
	p.bySource[source] = clean
	p.sorted = p.sorted[:0]
	for _, src := range slices.Sorted(maps.Keys(p.bySource)) {
		p.sorted = append(p.sorted, p.bySource[src]...)
	}
	slices.SortStableFunc(p.sorted, func(a, b integrations.Alert) int {
		return cmp.Or(
			cmp.Compare(statusRank(a.Status), statusRank(b.Status)),
			cmp.Compare(a.Severity.Rank(), b.Severity.Rank()),
			cmp.Compare(a.Service, b.Service),
			b.CreatedAt.Compare(a.CreatedAt),
			cmp.Compare(a.ID, b.ID),
		)
	})
	p.counts = [3]int{}
	for _, a := range p.sorted {
		p.counts[statusRank(a.Status)]++
	}
	p.list.refilter(p)
	if hadSelection && p.pinned {
		// Keep the cursor on the same alert while the list re-sorts.
		for pos := range p.list.count(len(p.sorted)) {
			if p.sorted[p.list.item(pos)].ID == selected.ID {
				p.list.cursor = pos
				break
			}
		}
	}
}

// hold keeps the cursor on the selected alert from now on: a key acts on
// the alert it was pressed on, and the next key finds the cursor still on
// it however the list re-sorts once the change lands.
func (p *alertsPane) hold() { p.pinned = true }

func (p *alertsPane) setInflight(id string, f inflight) {
	if p.inflight == nil {
		p.inflight = map[string]inflight{}
	}
	p.inflight[id] = f
}

// count is the number of alerts, for the filter.
func (p *alertsPane) count() int { return len(p.sorted) }

func (p *alertsPane) match(i int, q []string) bool {
	a := p.sorted[i]
	return contains(a.Title+" "+a.Service+" "+string(a.Severity)+" "+string(a.Status)+" "+a.ID, q)
}

func (p *alertsPane) selected() (integrations.Alert, bool) {
	n := p.list.count(len(p.sorted))
	if n == 0 {
		return integrations.Alert{}, false
	}
	return p.sorted[p.list.item(min(p.list.cursor, n-1))], true
}

func statusRank(s integrations.AlertStatus) int {
	switch s {
	case integrations.AlertTriggered:
		return 0
	case integrations.AlertAcknowledged:
		return 1
	}
	return 2
}

// title leads with any staleness mark: it must not be cut off.
func (p *alertsPane) title(mark string) string {
	t := fmt.Sprintf("Alerts%s  %d triggered · %d acked · %d resolved", mark, p.counts[0], p.counts[1], p.counts[2])
	if p.list.filter != "" {
		t += fmt.Sprintf("  /%s (%d)", p.list.filter, p.list.count(len(p.sorted)))
	}
	return t
}

func severityLabel(s integrations.Severity) string {
	switch s {
	case integrations.SeverityCritical:
		return "CRIT"
	case integrations.SeverityError:
		return "ERR "
	case integrations.SeverityWarning:
		return "WARN"
	}
	return "INFO"
}

func statusLabel(s integrations.AlertStatus) string {
	switch s {
	case integrations.AlertTriggered:
		return "TRIG"
	case integrations.AlertAcknowledged:
		return "ACK "
	}
	return "RES "
}

// statusCell is the alert's status, or the change in flight on it:
// "ACK…" while an acknowledge awaits its answer, "ACK?" while an
// unanswered one is being read back (likewise RES for resolve).
func (p *alertsPane) statusCell(st Styles, a integrations.Alert) string {
	f, ok := p.inflight[a.ID]
	if !ok {
		return statusLabel(a.Status)
	}
	label := "ACK"
	if f.verb == "resolve" {
		label = "RES"
	}
	if f.checking {
		return st.Warn.Render(label + "?")
	}
	return st.Warn.Render(label + "…")
}

// clockLabel shows a time as HH:MM on now's day, with the weekday otherwise.
func clockLabel(t, now time.Time) string {
	if t.IsZero() {
		return "     "
	}
	if sameDay(t, now) {
		return t.Format("15:04")
	}
	return t.Format("Mon 15:04")
}

func sameDay(a, b time.Time) bool {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

func (p *alertsPane) severityStyle(st Styles, a integrations.Alert) string {
	sev := severityLabel(a.Severity)
	switch {
	case a.Status == integrations.AlertResolved:
		return st.Dim.Render(sev)
	case a.Severity == integrations.SeverityCritical:
		return st.Bad.Render(sev)
	case a.Severity == integrations.SeverityError || a.Severity == integrations.SeverityWarning:
		return st.Warn.Render(sev)
	}
	return sev
}

func (p *alertsPane) draw(st Styles, width, height int, focused bool, now time.Time, related []integrations.Record, mark string) string {
	if a, ok := p.selected(); ok && p.detail {
		return frame(st, "Alert "+a.ID, alertDetail(st, a, width-2, now, related), width, height, focused)
	}
	inner := height - 2
	n := len(p.sorted)
	if p.list.count(n) == 0 {
		return frame(st, p.title(mark), []string{st.Dim.Render("no alerts")}, width, height, focused)
	}
	// Column names, as on the Fleet pane; every row names its service, so
	// the selected row and a row scrolled to the top say it themselves.
	lines := []string{st.Dim.Render(fmt.Sprintf("  %-4s %-4s %-9s %-11s %s", "SEV", "STAT", "FIRED", "SERVICE", "TITLE"))}
	start := p.list.visible(n, alertRows(inner))
	for pos := start; pos < p.list.count(n) && len(lines) < inner; pos++ {
		a := p.sorted[p.list.item(pos)]
		marker := "  "
		if focused && pos == p.list.cursor {
			marker = "▸ "
		}
		line := fmt.Sprintf("%s%s %s %-9s %-11s %s", marker, p.severityStyle(st, a), p.statusCell(st, a),
			clockLabel(a.CreatedAt, now), fit(a.Service, 11), a.Title)
		if focused && pos == p.list.cursor {
			line = st.Selected.Render(fit(line, width-2))
		}
		lines = append(lines, line)
	}
	return frame(st, p.title(mark), lines, width, height, focused)
}

// alertRows is how many alerts fit in a pane of inner lines, below the
// column names.
func alertRows(inner int) int { return max(1, inner-1) }

// alertDetail is the full alert with its related timeline entries.
func alertDetail(st Styles, a integrations.Alert, width int, now time.Time, related []integrations.Record) []string {
	lines := []string{
		st.PaneTitle.Render(a.Title),
		fmt.Sprintf("%s %s · service %s · id %s", severityLabel(a.Severity), strings.ToUpper(string(a.Status)), a.Service, a.ID),
		"fired   " + a.CreatedAt.Format("Mon 2006-01-02 15:04:05 MST"),
	}
	if !a.UpdatedAt.IsZero() && !a.UpdatedAt.Equal(a.CreatedAt) {
		lines = append(lines, "updated "+a.UpdatedAt.Format("Mon 2006-01-02 15:04:05 MST"))
	}
	if a.Link != "" {
		lines = append(lines, "link    "+a.Link)
	}
	if a.Body != "" {
		lines = append(lines, "")
		lines = append(lines, strings.Split(ansi.Wrap(a.Body, width, ""), "\n")...)
	}
	lines = append(lines, "", st.Dim.Render("on the timeline:"))
	if len(related) == 0 {
		lines = append(lines, st.Dim.Render("  nothing yet"))
	}
	for _, r := range related {
		lines = append(lines, fmt.Sprintf("  %s %s %s", clockLabel(r.Occurred, now), r.Kind, r.Text))
	}
	lines = append(lines, "", st.Dim.Render("a acknowledge · R resolve · esc back"))
	return lines
}

// alertSentMsg marks a change as sent: it comes first in the change's
// command, so the Alerts pane shows it in flight while the call runs.
type alertSentMsg struct{ verb, alert string }

// alertActedMsg is the answer to an acknowledge or resolve.
type alertActedMsg struct {
	verb, alert string
	source      string // the alert's source, which acted on it
	err         error
}

// alertSettledMsg is what reading an alert back found, after a change
// whose answer never came.
type alertSettledMsg struct {
	verb, alert string
	got         integrations.Alert
	err         error
}

// actOnAlert acknowledges or resolves alert a at its own source, off
// the UI goroutine, marking it in flight while it waits.
func (m *Model) actOnAlert(verb string, a integrations.Alert) tea.Cmd {
	app, id, source := m.app, a.ID, a.Source
	return tea.Sequence(
		func() tea.Msg { return alertSentMsg{verb: verb, alert: id} },
		func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			send := app.Acknowledge
			if verb == "resolve" {
				send = app.Resolve
			}
			return alertActedMsg{verb: verb, alert: id, source: source, err: send(ctx, source, id)}
		})
}

// alertActed reports a change's answer. No answer in time is not a
// failure: the change may have landed (a call that times out has an
// unknown outcome), so the alert is read back to settle it.
func (m Model) alertActed(msg alertActedMsg) (tea.Model, tea.Cmd) {
	what := msg.verb + " " + msg.alert
	switch {
	case msg.err == nil:
		delete(m.alerts.inflight, msg.alert)
		return m, m.raise(what+" done", false)
	case errors.Is(msg.err, context.DeadlineExceeded):
		m.alerts.setInflight(msg.alert, inflight{verb: msg.verb, checking: true})
		app := m.app
		readBack := func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			got, err := app.ReadAlert(ctx, msg.source, msg.alert)
			return alertSettledMsg{verb: msg.verb, alert: msg.alert, got: got, err: err}
		}
		return m, tea.Batch(m.raise(fmt.Sprintf("%s: no answer in %s — checking", what, shortDuration(actionTimeout)), true), readBack)
	}
	delete(m.alerts.inflight, msg.alert)
	return m, m.raise(what+" FAILED: "+msg.err.Error(), true)
}

// alertSettled says how an unanswered change turned out, as the source
// shows the alert now, and records it: the timeline says what the screen
// said, outcome unknown included.
func (m Model) alertSettled(msg alertSettledMsg) (tea.Model, tea.Cmd) {
	delete(m.alerts.inflight, msg.alert)
	what := msg.verb + " " + msg.alert
	want := integrations.AlertAcknowledged
	if msg.verb == "resolve" {
		want = integrations.AlertResolved
	}
	var text, outcome string
	bad := true
	switch {
	case msg.err != nil:
		text, outcome = what+": outcome unknown (no answer, and reading it back failed: "+msg.err.Error()+"); check before trying again", "unknown"
	case msg.got.Status == want || msg.got.Status == integrations.AlertResolved:
		text, outcome, bad = fmt.Sprintf("%s done: the answer was lost, and reading it back shows it %s", what, msg.got.Status), "landed", false
	default:
		text, outcome = fmt.Sprintf("%s FAILED: no answer, and reading it back shows it still %s", what, msg.got.Status), "failed"
	}
	toast := m.raise(text, bad)
	return m, tea.Batch(toast, m.saveRecord(inputNone, integrations.Record{Kind: integrations.KindActionChecked, Text: text,
		Fields: map[string]string{"alert": msg.alert, "action": msg.verb, "outcome": outcome}}))
}
