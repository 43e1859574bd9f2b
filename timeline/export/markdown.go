package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// Layouts for times in the draft: the timeline shows full dates, since
// incidents cross midnight and days.
const (
	fullTime  = "2006-01-02 15:04:05 MST"
	shortTime = "15:04:05"
)

// maxCellText bounds an entry's text in the timeline table; the JSON export
// has it whole.
const maxCellText = 500

// Markdown writes a postmortem draft: title, key times with the durations
// between them, the impact computed from the measurements (or a section to
// fill in without them), the timeline, runbook runs, starred chat,
// follow-ups, and the retrospective headings with prompts from the record.
// The chart, when opts.Chart names it, is linked.
func Markdown(w io.Writer, entries []timeline.Entry, opts Options) error {
	return draft(newDocWriter(bufio.NewWriterSize(w, 64<<10), &mdMarkup{}, opts.location()), entries, opts, opts.Chart)
}

// draft writes the postmortem document through m; chart is the image's
// address ("" for none).
func draft(m *docWriter, entries []timeline.Entry, opts Options, chart string) error {
	loc := opts.location()
	all := shownRows(timeline.NewView(entries))
	rows := all
	if opts.filtered() {
		rows = make([]timeline.Row, 0, len(all))
		for _, r := range all {
			if opts.keep(r) {
				rows = append(rows, r)
			}
		}
	}

	title := opts.Title
	if title == "" {
		title = "Incident " + opts.Incident
	}
	im := measuredImpact(opts, all)
	kts := KeyTimes(all, im)
	durations := Durations(kts, all, im)
	m.header(title, opts.Incident, entries, all, kts)
	m.para(fmt.Sprintf("Times are in %s. Drafted by warroom from %d timeline entries; corrected entries show their amended text and time. Edit freely.",
		loc, len(all)))
	if opts.filtered() {
		m.para("Filtered:" + describeFilter(opts, loc) + ".")
	}
	m.summary(kts, durations, im, RunbookRuns(all), all)
	m.keyTimes(kts, durations)
	m.impact(im, chart)
	m.drillScorecard(all)

	m.decisions(rows)
	runs := RunbookRuns(rows)
	m.whatWasDone(rows, runs)
	m.statusUpdates(rows)
	inForce := ledger.OfEntries(entries).Items()
	m.inForce(inForce)
	m.followUps(rows)
	m.retrospective(retroPrompts(&promptRecord{rows: rows, runs: runs, kts: kts, durations: durations, inForce: inForce, loc: loc}))

	m.keyEvents(rows, runs)
	m.fullTimeline(rows)
	m.runbookRuns(runs)

	return m.flush()
}

func describeFilter(o Options, loc *time.Location) string {
	var parts []string
	if o.StarredOnly {
		parts = append(parts, " starred entries only")
	}
	if !o.Since.IsZero() {
		parts = append(parts, " since "+o.Since.In(loc).Format(fullTime))
	}
	if !o.Until.IsZero() {
		parts = append(parts, " until "+o.Until.In(loc).Format(fullTime))
	}
	return strings.Join(parts, ",")
}

// mdMarkup writes GitHub-flavoured Markdown. Each block starts with a
// newline and ends with one, so blocks are a blank line apart.
type mdMarkup struct {
	depth     int // of lists: tables and lists in an item are indented
	cellStart int // where the open cell's content starts
}

func (mk *mdMarkup) text(d *docWriter, s string) { d.raw(s) }

// mdCell escapes pipes, HTML and Markdown line breaks; newlines become
// <br>, so record text stays in its table cell.
var mdCell = [256]string{'|': `\|`, '\\': `\\`, '<': "&lt;", '>': "&gt;", '&': "&amp;", '\n': "<br>", '\r': " ", '\t': " "}

func (mk *mdMarkup) untrusted(d *docWriter, s string) { d.replaceBytes(s, &mdCell) }

func (mk *mdMarkup) code(d *docWriter, s string) { d.raw(codeSpan(s)) }
func (mk *mdMarkup) strong(d *docWriter, _ bool) { d.raw("**") }
func (mk *mdMarkup) em(d *docWriter, _ bool)     { d.raw("_") }
func (mk *mdMarkup) ref(d *docWriter, id string) {
	d.raw("[")
	d.raw(id)
	d.raw("](#")
	d.raw(id)
	d.raw(")")
}

