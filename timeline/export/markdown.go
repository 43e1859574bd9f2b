package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

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
func Markdown(w io.Writer, entries []timeline.Entry, opts Options) error {
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
	md := &mdWriter{w: bufio.NewWriterSize(w, 64<<10), loc: loc}

	title := opts.Title
	if title == "" {
		title = "Incident " + opts.Incident
	}
	im := measuredImpact(opts, all)
	kts := KeyTimes(all, im)
	durations := Durations(kts, all, im)
	md.header(title, opts.Incident, entries, all, kts)
	md.printf("\nTimes are in %s. Drafted by warroom from %d timeline entries; corrected entries show their amended text and time. Edit freely.\n",
		loc, len(all))
	if opts.filtered() {
		md.printf("\nFiltered:%s.\n", describeFilter(opts, loc))
	}
	md.summary(kts, durations, im, RunbookRuns(all), all)
	md.keyTimes(kts, durations)
	md.impact(im, opts.Chart)
	md.drillScorecard(all)

	md.decisions(rows)
	runs := RunbookRuns(rows)
	md.whatWasDone(rows, runs)
	inForce := ledger.OfEntries(entries).Items()
	md.inForce(inForce)
	md.followUps(rows)
	md.retrospective(retroPrompts(&promptRecord{rows: rows, runs: runs, kts: kts, durations: durations, inForce: inForce, loc: loc}))

	md.keyEvents(rows, runs)
	md.fullTimeline(rows)
	md.runbookRuns(runs)

	return md.flush()
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

// mdWriter writes Markdown, keeping the first write error.
type mdWriter struct {
	w   *bufio.Writer
	loc *time.Location
	buf []byte // scratch for formatting times
	err error
}

func (m *mdWriter) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

func (m *mdWriter) str(s string) {
	if m.err == nil {
		_, m.err = m.w.WriteString(s)
	}
}

func (m *mdWriter) flush() error {
	if m.err != nil {
		return m.err
	}
	return m.w.Flush()
}

func (m *mdWriter) time(t time.Time, layout string) {
	m.buf = t.In(m.loc).AppendFormat(m.buf[:0], layout)
	if m.err == nil {
		_, m.err = m.w.Write(m.buf)
	}
}

// cell writes s for a table cell: pipes, HTML and Markdown line breaks
// escaped, newlines as <br>, cut at limit bytes (0: no limit).
func (m *mdWriter) cell(s string, limit int) {
	cut := 0
	if limit > 0 && len(s) > limit {
		cut = utf8.RuneCountInString(s[limit:])
		for limit > 0 && !utf8.RuneStart(s[limit]) {
			limit--
		}
		s = s[:limit]
	}
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '|':
			esc = `\|`
		case '\\':
			esc = `\\`
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '\n':
			esc = "<br>"
		case '\r', '\t':
			esc = " "
		default:
			continue
		}
		m.str(s[start:i])
		m.str(esc)
		start = i + 1
	}
	m.str(s[start:])
	if cut > 0 {
		m.printf(" … (%d more characters in the JSON export)", cut)
	}
}

func (m *mdWriter) keyTimes(kts []KeyTime, durations []Duration) {
	m.str("\n## Key times and durations\n\n| Key time | When | Source |\n|---|---|---|\n")
	for _, kt := range kts {
		m.printf("| %s | ", kt.Name)
		if !kt.Found {
			m.str("_not recorded_ | |\n")
			continue
		}
		m.time(kt.At, fullTime)
		m.str(" | ")
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
		}
		m.str(" |\n")
	}
	m.str("\n| Duration | Between | Length |\n|---|---|---|\n")
	for _, d := range durations {
		m.printf("| %s | %s → %s | ", d.Name, d.From.Name, d.To.Name)
		switch {
		case d.Impossible:
			m.str("— |\n")
		case d.Known:
			m.printf("%s |\n", formatDuration(d.Length))
		default:
			var missing []string
			for _, end := range []Moment{d.From, d.To} {
				if !end.Found {
					missing = append(missing, end.Name)
				}
			}
			m.printf("_unknown: no %s_ |\n", strings.Join(missing, " and no "))
		}
	}
	if flags := ImpossibleOrders(kts, durations); len(flags) > 0 {
		m.str("\n")
		for _, f := range flags {
			m.printf("- ⚠ impossible order: %s (", f[1].Name)
			m.time(f[1].At, fullTime)
			m.printf(") is before %s (", f[0].Name)
			m.time(f[0].At, fullTime)
			m.str("); correct the mark in force.\n")
		}
	}
	m.str("\nA responder marks or corrects a key time with `m` in the war-room or `warroom timeline append --kind incident.mitigated ...`; the latest mark is in force. Unmarked ones are inferred: started from the error ratio's first sample above the impact threshold, detected from the first critical alert, acknowledged from the first page acknowledged, mitigated from the error ratio back under the threshold, resolved when every alert has cleared.\n")
}

// entryRef writes a link to r's row in the full timeline.
func (m *mdWriter) entryRef(r timeline.Row) {
	m.printf("[%s](#%s)", r.Entry.ID, r.Entry.ID)
}

func (m *mdWriter) runbookRuns(runs []RunbookRun) {
	if len(runs) == 0 {
		return
	}
	m.str("\n## Runbook runs\n")
	for _, run := range runs {
		name := run.Runbook
		if name == "" {
			name = "runbook"
		}
		result := run.Result
		if result == "" {
			result = "no result recorded"
		}
		m.printf("\n### %s (run %s): %s, %s\n\n", name, run.ID, result, formatDuration(run.End.Sub(run.Start)))
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
				m.printf(" %s=%s", codeSpan(p[0]), codeSpan(p[1]))
			}
			m.str(".")
		}
		m.str("\n")
		if len(run.Steps) == 0 {
			continue
		}
		m.str("\n| Step | Started | Duration | Result | Summary |\n|---|---|---|---|---|\n")
		for _, s := range run.Steps {
			m.str("| ")
			m.cell(s.Name, 0)
			m.str(" | ")
			m.time(s.Start, shortTime)
			m.printf(" | %s | ", formatDuration(s.Duration))
			m.cell(s.Result, 0)
			m.str(" | ")
			m.cell(s.Summary, maxCellText)
			m.str(" |\n")
		}
		for _, s := range run.Steps {
			if s.Output != "" {
				fence := strings.Repeat("`", max(3, longestRun(s.Output, '`')+1))
				m.printf("\nOutput of %s:\n\n%s\n%s\n%s\n", codeSpan(s.Name), fence, strings.TrimRight(s.Output, "\n"), fence)
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
