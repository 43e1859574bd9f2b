package timeline

import (
	"os"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
)

// Sample secrets in the shapes the services issue. None is real.
const (
	slackBotToken  = "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
	slackAppToken  = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"
	slackWebhook   = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
	awsKeyID       = "AKIAIOSFODNN7EXAMPLE"
	awsSecret      = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	pdRESTKey      = "y_NbAkKc66ryYTWUXYEu"
	pdUserKey      = "u+AbCdEfGhIjKlMnOpQr"
	pdRoutingKey   = "R0123456789ABCDEF0123456789ABCDE"
	bearer         = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	configuredTok  = "my-configured-secret-123"
	customPassword = "hunter2hunter2"
)

func TestRedactScrubsBuiltInShapes(t *testing.T) {
	r, err := NewRedactor([]string{configuredTok}, []string{`password=(\S+)`})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ in, secret, label string }{
		{"bot token " + slackBotToken + " leaked", slackBotToken, "slack-token"},
		{"app token: " + slackAppToken, slackAppToken, "slack-token"},
		{"posting to " + slackWebhook, slackWebhook, "slack-token"},
		{"key id " + awsKeyID + ".", awsKeyID, "aws-access-key-id"},
		{"export AWS_SECRET_ACCESS_KEY=" + awsSecret, awsSecret, "aws-secret-access-key"},
		{"secret " + awsSecret + " in output", awsSecret, "aws-secret-access-key"},
		{`Authorization: Token token=` + pdRESTKey, pdRESTKey, "pagerduty-key"},
		{"user key " + pdUserKey, pdUserKey, "pagerduty-key"},
		{`{"routing_key": "` + pdRoutingKey + `"}`, pdRoutingKey, "pagerduty-key"},
		{"PAGERDUTY_TOKEN=" + pdRESTKey, pdRESTKey, "pagerduty-key"},
		{"curl -H 'Authorization: Bearer " + bearer + "'", bearer, "bearer-token"},
		{"Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", "authorization"},
		{"the token is " + configuredTok + "!", configuredTok, "secret"},
		{"db password=" + customPassword + " ok", customPassword, "pattern"},
	}
	for _, c := range cases {
		got := r.Redact(c.in)
		if strings.Contains(got, c.secret) {
			t.Errorf("Redact(%q) = %q: secret kept", c.in, got)
		}
		if !strings.Contains(got, "[REDACTED:"+c.label+"]") {
			t.Errorf("Redact(%q) = %q: want a [REDACTED:%s] placeholder", c.in, got, c.label)
		}
	}
}

func TestRedactScrubsOverlappingSecretsWhole(t *testing.T) {
	r, err := NewRedactor([]string{"abcdef123", "abcdef123456789"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Redact("x abcdef123456789 y"); got != "x [REDACTED:secret] y" {
		t.Errorf("Redact = %q", got)
	}
}

func TestRedactLeavesOrdinaryTextAlone(t *testing.T) {
	r, err := NewRedactor(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"web-7 OOM killed; scaling web-asg from 12 to 20",
		"commit 9fceb02d0ae598e95dc970b74767f19372d61af8 deployed", // 40 hex: a git SHA, not a key
		"https://example.pagerduty.com/incidents/PT4KHLK",
		"the key point: token bucket was empty",
		"i-0123456789abcdef0 in us-east-1a",
		"/var/log/haproxy/edge-1/access.log.2026-01-09",
	} {
		if got := r.Redact(s); got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestNewRedactorRejectsBadConfigWithoutQuotingSecrets(t *testing.T) {
	if _, err := NewRedactor([]string{"abc"}, nil); err == nil || strings.Contains(err.Error(), "abc") {
		t.Errorf("short secret: %v", err)
	}
	if _, err := NewRedactor(nil, []string{"("}); err == nil {
		t.Error("invalid pattern accepted")
	}
	if _, err := NewRedactor(nil, []string{"x*"}); err == nil {
		t.Error("pattern matching the empty string accepted")
	}
}

// TestSecretsNeverReachTheFile appends a configured token in a chat
// message, a note and a runbook's output, in text, fields, links and
// actor, and checks the file holds none of it.
func TestSecretsNeverReachTheFile(t *testing.T) {
	r, err := NewRedactor([]string{configuredTok}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := openTemp(t, Options{Redactor: r})
	stored, err := s.Append(
		Entry{Record: integrations.Record{Source: "slack", Kind: integrations.KindChatMessage, Actor: "bob", Text: "try this token " + configuredTok + " and " + slackBotToken, Links: []string{"https://api.example.com/?token=" + configuredTok}}},
		Entry{Record: integrations.Record{Source: "warroom", Kind: integrations.KindNote, Actor: "ana " + configuredTok, Text: "aws " + awsKeyID + " / " + awsSecret}},
		Entry{Record: integrations.Record{Source: "runbook", Kind: "runbook.step.finished", Text: "output:\nAuthorization: Bearer " + bearer + "\n", Fields: map[string]string{"output": "PAGERDUTY_TOKEN=" + pdRESTKey, "env": configuredTok}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{configuredTok, slackBotToken, awsKeyID, awsSecret, bearer, pdRESTKey} {
		if strings.Contains(string(data), secret) {
			t.Errorf("the file contains a secret (%.6s...)", secret)
		}
		for _, e := range stored {
			if strings.Contains(e.Text+e.Actor+strings.Join(e.Links, " ")+e.Fields["output"]+e.Fields["env"], secret) {
				t.Errorf("stored entry %s contains a secret (%.6s...)", e.ID, secret)
			}
		}
	}
}

func BenchmarkRedact(b *testing.B) {
	r, err := NewRedactor([]string{configuredTok}, nil)
	if err != nil {
		b.Fatal(err)
	}
	text := "web-7 OOM killed; scaling web-asg from 12 to 20 after the provisioner hung on the lock for the weekend"
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		r.Redact(text)
	}
}
