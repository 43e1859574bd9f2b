package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// Text writes the amended timeline for a terminal, one entry per line in
// time order (continuation lines indented): time, ID, kind, source, actor
// and text, with ★ for starred and "(amended)" for corrected entries.
// Hidden entries are left out and counted at the end.
func Text(w io.Writer, entries []timeline.Entry, opts Options) error {
	loc := opts.location()
	v := timeline.NewView(entries)
	rows := shownRows(v)
	bw := bufio.NewWriter(w)
	for _, r := range rows {
		if !opts.keep(r) {
			continue
		}
		star := " "
		if r.Starred {
			star = "★"
		}
		fmt.Fprintf(bw, "%s %s %-6s %-22s %s", r.Occurred.In(loc).Format(fullTime), star, r.Entry.ID, printable(r.Entry.Kind), printable(r.Entry.Source))
		if r.Entry.Actor != "" {
			fmt.Fprintf(bw, "/%s", printable(r.Entry.Actor))
		}
		fmt.Fprintf(bw, ": %s", strings.ReplaceAll(printable(r.Text), "\n", "\n    "))
		if r.Amended && !r.Erased {
			bw.WriteString(" (amended)")
		}
		bw.WriteString("\n")
	}
	switch hidden := v.Len() - len(rows); hidden {
	case 0:
	case 1:
		bw.WriteString("(1 hidden entry not shown)\n")
	default:
		fmt.Fprintf(bw, "(%d hidden entries not shown)\n", hidden)
	}
	return bw.Flush()
}

// History writes the audit trail of one entry: as recorded, then each
// amendment with who made it and when.
func History(w io.Writer, entries []timeline.Entry, id string, opts Options) error {
	loc := opts.location()
	h := timeline.NewView(entries).History(id)
	if len(h) == 0 {
		return fmt.Errorf("no entry %q in this timeline (amendments have no history of their own)", id)
	}
	bw := bufio.NewWriter(w)
	first := h[0]
	fmt.Fprintf(bw, "%s recorded %s: %s %s at %s: %s\n", first.ID, first.Recorded.In(loc).Format(fullTime),
		printable(first.Kind), printable(first.Source), first.Occurred.In(loc).Format(fullTime), printable(first.Text))
	for _, a := range h[1:] {
		fmt.Fprintf(bw, "%s recorded %s by %s: %s", a.ID, a.Recorded.In(loc).Format(fullTime), printable(a.Actor), printable(a.Op))
		switch a.Op {
		case integrations.OpText:
			fmt.Fprintf(bw, " → %q", printable(a.Text))
		case integrations.OpTime:
			fmt.Fprintf(bw, " → %s", a.To.In(loc).Format(fullTime))
		default:
			if a.Text != "" {
				fmt.Fprintf(bw, " (%s)", printable(a.Text))
			}
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}

// printable replaces control characters other than newline, such as the
// escape sequences a hostile chat message could carry, so printing an
// entry cannot drive the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}
