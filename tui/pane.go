package tui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
)

// component is a pane as the root model sees it: it draws itself into
// the cells it is given, moves, filters, opens and closes what is under
// its cursor, and names the keys it answers to itself. Components hold
// only what they show; every service call is the root's, in a command.
type component interface {
	render(env paneEnv, width, height int, focused bool) string
	// scroll moves the cursor by delta (negative: up, older) in a pane of
	// inner rows.
	scroll(delta, inner int)
	filterText() string
	setFilter(q string)
	// cannotFilter says why / does nothing here now; "" when it filters.
	cannotFilter() string
	// enter opens what is under the cursor.
	enter()
	// esc is what esc does in the pane now, named for the footer, and nil
	// when it does nothing.
	esc() (what string, back func())
	// bindings are the pane's own keys; the root tries them before its own.
	bindings(k keyMap) []binding
	// tabMark flags trouble the tab bar must show while the pane is hidden.
	tabMark() string
}

// binding is a key a pane answers to and what it does: act is given the
// root model, for keys that record, ask or open the input line.
type binding struct {
	key.Binding
	act func(m *Model) tea.Cmd
}

// paneEnv is what panes draw with, built per frame from the root: read
// only.
type paneEnv struct {
	st  Styles
	now time.Time
	// stale is the mark of the sources behind the pane that are not fresh.
	stale string
	// related is the newest timeline entries about an alert, at most limit.
	related func(alertID string, limit int) []integrations.Record
	// chart draws the main target's chart, in the Fleet pane's place.
	chart func(width, height int, focused bool) string
}

// component is the registry from a pane to the component that shows it.
func (m *Model) component(p pane) component {
	switch p {
	case paneAlerts:
		return &m.alerts
	case paneFleet:
		return fleetView{&m.fleet, &m.chart}
	case paneChat:
		return &m.chat
	}
	return &m.timeline
}

// env is the panes' drawing environment for pane p.
func (m *Model) env(p pane) paneEnv {
	env := paneEnv{st: m.styles, now: m.now, stale: m.staleMark(p), related: m.timeline.related}
	if p == paneFleet {
		env.chart = func(w, h int, focused bool) string { return m.renderChart(w, h, focused) }
	}
	return env
}

func (m *Model) scrollPane(p pane, delta int) { m.component(p).scroll(delta, m.paneHeight(p)) }

func (m *Model) focusedFilter() string { return m.component(m.focus).filterText() }

func (m *Model) setFocusedFilter(q string) { m.component(m.focus).setFilter(q) }

// Alerts.

func (p *alertsPane) render(env paneEnv, width, height int, focused bool) string {
	var related []integrations.Record
	if a, ok := p.selected(); ok && p.detail {
		related = env.related(a.ID, max(0, height-14))
	}
	return p.draw(env.st, width, height, focused, env.now, related, env.stale)
}

func (p *alertsPane) scroll(delta, inner int) {
	p.pinned = true
	p.list.move(delta, len(p.sorted), false)
	p.list.settle(len(p.sorted), alertRows(inner))
}

func (p *alertsPane) filterText() string   { return p.list.filter }
func (p *alertsPane) setFilter(q string)   { p.list.setFilter(q, p) }
func (p *alertsPane) cannotFilter() string { return "" }

func (p *alertsPane) enter() {
	_, ok := p.selected()
	p.detail = ok
}

func (p *alertsPane) esc() (string, func()) {
	switch {
	case p.detail:
		return "back", func() { p.detail = false }
	case p.list.filter != "":
		return "clear filter", func() { p.setFilter("") }
	}
	return "", nil
}

// bindings: acknowledge and resolve answer in every pane, to say where
// they work, so they are the root's keys.
func (p *alertsPane) bindings(keyMap) []binding { return nil }

func (p *alertsPane) tabMark() string {
	if n := p.counts[0]; n > 0 {
		return fmt.Sprintf(" %d!", n)
	}
	return ""
}

// Fleet, with its chart.

// fleetView is the Fleet pane's component: the groups and HAProxy
// instances, or the main target's chart in their place.
type fleetView struct {
	p     *fleetPane
	chart *chartView
}

