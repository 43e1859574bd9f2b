package slack_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx/sourcetest"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/integrations/slack"
)

// TestSocketModeDeliversAsPosted checks that with an app token, messages
// arrive through Socket Mode well before the next poll, are acknowledged,
// come only from the followed channel, and are never published twice
// when the poll later reads them from history.
func TestSocketModeDeliversAsPosted(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	cs.add(wireMessage{User: "U1", Text: "before", TS: "1700000000.000100"})
	poll := sourcetest.TestPoll()
	poll.Interval = time.Hour // so what arrives after the first poll came by Socket Mode
	src := newSource(t, cs.url(), func(o *slack.Options) { o.AppToken = "xapp-1-A1-test"; o.Poll = poll })
	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, src, rec)
	defer stop()
	integrationstest.Wait(t, "the first poll", func() bool { return len(chat(rec)) == 1 })

	reply := wireMessage{User: "U2", Text: "looking", TS: "1700000005.000100", ThreadTS: "1700000000.000100"}
	cs.sendEvent("e1", "C99", wireMessage{User: "U2", Text: "elsewhere", TS: "1700000004.000100"})
	cs.sendEvent("e2", "C42", reply)
	cs.sendEvent("e3", "C42", reply) // Slack redelivers when an ack is late
	integrationstest.Wait(t, "the thread reply", func() bool { return len(chat(rec)) == 2 })
	integrationstest.Wait(t, "all three acknowledged", func() bool { return len(cs.acked()) == 3 })

	got := chat(rec)[1]
	want := integrations.Message{ID: "1700000005.000100", Channel: "C42", User: "bo", Text: "looking",
		ThreadID: "1700000000.000100", At: time.Unix(1700000005, 100_000).UTC()}
	if got != want {
		t.Errorf("streamed = %+v, want %+v", got, want)
	}
	if acks := cs.acked(); !slices.Equal(acks, []string{"e1", "e2", "e3"}) {
		t.Errorf("acks = %v", acks)
	}
	stop()
	if got := texts(chat(rec)); !slices.Equal(got, []string{"before", "looking"}) {
		t.Errorf("messages = %q, want each once", got)
	}
	if r := rec.Records("chat.message"); len(r) != 2 || r[1].Fields["thread_ts"] != "1700000000.000100" {
		t.Errorf("records = %+v", r)
	}
}

// TestSocketModeAndPollDoNotDuplicate has a message reach the source both
// ways: streamed first, then read from history by the next poll.
func TestSocketModeAndPollDoNotDuplicate(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	src := newSource(t, cs.url(), func(o *slack.Options) { o.AppToken = "xapp-1-A1-test"; o.Poll = sourcetest.TestPoll() })
	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, src, rec)
	defer stop()
	integrationstest.Wait(t, "a poll", func() bool { return len(rec.Statuses()) > 0 })
	integrationstest.Wait(t, "the Socket Mode connection", func() bool {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		return cs.sockets > 0
	})

	m := wireMessage{User: "U1", Text: "both ways", TS: "1700000007.000100"}
	cs.sendEvent("e1", "C42", m)
	integrationstest.Wait(t, "the acknowledgement", func() bool { return len(cs.acked()) == 1 })
	cs.add(m)
	polls := len(rec.Statuses())
	integrationstest.Wait(t, "three more polls", func() bool { return len(rec.Statuses()) >= polls+3 })
	stop()
	if got := texts(chat(rec)); !slices.Equal(got, []string{"both ways"}) {
		t.Errorf("messages = %q, want the message once", got)
	}
}

// TestSocketModeOutageIsNoted refuses the app token, then accepts it: the
// timeline hears of Socket Mode going down and coming back, while the poll
// keeps the source ok throughout.
func TestSocketModeOutageIsNoted(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	cs.faults.Set("/apps.connections.open", sourcetest.Status(200, "application/json", `{"ok":false,"error":"invalid_auth"}`))
	src := newSource(t, cs.url(), func(o *slack.Options) { o.AppToken = "xapp-1-A1-test"; o.Poll = sourcetest.TestPoll() })
	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, src, rec)
	defer stop()

	notes := func() []string {
		var out []string
		for _, r := range rec.Records("source.status") {
			if r.Fields["stream"] == "socket_mode" {
				out = append(out, r.Fields["to"]+": "+r.Text)
			}
		}
		return out
	}
	integrationstest.Wait(t, "the outage note", func() bool { return len(notes()) == 1 })
	cs.faults.Set("", nil)
	integrationstest.Wait(t, "the reconnection note", func() bool { return len(notes()) == 2 })
	stop()
	got := notes()
	if !strings.HasPrefix(got[0], "down: ") || !strings.Contains(got[0], "invalid_auth") || got[1] != "ok: slack Socket Mode connected" {
		t.Errorf("notes = %q", got)
	}
	if st := rec.States(); !slices.Equal(st, []integrations.SourceState{integrations.SourceOK}) {
		t.Errorf("states = %v, want ok throughout", st)
	}
}
