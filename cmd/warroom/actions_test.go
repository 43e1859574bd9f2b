package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// checkingLB is a load balancer that checks configurations, and whose
// finding quotes a token from the file it read.
type checkingLB struct{ integrations.LoadBalancer }

func (checkingLB) Reloadable() []string { return []string{"edge-1"} }

func (checkingLB) CheckConfig(context.Context, string) []integrations.Finding {
	return []integrations.Finding{{Level: integrations.FindingWarn, Text: "line 9: http-request set-header Authorization: Bearer abcdefgh12345678"}}
}

// Scrubbing what the actions return must not hide what they can do: a
// rolling reload asks the load balancer for its configuration checks, and
// gets their findings scrubbed too.
func TestRedactedActionsKeepTheConfigurationChecks(t *testing.T) {
	r, err := timeline.NewRedactor(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := redactActions(integrations.Actions{LoadBalancer: checkingLB{}}, r.Redact)
	cc, ok := a.LoadBalancer.(integrations.ConfigChecker)
	if !ok {
		t.Fatal("the redacted load balancer hides its configuration checks")
	}
	if got := cc.Reloadable(); len(got) != 1 || got[0] != "edge-1" {
		t.Fatalf("reloadable %v", got)
	}
	f := cc.CheckConfig(context.Background(), "edge-1")
	if len(f) != 1 || strings.Contains(f[0].Text, "abcdefgh12345678") || f[0].Level != integrations.FindingWarn {
		t.Fatalf("findings %+v: want the one warning, scrubbed", f)
	}
}

// readingChat is a channel that can be read back, and whose read-back
// error quotes a token.
type readingChat struct{ integrations.ChatPoster }

func (readingChat) FindPosted(context.Context, string, time.Time) (integrations.Message, bool, error) {
	return integrations.Message{}, false, errors.New("history answered: Authorization: Bearer abcdefgh12345678")
}

// Scrubbing must not hide the chat read-back either: a timed-out post is
// settled through it, and what it says comes back scrubbed.
func TestRedactedActionsKeepTheChatReadBack(t *testing.T) {
	r, err := timeline.NewRedactor(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := redactActions(integrations.Actions{Chat: readingChat{}}, r.Redact)
	cr, ok := a.Chat.(integrations.ChatReader)
	if !ok {
		t.Fatal("the redacted chat hides its read-back: a timed-out post could never be settled")
	}
	if _, _, err := cr.FindPosted(context.Background(), "x", time.Now()); err == nil || strings.Contains(err.Error(), "abcdefgh12345678") {
		t.Fatalf("read-back error %v: want it, scrubbed", err)
	}
}
