package slack_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations/httpx/sourcetest"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/integrations/slack"
)

// clock is the local server's time: its next post gets a later ts.
func (cs *channelServer) clock() time.Time {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return time.Unix(int64(cs.nextTS), 0)
}

// lostAnswer stores the post, then answers nothing: the message is in
// the channel, and the poster never hears so.
func (cs *channelServer) lostAnswer(w http.ResponseWriter, r *http.Request) {
	cs.post(httptest.NewRecorder(), r)
	sourcetest.Stall()(w, r)
}

// A post whose answer never came is settled by reading the channel back:
// found when the bot's message with that text is there since the post,
// not found when it never landed (or only someone else, or an earlier
// post, says the same), and an error — never "not posted" — when the
// channel cannot be read.
func TestTimedOutPostIsReadBack(t *testing.T) {
	sourcetest.CheckLeaks(t)
	const text = "rolling back <edge2> & draining"
	for _, tc := range []struct {
		name    string
		landed  bool
		history sourcetest.Fault
		found   bool
		err     string
	}{
		{name: "landed", landed: true, found: true},
		{name: "never landed", landed: false, found: false},
		{name: "channel unreadable", landed: true, history: sourcetest.Status(500, "text/html", "<html>oops</html>"), err: "500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := newChannelServer(t, token)
			src := newSource(t, cs.url(), nil)
			cs.add(wireMessage{User: botUser, Text: escapeText(text), TS: "1700000050.000100"}) // an earlier post of the same words
			since := cs.clock()
			cs.add(wireMessage{User: "U2", Text: escapeText(text), TS: "1700000100.000500"}) // someone else says it too
			fault := sourcetest.Stall()
			if tc.landed {
				fault = cs.lostAnswer
			}
			cs.faults.Set("/chat.postMessage", fault)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			_, err := src.Post(ctx, text, "")
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("post: %v, want no answer in time", err)
			}
			cs.faults.Set("/conversations.history", tc.history)
			m, found, err := src.FindPosted(context.Background(), text, since)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || found {
					t.Fatalf("read back over an unreadable channel = found %v, %v; want an error with %q", found, err, tc.err)
				}
				if strings.Contains(err.Error(), token) {
					t.Fatalf("error carries the token: %v", err)
				}
				return
			}
			if err != nil || found != tc.found {
				t.Fatalf("read back = found %v, %v; want found %v", found, err, tc.found)
			}
			if found && (m.User != "ana" || !m.At.After(since)) {
				t.Errorf("found %+v, want the bot's post after %s", m, since)
			}
		})
	}
}

// Slack stores &, < and > as entities; the Chat pane and the timeline get
// the text as it was typed.
func TestMessagesReadAsTyped(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	const typed = "p99 > 2s & rising on <edge2>; &lt; is literal"
	cs.add(wireMessage{User: "U2", Text: escapeText(typed), TS: "1700000000.000100"})
	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, newSource(t, cs.url(), nil), rec)
	defer stop()
	integrationstest.Wait(t, "the message", func() bool { return len(chat(rec)) == 1 })
	if got := chat(rec)[0].Text; got != typed {
		t.Errorf("Chat pane text %q, want %q", got, typed)
	}
	if recs := rec.Records("chat.message"); len(recs) != 1 || recs[0].Text != typed {
		t.Errorf("timeline records %+v, want the text as typed", recs)
	}
}

// WithChannel posts to another channel of the workspace with the same
// token, found by name, and reads its own posts back there; the source it
// came from keeps its channel.
func TestWithChannelPostsToAnotherChannel(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	incident := newSource(t, cs.url(), func(o *slack.Options) { o.Channel = "#general" })
	status, err := incident.WithChannel("#inc-42")
	if err != nil {
		t.Fatal(err)
	}
	const text = "Status update: web <degraded> & recovering"
	since := cs.clock()
	m, err := status.Post(context.Background(), text, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != "C42" || m.User != "ana" || m.Text != text {
		t.Errorf("posted %+v, want the bot's post in C42", m)
	}
	if _, found, err := status.FindPosted(context.Background(), text, since); err != nil || !found {
		t.Errorf("read back in #inc-42 = found %v, %v", found, err)
	}
	// The server keeps one channel's messages: #general's post is refused.
	if _, err := incident.Post(context.Background(), "hello", ""); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("post to #general = %v, want the incident source still on #general", err)
	}
	if _, err := incident.WithChannel("#"); err == nil {
		t.Error("WithChannel accepted an empty channel name")
	}
}
