package tui

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
)

var errNoStore = errors.New("no timeline store is open")

type rect struct{ w, h int }

// layout is the size of every pane for the current terminal.
type layout struct {
	header, footer                int
	alerts, fleet, chat, timeline rect
}

// layout splits the body into a 2×2 grid: alerts and fleet on top, chat
// and timeline below.
func (m Model) layout() layout {
	l := layout{header: len(m.header(m.width)), footer: strings.Count(m.footer(), "\n") + 1}
	body := max(4, m.height-l.header-l.footer)
	left := m.width / 2
	right := m.width - left
	top := body / 2
	bottom := body - top
	l.alerts, l.fleet = rect{left, top}, rect{right, top}
	l.chat, l.timeline = rect{left, bottom}, rect{right, bottom}
	return l
}

// View draws the screen.
func (m Model) View() tea.View {
	l := m.layout()
	st := m.styles
	var b strings.Builder
	for _, line := range m.header(m.width) {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteString(joinColumns(
		m.alerts.render(st, l.alerts.w, l.alerts.h, m.focus == paneAlerts, m.now),
		m.fleet.render(st, l.fleet.w, l.fleet.h, m.focus == paneFleet, m.now),
	))
	b.WriteByte('\n')
	b.WriteString(joinColumns(
		m.chat.render(st, l.chat.w, l.chat.h, m.focus == paneChat, m.now),
		m.timeline.render(st, l.timeline.w, l.timeline.h, m.focus == paneTimeline, m.now),
	))
	b.WriteByte('\n')
	b.WriteString(m.footer())
	v := tea.NewView(b.String())
	v.AltScreen = true
	v.WindowTitle = "warroom — " + m.opts.Title
	return v
}

func (m Model) footer() string {
	st := m.styles
	var lines []string
	switch {
	case m.noting:
		if m.noteErr != "" {
			lines = append(lines, fit(st.Error.Render(m.noteErr), m.width))
		}
		lines = append(lines, fit(m.note.View(), m.width))
	case m.saving:
		lines = append(lines, fit(st.Dim.Render("saving note…"), m.width))
	case m.noteErr != "":
		lines = append(lines, fit(st.Error.Render(m.noteErr), m.width))
	}
	if m.storeErr != "" {
		lines = append(lines, fit(st.Bad.Render(m.storeErr), m.width))
	}
	if m.noting {
		lines = append(lines, m.help.View(noteKeys{m.keys}))
	} else {
		lines = append(lines, m.help.View(m.keys))
	}
	return strings.Join(lines, "\n")
}
