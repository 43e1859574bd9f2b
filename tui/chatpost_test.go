package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
)

// lostPostChat is a channel whose every post answers too late; reading it
// back finds the post or not, or fails, as told.
type lostPostChat struct {
	found   bool
	readErr error
	asked   []string // text and since of each read back
}

func (c *lostPostChat) Post(context.Context, string, string) (integrations.Message, error) {
	return integrations.Message{}, context.DeadlineExceeded
}

func (c *lostPostChat) FindPosted(_ context.Context, text string, since time.Time) (integrations.Message, bool, error) {
	c.asked = append(c.asked, text+"@"+since.Format(time.RFC3339))
	return integrations.Message{Text: text}, c.found, c.readErr
}

// A chat post without an answer is settled by reading the channel back:
// the screen says it is checking, then posted, NOT posted or unknown, the
// timeline records the same words, and the typed text is kept unless the
// message is seen in the channel.
func TestTimedOutChatPostIsReadBack(t *testing.T) {
	since := time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		chat    *lostPostChat
		want    string
		outcome string
		kept    bool
	}{
		{"posted", &lostPostChat{found: true}, "chat posted: the answer was lost, and reading the channel back shows the message", "posted", false},
		{"not posted", &lostPostChat{}, "chat NOT posted: no answer, and reading the channel back does not show it (c to retry: your text is kept)", "not posted", true},
		{"unknown", &lostPostChat{readErr: errors.New("slack: read #inc history: 500")},
			"chat: outcome unknown (no answer, and reading the channel back failed: slack: read #inc history: 500); look in the Chat pane before retrying (your text is kept)", "unknown", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &memoryStore{}
			var m tea.Model = screenModel(120, 40, testOpts{Actions: integrations.Actions{Chat: tc.chat, ChatReader: tc.chat}, Record: store.record})
			m, cmd := m.Update(chatPostedMsg{text: "rolling back", since: since, err: context.DeadlineExceeded})
			if s := screen(m.(Model)); !strings.Contains(s, "chat: no answer in 15s — checking the channel") {
				t.Fatalf("a timed-out post does not say it is checking:\n%s", s)
			}
			for _, msg := range run(cmd) {
				var saving tea.Cmd
				m, saving = m.Update(msg)
				for _, msg := range run(saving) {
					m, _ = m.Update(msg)
				}
			}
			if want := []string{"rolling back@2026-12-01T08:30:00Z"}; strings.Join(tc.chat.asked, ",") != strings.Join(want, ",") {
				t.Fatalf("read back %q, want %q: the posted text from when it was sent", tc.chat.asked, want)
			}
			final := m.(Model)
			if final.toast.text != tc.want {
				t.Fatalf("settled with %q, want %q", final.toast.text, tc.want)
			}
			recs := store.recs
			if len(recs) != 1 || recs[0].Kind != "action.checked" || recs[0].Text != tc.want || recs[0].Fields["outcome"] != tc.outcome || recs[0].Fields["action"] != "post" {
				t.Fatalf("recorded %+v, want %q (outcome %s) on the timeline", recs, tc.want, tc.outcome)
			}
			if kept := final.drafts[inputChat] == "rolling back"; kept != tc.kept {
				t.Fatalf("text kept: %v, want %v", kept, tc.kept)
			}
		})
	}
}
