package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// column is one column of a pane's table. When a pane is too narrow for
// every column, the columns of lowest priority are cut first (addresses,
// weights), so the state, the numbers and the warning text stay: a
// responder at 80 columns sees what matters, not what happened to come
// first.
type column struct {
	title    string
	width    int  // cells the column's values take
	right    bool // numbers align right
	priority int  // higher stays longer
	// flex columns (a warning, a trend) take what room is left, never less
	// than width; a flex column is the last to go.
	flex bool
}

// Column priorities, in the order columns are cut.
const (
	prioDetail = iota // addresses, weights, zones
	prioUseful        // secondary numbers: limits, pending
	prioNumber        // the measurements: rates, ratios, sessions
	prioKey           // names and states: never cut
)

// table is a set of columns laid out for one width: computed when the
// width or the columns change, not per row.
type table struct {
	cols  []column
	shown []int // indices of the columns that fit, in display order
	flexW int   // the width the flex column gets
}

const columnGap = 1

// layoutTable keeps the highest-priority columns that fit in width.
func layoutTable(cols []column, width int) table {
	t := table{cols: cols}
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	// Cut the lowest priority first; among equals, the rightmost.
	slices.SortStableFunc(order, func(a, b int) int {
		if cols[a].priority != cols[b].priority {
			return cols[b].priority - cols[a].priority
		}
		return a - b
	})
	used := 0
	keep := map[int]bool{}
	full := false // once a column does not fit, every less useful one is cut too
	for _, i := range order {
		need := cols[i].width
		if len(keep) > 0 {
			need += columnGap
		}
		if cols[i].priority < prioKey && (full || used+need > width) {
			full = true
			continue
		}
		keep[i] = true
		used += need
	}
	for i := range cols {
		if keep[i] {
			t.shown = append(t.shown, i)
		}
	}
	for _, i := range t.shown {
		if cols[i].flex {
			t.flexW = cols[i].width + max(0, width-used)
		}
	}
	return t
}

// header is the titles of the shown columns.
func (t table) header() string {
	titles := make([]string, len(t.cols))
	for i, c := range t.cols {
		titles[i] = c.title
	}
	return t.row(titles...)
}

// row lays out one value per column (styled values are measured by their
// printed width); values of cut columns are dropped.
func (t table) row(cells ...string) string {
	var b strings.Builder
	for n, i := range t.shown {
		if n > 0 {
			b.WriteString(strings.Repeat(" ", columnGap))
		}
		c := t.cols[i]
		w := c.width
		if c.flex {
			w = t.flexW
		}
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		if ansi.StringWidth(v) > w {
			v = ansi.Truncate(v, w, "…")
		}
		pad := strings.Repeat(" ", w-ansi.StringWidth(v))
		if c.right {
			b.WriteString(pad + v)
		} else if n == len(t.shown)-1 {
			b.WriteString(v) // no trailing blanks after the last column
		} else {
			b.WriteString(v + pad)
		}
	}
	return b.String()
}
