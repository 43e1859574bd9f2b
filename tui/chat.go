package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
)

// chatPane shows the incident channel, newest at the bottom. Only the
// messages that fit are wrapped and drawn, walking back from the newest.
type chatPane struct {
	messages []integrations.Message
	back     int // messages scrolled back from the newest
}

func (p *chatPane) add(ms []integrations.Message) {
	p.messages = append(p.messages, ms...)
	if p.back > 0 {
		p.back += len(ms) // keep the reader's place while new lines arrive
	}
}

func (p *chatPane) scroll(delta int) {
	p.back = max(0, min(len(p.messages)-1, p.back-delta))
}

func (p *chatPane) render(st Styles, width, height int, focused bool, now time.Time) string {
	inner, wrapAt := height-2, width-2
	var lines []string
	for i := len(p.messages) - 1 - p.back; i >= 0 && len(lines) < inner; i-- {
		m := p.messages[i]
		head := clockLabel(m.At, now) + " " + st.PaneTitle.Render(m.User) + ": "
		wrapped := strings.Split(ansi.Wrap(head+m.Text, wrapAt, ""), "\n")
		for j := 1; j < len(wrapped); j++ {
			wrapped[j] = "  " + wrapped[j]
		}
		lines = append(wrapped, lines...)
	}
	if len(lines) > inner {
		lines = lines[len(lines)-inner:]
	}
	if len(p.messages) == 0 {
		lines = []string{st.Dim.Render("no messages yet")}
	}
	title := "Chat"
	if p.back > 0 {
		title += fmt.Sprintf("  ↑ %d newer", p.back)
	}
	return frame(st, title, lines, width, height, focused)
}
