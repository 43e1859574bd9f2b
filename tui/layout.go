package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// layoutMode is how the body is split, chosen from the terminal's size.
type layoutMode int

const (
	layoutGrid    layoutMode = iota // four panes, 2×2
	layoutColumns                   // the focused pane beside the timeline
	layoutTabs                      // one pane, with a tab bar
)

// Thresholds for the layouts: below gridMin the 2×2 grid's panes get too
// small to read a line; below columnsMin two panes do.
const (
	gridMinWidth, gridMinHeight = 110, 30
	columnsMinWidth             = 90
)

func (m *Model) mode() layoutMode {
	switch {
	case m.width >= gridMinWidth && m.height >= gridMinHeight:
		return layoutGrid
	case m.width >= columnsMinWidth:
		return layoutColumns
	}
	return layoutTabs
}

// placed is a pane's place on the screen, in cells.
type placed struct {
	pane       pane
	x, y, w, h int
}

// screenLayout is where everything goes: computed when the terminal's
// size or the screen's state changes (relayout), never per frame or per
// scroll, and read by the keys and the mouse.
type screenLayout struct {
	tabBar bool
	panes  []placed
}

// placements lays the panes out below a header of header lines (and the
// tab bar, when there is one) and above a footer of footer lines, in
// drawing order: by top edge, then left to right.
func (m *Model) placements(header, footer int) (tabBar bool, out []placed) {
	defer func() { sort.SliceStable(out, func(i, j int) bool { return out[i].y < out[j].y }) }()
	mode := m.mode()
	tabBar = (m.zoomed || mode != layoutGrid) && m.panelClosed()
	top := header
	if tabBar {
		top++
	}
	body := max(4, m.height-top-footer)
	switch {
	case !m.panelClosed():
		// The runbook panel takes the whole body while it is open.
		out = []placed{{paneRunbook, 0, top, m.width, body}}
	case m.zoomed || mode == layoutTabs:
		out = []placed{{m.focus, 0, top, m.width, body}}
	case mode == layoutColumns:
		left := m.focus
		lw := m.share(m.width)
		if left == paneTimeline {
			left, lw = m.lastSide, m.width-lw
		}
		out = []placed{{left, 0, top, lw, body}, {paneTimeline, lw, top, m.width - lw, body}}
	default:
		// Each row splits on its own: the focused pane's row gives it the
		// wider share, the other row stays even.
		th := body / 2
		upper, lower := m.width/2, m.width/2
		switch m.focus {
		case paneAlerts:
			upper = m.share(m.width)
		case paneFleet:
			upper = m.width - m.share(m.width)
		case paneChat:
			lower = m.share(m.width)
		case paneTimeline:
			lower = m.width - m.share(m.width)
		}
		out = []placed{
			{paneAlerts, 0, top, upper, th}, {paneFleet, upper, top, m.width - upper, th},
			{paneChat, 0, top + th, lower, body - th}, {paneTimeline, lower, top + th, m.width - lower, body - th},
		}
	}
	return tabBar, out
}

// sideMin is the narrowest the pane beside a Fleet drill-in or chart gets
// for the drill-in's details and trend: room for an alert's severity,
// status, time and the start of its title. For the drill-in's names,
// states and numbers it gives way down to sideFloor.
const sideMin, sideFloor = 40, 24

// share is the width the focused pane takes of a row of two panes width
// wide: three fifths; a Fleet drill-in or chart takes what it needs,
// leaving the pane beside it sideMin columns (sideFloor, for a drill-in's
// numbers).
func (m *Model) share(width int) int {
	s := width * 3 / 5
	if m.focus == paneFleet {
		switch {
		case m.chart.open:
			s = max(s, width-sideMin)
		case m.fleet.zoomIn != "":
			s = max(s, min(m.fleet.naturalWidth(), width-sideMin), min(m.fleet.needWidth(), width-sideFloor))
		}
	}
	return s
}

// paneWidth is the width the pane has now, or 0 when hidden.
func (m *Model) paneWidth(p pane) int {
	for _, pl := range m.lay.panes {
		if pl.pane == p {
			return pl.w
		}
	}
	return 0
}

