package tui

import (
	"slices"
	"strings"
)

// listView is a cursor and a scroll window over a pane's items, optionally
// narrowed by a filter. It holds indices, never copies of the items, so a
// pane with 100,000 entries scrolls and renders at the cost of one screen.
type listView struct {
	filter  string
	words   []string // the filter's words, split once per query, not per item
	matches []int    // item indices that match filter; unused unless narrowed
	cursor  int      // position among the visible items
	offset  int      // first visible position drawn
	follow  bool     // keep the cursor on the newest item as items arrive
	// narrow keeps matches in use without a query: the pane narrows the
	// list itself (the Timeline's key events), and match says which.
	narrow bool
	// earlier is the matches of the queries this one narrowed, oldest
	// first: typing on filters the previous matches, not every item, and
	// backspace takes an earlier query's matches back without filtering.
	// Any change to the items forgets them (forget).
	earlier []filterStep
}

// filterStep is a query typed before the current one, with its matches.
type filterStep struct {
	query   string
	matches []int
}

// filterItems is what a list filters: a pane's items.
type filterItems interface {
	// count is the number of items.
	count() int
	// match reports whether item i holds every one of the lower-cased
	// words (none: any item the pane's own narrowing keeps).
	match(i int, words []string) bool
}

// scanner is a filterItems that filters all its items faster than item
// by item (the Timeline, over its text index).
type scanner interface {
	filterItems
	scan(words []string) []int
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

// setFilter narrows the n items to those matching query, as typed: a
// query that narrows the current one filters only the current matches,
// one that an earlier query narrows filters that one's, and going back to
// an earlier query restores its matches. Only a query unrelated to every
// earlier one filters all n items.
func (l *listView) setFilter(query string, items filterItems) {
	n := items.count()
	q := strings.ToLower(strings.TrimSpace(query))
	switch {
	case q == l.filter:
	case narrows(l.filter, q) && l.narrowed():
		l.earlier = append(l.earlier, filterStep{l.filter, l.matches})
		l.filter, l.words = q, strings.Fields(q)
		l.matches = keep(l.matches, l.words, items)
	default:
		for len(l.earlier) > 0 && !narrows(l.earlier[len(l.earlier)-1].query, q) {
			l.earlier = l.earlier[:len(l.earlier)-1]
		}
		l.filter, l.words = q, strings.Fields(q)
		if len(l.earlier) == 0 {
			l.scan(items)
			break
		}
		top := l.earlier[len(l.earlier)-1]
		if top.query == q {
			l.matches, l.earlier = top.matches, l.earlier[:len(l.earlier)-1]
			break
		}
		l.matches = keep(top.matches, l.words, items)
	}
	l.clamp(n)
	if l.follow {
		l.cursor = max(0, l.count(n)-1)
	}
}

// refilter filters all the items again: they changed, or the pane's own
// narrowing did.
func (l *listView) refilter(items filterItems) {
	n := items.count()
	l.forget()
	l.scan(items)
	l.clamp(n)
	if l.follow {
		l.cursor = max(0, l.count(n)-1)
	}
}

// forget drops the earlier queries' matches: the items changed under them.
func (l *listView) forget() { l.earlier = nil }

// scan filters every item; the matches get a slice of their own, since an
// earlier query may still hold the last one.
func (l *listView) scan(items filterItems) {
	l.matches = nil
	if !l.narrowed() {
		return
	}
	if s, ok := items.(scanner); ok {
		l.matches = s.scan(l.words)
		return
	}
	for i := range items.count() {
		if items.match(i, l.words) {
			l.matches = append(l.matches, i)
		}
	}
}

// keep is the items of from that hold every word, in a new slice.
func keep(from []int, words []string, items filterItems) []int {
	var out []int
	for _, i := range from {
		if items.match(i, words) {
			out = append(out, i)
		}
	}
	return out
}

// narrows reports whether every item matching query next also matches
// query prev: each of prev's words is inside one of next's.
func narrows(prev, next string) bool {
	for _, w := range strings.Fields(prev) {
		if !slices.ContainsFunc(strings.Fields(next), func(n string) bool { return strings.Contains(n, w) }) {
			return false
		}
	}
	return true
}

// appended tells the list that items [from, count) arrived.
func (l *listView) appended(from int, items filterItems) {
	n := items.count()
	if l.narrowed() {
		l.forget()
		for i := from; i < n; i++ {
			if items.match(i, l.words) {
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

// contains is the filters' match over text as it is shown: every word
// appears, whatever its case.
func contains(text string, words []string) bool {
	return containsLower(strings.ToLower(text), words)
}

// containsLower is contains over text already lower-cased.
func containsLower(lower string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(lower, w) {
			return false
		}
	}
	return true
}
