package slack_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx/sourcetest"
	"github.com/warroomhq/warroom/integrations/slack"
)

const jsonType = "application/json"

func faultySource(t *testing.T, url string, poll integrations.PollConfig) *slack.Source {
	return newSource(t, url, func(o *slack.Options) { o.Poll = poll })
}

func TestFaultsDegradeThenRecover(t *testing.T) {
	const history = "/conversations.history"
	cases := []sourcetest.Case{
		{Name: "500", Path: history, Want: "500", Fault: sourcetest.Status(500, "text/html", "<html>oops</html>")},
		{Name: "slower than the timeout", Path: history, Want: "timed out", Fault: sourcetest.Stall(), Timeout: 200 * time.Millisecond},
		{Name: "truncated JSON", Path: history, Want: "unexpected end of JSON input", Fault: sourcetest.Status(200, jsonType, `{"ok":true,"messages":[{"ts":`)},
		{Name: "wrong types", Path: history, Want: "cannot unmarshal", Fault: sourcetest.Status(200, jsonType, `{"ok":true,"messages":"many"}`)},
		{Name: "unreadable timestamp", Path: history, Want: `unreadable timestamp "yesterday"`,
			Fault: sourcetest.Status(200, jsonType, `{"ok":true,"messages":[{"type":"message","user":"U1","text":"x","ts":"yesterday"}]}`)},
		{Name: "error answer", Path: history, Want: "channel_not_found", Fault: sourcetest.Status(200, jsonType, `{"ok":false,"error":"channel_not_found"}`)},
		{Name: "huge body", Path: history, Want: "response body too large", Fault: sourcetest.Huge(9 << 20)},
		// slack-go takes an answer without "ok" for a success with
		// nothing in it: the channel would read as quiet while unread.
		{Name: "an empty object", Path: history, Want: `no "ok" in the answer`, Fault: sourcetest.Status(200, jsonType, `{}`)},
		{Name: "null", Path: history, Want: `no "ok" in the answer`, Fault: sourcetest.Status(200, jsonType, `null`)},
		{Name: "an empty body", Path: history, Want: "does not parse", Fault: sourcetest.Status(200, jsonType, ``)},
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			sourcetest.CheckLeaks(t)
			cs := newChannelServer(t, token)
			cs.add(wireMessage{User: "U1", Text: "hello", TS: "1700000000.000100"})
			rec := sourcetest.DegradeAndRecover(t, faultySource(t, cs.url(), c.Poll()), cs.faults, c)
			if got := texts(chat(rec)); len(got) != 1 {
				t.Errorf("messages = %q, want the one message once", got)
			}
		})
	}
}

func TestRateLimitIsHonoured(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	fault := sourcetest.RateLimited(jsonType, `{"ok":false,"error":"ratelimited"}`, map[string]string{"Retry-After": "1"})
	sourcetest.RetryAfterHonoured(t, faultySource(t, cs.url(), sourcetest.TestPoll()), cs.faults, "/conversations.history", fault, time.Second)
}

func TestPostReportsRateLimits(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	cs.faults.Set("/chat.postMessage", sourcetest.RateLimited(jsonType, `{"ok":false,"error":"ratelimited"}`, map[string]string{"Retry-After": "7"}))
	_, err := faultySource(t, cs.url(), sourcetest.TestPoll()).Post(context.Background(), "x", "")
	var rl *integrations.RateLimitedError
	if !errors.As(err, &rl) || rl.After != 7*time.Second {
		t.Errorf("Post under a rate limit: %v, want a RateLimitedError after 7s", err)
	}
}

func TestConnectionRefusedThenHealed(t *testing.T) {
	sourcetest.CheckLeaks(t)
	cs := newChannelServer(t, token)
	u, err := url.Parse(cs.url())
	if err != nil {
		t.Fatal(err)
	}
	gate := sourcetest.NewGate(t, u.Host)
	sourcetest.RefusedThenHealed(t, faultySource(t, "http://"+gate.Addr()+"/", sourcetest.TestPoll()), gate)
}

// TestTokensNeverLeak quotes both tokens in chat text and names, and has
// a failing server echo them, then looks for them in everything the
// source says.
func TestTokensNeverLeak(t *testing.T) {
	sourcetest.CheckLeaks(t)
	const appToken = "xapp-1-A0-Zq9XkQ2-app"
	cs := newChannelServer(t, token)
	cs.add(wireMessage{User: "U1", Text: "oops pasted " + token + " and " + appToken, TS: "1700000000.000100"})
	cs.add(wireMessage{Username: "bot " + token, BotID: "B1", SubType: "bot_message", Text: "x", TS: "1700000001.000100"})
	src := newSource(t, cs.url(), func(o *slack.Options) { o.Poll = sourcetest.TestPoll(); o.AppToken = appToken })
	echo := fmt.Sprintf(`{"ok":false,"error":"invalid_auth %s %s"}`, token, appToken)

	var errs []error
	for _, f := range []sourcetest.Fault{
		sourcetest.Status(200, jsonType, echo),
		sourcetest.Status(500, jsonType, echo),
		sourcetest.RateLimited(jsonType, echo, map[string]string{"Retry-After": "0"}),
		sourcetest.Status(200, jsonType, `{"ok":true,"messages":"`+token+`"}`),
		sourcetest.Status(200, jsonType, `{"ok":true,"messages":[{"type":"message","ts":"`+token+`"}]}`),
	} {
		cs.faults.Set("/c", f) // conversations.* and chat.*
		ctx := context.Background()
		_, err := src.Probe(ctx)
		_, perr := src.Post(ctx, "x", "")
		errs = append(errs, err, perr)
	}
	cs.faults.Set("", nil)
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if s := err.Error(); strings.Contains(s, token) || strings.Contains(s, appToken) {
				t.Errorf("error leaks a token: %v", err)
			}
		}
	}
	if failed < 8 {
		t.Errorf("only %d of %d calls failed; the faults did not fire", failed, len(errs))
	}

	rec := sourcetest.DegradeAndRecover(t, src, cs.faults, sourcetest.Case{
		Path: "/conversations.history", Fault: sourcetest.Status(200, jsonType, echo), Want: "invalid_auth"})
	if len(chat(rec)) != 2 {
		t.Fatalf("expected both messages: %+v", chat(rec))
	}
	for _, e := range rec.Events() {
		if s := fmt.Sprintf("%+v", e); strings.Contains(s, token) || strings.Contains(s, appToken) {
			t.Errorf("event leaks a token: %s", s)
		}
	}
}