func (mk *mdMarkup) anchor(d *docWriter, id string) {
	d.raw(`<a id="`)
	d.raw(id)
	d.raw(`"></a>`)
}
func (mk *mdMarkup) image(d *docWriter, alt, src string) { d.raw("![" + alt + "](" + src + ")") }

func (mk *mdMarkup) heading(d *docWriter, level int, open bool) {
	switch {
	case !open:
		d.raw("\n")
	case level == 1:
		d.raw("# ")
	default:
		d.raw("\n" + strings.Repeat("#", level) + " ")
	}
}

func (mk *mdMarkup) para(d *docWriter, _ bool) { d.raw("\n") }

func (mk *mdMarkup) quote(d *docWriter, open bool) {
	if open {
		d.raw("\n> ")
	} else {
		d.raw("\n")
	}
}

func (mk *mdMarkup) quoteBreak(d *docWriter) { d.raw("\n>\n> ") }

func (mk *mdMarkup) codeBlock(d *docWriter, s string) {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	d.raw("\n" + fence + "\n" + strings.TrimRight(s, "\n") + "\n" + fence + "\n")
}

func (mk *mdMarkup) list(d *docWriter, open bool) {
	if !open {
		mk.depth--
		return
	}
	mk.depth++
	d.raw("\n") // a blank line before a list; an item's own line ends
}

func (mk *mdMarkup) indent() string { return strings.Repeat("  ", mk.depth-1) }

func (mk *mdMarkup) item(d *docWriter, open, checkbox bool) {
	switch {
	case !open:
		if d.last != '\n' {
			d.raw("\n")
		}
	case checkbox:
		d.raw(mk.indent())
		d.raw("- [ ] ")
	default:
		d.raw(mk.indent())
		d.raw("- ")
	}
}

func (mk *mdMarkup) table(d *docWriter, cols []string) {
	indent := ""
	if mk.depth > 0 { // in an item: end its line, indent the table under it
		indent = mk.indent() + "  "
		d.raw("\n")
	}
	d.raw("\n" + indent + "|")
	for _, c := range cols {
		if c != "" {
			d.raw(" " + c)
		}
		d.raw(" |")
	}
	d.raw("\n" + indent + "|" + strings.Repeat("---|", len(cols)) + "\n")
}

func (mk *mdMarkup) row(d *docWriter, open bool) {
	switch {
	case !open:
		mk.endCell(d)
		d.raw("|\n")
	case mk.depth > 0:
		d.raw(mk.indent())
		d.raw("  | ")
	default:
		d.raw("| ")
	}
	mk.cellStart = d.n
}

func (mk *mdMarkup) nextCell(d *docWriter) {
	mk.endCell(d)
	d.raw("| ")
	mk.cellStart = d.n
}

// endCell ends the open cell: a space after its content, none after an
// empty one ("| |").
func (mk *mdMarkup) endCell(d *docWriter) {
	if d.n != mk.cellStart {
		d.raw(" ")
	}
}

// endTable ends a table in an item with a blank line, so the item's
// list goes on after it.
func (mk *mdMarkup) endTable(d *docWriter) {
	if mk.depth > 0 {
		d.raw("\n")
	}
}

