package tui

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// alertsPane lists alerts from every source: open before resolved, most
// severe first, newest first within a severity.
type alertsPane struct {
	bySource map[string][]integrations.Alert
	sorted   []integrations.Alert
	cursor   int
	offset   int
}

// set replaces one source's alerts and re-sorts; it runs once per batch,
// never per frame.
func (p *alertsPane) set(source string, alerts []integrations.Alert) {
	if p.bySource == nil {
		p.bySource = map[string][]integrations.Alert{}
	}
	p.bySource[source] = alerts
	p.sorted = p.sorted[:0]
	for _, src := range slices.Sorted(maps.Keys(p.bySource)) {
		p.sorted = append(p.sorted, p.bySource[src]...)
	}
	slices.SortStableFunc(p.sorted, func(a, b integrations.Alert) int {
		return cmp.Or(
			cmp.Compare(statusRank(a.Status), statusRank(b.Status)),
			cmp.Compare(a.Severity.Rank(), b.Severity.Rank()),
			b.CreatedAt.Compare(a.CreatedAt),
			cmp.Compare(a.ID, b.ID),
		)
	})
	p.cursor = min(p.cursor, max(0, len(p.sorted)-1))
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

func (p *alertsPane) move(delta, height int) {
	p.cursor = max(0, min(len(p.sorted)-1, p.cursor+delta))
	p.offset = window(len(p.sorted), height, p.cursor, p.offset)
}

func (p *alertsPane) title() string {
	var trig, ack, res int
	for _, a := range p.sorted {
		switch a.Status {
		case integrations.AlertTriggered:
			trig++
		case integrations.AlertAcknowledged:
			ack++
		default:
			res++
		}
	}
	return fmt.Sprintf("Alerts  %d triggered · %d acked · %d resolved", trig, ack, res)
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

func (p *alertsPane) render(st Styles, width, height int, focused bool, now time.Time) string {
	inner := height - 2
	var lines []string
	if len(p.sorted) == 0 {
		lines = append(lines, st.Dim.Render("no alerts"))
	}
	start := window(len(p.sorted), inner, p.cursor, p.offset)
	for i := start; i < len(p.sorted) && i < start+inner; i++ {
		a := p.sorted[i]
		sev := severityLabel(a.Severity)
		switch {
		case a.Status == integrations.AlertResolved:
			sev = st.Dim.Render(sev)
		case a.Severity == integrations.SeverityCritical:
			sev = st.Bad.Render(sev)
		case a.Severity == integrations.SeverityError || a.Severity == integrations.SeverityWarning:
			sev = st.Warn.Render(sev)
		}
		marker := "  "
		if focused && i == p.cursor {
			marker = "▸ "
		}
		line := fmt.Sprintf("%s%s %s %s %s", marker, sev, statusLabel(a.Status), clockLabel(a.CreatedAt, now), a.Title)
		if focused && i == p.cursor {
			line = st.Selected.Render(fit(line, width-2))
		}
		lines = append(lines, line)
	}
	return frame(st, p.title(), lines, width, height, focused)
}

func sameDay(a, b time.Time) bool {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}
