package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// View draws the screen.
func (m Model) View() tea.View {
	var b strings.Builder
	header, footer := m.header(m.width), m.footer()
	for _, line := range header {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	// The frame is laid out from what it draws, so it always fits; the
	// layout kept for keys and the mouse (relayout) is the same unless
	// something changed the model without Update.
	tabBar, ps := m.placements(len(header), lineCount(footer))
	if tabBar {
		b.WriteString(m.tabBar())
		b.WriteByte('\n')
	}
	// Panes sharing a top edge are joined side by side, rows stacked.
	for i := 0; i < len(ps); {
		j := i
		var row []string
		for ; j < len(ps) && ps[j].y == ps[i].y; j++ {
			row = append(row, m.renderPane(ps[j]))
		}
		b.WriteString(joinColumns(row...))
		b.WriteByte('\n')
		i = j
	}
	b.WriteString(footer)
	v := tea.NewView(b.String())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "warroom — " + m.info.Title
	if m.info.Drill {
		v.WindowTitle = "warroom DRILL — " + m.info.Title
	}
	return v
}

func (m *Model) renderPane(p placed) string {
	if p.pane == paneRunbook {
		if m.ledgerList() != nil {
			return m.renderLedger(p.w, p.h)
		}
		if m.approvals() != nil {
			return m.renderApprovals(p.w, p.h)
		}
		return m.renderFlow(p.w, p.h)
	}
	return m.component(p.pane).render(m.env(p.pane), p.w, p.h, m.focus == p.pane)
}

func (m *Model) footer() string {
	st := m.styles
	var lines []string
	confirm, input := m.confirming(), m.inputLine()
	if input != nil && input.err != "" {
		lines = append(lines, fit(st.Error.Render(input.err), m.width))
	}
	switch {
	case confirm != nil:
		// Wrapped, not cut: the prompt says what the key will do.
		prompt := ansi.Wrap(m.question(confirm), max(10, m.width-2), "")
		for i, l := range strings.Split(prompt, "\n") {
			mark := "⚠ "
			if i > 0 {
				mark = "  "
			}
			lines = append(lines, fit(st.Warn.Render(mark+l), m.width))
		}
	case input != nil:
		lines = append(lines, fit(input.field.View(), m.width))
	case m.scorecardOpen() != nil:
		lines = append(lines, m.scorecardOpen().view(st, m.width)...)
	case m.saving > 0:
		lines = append(lines, fit(st.Dim.Render("saving…"), m.width))
	}
	// The toast line is always there, blank between toasts, so the panes
	// above do not jump by a line every time one comes and goes.
	toast := ""
	if m.toast.ticks > 0 {
		toast = st.OK.Render("✓ " + m.toast.text)
		if m.toast.bad {
			toast = st.Bad.Render("✗ " + m.toast.text)
		}
	}
	lines = append(lines, fit(toast, m.width))
	if m.storeErr != "" {
		lines = append(lines, fit(st.Bad.Render(m.storeErr), m.width))
	}
	if m.flow != nil && m.flow.hidden {
		lines = append(lines, fit(m.flow.runLine(m.dialogEnv()), m.width))
	}
	switch {
	case m.ledgerList() != nil && confirm == nil:
		lines = append(lines, m.help.View(hints{hint("↑/↓", "choose"), hint("enter", "revert (plan and confirmation follow)"), hint("esc", "close")}))
	case m.approvals() != nil && input == nil:
		lines = append(lines, m.help.View(approvalsHelp()))
	case !m.panelClosed() && confirm == nil:
		lines = append(lines, m.help.View(m.flow.flowHelp(m.dialogEnv())))
	case !m.panelClosed():
		// The prompt above says which keys answer it.
	case input != nil:
		lines = append(lines, m.help.View(inputKeys{m.keys}))
	case m.scorecardOpen() != nil:
		lines = append(lines, m.help.View(hints{hint("esc", "close"), hint(m.keys.Scorecard.Help().Key, "shows it again")}))
	case m.help.ShowAll && m.width < 120:
		// The full help's five columns do not fit a narrow terminal: two
		// rows of columns, so every key shows.
		groups := m.keys.FullHelp()
		lines = append(lines, m.help.FullHelpView(groups[:3]), m.help.FullHelpView(groups[3:]))
	default:
		lines = append(lines, m.help.View(footerKeys{m.keysNow()}))
	}
	return strings.Join(lines, "\n")
}

// footerKeys orders the short help for the footer line by importance:
// the line is cut at the terminal's width, so the first keys survive a
// narrow one.
type footerKeys struct{ keyMap }

func (k footerKeys) ShortHelp() []key.Binding {
	// Starting a runbook and talking to the channel are what a responder
	// reaches for; help lists every other key, and quit ends the session.
	// The rest follow in the key map's order.
	first := []string{"r", "c", "?", "q"}
	keys := k.keyMap.ShortHelp()
	rank := func(b key.Binding) int {
		if i := slices.Index(first, b.Help().Key); i >= 0 {
			return i
		}
		return len(first)
	}
	slices.SortStableFunc(keys, func(a, b key.Binding) int { return rank(a) - rank(b) })
	return keys
}
