package tui

import (
	"fmt"
	"strings"
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

func (m Model) mode() layoutMode {
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

// placements lays the panes out below the header (and tab bar, when
// there is one) and above the footer.
func (m Model) placements() (tabBar bool, out []placed) {
	header := len(m.header(m.width))
	footer := strings.Count(m.footer(), "\n") + 1
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
func (m Model) share(width int) int {
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
func (m Model) paneWidth(p pane) int {
	_, ps := m.placements()
	for _, pl := range ps {
		if pl.pane == p {
			return pl.w
		}
	}
	return 0
}

// relayout lays the panes' tables out for the sizes they have now: called
// when the terminal's size, the focus, the zoom or a drill-in changes, not
// per frame.
func (m *Model) relayout() {
	if w := m.paneWidth(paneFleet); w > 0 {
		m.fleet.layout(w)
	}
}

// paneHeight is the inner height the pane has now, or 0 when hidden.
func (m Model) paneHeight(p pane) int {
	_, ps := m.placements()
	for _, pl := range ps {
		if pl.pane == p {
			return pl.h - 2
		}
	}
	return 0
}

// paneAt is the pane under a screen cell.
func (m Model) paneAt(x, y int) (pane, bool) {
	_, ps := m.placements()
	for _, pl := range ps {
		if x >= pl.x && x < pl.x+pl.w && y >= pl.y && y < pl.y+pl.h {
			return pl.pane, true
		}
	}
	return 0, false
}

var paneNames = [paneCount]string{"Alerts", "Fleet", "Chat", "Timeline"}

// tabBar names every pane with its number key; the focused one is marked.
func (m Model) tabBar() string {
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
func (m Model) tabMark(p pane) string {
	mark := ""
	switch p {
	case paneAlerts:
		if n := m.alerts.counts[0]; n > 0 {
			mark = fmt.Sprintf(" %d!", n)
		}
	case paneFleet:
		if n := len(m.fleet.findings); n > 0 {
			mark = fmt.Sprintf(" ⚠%d", n)
		}
	}
	if mark == "" && m.staleMark(p) != "" {
		mark = " ⚠"
	}
	return mark
}
