package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
)

// statusWire is a local Slack (slack-go's slacktest, with chat.postMessage
// recording each post by channel, and stalling on one channel when told)
// and a local PagerDuty answering status updates as PagerDuty does.
type statusWire struct {
	slack *slacktest.Server
	pd    *httptest.Server

	mu      sync.Mutex
	posts   []string // channel: text
	updates []string // incident: from: message
	stall   string   // a channel whose posts land but get no answer
}

func newStatusWire(t *testing.T) *statusWire {
	w := &statusWire{}
	w.slack = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(rw http.ResponseWriter, r *http.Request) {
			ch, text := r.FormValue("channel"), r.FormValue("text")
			w.mu.Lock()
			w.posts = append(w.posts, ch+": "+text)
			stall := ch == w.stall
			w.mu.Unlock()
			if stall {
				<-r.Context().Done()
				return
			}
			rw.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(rw, `{"ok":true,"channel":%q,"ts":"%d.000100"}`, ch, time.Now().Unix())
		})
		c.Handle("/conversations.info", func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "application/json")
			id := r.FormValue("channel")
			fmt.Fprintf(rw, `{"ok":true,"channel":{"id":%q,"name":%q,"is_channel":true}}`, id, strings.ToLower(id))
		})
	})
	w.slack.Start()
	t.Cleanup(w.slack.Stop)
	w.pd = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		var body struct{ Message string }
		if r.Method != http.MethodPost || r.URL.Path != "/incidents/P1/status_updates" || r.Header.Get("Authorization") != "Token token="+testPDToken ||
			json.NewDecoder(r.Body).Decode(&body) != nil || body.Message == "" {
			rw.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(rw, `{"error":{"message":"Invalid Input Provided","code":2001}}`)
			return
		}
		w.mu.Lock()
		w.updates = append(w.updates, "P1: "+r.Header.Get("From")+": "+body.Message)
		w.mu.Unlock()
		fmt.Fprintf(rw, `{"status_update":{"id":"PSU1","message":%q,"created_at":"2026-01-12T07:40:00Z","sender":{"id":"PU1","type":"user_reference"}}}`, body.Message)
	}))
	t.Cleanup(w.pd.Close)
	return w
}

func (w *statusWire) seen() (posts, updates []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.posts...), append([]string(nil), w.updates...)
}

