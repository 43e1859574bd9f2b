package timeline

import (
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeFast parses a line laid out exactly as encoding/json writes an
// Entry (fields in struct order, no spaces) about ten times faster than
// json.Unmarshal, which dominates opening a large timeline. It returns
// false for anything else (hand-edited lines, unknown keys, nulls), and
// the caller falls back to json.Unmarshal; the fuzz test checks that both
// agree whenever this accepts a line.
//
// Plain strings are substrings of one copy of the line: one allocation
// instead of one per field.
func decodeFast(line []byte, e *Entry) bool {
	p := fastParser{b: string(line)}
	if !p.entry(e) {
		*e = Entry{}
		return false
	}
	return true
}

// scrubRanges returns the byte ranges of a line, in the layout this
// package writes, that erasing its entry overwrites: the bodies of the
// text, of the fields' keys and values, and of the links.
func scrubRanges(line []byte) ([][2]int, bool) {
	var e Entry
	p := fastParser{b: string(line), record: true}
	return p.ranges, p.entry(&e)
}

// scrubbed returns a copy of line with ranges overwritten by '*'. It
// reports false if a range is not inside the line's content.
func scrubbed(line []byte, ranges [][2]int) ([]byte, bool) {
	out := append([]byte(nil), line...)
	for _, r := range ranges {
		if r[0] < 0 || r[0] > r[1] || r[1] > len(line)-chainSuffixLen {
			return nil, false
		}
		for i := r[0]; i < r[1]; i++ {
			out[i] = '*'
		}
	}
	return out, true
}

func (p *fastParser) entry(e *Entry) bool {
	return p.lit(`{"id":`) && p.str(&e.ID) &&
		p.lit(`,"seq":`) && p.int(&e.Seq) &&
		p.lit(`,"occurred":`) && p.time(&e.Occurred) &&
		p.lit(`,"recorded":`) && p.time(&e.Recorded) &&
		p.lit(`,"source":`) && p.str(&e.Source) &&
		p.lit(`,"kind":`) && p.str(&e.Kind) &&
		(!p.lit(`,"actor":`) || p.str(&e.Actor)) &&
		p.lit(`,"text":`) && p.erasable(&e.Text) &&
		(!p.lit(`,"fields":`) || p.fields(&e.Fields)) &&
		(!p.lit(`,"links":`) || p.links(&e.Links)) &&
		(!p.lit(`,"target":`) || p.str(&e.Target)) &&
		(!p.lit(`,"op":`) || p.str(&e.Op)) &&
		(!p.lit(`,"to":`) || p.time(&e.To)) &&
		(!p.lit(`,"scrub":`) || p.scrub(&e.Scrub)) &&
		p.lit(`,"prev":`) && p.str(&e.Prev) &&
		p.lit(`,"hash":`) && p.str(&e.Hash) &&
		p.lit(`}`) && p.i == len(p.b)
}

type fastParser struct {
	b string
	i int

	record bool     // note where erasable strings are
	ranges [][2]int // their bodies, between the quotes
}

// erasable consumes a string whose content an erase removes.
func (p *fastParser) erasable(dst *string) bool {
	start := p.i + 1
	ok := p.str(dst)
	if ok && p.record && p.i-1 > start {
		p.ranges = append(p.ranges, [2]int{start, p.i - 1})
	}
	return ok
}

// lit consumes s if the input continues with it.
func (p *fastParser) lit(s string) bool {
	if len(p.b)-p.i < len(s) || p.b[p.i:p.i+len(s)] != s {
		return false
	}
	p.i += len(s)
	return true
}

// rawStr consumes a JSON string and returns its decoded bytes, refusing
// anything encoding/json would decode differently from a plain reading
// (invalid UTF-8, control characters).
func (p *fastParser) rawStr() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	i := start
	for i < len(p.b) && p.b[i] != '"' && p.b[i] != '\\' && p.b[i] >= 0x20 && p.b[i] < utf8.RuneSelf {
		i++
	}
	if i < len(p.b) && p.b[i] == '"' { // the common case: plain ASCII
		p.i = i + 1
		return p.b[start:i], true
	}
	out := []byte(p.b[start:i])
	for i < len(p.b) {
		c := p.b[i]
		switch {
		case c == '"':
			p.i = i + 1
			return string(out), true
		case c < 0x20:
			return "", false
		case c == '\\':
			r, n, ok := unescape(p.b[i:])
			if !ok {
				return "", false
			}
			out = utf8.AppendRune(out, r)
			i += n
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(p.b[i:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			out = append(out, p.b[i:i+n]...)
			i += n
		}
	}
	return "", false
}

// unescape decodes one JSON escape at the start of b as encoding/json
// does, including UTF-16 surrogate pairs; lone surrogates are left to
// json.Unmarshal.
func unescape(b string) (rune, int, bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	switch b[1] {
	case '"', '\\', '/':
		return rune(b[1]), 2, true
	case 'b':
		return '\b', 2, true
	case 'f':
		return '\f', 2, true
	case 'n':
		return '\n', 2, true
	case 'r':
		return '\r', 2, true
	case 't':
		return '\t', 2, true
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return 0, 0, false
		}
		if !utf16.IsSurrogate(r) {
			return r, 6, true
		}
		if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
			return 0, 0, false
		}
		r2, ok := hex4(b[8:])
		if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
			return dec, 12, true
		}
	}
	return 0, 0, false
}

