package tui

import (
	"fmt"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// timelineRow is one entry as the pane shows it.
type timelineRow struct {
	rec     integrations.Record
	unsaved bool // the store failed to make it durable
}

// timelinePane shows the incident's record, oldest first, following the
// newest entry until the user scrolls back. It renders only the visible
// window, so its cost does not grow with the incident's length.
type timelinePane struct {
	rows []timelineRow
	back int // rows scrolled back from the newest
}

func (p *timelinePane) add(recs []integrations.Record, unsaved bool) {
	for _, r := range recs {
		p.rows = append(p.rows, timelineRow{rec: r, unsaved: unsaved})
	}
	if p.back > 0 {
		p.back += len(recs)
	}
}

func (p *timelinePane) scroll(delta int) {
	p.back = max(0, min(len(p.rows)-1, p.back-delta))
}

func (p *timelinePane) render(st Styles, width, height int, focused bool, now time.Time) string {
	inner := height - 2
	end := len(p.rows) - p.back
	start := max(0, end-inner)
	lines := make([]string, 0, inner)
	for _, row := range p.rows[start:end] {
		r := row.rec
		stamp := r.Occurred.Format("15:04:05")
		if !sameDay(r.Occurred, now) {
			stamp = r.Occurred.Format("Mon 15:04")
		}
		text := r.Text
		switch {
		case r.Kind == "note":
			text = st.PaneTitle.Render("✎ "+r.Actor+": ") + text
		case r.Actor != "":
			text = r.Actor + ": " + text
		}
		line := fmt.Sprintf("%-9s %-16s ", stamp, r.Kind)
		if row.unsaved {
			line = st.Bad.Render("UNSAVED ") + line
		}
		lines = append(lines, line+text)
	}
	if len(p.rows) == 0 {
		lines = append(lines, st.Dim.Render("nothing recorded yet"))
	}
	title := fmt.Sprintf("Timeline  %d entries", len(p.rows))
	if p.back > 0 {
		title += fmt.Sprintf("  ↑ %d newer", p.back)
	}
	return frame(st, title, lines, width, height, focused)
}