func (v fleetView) render(env paneEnv, width, height int, focused bool) string {
	if v.chart.open {
		return env.chart(width, height, focused)
	}
	return v.p.render(env.st, width, height, focused, env.now, env.stale)
}

func (v fleetView) scroll(delta, inner int) {
	v.p.move(delta)
	v.p.inner.settle(v.p.innerLen(), inner-1)
}

func (v fleetView) filterText() string { return v.p.inner.filter }
func (v fleetView) setFilter(q string) { v.p.inner.setFilter(q, fleetRows{v.p}) }

func (v fleetView) cannotFilter() string {
	if v.p.zoomIn == "" {
		return "enter a group or HAProxy instance first: / filters its rows"
	}
	return ""
}

func (v fleetView) enter() { v.p.enter() }

func (v fleetView) esc() (string, func()) {
	switch {
	case v.chart.open:
		return "close chart", func() { v.chart.open = false }
	case v.p.inner.filter != "":
		return "clear filter", func() { v.setFilter("") }
	case v.p.zoomIn != "":
		return "back", v.p.back
	}
	return "", nil
}

func (v fleetView) bindings(k keyMap) []binding {
	b := []binding{{k.Chart, func(*Model) tea.Cmd { v.chart.open = !v.chart.open; return nil }}}
	if v.chart.open {
		b = append(b,
			binding{k.ZoomIn, func(*Model) tea.Cmd { v.chart.zoom = max(0, v.chart.zoom-1); return nil }},
			binding{k.ZoomOut, func(*Model) tea.Cmd { v.chart.zoom = min(len(chartWindows)-1, v.chart.zoom+1); return nil }})
	}
	return b
}

func (v fleetView) tabMark() string {
	if n := len(v.p.findings); n > 0 {
		return fmt.Sprintf(" ⚠%d", n)
	}
	return ""
}

// Chat.

func (p *chatPane) render(env paneEnv, width, height int, focused bool) string {
	return p.draw(env.st, width, height, focused, env.now, env.stale)
}

func (p *chatPane) scroll(delta, _ int)   { p.list.move(delta, len(p.messages), true) }
func (p *chatPane) filterText() string    { return p.list.filter }
func (p *chatPane) setFilter(q string)    { p.list.setFilter(q, p) }
func (p *chatPane) cannotFilter() string  { return "" }
func (p *chatPane) enter()                {}
func (p *chatPane) tabMark() string       { return "" }
func (p *chatPane) esc() (string, func()) { return clearFilter(p) }

func (p *chatPane) bindings(k keyMap) []binding {
	return []binding{{k.FollowUp, (*Model).followUpChat}}
}

// clearFilter is esc in a pane with nothing else to close.
func clearFilter(c component) (string, func()) {
	if c.filterText() == "" {
		return "", nil
	}
	return "clear filter", func() { c.setFilter("") }
}

// Timeline.

func (p *timelinePane) render(env paneEnv, width, height int, focused bool) string {
	return p.draw(env.st, width, height, focused, env.now)
}

func (p *timelinePane) scroll(delta, inner int) {
	p.list.move(delta, len(p.rows), true)
	p.list.settle(len(p.rows), inner)
}

func (p *timelinePane) filterText() string   { return p.list.filter }
func (p *timelinePane) setFilter(q string)   { p.list.setFilter(q, p) }
func (p *timelinePane) cannotFilter() string { return "" }
func (p *timelinePane) tabMark() string      { return "" }

func (p *timelinePane) enter() {
	_, ok := p.selected()
	p.detail = ok
}

func (p *timelinePane) esc() (string, func()) {
	if p.detail {
		return "back", func() { p.detail = false }
	}
	return clearFilter(p)
}

func (p *timelinePane) bindings(k keyMap) []binding {
	return []binding{
		{k.Star, (*Model).starSelected},
		{k.FollowUp, (*Model).followUpEntry},
		{k.Edit, (*Model).editSelected},
		{k.KeyEvents, func(*Model) tea.Cmd { p.toggleKeyOnly(); return nil }},
		{k.Jump, func(m *Model) tea.Cmd { return m.openInput(inputJump, "") }},
	}
}
