package export

import (
	"bufio"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/warroomhq/warroom/timeline"
)

// markup is how the draft looks in one format. The sections say what the
// document holds (a heading, a table row, a reference to an entry) through
// a docWriter, once; Markdown and HTML each render those calls their way.
//
// Text comes in two kinds: product text warroom wrote (text), and record
// text, which is untrusted (untrusted): a chat line may hold <script> or
// Markdown that would rewrite the table.
type markup interface {
	text(d *docWriter, s string)      // warroom's own words
	untrusted(d *docWriter, s string) // record text; newlines kept as breaks
	code(d *docWriter, s string)      // inline code (any text)
	strong(d *docWriter, open bool)
	em(d *docWriter, open bool)
	ref(d *docWriter, id string)    // link to an entry's row
	anchor(d *docWriter, id string) // an entry's row
	image(d *docWriter, alt, src string)

	heading(d *docWriter, level int, open bool)
	para(d *docWriter, open bool)
	quote(d *docWriter, open bool)
	quoteBreak(d *docWriter) // a new paragraph in the quote
	codeBlock(d *docWriter, s string)
	list(d *docWriter, open bool)
	item(d *docWriter, open, checkbox bool)
	table(d *docWriter, cols []string)
	row(d *docWriter, open bool)
	nextCell(d *docWriter)
	endTable(d *docWriter)
}

// docWriter writes the draft through its markup, keeping the first write
// error.
type docWriter struct {
	w    *bufio.Writer
	mk   markup
	loc  *time.Location
	buf  []byte // scratch for formatting times
	last byte   // the last byte written
	n    int    // bytes written
	err  error
}

func newDocWriter(w *bufio.Writer, mk markup, loc *time.Location) *docWriter {
	return &docWriter{w: w, mk: mk, loc: loc, last: '\n'}
}

// raw writes s as it is: markup only.
func (m *docWriter) raw(s string) {
	if m.err == nil && s != "" {
		_, m.err = m.w.WriteString(s)
		m.last, m.n = s[len(s)-1], m.n+len(s)
	}
}

func (m *docWriter) rawBytes(b []byte) {
	if m.err == nil && len(b) > 0 {
		_, m.err = m.w.Write(b)
		m.last, m.n = b[len(b)-1], m.n+len(b)
	}
}

func (m *docWriter) flush() error {
	if m.err != nil {
		return m.err
	}
	return m.w.Flush()
}

// str writes warroom's own words.
func (m *docWriter) str(s string) { m.mk.text(m, s) }

func (m *docWriter) printf(format string, args ...any) { m.str(fmt.Sprintf(format, args...)) }

// time writes t in the draft's zone.
func (m *docWriter) time(t time.Time, layout string) {
	m.buf = t.In(m.loc).AppendFormat(m.buf[:0], layout)
	m.rawBytes(m.buf) // digits, letters, spaces and colons: safe in both
}

// cell writes record text, cut at limit bytes (0: no limit).
func (m *docWriter) cell(s string, limit int) {
	cut := 0
	if limit > 0 && len(s) > limit {
		cut = utf8.RuneCountInString(s[limit:])
		for limit > 0 && !utf8.RuneStart(s[limit]) {
			limit--
		}
		s = s[:limit]
	}
	m.mk.untrusted(m, s)
	if cut > 0 {
		m.printf(" … (%d more characters in the JSON export)", cut)
	}
}

func (m *docWriter) code(s string) { m.mk.code(m, s) }

func (m *docWriter) strong(s string) { m.wrapped(m.mk.strong, s) }
func (m *docWriter) em(s string)     { m.wrapped(m.mk.em, s) }

// heading writes a heading of warroom's words.
func (m *docWriter) heading(level int, s string) {
	m.wrapped(func(d *docWriter, open bool) { m.mk.heading(d, level, open) }, s)
}

// para writes a paragraph of warroom's words.
func (m *docWriter) para(s string) { m.wrapped(m.mk.para, s) }

// emPara writes a paragraph in emphasis: a placeholder or a hint.
func (m *docWriter) emPara(s string) {
	m.mk.para(m, true)
	m.em(s)
	m.mk.para(m, false)
}

// wrapped writes warroom's words s between mark's opening and closing.
func (m *docWriter) wrapped(mark func(*docWriter, bool), s string) {
	mark(m, true)
	m.str(s)
	mark(m, false)
}

// replaceBytes writes s with every byte that has a replacement in with
// replaced: how each markup escapes text.
func (m *docWriter) replaceBytes(s string, with *[256]string) {
	start := 0
	for i := 0; i < len(s); i++ {
		if r := with[s[i]]; r != "" {
			m.raw(s[start:i])
			m.raw(r)
			start = i + 1
		}
	}
	m.raw(s[start:])
}

func (m *docWriter) openPara()  { m.mk.para(m, true) }
func (m *docWriter) closePara() { m.mk.para(m, false) }
func (m *docWriter) openList()  { m.mk.list(m, true) }
func (m *docWriter) closeList() { m.mk.list(m, false) }
func (m *docWriter) openItem()  { m.mk.item(m, true, false) }
func (m *docWriter) checkItem() { m.mk.item(m, true, true) }
func (m *docWriter) closeItem() { m.mk.item(m, false, false) }

func (m *docWriter) table(cols ...string) { m.mk.table(m, cols) }
func (m *docWriter) openRow()             { m.mk.row(m, true) }
func (m *docWriter) nextCell()            { m.mk.nextCell(m) }
func (m *docWriter) closeRow()            { m.mk.row(m, false) }
func (m *docWriter) endTable()            { m.mk.endTable(m) }

// entryRef writes a link to r's row in the full timeline.
func (m *docWriter) entryRef(r timeline.Row) { m.mk.ref(m, r.Entry.ID) }

func (m *docWriter) printfPara(format string, args ...any) { m.para(fmt.Sprintf(format, args...)) }