// runStatus runs `warroom status <args>` in process.
func runStatus(t *testing.T, g *globalFlags, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := statusCommand(g)
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

// TestStatusDraftPostAndDue: a status update drafted from the timeline,
// posted to the incident channel, the stakeholder channel and the open
// PagerDuty incident, recorded with where it landed and when the next is
// due, which status due then says; a post with no answer is read back
// and, unreadable, reported unknown and recorded so; the export lists
// both updates.
func TestStatusDraftPostAndDue(t *testing.T) {
	wire := newStatusWire(t)
	t.Setenv("SLACK_TOKEN", "xoxb-status-test")
	t.Setenv("PAGERDUTY_TOKEN", testPDToken)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`slack: {channel: C0INC, api_url: %q}
pagerduty: {service_ids: [PWEB], from_email: oncall@example.com, api_url: %q}
status_updates:
  cadence: {critical: 15m}
  stakeholder_channel: C0STATUS
  pagerduty: true
`, wire.slack.GetAPIURL(), wire.pd.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	g := &globalFlags{ConfigPath: cfgPath, StateDir: filepath.Join(dir, "state")}
	const id = "INC-7"
	store, err := timeline.OpenIncident(g.StateDir, id, timeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Date(2026, 1, 12, 7, 10, 0, 0, time.UTC)
	if _, err := store.Append(
		timeline.Entry{Record: integrations.Record{Occurred: began, Source: "warroom", Kind: "session.opened", Fields: map[string]string{"title": "Checkout 503s"}}},
		timeline.Entry{Record: integrations.Record{Occurred: began.Add(5 * time.Minute), Source: "pagerduty", Kind: integrations.KindAlertTriggered, Text: "[critical] checkout 5xx above 5%", Fields: map[string]string{"alert": "P1", "severity": "critical", "service": "checkout"}}},
		timeline.Entry{Record: integrations.Record{Occurred: began.Add(8 * time.Minute), Source: "runbook", Kind: "runbook.requested", Actor: "ana", Text: "run scale-up requested", Fields: map[string]string{"run": "r1", "runbook": "scale-up", "params": "desired=12 group=web"}}},
	); err != nil {
		t.Fatal(err)
	}
	store.Close()

	out, errOut, err := runStatus(t, g, "draft", "--incident", id, "--at", "2026-01-12 07:20")
	if err != nil {
		t.Fatal(err)
	}
	wantDraft := `Status update: Checkout 503s (open, critical)
Affected: [critical] checkout 5xx above 5%.
Since: 07:15 UTC (detected, 5m ago)
Now: no measurements recorded.
Being done: scale-up desired=12 group=web (running since 07:18 UTC).
Next update: by 07:35 UTC.
`
	if out != wantDraft || !strings.Contains(errOut, "next status update due by 07:30 UTC (in 10m; every 15m for critical)") {
		t.Errorf("draft:\n%s\nstderr: %s\nwant:\n%s", out, errOut, wantDraft)
	}

	const update = "Checkout is degraded since 07:15 UTC; web is scaling to 12. Next update by 08:00 UTC."
	out, _, err = runStatus(t, g, "post", "--incident", id, "-m", update, "--yes")
	if err != nil {
		t.Fatalf("post: %v\n%s", err, out)
	}
	posts, updates := wire.seen()
	if want := []string{"C0INC: " + update, "C0STATUS: " + update}; strings.Join(posts, "\n") != strings.Join(want, "\n") {
		t.Errorf("Slack posts:\n%s\nwant:\n%s", strings.Join(posts, "\n"), strings.Join(want, "\n"))
	}
	if want := "P1: oncall@example.com: " + update; len(updates) != 1 || updates[0] != want {
		t.Errorf("PagerDuty status updates = %q, want %q", updates, want)
	}
	for _, want := range []string{"To: C0INC C0STATUS pagerduty P1", "C0INC: posted", "C0STATUS: posted", "pagerduty P1: posted", "recorded in INC-7"} {
		if !strings.Contains(out, want) {
			t.Errorf("post output lacks %q:\n%s", want, out)
		}
	}
	recorded := lastOfKind(t, g, id, export.KindStatusUpdate)
	if recorded.Text != update || recorded.Fields["channels"] != "C0INC,C0STATUS,pagerduty P1" || recorded.Fields["next_due"] == "" || recorded.Fields["author"] == "" {
		t.Errorf("recorded %+v", recorded)
	}
	due, err := time.Parse(time.RFC3339, recorded.Fields["next_due"])
	if err != nil || !due.Equal(recorded.Occurred.Add(15*time.Minute).Truncate(time.Second)) {
		t.Errorf("next_due %s, want 15m after %s", recorded.Fields["next_due"], recorded.Occurred)
	}
	out, _, err = runStatus(t, g, "due", "--incident", id, "--at", recorded.Occurred.Add(20*time.Minute).Format(time.RFC3339))
	if err != nil || !strings.Contains(out, "status update OVERDUE by 5m") {
		t.Errorf("due 20 minutes after the update: %q, %v", out, err)
	}

	// The stakeholder channel takes the post and never answers; Slack's
	// history cannot be read here: the outcome is unknown, and said.
	wire.mu.Lock()
	wire.stall = "C0STATUS"
	wire.mu.Unlock()
	out, _, err = runStatus(t, g, "post", "--incident", id, "-m", "second update", "--yes", "--timeout", "300ms")
	if err == nil || !strings.Contains(err.Error(), "C0STATUS unknown") || !strings.Contains(out, "reading C0STATUS back failed") {
		t.Errorf("a post without an answer: %v\n%s", err, out)
	}
	second := lastOfKind(t, g, id, export.KindStatusUpdate)
	if second.Text != "second update" || second.Fields["unknown"] != "C0STATUS" || second.Fields["channels"] != "C0INC,pagerduty P1" {
		t.Errorf("second update recorded %+v", second)
	}

	// The page resolved, the update goes to Slack only, and says so.
	wire.mu.Lock()
	wire.stall = ""
	wire.mu.Unlock()
	store, err = timeline.OpenIncident(g.StateDir, id, timeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Append(timeline.Entry{Record: integrations.Record{Occurred: second.Occurred, Source: "pagerduty", Kind: integrations.KindAlertResolved, Text: "resolved", Fields: map[string]string{"alert": "P1"}}}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	out, errOut, err = runStatus(t, g, "post", "--incident", id, "-m", "third update", "--yes")
	if err != nil || !strings.Contains(errOut, "no PagerDuty incident is open on this timeline: the update goes to Slack only") || strings.Contains(out, "pagerduty P1") {
		t.Errorf("a post with no page open: %v\n%s%s", err, out, errOut)
	}
	if _, updates := wire.seen(); len(updates) != 2 {
		t.Errorf("PagerDuty got %d status updates, want 2 (none once the page resolved)", len(updates))
	}

	entries, err := timeline.ReadFile(filepath.Join(g.StateDir, "incidents", id, timeline.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := export.Markdown(&md, entries, export.Options{Incident: id}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Status updates", "| C0INC, C0STATUS, pagerduty P1 |", "| C0INC, pagerduty P1; outcome unknown: C0STATUS |", "| second update |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("export lacks %q", want)
		}
	}
}

func lastOfKind(t *testing.T, g *globalFlags, id, kind string) timeline.Entry {
	t.Helper()
	entries, err := timeline.ReadFile(filepath.Join(g.StateDir, "incidents", id, timeline.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Kind == kind {
			return entries[i]
		}
	}
	t.Fatalf("no %s entry on the timeline", kind)
	return timeline.Entry{}
}
