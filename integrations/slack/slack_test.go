package slack_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx/sourcetest"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/integrations/slack"
)

const token = "xoxb-slk-Zq9XkQ2-tok"

func newSource(t testing.TB, url string, tweak func(*slack.Options)) *slack.Source {
	t.Helper()
	opts := slack.Options{
		Token:      token,
		APIURL:     url,
		Channel:    "C42",
		Poll:       sourcetest.FastPoll(),
		HTTPClient: sourcetest.Client(t),
	}
	if tweak != nil {
		tweak(&opts)
	}
	src, err := slack.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// chat returns every published message, in publication order.
func chat(rec *integrationstest.Recorder) []integrations.Message {
	var out []integrations.Message
	for _, e := range rec.Events() {
		if c, ok := e.(integrations.ChatPosted); ok {
			out = append(out, c.Messages...)
		}
	}
	return out
}

func texts(msgs []integrations.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

func TestFollowsChannelIncrementally(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	cs.pageCap = 2 // force cursor pagination
	cs.add(wireMessage{User: "U1", Text: "paging: api 5xx", TS: "1700000000.000100"})
	cs.add(wireMessage{Username: "deploybot", BotID: "B1", SubType: "bot_message", Text: "deploy 4.2.1 started", TS: "1700000001.000200"})
	cs.add(wireMessage{User: "U2", Text: "rolling back", TS: "1700000002.000300", ThreadTS: "1700000002.000300"})
	cs.add(wireMessage{User: "U1", Text: "ack", TS: "1700000003.000400"})

	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, newSource(t, cs.url(), func(o *slack.Options) { o.Channel = "#inc-42" }), rec)
	defer stop()

	integrationstest.Wait(t, "the channel's four messages", func() bool { return len(chat(rec)) >= 4 })
	msgs := chat(rec)
	if want := []string{"paging: api 5xx", "deploy 4.2.1 started", "rolling back", "ack"}; !slices.Equal(texts(msgs), want) {
		t.Fatalf("messages = %q, want %q oldest first", texts(msgs), want)
	}
	first := msgs[0]
	if first.User != "ana" || first.Channel != "C42" || first.ID != "1700000000.000100" ||
		!first.At.Equal(time.Unix(1700000000, 100_000)) || first.ThreadID != "" {
		t.Errorf("first message = %+v", first)
	}
	if msgs[1].User != "deploybot" || msgs[2].User != "bo" || msgs[2].ThreadID != "" {
		t.Errorf("bot and thread-parent messages = %+v, %+v", msgs[1], msgs[2])
	}
	records := rec.Records("chat.message")
	if len(records) != 4 || records[3].Actor != "ana" || !records[3].Occurred.Equal(time.Unix(1700000003, 400_000)) ||
		records[3].Fields["ts"] != "1700000003.000400" || records[3].Text != "ack" {
		t.Errorf("records = %+v", records)
	}

	cs.add(wireMessage{User: "U2", Text: "error rate back to normal", TS: "1700000010.000500"})
	integrationstest.Wait(t, "the new message", func() bool { return len(chat(rec)) >= 5 })
	polls := len(rec.Statuses())
	integrationstest.Wait(t, "three more polls", func() bool { return len(rec.Statuses()) >= polls+3 })
	stop()

	if got := texts(chat(rec)); len(got) != 5 || got[4] != "error rate back to normal" {
		t.Errorf("messages after the new one = %q, want each exactly once", got)
	}
	if calls := cs.usersLookedUp(); calls["U1"] != 1 || calls["U2"] != 1 {
		t.Errorf("users.info calls = %v, want one per user (cached)", calls)
	}
	oldests := cs.historyOldests()
	if oldests[0] != "" || oldests[len(oldests)-1] != "1700000010.000500" {
		t.Errorf("oldest parameters = %q, want none first and the newest ts last", oldests)
	}
	if st := rec.States(); !slices.Equal(st, []integrations.SourceState{integrations.SourceOK}) {
		t.Errorf("states = %v, want only ok", st)
	}
}

func TestPostAndReply(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	src := newSource(t, cs.url(), nil)
	ctx := context.Background()

	m, err := src.Post(ctx, "status: mitigated", "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != "C42" || m.Text != "status: mitigated" || m.ID == "" || m.At.IsZero() || m.ThreadID != "" || m.User == "" {
		t.Errorf("posted = %+v", m)
	}
	r, err := src.Post(ctx, "details in the doc", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.ThreadID != m.ID {
		t.Errorf("reply thread = %q, want %q", r.ThreadID, m.ID)
	}

	// The posted message comes back through the feed like any other.
	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, src, rec)
	defer stop()
	integrationstest.Wait(t, "the posted message in the feed", func() bool { return len(chat(rec)) == 1 })
	if got := chat(rec)[0]; got.ID != m.ID || got.User != "ana" {
		t.Errorf("fed back = %+v, want id %s by ana", got, m.ID)
	}

	wrong := newSource(t, cs.url(), func(o *slack.Options) { o.Channel = "C404" })
	if _, err := wrong.Post(ctx, "x", ""); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("post to a missing channel: %v, want channel_not_found", err)
	}
}

func TestProbe(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	for i := range 3 {
		cs.add(wireMessage{User: "U1", Text: "m", TS: fmt.Sprintf("%d.000100", 1700000000+i)})
	}
	got, err := newSource(t, cs.url(), nil).Probe(context.Background())
	if err != nil || got != "#inc-42, 3 messages" {
		t.Errorf("Probe = %q, %v; want #inc-42, 3 messages", got, err)
	}
	if _, err := newSource(t, cs.url(), func(o *slack.Options) { o.Channel = "#nope" }).Probe(context.Background()); err == nil ||
		!strings.Contains(err.Error(), "#nope") {
		t.Errorf("Probe of a missing channel: %v, want an error naming it", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, opts := range map[string]slack.Options{
		"no token":      {Channel: "C1"},
		"no channel":    {Token: token, Channel: "#"},
		"bot app token": {Token: token, Channel: "C1", AppToken: "xoxb-not-app"},
		"bad url":       {Token: token, Channel: "C1", APIURL: "slack.com/api/"},
	} {
		if _, err := slack.New(opts); err == nil {
			t.Errorf("%s: New accepted %+v", name, opts)
		}
	}
}
