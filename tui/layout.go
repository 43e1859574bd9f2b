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
		if left == paneTimeline {
			left = m.lastSide
		}
		lw := m.width * 11 / 20
		out = []placed{{left, 0, top, lw, body}, {paneTimeline, lw, top, m.width - lw, body}}
	default:
		lw, th := m.width/2, body/2
		out = []placed{
			{paneAlerts, 0, top, lw, th}, {paneFleet, lw, top, m.width - lw, th},
			{paneChat, 0, top + th, lw, body - th}, {paneTimeline, lw, top + th, m.width - lw, body - th},
		}
	}
	return tabBar, out
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
