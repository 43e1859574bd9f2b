package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
)

// chatPane shows the incident channel with the newest message at the
// bottom. Only the messages that fit are wrapped and drawn, walking back
// from the one under the cursor.
type chatPane struct {
	messages []integrations.Message
	list     listView
}

func newChatPane() chatPane { return chatPane{list: listView{follow: true}} }

func (p *chatPane) add(ms []integrations.Message) {
	from := len(p.messages)
	for _, m := range ms {
		m.User, m.Text = oneLine(m.User), safeText(m.Text)
		p.messages = append(p.messages, m)
	}
	p.list.appended(from, len(p.messages), p.match)
}

func (p *chatPane) match(i int, q string) bool {
	m := p.messages[i]
	return contains(m.User+" "+m.Text, q)
}

func (p *chatPane) render(st Styles, width, height int, focused bool, now time.Time, mark string) string {
	inner, wrapAt := height-2, width-2
	n := len(p.messages)
	var lines []string
	for pos := p.list.cursor; pos >= 0 && pos < p.list.count(n) && len(lines) < inner; pos-- {
		m := p.messages[p.list.item(pos)]
		head := clockLabel(m.At, now) + " " + st.PaneTitle.Render(m.User) + ": "
		if m.ThreadID != "" {
			head += "↳ "
		}
		// Continuation lines are indented by two, so they wrap two
		// narrower: nothing is cut at the frame.
		first := strings.SplitN(ansi.Wrap(head+m.Text, wrapAt, ""), "\n", 2)
		wrapped := first[:1]
		if len(first) > 1 {
			for _, l := range strings.Split(ansi.Wrap(first[1], wrapAt-2, ""), "\n") {
				wrapped = append(wrapped, "  "+l)
			}
		}
		lines = append(wrapped, lines...)
	}
	if len(lines) > inner {
		lines = lines[len(lines)-inner:]
	}
	if p.list.count(n) == 0 {
		lines = []string{st.Dim.Render("no messages")}
	}
	title := "Chat"
	if p.list.filter != "" {
		title += fmt.Sprintf("  /%s (%d)", p.list.filter, p.list.count(n))
	}
	if newer := p.list.count(n) - 1 - p.list.cursor; newer > 0 {
		title += fmt.Sprintf("  ↓ %d newer", newer)
	}
	return frame(st, title+mark, lines, width, height, focused)
}
