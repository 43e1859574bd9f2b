package tui

import "strings"

// listView is a cursor and a scroll window over a pane's items, optionally
// narrowed by a filter. It holds indices, never copies of the items, so a
// pane with 100,000 entries scrolls and renders at the cost of one screen.
type listView struct {
	filter  string
	matches []int // item indices that match filter; unused unless narrowed
	cursor  int   // position among the visible items
	offset  int   // first visible position drawn
	follow  bool  // keep the cursor on the newest item as items arrive
	// narrow keeps matches in use without a query: the pane narrows the
	// list itself (the Timeline's key events), and match says which.
	narrow bool
}

// narrowed reports whether matches, not every item, are the visible items.
func (l *listView) narrowed() bool { return l.filter != "" || l.narrow }

// count is how many items are visible out of n.
func (l *listView) count(n int) int {
	if !l.narrowed() {
		return n
	}
	return len(l.matches)
}

// item maps a visible position to the item's index.
func (l *listView) item(pos int) int {
	if !l.narrowed() {
		return pos
	}
	return l.matches[pos]
}

// setFilter re-filters all n items; match reports whether item i matches
// the lower-cased query.
func (l *listView) setFilter(query string, n int, match func(i int, q string) bool) {
	l.filter = strings.ToLower(strings.TrimSpace(query))
	l.matches = l.matches[:0]
	if l.narrowed() {
		for i := range n {
			if match(i, l.filter) {
				l.matches = append(l.matches, i)
			}
		}
	}
	l.clamp(n)
	if l.follow {
		l.cursor = max(0, l.count(n)-1)
	}
}

// appended tells the list that items [from, n) arrived.
func (l *listView) appended(from, n int, match func(i int, q string) bool) {
	if l.narrowed() {
		for i := from; i < n; i++ {
			if match(i, l.filter) {
				l.matches = append(l.matches, i)
			}
		}
	}
	if l.follow {
		l.cursor = max(0, l.count(n)-1)
	}
}

// move shifts the cursor; reaching the newest item resumes following.
func (l *listView) move(delta, n int, followable bool) {
	l.cursor += delta
	l.clamp(n)
	l.follow = followable && l.cursor == l.count(n)-1
}

func (l *listView) clamp(n int) {
	l.cursor = max(0, min(l.count(n)-1, l.cursor))
}

// visible is the first position to draw for a window of height rows.
func (l *listView) visible(n, height int) int {
	return window(l.count(n), height, l.cursor, l.offset)
}

// settle remembers the window so the next frame scrolls from it.
func (l *listView) settle(n, height int) { l.offset = l.visible(n, height) }

// contains is the filters' match: every word of the query appears.
func contains(text, query string) bool {
	text = strings.ToLower(text)
	for _, w := range strings.Fields(query) {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}
