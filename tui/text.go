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