func (m *docWriter) keyTimes(kts []KeyTime, durations []Duration) {
	m.heading(2, "Key times and durations")
	m.table("Key time", "When", "Source")
	for _, kt := range kts {
		m.openRow()
		m.str(kt.Name)
		m.nextCell()
		if !kt.Found {
			m.em("not recorded")
			m.nextCell()
			m.closeRow()
			continue
		}
		m.time(kt.At, fullTime)
		m.nextCell()
		switch {
		case kt.Marked:
			m.str("marked")
			if kt.From.Entry.Actor != "" {
				m.str(" by ")
				m.cell(kt.From.Entry.Actor, 0)
			}
			m.str(" (")
			m.entryRef(kt.From)
			m.str(")")
			m.said(kt.From)
		case kt.From.Entry.ID != "":
			m.printf("inferred: %s (", kt.Inferred)
			m.entryRef(kt.From)
			m.str(")")
		default:
			m.printf("inferred: %s, from the measurements", kt.Inferred)
		}
		if kt.From.Text != "" {
			m.str(": ")
			m.cell(kt.From.Text, 120)
		}
		for _, old := range kt.Superseded {
			m.str("; supersedes ")
			m.time(old.Occurred, fullTime)
			m.str(" marked")
			if old.Entry.Actor != "" {
				m.str(" by ")
				m.cell(old.Entry.Actor, 0)
			}
			m.str(" (")
			m.entryRef(old)
			m.str(")")
			m.said(old)
		}
		m.closeRow()
	}
	m.endTable()
	m.table("Duration", "Between", "Length")
	for _, d := range durations {
		m.openRow()
		m.str(d.Name)
		m.nextCell()
		m.printf("%s → %s", d.From.Name, d.To.Name)
		m.nextCell()
		switch {
		case d.Impossible:
			m.str("—")
		case d.Known:
			m.str(formatDuration(d.Length))
		default:
			var missing []string
			for _, end := range []Moment{d.From, d.To} {
				if !end.Found {
					missing = append(missing, end.Name)
				}
			}
			m.em("unknown: no " + strings.Join(missing, " and no "))
		}
		m.closeRow()
	}
	m.endTable()
	if flags := ImpossibleOrders(kts, durations); len(flags) > 0 {
		m.openList()
		for _, f := range flags {
			m.openItem()
			m.printf("⚠ impossible order: %s (", f[1].Name)
			m.time(f[1].At, fullTime)
			m.printf(") is before %s (", f[0].Name)
			m.time(f[0].At, fullTime)
			m.str("); correct the mark in force.")
			m.closeItem()
		}
		m.closeList()
	}
	m.openPara()
	m.str("A responder marks or corrects a key time with ")
	m.code("m")
	m.str(" in the war-room or ")
	m.code("warroom timeline append --kind incident.mitigated ...")
	m.str("; the latest mark is in force. Unmarked ones are inferred: started from the error ratio's first sample above the impact threshold, detected from the first critical alert, acknowledged from the first page acknowledged, mitigated from the error ratio back under the threshold, resolved when every alert has cleared.")
	m.closePara()
}

// said writes when a mark that names a past time was made (field said,
// RFC 3339), so the draft shows it was set after the fact.
func (m *docWriter) said(r timeline.Row) {
	said, err := time.Parse(time.RFC3339, r.Fields["said"])
	if err != nil {
		return
	}
	m.str(", said at ")
	m.time(said, fullTime)
}

func (m *docWriter) runbookRuns(runs []RunbookRun) {
	if len(runs) == 0 {
		return
	}
	m.heading(2, "Runbook runs")
	for _, run := range runs {
		result := run.Result
		if result == "" {
			result = "no result recorded"
		}
		m.mk.heading(m, 3, true)
		m.cell(cmpOr(run.Runbook, "runbook"), 0)
		m.str(" (run ")
		m.cell(run.ID, 0)
		m.str("): ")
		m.cell(result, 0)
		m.str(", " + formatDuration(run.End.Sub(run.Start)))
		m.mk.heading(m, 3, false)
		m.openPara()
		m.str("From ")
		m.time(run.Start, fullTime)
		m.str(" to ")
		m.time(run.End, fullTime)
		if run.Actor != "" {
			m.str(", run by ")
			m.cell(run.Actor, 0)
		}
		m.str(".")
		if len(run.Params) > 0 {
			m.str(" Parameters:")
			for i, p := range run.Params {
				if i > 0 {
					m.str(",")
				}
				m.str(" ")
				m.code(p[0])
				m.str("=")
				m.code(p[1])
			}
			m.str(".")
		}
		m.closePara()
		if len(run.Steps) == 0 {
			continue
		}
		m.table("Step", "Started", "Duration", "Result", "Summary")
		for _, s := range run.Steps {
			m.openRow()
			m.cell(s.Name, 0)
			m.nextCell()
			m.time(s.Start, shortTime)
			m.nextCell()
			m.str(formatDuration(s.Duration))
			m.nextCell()
			m.cell(s.Result, 0)
			m.nextCell()
			m.cell(s.Summary, maxCellText)
			m.closeRow()
		}
		m.endTable()
		for _, s := range run.Steps {
			if s.Output != "" {
				m.openPara()
				m.str("Output of ")
				m.code(s.Name)
				m.str(":")
				m.closePara()
				m.mk.codeBlock(m, s.Output)
			}
		}
	}
}

// codeSpan quotes s as inline code, whatever backticks it holds.
func codeSpan(s string) string {
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func longestRun(s string, c byte) int {
	longest, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			longest = max(longest, n)
		} else {
			n = 0
		}
	}
	return longest
}