// relayout lays the screen and the panes' tables out for the sizes they
// have now: called when the terminal's size or the screen's state changes
// (Update), not per frame or per scroll. It measures the header and the
// footer by drawing them.
func (m *Model) relayout() {
	m.lay.tabBar, m.lay.panes = m.placements(len(m.header(m.width)), lineCount(m.footer()))
	if w := m.paneWidth(paneFleet); w > 0 {
		m.fleet.layout(w)
	}
}

// lineCount is the number of lines of s.
func lineCount(s string) int { return strings.Count(s, "\n") + 1 }

// paneHeight is the inner height the pane has now, or 0 when hidden.
func (m *Model) paneHeight(p pane) int {
	for _, pl := range m.lay.panes {
		if pl.pane == p {
			return pl.h - 2
		}
	}
	return 0
}

// paneAt is the pane under a screen cell.
func (m *Model) paneAt(x, y int) (pane, bool) {
	for _, pl := range m.lay.panes {
		if x >= pl.x && x < pl.x+pl.w && y >= pl.y && y < pl.y+pl.h {
			return pl.pane, true
		}
	}
	return 0, false
}

var paneNames = [paneCount]string{"Alerts", "Fleet", "Chat", "Timeline"}

// tabBar names every pane with its number key; the focused one is marked.
func (m *Model) tabBar() string {
	var parts []string
	for p := range paneCount {
		label := fmt.Sprintf(" %d %s%s ", p+1, paneNames[p], m.tabMark(p))
		if p == m.focus {
			label = m.styles.BorderFocus.Render("[" + strings.TrimSpace(label) + "]")
		} else {
			label = m.styles.Dim.Render(label)
		}
		parts = append(parts, label)
	}
	bar := strings.Join(parts, " ")
	if m.zoomed {
		bar += m.styles.Dim.Render("   zoomed (z)")
	}
	return fit(bar, m.width)
}

// tabMark flags trouble in a pane the tab bar hides: triggered alerts, slot
// drift, a source that is not fresh.
func (m *Model) tabMark(p pane) string {
	mark := m.component(p).tabMark()
	if mark == "" && m.staleMark(p) != "" {
		mark = " ⚠"
	}
	return mark
}

// scrolls reports whether msg only scrolls a pane: a scroll key with no
// dialog open, or the mouse wheel.
func (m *Model) scrolls(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		return true
	case tea.KeyPressMsg:
		k := m.keys
		return m.top() == nil && m.panelClosed() &&
			key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom)
	}
	return false
}

// scroll moves the pane a scroll message is for: it moves a cursor and
// draws nothing.
func (m *Model) scroll(msg tea.Msg) {
	if wheel, ok := msg.(tea.MouseWheelMsg); ok {
		if p, ok := m.paneAt(wheel.X, wheel.Y); ok && m.panelClosed() {
			delta := 3
			if wheel.Button == tea.MouseWheelUp {
				delta = -3
			}
			m.scrollPane(p, delta)
		}
		return
	}
	k, page := m.keys, max(1, m.paneHeight(m.focus)-1)
	press := msg.(tea.KeyPressMsg)
	switch {
	case key.Matches(press, k.Up):
		m.scrollPane(m.focus, -1)
	case key.Matches(press, k.Down):
		m.scrollPane(m.focus, 1)
	case key.Matches(press, k.PageUp):
		m.scrollPane(m.focus, -page)
	case key.Matches(press, k.PageDown):
		m.scrollPane(m.focus, page)
	case key.Matches(press, k.Top):
		m.scrollPane(m.focus, -1<<30)
	case key.Matches(press, k.Bottom):
		m.scrollPane(m.focus, 1<<30)
	}
}

// typing reports whether msg is a letter typed into the input line: the
// line keeps its height.
func (m *Model) typing(msg tea.Msg) bool {
	press, ok := msg.(tea.KeyPressMsg)
	_, input := m.top().(*inputDialog)
	return ok && input && m.panelClosed() && !key.Matches(press, m.keys.Submit, m.keys.Cancel)
}
