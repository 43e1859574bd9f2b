package export

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"strconv"

	"github.com/warroomhq/warroom/timeline"
)

// HTML writes the postmortem draft Markdown writes as one self-contained
// page, for people who will not open Markdown: styles inline, and the
// impact chart, when the series hold one, inline as a PNG data URI. It
// loads nothing from anywhere.
func HTML(w io.Writer, entries []timeline.Entry, opts Options) error {
	chart := ""
	if !opts.NoChart && HasChart(opts) {
		var png bytes.Buffer
		if err := Chart(nil, &png, entries, opts); err != nil {
			return err
		}
		chart = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png.Bytes())
	}
	title := opts.Title
	if title == "" {
		title = "Incident " + opts.Incident
	}
	m := newDocWriter(bufio.NewWriterSize(w, 64<<10), htmlMarkup{}, opts.location())
	m.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Postmortem draft: ")
	m.mk.untrusted(m, title)
	m.raw("</title>\n<style>" + pageStyle + "</style>\n</head>\n<body>\n")
	if err := draft(m, entries, opts, chart); err != nil {
		return err
	}
	m.raw("</body>\n</html>\n")
	return m.flush()
}

// pageStyle keeps the page readable printed or on screen, tables wide.
const pageStyle = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:72rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.7rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.6rem 0;width:100%}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}tr:target,td:target{background:#fff8c5}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;background:#f3f5f7;border-radius:3px}
code{padding:0 .2em}pre{padding:.6rem;overflow:auto}
blockquote{margin:.6rem 0;padding:.2rem 1rem;border-left:4px solid #d0d7de;color:#3d444d}
img{max-width:100%;height:auto}
@media print{body{max-width:none;margin:0}a{color:inherit}}
`

// htmlMarkup writes HTML. Every text, warroom's or the record's, goes
// through escape: only the markup itself writes tags.
type htmlMarkup struct{}

// htmlText and htmlCell escape text for HTML, as text or attribute
// value: the five special characters as entities, control characters as
// spaces; htmlCell, for record text, keeps newlines as <br>; htmlPre, for
// a preformatted block (a command's output, a scorecard), keeps them as
// they are.
var htmlText, htmlCell, htmlPre = htmlEscapes(" "), htmlEscapes("<br>"), htmlEscapes("\n")

func htmlEscapes(newline string) [256]string {
	var t [256]string
	for c := range 0x20 {
		t[c] = " "
	}
	t[0x7f] = " "
	t['<'], t['>'], t['&'], t['"'], t['\''] = "&lt;", "&gt;", "&amp;", "&#34;", "&#39;"
	t['\n'] = newline
	return t
}

func escape(d *docWriter, s string) { d.replaceBytes(s, &htmlText) }

func (htmlMarkup) text(d *docWriter, s string)      { escape(d, s) }
func (htmlMarkup) untrusted(d *docWriter, s string) { d.replaceBytes(s, &htmlCell) }

func (htmlMarkup) code(d *docWriter, s string) {
	d.raw("<code>")
	escape(d, s)
	d.raw("</code>")
}

func (htmlMarkup) strong(d *docWriter, open bool) { d.raw(tag("strong", open)) }
func (htmlMarkup) em(d *docWriter, open bool)     { d.raw(tag("em", open)) }

func (htmlMarkup) ref(d *docWriter, id string) {
	d.raw(`<a href="#`)
	escape(d, id)
	d.raw(`">`)
	escape(d, id)
	d.raw("</a>")
}

func (htmlMarkup) anchor(d *docWriter, id string) {
	d.raw(`<a id="`)
	escape(d, id)
	d.raw(`"></a>`)
}

func (htmlMarkup) image(d *docWriter, alt, src string) {
	d.raw(`<img alt="`)
	escape(d, alt)
	d.raw(`" src="`)
	escape(d, src)
	d.raw(`">`)
}

func (htmlMarkup) heading(d *docWriter, level int, open bool) {
	block(d, "h"+strconv.Itoa(level), open)
}

func (htmlMarkup) para(d *docWriter, open bool) { block(d, "p", open) }

// block opens or closes a block element, a line of its own.
func block(d *docWriter, name string, open bool) {
	d.raw(tag(name, open))
	if !open {
		d.raw("\n")
	}
}

func (htmlMarkup) quote(d *docWriter, open bool) {
	if open {
		d.raw("<blockquote><p>")
	} else {
		d.raw("</p></blockquote>\n")
	}
}

func (htmlMarkup) quoteBreak(d *docWriter) { d.raw("</p><p>") }

func (htmlMarkup) codeBlock(d *docWriter, s string) {
	d.raw("<pre><code>")
	d.replaceBytes(s, &htmlPre)
	d.raw("</code></pre>\n")
}

func (htmlMarkup) list(d *docWriter, open bool) {
	if open {
		d.raw("<ul>\n")
	} else {
		d.raw("</ul>\n")
	}
}

func (htmlMarkup) item(d *docWriter, open, checkbox bool) {
	switch {
	case !open:
		d.raw("</li>\n")
	case checkbox:
		d.raw(`<li><input type="checkbox" disabled> `)
	default:
		d.raw("<li>")
	}
}

func (htmlMarkup) table(d *docWriter, cols []string) {
	d.raw("<table>\n")
	for _, c := range cols {
		if c == "" {
			continue
		}
		d.raw("<thead><tr>")
		for _, c := range cols {
			d.raw("<th>")
			escape(d, c)
			d.raw("</th>")
		}
		d.raw("</tr></thead>\n")
		break
	}
	d.raw("<tbody>\n")
}

func (htmlMarkup) row(d *docWriter, open bool) {
	if open {
		d.raw("<tr><td>")
	} else {
		d.raw("</td></tr>\n")
	}
}

func (htmlMarkup) nextCell(d *docWriter) { d.raw("</td><td>") }
func (htmlMarkup) endTable(d *docWriter) { d.raw("</tbody></table>\n") }

func tag(name string, open bool) string {
	if open {
		return "<" + name + ">"
	}
	return "</" + name + ">"
}
