package app

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
	a := redactActions(integrations.Actions{LoadBalancer: checkingLB{}, ConfigChecks: checkingLB{}}, r.Redact)
	cc := a.ConfigChecks
	if cc == nil || a.LoadBalancer == nil {
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

// meteringLB measures tiers, and its error quotes a token.
type meteringLB struct{ checkingLB }

func (meteringLB) TierRates(context.Context, string, string, time.Duration) (integrations.Rates, error) {
	return integrations.Rates{}, errors.New("stats page answered 401 for token xoxb-123456789012-abcdefghijkl")
}

// A roll verifies each batch only if it can still measure tiers through
// the scrubbing wrapper; hiding the capability would silently turn every
// verified roll into an unverified one.
func TestRedactedActionsKeepTheTierMeasurements(t *testing.T) {
	r, err := timeline.NewRedactor(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	lb := meteringLB{}
	a := redactActions(integrations.Actions{LoadBalancer: lb, ConfigChecks: lb, TierMeter: lb}, r.Redact)
	tm := a.TierMeter
	if tm == nil {
		t.Fatal("the redacted load balancer hides its tier measurements")
	}
	if a.ConfigChecks == nil {
		t.Fatal("the redacted load balancer hides its configuration checks beside its measurements")
	}
	if _, err := tm.TierRates(context.Background(), "front", "edges", time.Second); err == nil || strings.Contains(err.Error(), "abcdefghijkl") {
		t.Fatalf("error %v: want it scrubbed", err)
	}
	if redactActions(integrations.Actions{LoadBalancer: checkingLB{}, ConfigChecks: checkingLB{}}, r.Redact).TierMeter != nil {
		t.Fatal("a load balancer that cannot measure reads as one that can")
	}
}

// boundedRunner runs host commands within bounds.
type boundedRunner struct{ integrations.CommandRunner }

func (boundedRunner) RunCommandBounded(context.Context, []string, string, integrations.CommandOptions) ([]integrations.CommandResult, error) {
	return []integrations.CommandResult{{Target: "i-1", Status: "Success", Output: "token xoxb-123456789012-abcdefghijkl"}}, nil
}

// A host command goes one host at a time only through a runner that can
// bound itself; the scrubbing wrapper must not hide that it can, nor the
// shedder's or replica pool's errors in clear.
func TestRedactedActionsKeepCommandBounds(t *testing.T) {
	r, err := timeline.NewRedactor(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := redactActions(integrations.Actions{Commands: boundedRunner{}, BoundedCommands: boundedRunner{}}, r.Redact)
	b := a.BoundedCommands
	if b == nil || a.Commands == nil {
		t.Fatal("the redacted command runner hides its bounds")
	}
	res, _ := b.RunCommandBounded(context.Background(), []string{"i-1"}, "true", integrations.CommandOptions{})
	if len(res) != 1 || strings.Contains(res[0].Output, "abcdefghijkl") {
		t.Fatalf("results %+v: want the output scrubbed", res)
	}
	if a := redactActions(integrations.Actions{}, r.Redact); a != (integrations.Actions{}) {
		t.Fatal("unconfigured capabilities must stay nil")
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
	a := redactActions(integrations.Actions{Chat: readingChat{}, ChatReader: readingChat{}}, r.Redact)
	cr := a.ChatReader
	if cr == nil || a.Chat == nil {
		t.Fatal("the redacted chat hides its read-back: a timed-out post could never be settled")
	}
	if _, _, err := cr.FindPosted(context.Background(), "x", time.Now()); err == nil || strings.Contains(err.Error(), "abcdefgh12345678") {
		t.Fatalf("read-back error %v: want it, scrubbed", err)
	}
}
