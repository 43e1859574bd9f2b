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
	rows    []timelineRow
	list    listView
	byAlert map[string][]int // alert id → rows that mention it
}

func newTimelinePane() timelinePane {
	return timelinePane{list: listView{follow: true}, byAlert: map[string][]int{}}
}

func (p *timelinePane) add(recs []integrations.Record, unsaved bool) {
	from := len(p.rows)
	for _, r := range recs {
		if id := r.Fields["alert"]; id != "" {
			p.byAlert[id] = append(p.byAlert[id], len(p.rows))
		}
		p.rows = append(p.rows, timelineRow{rec: r, unsaved: unsaved})
	}
	p.list.appended(from, len(p.rows), p.match)
}

func (p *timelinePane) match(i int, q string) bool {
	r := p.rows[i].rec
	return contains(r.Kind+" "+r.Source+" "+r.Actor+" "+r.Text, q)
}

// related lists the newest entries about an alert, at most limit.
func (p *timelinePane) related(alertID string, limit int) []integrations.Record {
	idx := p.byAlert[alertID]
	out := make([]integrations.Record, 0, min(limit, len(idx)))
	for _, i := range idx[max(0, len(idx)-limit):] {
		out = append(out, p.rows[i].rec)
	}
	return out
}

func (p *timelinePane) render(st Styles, width, height int, focused bool, now time.Time) string {
	inner := height - 2
	n := len(p.rows)
	lines := make([]string, 0, inner)
	start := p.list.visible(n, inner)
	for pos := start; pos < p.list.count(n) && len(lines) < inner; pos++ {
		row := p.rows[p.list.item(pos)]
		line := timelineLine(st, row, now)
		if focused && pos == p.list.cursor && !p.list.follow {
			line = st.Selected.Render(fit("▸"+line, width-2))
		}
		lines = append(lines, line)
	}
	if p.list.count(n) == 0 {
		lines = append(lines, st.Dim.Render("nothing recorded"))
	}
	title := fmt.Sprintf("Timeline  %d entries", n)
	if p.list.filter != "" {
		title += fmt.Sprintf("  /%s (%d)", p.list.filter, p.list.count(n))
	}
	if newer := p.list.count(n) - 1 - p.list.cursor; newer > 0 {
		title += fmt.Sprintf("  ↓ %d newer", newer)
	}
	return frame(st, title, lines, width, height, focused)
}

func timelineLine(st Styles, row timelineRow, now time.Time) string {
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
	line := fmt.Sprintf("%-9s %-16s %s", stamp, r.Kind, text)
	if row.unsaved {
		line = st.Bad.Render("UNSAVED ") + line
	}
	return line
}
