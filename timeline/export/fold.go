package export

import (
	"fmt"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// fleetWindow is how far apart one group's capacity and instance changes
// may be and still read as one change of the group.
const fleetWindow = 10 * time.Minute

// Folded is one row of the full timeline: an entry, or mechanical entries
// of one kind folded into the first of them. Every entry shown belongs to
// exactly one Folded row.
type Folded struct {
	First   timeline.Row
	Members []timeline.Row // First included, in time order
	Text    string         // what the row says; First.Text when one entry
}

// Fold folds rows (in time order) for the full timeline:
//
//   - one group's fleet.change entries (a desired capacity change and
//     instances entering or leaving service) within fleetWindow of each
//     other become one row for the group change;
//   - a binding's drift entries become one row from when the drift appears
//     until its kind (dead slots, missing servers, free slots) changes; a
//     drift.cleared stays a row of its own;
//   - one runbook step's entries become one row, and so do the run's own.
//
// Stars and amendments stay flags on their rows (see timeline.View).
// Times in the folded text are in loc.
func Fold(rows []timeline.Row, loc *time.Location) []Folded {
	var out []Folded
	open := map[string]int{} // fold key → index in out
	last := map[string]time.Time{}
	drifting := map[string]string{} // binding → the fold key of its drift
	for _, r := range rows {
		key, window := foldKey(r)
		switch r.Entry.Kind {
		case integrations.KindDrift, integrations.KindDriftCleared:
			// A drift that changes kind, or clears, ends its fold.
			b := binding(r)
			if was, ok := drifting[b]; ok && was != key {
				delete(open, was)
			}
			drifting[b] = key
		}
		if key != "" {
			if i, ok := open[key]; ok && (window == 0 || r.Occurred.Sub(last[key]) <= window) {
				out[i].Members = append(out[i].Members, r)
				last[key] = r.Occurred
				continue
			}
			open[key], last[key] = len(out), r.Occurred
		}
		out = append(out, Folded{First: r, Members: []timeline.Row{r}})
	}
	for i := range out {
		out[i].Text = foldedText(out[i], loc)
	}
	return out
}

// foldKey names the fold r joins ("" for none) and how close to the
// fold's last entry it must be (0: any distance).
func foldKey(r timeline.Row) (string, time.Duration) {
	f := r.Fields
	switch {
	case r.Entry.Kind == integrations.KindFleetChange && f["group"] != "" && (desiredChange(f) || f["instance"] != ""):
		return "fleet\x00" + f["group"], fleetWindow
	case r.Entry.Kind == integrations.KindDrift:
		return "drift\x00" + binding(r) + "\x00" + driftShape(f), 0
	case strings.HasPrefix(r.Entry.Kind, integrations.KindRunbookPrefix) && f["run"] != "":
		return "run\x00" + f["run"] + "\x00" + f["step"], 0
	}
	return "", 0
}

// desiredChange reports whether a fleet.change entry's fields are a
// group's desired capacity changing (the watcher says change=desired; the
// drill world gives only from and to).
func desiredChange(f map[string]string) bool {
	return f["change"] == "desired" || f["change"] == "" && f["instance"] == "" && f["from"] != "" && f["to"] != ""
}

// instanceChange is what a fleet.change entry says happened to its
// instance, without the instance, its address or a running count:
// "web: instance i-1 entered service 10.0.0.1" and "web: i-1 in service
// (5/12)" say "entered service" and "in service".
func instanceChange(r timeline.Row) string {
	f := r.Fields
	_, what, ok := strings.Cut(r.Text, f["instance"]+" ")
	if !ok {
		return r.Text
	}
	what = strings.TrimPrefix(what, "instance ")
	if f["address"] != "" {
		what = strings.TrimSuffix(what, " "+f["address"])
	}
	if i := strings.LastIndex(what, " ("); i >= 0 && strings.HasSuffix(what, ")") && isCount(what[i+2:len(what)-1]) {
		what = what[:i]
	}
	return what
}

// isCount reports whether s reads "5/12".
func isCount(s string) bool {
	a, b, ok := strings.Cut(s, "/")
	return ok && isDigits(a) && isDigits(b)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// binding names what a drift entry is about.
func binding(r timeline.Row) string {
	f := r.Fields
	return f["group"] + "\x00" + f["instance"] + "\x00" + f["backend"]
}

// driftShape is a drift finding's kind: which of dead slots, missing
// servers and free slots it has.
func driftShape(f map[string]string) string {
	var parts []string
	if f["dead_slots"] != "" {
		parts = append(parts, "dead")
	}
	if f["missing"] != "" {
		parts = append(parts, "missing")
	}
	if f["free_slots"] != "" && f["free_slots"] != "0" {
		parts = append(parts, "free")
	}
	return strings.Join(parts, "+")
}

func foldedText(fd Folded, loc *time.Location) string {
	if len(fd.Members) == 1 {
		return fd.First.Text
	}
	last := fd.Members[len(fd.Members)-1]
	span := func(a, b time.Time) string {
		return a.In(loc).Format(shortTime) + "–" + b.In(loc).Format(shortTime)
	}
	switch fd.First.Entry.Kind {
	case integrations.KindFleetChange:
		return fleetText(fd.Members, loc)
	case integrations.KindDrift:
		return fmt.Sprintf("%s (recorded %d times %s; latest: %s)", fd.First.Text, len(fd.Members), span(fd.First.Occurred, last.Occurred), last.Text)
	}
	// A runbook step or run: its first and last word.
	return fmt.Sprintf("%s … %s (%d entries, %s)", fd.First.Text, last.Text, len(fd.Members), span(fd.First.Occurred, last.Occurred))
}

// fleetText says what a group's folded fleet changes did: "web: desired
// 4 → 12; 8 instances entered service 07:19:00–07:23:00 (i-1, …)".
func fleetText(members []timeline.Row, loc *time.Location) string {
	group := members[0].Fields["group"]
	var parts []string
	type moved struct {
		ids      []string
		from, to time.Time
	}
	var order []string
	byWhat := map[string]*moved{}
	for _, r := range members {
		f := r.Fields
		if desiredChange(f) {
			parts = append(parts, fmt.Sprintf("desired %s → %s", f["from"], f["to"]))
			continue
		}
		what := instanceChange(r)
		mv := byWhat[what]
		if mv == nil {
			mv = &moved{from: r.Occurred}
			byWhat[what] = mv
			order = append(order, what)
		}
		mv.ids, mv.to = append(mv.ids, f["instance"]), r.Occurred
	}
	for _, what := range order {
		mv := byWhat[what]
		noun := "instances"
		if len(mv.ids) == 1 {
			noun = "instance"
		}
		when := mv.from.In(loc).Format(shortTime)
		if !mv.to.Equal(mv.from) {
			when += "–" + mv.to.In(loc).Format(shortTime)
		}
		parts = append(parts, fmt.Sprintf("%d %s %s %s (%s)", len(mv.ids), noun, what, when, strings.Join(mv.ids, ", ")))
	}
	return group + ": " + strings.Join(parts, "; ")
}

// fullTimeline writes the appendix: every entry shown, mechanical ones
// folded, each row carrying the anchors of all the entries it holds.
func (m *mdWriter) fullTimeline(rows []timeline.Row) {
	m.printf("\n## Full timeline\n\nEvery entry, mechanical ones folded: a group's fleet changes within %s, a drift until its kind changes, a runbook step's entries. The JSON export has each entry whole.\n\n", formatDuration(fleetWindow))
	if len(rows) == 0 {
		m.str("_No entries._\n")
		return
	}
	m.str("| Time | Source | Kind | Who | What |\n|---|---|---|---|---|\n")
	for _, fd := range Fold(rows, m.loc) {
		m.str("| ")
		for _, r := range fd.Members {
			m.printf(`<a id="%s"></a>`, r.Entry.ID)
		}
		r := fd.First
		m.time(r.Occurred, fullTime)
		m.str(" | ")
		m.cell(r.Entry.Source, 0)
		m.str(" | ")
		m.cell(r.Entry.Kind, 0)
		if len(fd.Members) > 1 {
			m.printf(" ×%d", len(fd.Members))
		}
		m.str(" | ")
		m.cell(r.Entry.Actor, 0)
		m.str(" | ")
		if starred(fd.Members) {
			m.str("★ ")
		}
		if r.Entry.Kind == integrations.KindDecision {
			m.str("**Decision:** ")
		}
		m.cell(fd.Text, maxCellText)
		if amended(fd.Members) {
			m.str(" _(amended)_")
		}
		m.str(" |\n")
	}
}

func starred(rows []timeline.Row) bool {
	for _, r := range rows {
		if r.Starred {
			return true
		}
	}
	return false
}

func amended(rows []timeline.Row) bool {
	for _, r := range rows {
		if r.Amended && !r.Erased {
			return true
		}
	}
	return false
}
