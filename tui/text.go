package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Text from outside (alert titles, chat, command output) may carry escape
// sequences that would restyle or move the terminal, and line breaks that
// would break a pane's frame. These make it safe to draw.

// oneLine removes escape sequences and turns every control character
// (newlines and tabs included) into a space.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, ansi.Strip(s))
}

// safeText is oneLine but keeps line breaks, for text that is wrapped.
func safeText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, ansi.Strip(s))
}

// wrapHanging word-wraps plain text: the first line into first cells (what
// is left beside a prefix), every later line into rest cells (what is left
// beside an indent). Each line of the text starts a new line; a word
// longer than a line is cut. Each line is wrapped once, at its own width.
func wrapHanging(text string, first, rest int) []string {
	rest = max(2, rest) // room for any one character, so every cut makes progress
	var lines []string
	var line strings.Builder
	used, room := 0, first
	next := func() {
		lines = append(lines, line.String())
		line.Reset()
		used, room = 0, rest
	}
	for i, para := range strings.Split(text, "\n") {
		if i > 0 {
			next()
		}
		for _, word := range strings.Fields(para) {
			w := ansi.StringWidth(word)
			if used > 0 && used+1+w > room {
				next()
			}
			if used > 0 {
				line.WriteByte(' ')
				used++
			}
			for used+w > room {
				cut := max(0, room-used)
				line.WriteString(ansi.Cut(word, 0, cut))
				word = ansi.Cut(word, cut, w)
				w = ansi.StringWidth(word)
				next()
			}
			line.WriteString(word)
			used += w
		}
	}
	return append(lines, line.String())
}
