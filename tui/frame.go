package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// fit cuts or pads a styled line to exactly width cells. A line break
// would break the frame around it, so one is drawn as a space.
func fit(line string, width int) string {
	if width <= 0 {
		return ""
	}
	if strings.ContainsAny(line, "\n\r") {
		line = strings.NewReplacer("\n", " ", "\r", " ").Replace(line)
	}
	w := ansi.StringWidth(line)
	if w > width {
		return ansi.Truncate(line, width, "…")
	}
	return line + strings.Repeat(" ", width-w)
}

// frame draws a bordered pane of exactly width×height cells with the
// title set into the top border. Lines beyond the inner height are cut;
// missing lines are blank.
func frame(st Styles, title string, lines []string, width, height int, focused bool) string {
	if width < 4 || height < 2 {
		return ""
	}
	border := st.Border
	if focused {
		border = st.BorderFocus
	}
	inner := width - 2
	head := "─ " + title + " "
	if focused {
		head = "━ " + title + " "
	}
	if ansi.StringWidth(head) > inner {
		head = ansi.Truncate(head, inner, "…")
	}
	top := border.Render("╭") + st.PaneTitle.Render(head) +
		border.Render(strings.Repeat("─", inner-ansi.StringWidth(head))+"╮")

	var b strings.Builder
	b.Grow((width + 8) * height)
	b.WriteString(top)
	side := border.Render("│")
	for i := range height - 2 {
		b.WriteByte('\n')
		line := ""
		if i < len(lines) {
			line = lines[i]
		}
		b.WriteString(side)
		b.WriteString(fit(line, inner))
		b.WriteString(side)
	}
	b.WriteByte('\n')
	b.WriteString(border.Render("╰" + strings.Repeat("─", inner) + "╯"))
	return b.String()
}

// window returns the first index of the visible slice of n items of
// which height fit, keeping cursor visible and offset as stable as it can.
func window(n, height, cursor, offset int) int {
	if height <= 0 || n <= height {
		return 0
	}
	if cursor < offset {
		offset = cursor
	}
	if cursor >= offset+height {
		offset = cursor - height + 1
	}
	return max(0, min(offset, n-height))
}

// joinColumns places blocks of equal height side by side.
func joinColumns(blocks ...string) string {
	split := make([][]string, len(blocks))
	rows := 0
	for i, b := range blocks {
		split[i] = strings.Split(b, "\n")
		rows = max(rows, len(split[i]))
	}
	var out strings.Builder
	for r := range rows {
		if r > 0 {
			out.WriteByte('\n')
		}
		for _, s := range split {
			if r < len(s) {
				out.WriteString(s[r])
			}
		}
	}
	return out.String()
}
