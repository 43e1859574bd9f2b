package tui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
)

// chatPane shows the incident channel with the newest message at the
// bottom. Only the messages that fit are wrapped and drawn, walking back
// from the one under the cursor.
type chatPane struct {
	messages   []integrations.Message
	list       listView
	configured bool // an incident channel is configured (or simulated)
}

// newChatPane is the pane of a session with an incident channel, or
// without one (configured false): it then says so and how to add one.
func newChatPane(configured bool) chatPane {
	return chatPane{list: listView{follow: true}, configured: configured}
}

// chatNotConfigured is what the pane says when no incident channel is
// configured: chat is off, not quiet.
const chatNotConfigured = "chat not configured: no incident channel to show or post to.\n" +
	"Add a slack: section to the configuration, with the channel (and the bot token in SLACK_TOKEN or slack.token_file), " +
	"then check it with warroom config check."

func (p *chatPane) add(ms []integrations.Message) {
	from := len(p.messages)
	for _, m := range ms {
		m.User, m.Text = oneLine(m.User), safeText(m.Text)
		p.messages = append(p.messages, m)
	}
	p.list.appended(from, p)
}

// count is the number of messages, for the filter.
func (p *chatPane) count() int { return len(p.messages) }

func (p *chatPane) match(i int, q []string) bool {
	m := p.messages[i]
	return contains(m.User+" "+m.Text, q)
}

// selected is the message under the cursor.
func (p *chatPane) selected() (integrations.Message, bool) {
	n := p.list.count(len(p.messages))
	if n == 0 {
		return integrations.Message{}, false
	}
	return p.messages[p.list.item(min(p.list.cursor, n-1))], true
}

func (p *chatPane) draw(st Styles, width, height int, focused bool, now time.Time, mark string) string {
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
		parts := wrapHanging(m.Text, wrapAt-ansi.StringWidth(head), wrapAt-2)
		wrapped := make([]string, len(parts))
		wrapped[0] = head + parts[0]
		for i, l := range parts[1:] {
			wrapped[i+1] = "  " + l
		}
		lines = append(wrapped, lines...)
	}
	if len(lines) > inner {
		lines = lines[len(lines)-inner:]
	}
	switch {
	case !p.configured && n == 0:
		lines = nil
		for _, l := range wrapHanging(chatNotConfigured, wrapAt, wrapAt) {
			lines = append(lines, st.Dim.Render(l))
		}
	case p.list.count(n) == 0 && p.list.filter != "":
		lines = []string{st.Dim.Render("no message matches /" + p.list.filter + " (esc clears)")}
	case p.list.count(n) == 0:
		lines = []string{st.Dim.Render("no messages in the channel yet")}
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