func hex4(b string) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(b[:4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (p *fastParser) str(dst *string) bool {
	s, ok := p.rawStr()
	*dst = s
	return ok
}

// int consumes a positive integer without leading zeros.
func (p *fastParser) int(dst *int64) bool {
	start := p.i
	return p.uint(dst) && p.b[start] != '0'
}

// uint consumes a non-negative integer of up to 15 digits, without
// leading zeros.
func (p *fastParser) uint(dst *int64) bool {
	start := p.i
	var n int64
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' && p.i-start < 15 {
		n = n*10 + int64(p.b[p.i]-'0')
		p.i++
	}
	*dst = n
	digits := p.i - start
	return digits > 0 && (digits == 1 || p.b[start] != '0') && (p.i == len(p.b) || p.b[p.i] < '0' || p.b[p.i] > '9')
}

// time consumes an RFC 3339 string. encoding/json hands time.Time the raw
// bytes, escapes included, so an escaped time is left to it.
func (p *fastParser) time(dst *time.Time) bool {
	start := p.i
	s, ok := p.rawStr()
	return ok && p.i-start == len(s)+2 && dst.UnmarshalText([]byte(s)) == nil
}

func (p *fastParser) fields(dst *map[string]string) bool {
	if !p.lit(`{`) {
		return false
	}
	m := map[string]string{}
	for first := true; !p.lit(`}`); first = false {
		if !first && !p.lit(`,`) {
			return false
		}
		var k, v string
		if !p.erasable(&k) || !p.lit(`:`) || !p.erasable(&v) {
			return false
		}
		m[k] = v
	}
	*dst = m
	return true
}

func (p *fastParser) links(dst *[]string) bool {
	if !p.lit(`[`) {
		return false
	}
	links := []string{}
	for first := true; !p.lit(`]`); first = false {
		if !first && !p.lit(`,`) {
			return false
		}
		var l string
		if !p.erasable(&l) {
			return false
		}
		links = append(links, l)
	}
	*dst = links
	return true
}

func (p *fastParser) scrub(dst **Scrub) bool {
	sc := &Scrub{Ranges: [][2]int{}}
	if !p.lit(`{"ranges":[`) {
		return false
	}
	for first := true; !p.lit(`]`); first = false {
		var lo, hi int64
		if !first && !p.lit(`,`) || !p.lit(`[`) || !p.uint(&lo) || !p.lit(`,`) || !p.uint(&hi) || !p.lit(`]`) {
			return false
		}
		sc.Ranges = append(sc.Ranges, [2]int{int(lo), int(hi)})
	}
	*dst = sc
	return p.lit(`,"hash":`) && p.str(&sc.Hash) && p.lit(`}`)
}
