package tui

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/record"
)

// timelineRow is one entry as the pane shows it: the record with every
// amendment to it applied.
type timelineRow struct {
	rec     integrations.Record
	view    int  // its row in the pane's fold (record.View); -1 until it is amended
	unsaved bool // the store failed to make it durable
	starred bool
	hidden  bool
	edited  bool
}

// timelinePane shows the incident's record in the order things happened
// (by the time each entry names; entries with the same time in the order
// they arrived), following the newest entry until the user scrolls back.
// It renders only the visible window, so its cost does not grow with the
// incident's length.
type timelinePane struct {
	rows []timelineRow // in arrival order, so indices into it never change
	// text is every row's searchable text (kind, source, actor, text),
	// lower-cased once when the row arrives or is amended, never per
	// keystroke.
	text textIndex
	// order is every row's index in time order: the display order. The
	// list's positions (and its filter's matches) are positions in order.
	order []int
	list  listView
	byID  map[string]int // record id → row
	// fold is the timeline's own view of the entries, which applies
	// amendments to their targets; fromView maps its rows to the pane's.
	// An entry joins the fold when it is first amended, as recorded (no
	// amendment has touched it before): the fold then holds the few
	// amended entries, not a second copy of every one.
	fold     *record.View
	fromView []int
	byAlert  map[string][]int // alert id → rows that mention it, in display order
	detail   bool             // enter shows the selected entry in full
	// keyOnly shows the key events only (isKeyEvent); keyRows indexes
	// them, in display order, so the toggle costs their number.
	keyOnly bool
	keyRows []int
}

func newTimelinePane() timelinePane {
	return timelinePane{list: listView{follow: true}, byID: map[string]int{}, byAlert: map[string][]int{}, fold: record.NewView(nil)}
}

func (p *timelinePane) add(recs []integrations.Record, unsaved bool) {
	from := len(p.rows)
	var fresh []int // rows to place in order: the new ones, and any whose time an amendment moved
	for _, r := range recs {
		if _, shown := p.byID[r.ID]; shown && r.ID != "" {
			continue // one entry, one row: it came back by two roads (a change's answer and the team's feed)
		}
		r.Text, r.Actor = oneLine(r.Text), oneLine(r.Actor)
		if r.IsAmendment() {
			if moved, ok := p.amend(r, from); ok {
				fresh = append(fresh, moved)
			}
		}
		i := len(p.rows)
		p.rows = append(p.rows, timelineRow{rec: r, unsaved: unsaved, view: -1})
		p.text.add(searchText(r))
		if id := r.Fields["alert"]; id != "" {
			// In time order too: mostly an append.
			at, _ := slices.BinarySearchFunc(p.byAlert[id], i, p.compare)
			p.byAlert[id] = slices.Insert(p.byAlert[id], at, i)
		}
		if r.ID != "" {
			p.byID[r.ID] = i
		}
		if isKeyEvent(&p.rows[i]) {
			p.indexKey(i)
		}
		fresh = append(fresh, i)
	}
	p.place(fresh)
}

// compare is the display order of two rows: by time, then by arrival.
func (p *timelinePane) compare(a, b int) int {
	if c := p.rows[a].rec.Occurred.Compare(p.rows[b].rec.Occurred); c != 0 {
		return c
	}
	return a - b
}

// place merges rows not yet in order into it. Entries mostly arrive in
// time order, so only the tail after the earliest of them is merged:
// nothing is re-sorted, and an in-order batch costs its own length. The
// filter's matches are carried through the merge (only the placed rows
// are matched), and the cursor stays on the entry it was on.
func (p *timelinePane) place(fresh []int) {
	if len(fresh) == 0 {
		return
	}
	if !slices.IsSortedFunc(fresh, p.compare) {
		slices.SortFunc(fresh, p.compare)
	}
	l := &p.list
	l.forget()
	at, _ := slices.BinarySearchFunc(p.order, fresh[0], p.compare)
	tail := slices.Clone(p.order[at:])
	cursorWas, cursorTo := -1, -1 // display positions of the cursor's entry
	if shown := l.count(len(p.order)); !l.follow && shown > 0 {
		cursorWas = l.item(min(l.cursor, shown-1))
	}
	filtering := l.narrowed()
	var matched []int // the old tail's matches
	if filtering {
		k, _ := slices.BinarySearch(l.matches, at)
		matched = slices.Clone(l.matches[k:])
		l.matches = l.matches[:k]
	}
	p.order = p.order[:at]
	for i, j := 0, 0; i < len(tail) || j < len(fresh); {
		pos := len(p.order)
		if j == len(fresh) || i < len(tail) && p.compare(tail[i], fresh[j]) < 0 {
			was := at + i
			p.order = append(p.order, tail[i])
			if was == cursorWas {
				cursorTo = pos
			}
			if len(matched) > 0 && matched[0] == was {
				l.matches, matched = append(l.matches, pos), matched[1:]
			}
			i++
			continue
		}
		p.order = append(p.order, fresh[j])
		if filtering && p.match(pos, l.words) {
			l.matches = append(l.matches, pos)
		}
		j++
	}
	n := len(p.order)
	switch {
	case l.follow:
		l.cursor = max(0, l.count(n)-1)
	case cursorTo >= 0: // what came before the cursor's entry moved it down
		pos := cursorTo
		if filtering {
			pos, _ = slices.BinarySearch(l.matches, pos)
		}
		l.offset += pos - l.cursor
		l.cursor = pos
	}
}

