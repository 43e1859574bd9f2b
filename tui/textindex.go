package tui

import (
	"bytes"
	"math/bits"
	"strings"
)

// textIndex is the lower-cased searchable text of a list's items, one
// after another in a single buffer, so that filtering every item is one
// substring scan over the buffer, not a search per item: the scan skips
// whole runs of items that cannot match at memory speed. Items' texts are
// separated by a line break, which no query word holds.
type textIndex struct {
	buf  []byte
	ends []int // item i's text is buf[start(i):ends[i]]
	// changed holds the texts of items amended after they were added:
	// their old text in buf is blanked out, and they are searched here.
	changed map[int]string
}

const indexSep = '\n'

func (x *textIndex) len() int { return len(x.ends) }

// add appends the next item's text.
func (x *textIndex) add(text string) {
	x.buf = append(x.buf, strings.ToLower(oneLine(text))...)
	x.ends = append(x.ends, len(x.buf))
	x.buf = append(x.buf, indexSep)
}

// set replaces item i's text.
func (x *textIndex) set(i int, text string) {
	for j := x.start(i); j < x.ends[i]; j++ {
		x.buf[j] = indexSep
	}
	if x.changed == nil {
		x.changed = map[int]string{}
	}
	x.changed[i] = strings.ToLower(oneLine(text))
}

func (x *textIndex) start(i int) int {
	if i == 0 {
		return 0
	}
	return x.ends[i-1] + 1
}

// has reports whether item i's text holds every word.
func (x *textIndex) has(i int, words []string) bool {
	if t, ok := x.changed[i]; ok {
		return containsLower(t, words)
	}
	return holds(x.buf[x.start(i):x.ends[i]], words)
}

// holds reports whether text holds every word.
func holds(text []byte, words []string) bool {
	for _, w := range words {
		if !bytes.Contains(text, []byte(w)) {
			return false
		}
	}
	return true
}

// search marks the items whose text holds every word (at least one), in
// a bitset over the items. It scans the buffer for the longest word, and
// checks the other words only in the items where that one is found.
func (x *textIndex) search(words []string) []uint64 {
	found := make([]uint64, (len(x.ends)+63)/64)
	scan := words[0]
	for _, w := range words[1:] {
		if len(w) > len(scan) {
			scan = w
		}
	}
	key := []byte(scan)
	rest := words
	if len(words) == 1 {
		rest = nil // the scan found it: nothing more to check
	}
	item := 0
	for at := 0; at < len(x.buf); {
		o := bytes.Index(x.buf[at:], key)
		if o < 0 {
			break
		}
		o += at
		for x.ends[item] < o {
			item++
		}
		if holds(x.buf[x.start(item):x.ends[item]], rest) {
			found[item/64] |= 1 << (item % 64)
		}
		at = x.ends[item] + 1
	}
	for i, t := range x.changed {
		if containsLower(t, words) {
			found[i/64] |= 1 << (i % 64)
		}
	}
	return found
}

// countMarked is how many items a bitset from search marks.
func countMarked(set []uint64) int {
	n := 0
	for _, w := range set {
		n += bits.OnesCount64(w)
	}
	return n
}

// marked reports whether item i is set in a bitset from search.
func marked(bits []uint64, i int) bool { return bits[i/64]&(1<<(i%64)) != 0 }
