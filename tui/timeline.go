package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
)

// timelineRow is one entry as the pane shows it: the record with every
// amendment to it applied.
type timelineRow struct {
	rec     integrations.Record
	unsaved bool // the store failed to make it durable
	starred bool
	hidden  bool
	edited  bool
}

// timelinePane shows the incident's record, oldest first, following the
// newest entry until the user scrolls back. It renders only the visible
// window, so its cost does not grow with the incident's length.
type timelinePane struct {
	rows    []timelineRow
	list    listView
	byID    map[string]int   // record id → row
	byAlert map[string][]int // alert id → rows that mention it
	detail  bool             // enter shows the selected entry in full
}

func newTimelinePane() timelinePane {
	return timelinePane{list: listView{follow: true}, byID: map[string]int{}, byAlert: map[string][]int{}}
}

func (p *timelinePane) add(recs []integrations.Record, unsaved bool) {
	from := len(p.rows)
	for _, r := range recs {
		r.Text, r.Actor = oneLine(r.Text), oneLine(r.Actor)
		if r.Amends != nil {
			p.amend(r)
		}
		if id := r.Fields["alert"]; id != "" {
			p.byAlert[id] = append(p.byAlert[id], len(p.rows))
		}
		if r.ID != "" {
			p.byID[r.ID] = len(p.rows)
		}
		p.rows = append(p.rows, timelineRow{rec: r, unsaved: unsaved})
	}
	p.list.appended(from, len(p.rows), p.match)
}

// amend applies an amendment to the row it targets; the amendment itself
// is also a row, so the pane shows the history as it happened.
func (p *timelinePane) amend(r integrations.Record) {
	i, ok := p.byID[r.Amends.Target]
	if !ok {
		return
	}
	row := &p.rows[i]
	switch r.Amends.Op {
	case "text":
		row.rec.Text, row.edited = r.Text, true
	case "time":
		row.rec.Occurred, row.edited = r.Amends.To, true
	case "star", "unstar":
		row.starred = r.Amends.Op == "star"
	case "hide", "unhide":
		row.hidden = r.Amends.Op == "hide"
	case "erase":
		row.rec.Text, row.rec.Fields, row.edited = "[erased]", nil, true
	}
}

func (p *timelinePane) match(i int, q string) bool {
	r := p.rows[i].rec
	return contains(r.Kind+" "+kindLabel(r.Kind)+" "+r.Source+" "+r.Actor+" "+r.Text, q)
}

// selected is the row under the cursor.
func (p *timelinePane) selected() (timelineRow, bool) {
	n := p.list.count(len(p.rows))
	if n == 0 {
		return timelineRow{}, false
	}
	return p.rows[p.list.item(min(p.list.cursor, n-1))], true
}

// jump moves the cursor to the first visible entry at or after t.
func (p *timelinePane) jump(t time.Time) bool {
	n := p.list.count(len(p.rows))
	for pos := range n {
		if !p.rows[p.list.item(pos)].rec.Occurred.Before(t) {
			p.list.cursor, p.list.follow = pos, false
			return true
		}
	}
	return false
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
	if row, ok := p.selected(); ok && p.detail {
		return frame(st, "Entry "+row.rec.ID+"  (esc back)", entryDetail(st, row, width-2), width, height, focused)
	}
	inner := height - 2
	n := len(p.rows)
	lines := make([]string, 0, inner)
	start := p.list.visible(n, inner)
	for pos := start; pos < p.list.count(n) && len(lines) < inner; pos++ {
		row := p.rows[p.list.item(pos)]
		line := timelineLine(st, row, now)
		if focused && pos == p.list.cursor {
			line = st.Selected.Render(fit("▸"+line, width-2))
		} else {
			line = " " + line
		}
		lines = append(lines, line)
	}
	switch {
	case p.list.count(n) == 0 && p.list.filter != "":
		lines = append(lines, st.Dim.Render("no entry matches /"+p.list.filter+" (esc clears)"))
	case p.list.count(n) == 0:
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
	case r.Kind == "note" || r.Kind == "decision" || strings.HasPrefix(r.Kind, "incident."):
		text = st.PaneTitle.Render("✎ "+r.Actor+": ") + text
	case r.Amends != nil:
		text = fmt.Sprintf("%s %s %s: %s", r.Actor, r.Amends.Op, r.Amends.Target, text)
	case r.Actor != "":
		text = r.Actor + ": " + text
	}
	marks := ""
	if row.starred {
		marks += "★ "
	}
	if row.edited {
		marks += "(edited) "
	}
	line := fmt.Sprintf("%-9s %s %s%s", stamp, fit(kindLabel(r.Kind), 16), marks, text)
	switch {
	case row.unsaved:
		line = st.Bad.Render("UNSAVED ") + line
	case row.hidden:
		line = st.Dim.Render("(hidden) " + line)
	}
	return line
}

// kindLabel fits a kind in its column: runbook kinds are the longest and
// the most common during a run, so their prefix is shortened.
func kindLabel(kind string) string {
	if rest, ok := strings.CutPrefix(kind, "runbook."); ok {
		return "rb." + rest
	}
	return kind
}

// entryDetail is one entry in full: its text wrapped, its fields, links
// and what amendments did to it.
func entryDetail(st Styles, row timelineRow, width int) []string {
	r := row.rec
	lines := []string{
		st.PaneTitle.Render(r.Kind) + st.Dim.Render("  from "+r.Source),
		r.Occurred.Format("Mon 2006-01-02 15:04:05 MST"),
	}
	if r.Actor != "" {
		lines = append(lines, "by "+r.Actor)
	}
	var marks []string
	if row.starred {
		marks = append(marks, "★ starred")
	}
	if row.edited {
		marks = append(marks, "edited (warroom timeline show --entry "+r.ID+" has the history)")
	}
	if row.hidden {
		marks = append(marks, "hidden from exports")
	}
	if row.unsaved {
		marks = append(marks, st.Bad.Render("NOT SAVED"))
	}
	if len(marks) > 0 {
		lines = append(lines, strings.Join(marks, " · "))
	}
	lines = append(lines, "")
	lines = append(lines, strings.Split(ansi.Wrap(r.Text, max(10, width), ""), "\n")...)
	if len(r.Fields) > 0 {
		lines = append(lines, "")
		for _, k := range slices.Sorted(maps.Keys(r.Fields)) {
			// Command output keeps its lines.
			for i, l := range strings.Split(ansi.Wrap(safeText(r.Fields[k]), max(10, width-len(k)-2), ""), "\n") {
				if i == 0 {
					lines = append(lines, st.Dim.Render(k+": ")+l)
				} else {
					lines = append(lines, strings.Repeat(" ", len(k)+2)+l)
				}
			}
		}
	}
	for _, l := range r.Links {
		lines = append(lines, "link "+oneLine(l))
	}
	return lines
}