// unplace takes row i out of order before its time changes, so place can
// put it back where its new time belongs; it reports whether i was there.
func (p *timelinePane) unplace(i int) bool {
	pos, ok := slices.BinarySearchFunc(p.order, i, p.compare)
	if !ok {
		return false
	}
	p.order = slices.Delete(p.order, pos, pos+1)
	l := &p.list
	l.forget()
	if !l.narrowed() {
		if l.cursor > pos {
			l.cursor--
		}
		return true
	}
	k, found := slices.BinarySearch(l.matches, pos)
	if found {
		l.matches = slices.Delete(l.matches, k, k+1)
		if l.cursor > k {
			l.cursor--
		}
	}
	for m := k; m < len(l.matches); m++ {
		l.matches[m]--
	}
	return true
}

// amend folds an amendment in with the timeline's own view (record.View)
// and shows its target as the view now has it; the amendment itself is
// also a row, so the pane shows the history as it happened. A time
// amendment moves its target: it reports the row to place again when the
// target was in order (rows before placed are, unless moved already).
func (p *timelinePane) amend(r integrations.Record, placed int) (moved int, ok bool) {
	j, found := p.byID[r.Target]
	if found && p.rows[j].view < 0 && !p.rows[j].rec.IsAmendment() {
		p.rows[j].view = p.fold.Add(record.Entry{Record: p.rows[j].rec})
		p.fromView = append(p.fromView, j)
	}
	vi := p.fold.Add(record.Entry{Record: r})
	if found && r.Op == integrations.OpErase && p.rows[j].rec.IsAmendment() {
		// An amendment erased (a correction that leaked a secret): its own
		// row no longer shows what it said.
		p.rows[j].rec.Text = record.ErasedText
		p.text.set(j, searchText(p.rows[j].rec))
	}
	if vi < 0 {
		return 0, false
	}
	i := p.fromView[vi]
	row, v := &p.rows[i], p.fold.Row(vi)
	if !v.Occurred.Equal(row.rec.Occurred) {
		if i < placed && p.unplace(i) {
			moved, ok = i, true
		}
		row.rec.Occurred = v.Occurred
		if id := row.rec.Fields["alert"]; id != "" {
			slices.SortFunc(p.byAlert[id], p.compare)
		}
		slices.SortFunc(p.keyRows, p.compare)
	}
	if v.Text != row.rec.Text {
		row.rec.Text = v.Text
		p.text.set(i, searchText(row.rec))
	}
	row.rec.Fields, row.rec.Links = v.Fields, v.Links
	row.edited, row.hidden = v.Amended, v.Hidden
	if v.Starred != row.starred {
		was := isKeyEvent(row)
		row.starred = v.Starred
		if now := isKeyEvent(row); now != was {
			p.keyChanged(i, now, placed)
		}
	}
	return moved, ok
}

// match reports whether the entry at display position pos is shown for
// the query's words (none: any) in the current mode.
func (p *timelinePane) match(pos int, words []string) bool {
	i := p.order[pos]
	if p.keyOnly && !isKeyEvent(&p.rows[i]) {
		return false
	}
	return p.text.has(i, words)
}

// count is the number of entries, for the filter.
func (p *timelinePane) count() int { return len(p.order) }

// scan filters every entry in one pass over the text index, returning
// the display positions that match.
func (p *timelinePane) scan(words []string) []int {
	var out []int
	if len(words) == 0 {
		for pos := range p.order {
			if p.match(pos, nil) {
				out = append(out, pos)
			}
		}
		return out
	}
	found := p.text.search(words)
	out = make([]int, 0, countMarked(found))
	for pos, i := range p.order {
		if marked(found, i) && (!p.keyOnly || isKeyEvent(&p.rows[i])) {
			out = append(out, pos)
		}
	}
	return out
}

// searchText is what the filter searches in an entry.
func searchText(r integrations.Record) string {
	text := r.Kind
	if label := kindLabel(r.Kind); label != r.Kind {
		text += " " + label
	}
	return text + " " + r.Source + " " + r.Actor + " " + r.Text
}

// isKeyEvent reports whether a row is one of the few that tell the story:
// notes, decisions, key-time marks, alerts firing and clearing, runbook
// outcomes, source outages and recoveries, odd-one-out findings, and
// anything starred.
func isKeyEvent(row *timelineRow) bool {
	switch k := row.rec.Kind; {
	case row.starred, k == integrations.KindNote, k == integrations.KindDecision, strings.HasPrefix(k, integrations.KindIncidentPrefix),
		k == integrations.KindAlertTriggered, k == integrations.KindAlertResolved, k == integrations.KindSourceStatus, k == integrations.KindOddOne,
		k == integrations.KindRunbookDone, k == integrations.KindRunbookFailed, k == integrations.KindRunbookAbort:
		return true
	}
	return false
}

