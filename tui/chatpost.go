package tui

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
)

// chatSettledMsg is what reading the channel back found, after a post
// whose answer never came.
type chatSettledMsg struct {
	text  string
	found bool
	err   error
}

// chatPosted reports a post's answer. No answer in time is not a refusal:
// the message may be in the channel, so the channel is read back to
// settle it when the poster can read it, and the outcome is unknown
// otherwise.
func (m Model) chatPosted(msg chatPostedMsg) (tea.Model, tea.Cmd) {
	switch {
	case errors.Is(msg.err, context.DeadlineExceeded):
		m.drafts[inputChat] = msg.text
		if !m.app.Can("", integrations.CanReadChat) {
			return m, m.settleChat(fmt.Sprintf("chat: no answer in %s — it may have been posted, and this channel cannot be read back: look in the Chat pane before retrying (your text is kept)",
				shortDuration(actionTimeout)), "unknown", true)
		}
		app := m.app
		readBack := func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
			defer cancel()
			_, found, err := app.FindPosted(ctx, msg.text, msg.since)
			return chatSettledMsg{text: msg.text, found: found, err: err}
		}
		return m, tea.Batch(m.raise(fmt.Sprintf("chat: no answer in %s — checking the channel", shortDuration(actionTimeout)), true), readBack)
	case msg.err != nil:
		m.drafts[inputChat] = msg.text
		return m, m.raise("chat NOT posted: "+msg.err.Error()+" (c to retry: your text is kept)", true)
	}
	return m, nil
}

// chatSettled says how an unanswered post turned out, as the channel
// shows it now; the typed text is dropped only once it is seen posted.
func (m Model) chatSettled(msg chatSettledMsg) (tea.Model, tea.Cmd) {
	switch {
	case msg.err != nil:
		return m, m.settleChat("chat: outcome unknown (no answer, and reading the channel back failed: "+msg.err.Error()+"); look in the Chat pane before retrying (your text is kept)", "unknown", true)
	case msg.found:
		if m.drafts[inputChat] == msg.text {
			delete(m.drafts, inputChat)
		}
		return m, m.settleChat("chat posted: the answer was lost, and reading the channel back shows the message", "posted", false)
	}
	return m, m.settleChat("chat NOT posted: no answer, and reading the channel back does not show it (c to retry: your text is kept)", "not posted", true)
}

// settleChat shows a timed-out post's outcome and records it: the
// timeline says what the screen said, outcome unknown included.
func (m *Model) settleChat(text, outcome string, bad bool) tea.Cmd {
	return tea.Batch(m.raise(text, bad), m.saveRecord(inputNone, integrations.Record{Kind: integrations.KindActionChecked, Text: text,
		Fields: map[string]string{"action": "post", "outcome": outcome}}))
}