// indexKey adds row i to the key events' index.
func (p *timelinePane) indexKey(i int) {
	at, _ := slices.BinarySearchFunc(p.keyRows, i, p.compare)
	p.keyRows = slices.Insert(p.keyRows, at, i)
}

// keyChanged follows a star that made row i a key event or not: the index,
// and, when the pane shows key events only and i is in order (placed
// rows are), the visible list.
func (p *timelinePane) keyChanged(i int, key bool, placed int) {
	if key {
		p.indexKey(i)
	} else if at, ok := slices.BinarySearchFunc(p.keyRows, i, p.compare); ok {
		p.keyRows = slices.Delete(p.keyRows, at, at+1)
	}
	if !p.keyOnly || i >= placed {
		return
	}
	pos, ok := slices.BinarySearchFunc(p.order, i, p.compare)
	if !ok {
		return
	}
	l := &p.list
	l.forget()
	k, found := slices.BinarySearch(l.matches, pos)
	switch {
	case key && !found && p.match(pos, l.words):
		l.matches = slices.Insert(l.matches, k, pos)
		if !l.follow && l.cursor >= k {
			l.cursor++ // stay on the entry it was on
		}
	case !key && found:
		l.matches = slices.Delete(l.matches, k, k+1)
		if l.cursor > k {
			l.cursor--
		}
	}
	l.clamp(len(p.order))
}

// toggleKeyOnly switches between every entry and the key events only. To
// key events it walks their index, not the whole record; back to all it
// re-filters only when a query is set.
func (p *timelinePane) toggleKeyOnly() {
	p.keyOnly = !p.keyOnly
	l := &p.list
	l.narrow = p.keyOnly
	if !p.keyOnly {
		l.refilter(p)
		return
	}
	l.forget()
	l.matches = nil
	for _, i := range p.keyRows {
		if pos, ok := slices.BinarySearchFunc(p.order, i, p.compare); ok && p.match(pos, l.words) {
			l.matches = append(l.matches, pos)
		}
	}
	l.follow = true
	l.cursor = max(0, l.count(len(p.order))-1)
}

// shown is the row at a visible position of the list.
func (p *timelinePane) shown(pos int) timelineRow { return p.rows[p.order[p.list.item(pos)]] }

// selected is the row under the cursor.
func (p *timelinePane) selected() (timelineRow, bool) {
	n := p.list.count(len(p.rows))
	if n == 0 {
		return timelineRow{}, false
	}
	return p.shown(min(p.list.cursor, n-1)), true
}

// jump moves the cursor to the first visible entry at or after t.
func (p *timelinePane) jump(t time.Time) bool {
	n := p.list.count(len(p.rows))
	pos := sort.Search(n, func(pos int) bool { return !p.shown(pos).rec.Occurred.Before(t) })
	if pos == n {
		return false
	}
	p.list.cursor, p.list.follow = pos, false
	return true
}

// chatEntry is the id of the newest entry recording chat message ts, or
// "" when the timeline has none. It walks back from the newest row: the
// line a responder picks is mostly recent.
func (p *timelinePane) chatEntry(ts string) string {
	for i := len(p.rows) - 1; i >= 0 && ts != ""; i-- {
		if r := p.rows[i].rec; r.Kind == integrations.KindChatMessage && r.Fields["ts"] == ts {
			return r.ID
		}
	}
	return ""
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

func (p *timelinePane) draw(st Styles, width, height int, focused bool, now time.Time) string {
	if row, ok := p.selected(); ok && p.detail {
		return frame(st, "Entry "+row.rec.ID+"  (esc back)", entryDetail(st, row, width-2), width, height, focused)
	}
	inner := height - 2
	n := len(p.rows)
	lines := make([]string, 0, inner)
	start := p.list.visible(n, inner)
	for pos := start; pos < p.list.count(n) && len(lines) < inner; pos++ {
		row := p.shown(pos)
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
	case p.list.count(n) == 0 && p.keyOnly:
		lines = append(lines, st.Dim.Render("no key event yet (K shows every entry)"))
	case p.list.count(n) == 0:
		lines = append(lines, st.Dim.Render("nothing recorded"))
	}
	title := fmt.Sprintf("Timeline  %d entries", n)
	if p.keyOnly {
		title = fmt.Sprintf("Timeline  key events %d of %d entries", len(p.keyRows), n)
	}
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
	case r.Kind == integrations.KindNote || r.Kind == integrations.KindDecision || strings.HasPrefix(r.Kind, integrations.KindIncidentPrefix):
		text = st.PaneTitle.Render("✎ "+r.Actor+": ") + text
	case r.IsAmendment():
		text = fmt.Sprintf("%s %s %s: %s", r.Actor, r.Op, r.Target, text)
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
	if rest, ok := strings.CutPrefix(kind, integrations.KindRunbookPrefix); ok {
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
