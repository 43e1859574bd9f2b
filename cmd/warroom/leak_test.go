package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/slack-go/slack/slacktest"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/tui"
)

// The secrets of the leak test, in the shapes the services issue, each
// distinctive enough that finding any piece of one anywhere is a leak.
const (
	leakPDToken      = "pdLEAK7Qm2Zr9Vt4Xw8Kj3Nb"
	leakSlackToken   = "xoxb-7771-8882-LEAKsl4ckB0tT0k3nQ"
	leakSlackApp     = "xapp-1-A0LEAK9931-LEAKapPt0k3nZq"
	leakAWSKeyID     = "AKIALEAKQ7ZR2VT4XW8K"
	leakAWSSecret    = "wLEAKr9Zq2Vt4Xw8Kj3Mn5Bp7Cd1Ef6Gh0Ij2Kl3"
	leakAWSSession   = "IQoJb3JpZ2luX2VjELEAKsessionTOKENaDlmNzQ4ZTEwYmE4ZGQ3Nzg0YjAxMTkwZDM4NjQwYzU1"
	leakIncidentID   = "INC-LEAK"
	leakInstance     = "i-0leak5e55e55e55e5"
	leakFailInstance = "i-0fa11ed5e55e55e5"
	leakChannelID    = "C0LEAK"
	leakChannelName  = "inc-leak"
)

// leakSecrets is every configured secret: the tokens warroom reads from
// its environment and the AWS credentials the SDK's default chain reads
// from it. The session token is the one AWS credential a server or proxy
// receives on every request and so can echo back.
var leakSecrets = []struct{ name, value string }{
	{"PAGERDUTY_TOKEN", leakPDToken},
	{"SLACK_TOKEN", leakSlackToken},
	{"SLACK_APP_TOKEN", leakSlackApp},
	{"AWS_ACCESS_KEY_ID", leakAWSKeyID},
	{"AWS_SECRET_ACCESS_KEY", leakAWSSecret},
	{"AWS_SESSION_TOKEN", leakAWSSession},
}

// pastedSecrets are secrets warroom was never given but recognises by
// their shape, as a responder pasting a token into the incident channel
// would leave them: only the timeline's redactor knows them, so they
// show whether the screen is scrubbed by the same redactor as the
// timeline.
var pastedSecrets = []struct{ name, value string }{
	{"a pasted Slack user token", "xoxp-90210-PASTEDus3rT0k3nQz"},
	{"a pasted AWS access key id", "AKIAPASTEDZ7Q2VT4XW8"},
}

// everySecret is what must never show: configured and pasted.
var everySecret = append(slices.Clone(leakSecrets), pastedSecrets...)

// echoed is what the servers write back: a marker saying where the text
// came from (so the test can see it arrived), then every secret, three
// times over: status lines are cut to a bounded length, and the repeats
// put the cut inside a secret rather than past them all.
func echoed(marker string) string {
	var b strings.Builder
	b.WriteString(marker)
	for range 3 {
		for _, s := range everySecret {
			b.WriteString(" " + s.value)
		}
	}
	return b.String()
}

// Markers of each place a secret was planted in what the sources poll,
// and the timeline record kind each must arrive in. A failing AWS
// server's error reaches the timeline through a runbook step instead (see
// leakSSM): the poller's status line is cut before the SDK's long
// preamble ends.
var leakPlaces = []struct{ marker, source, kind string }{
	{"ECHO-PD-TITLE", "pagerduty", "alert.triggered"},
	{"ECHO-PD-LOG", "pagerduty", "alert.note"},
	{"ECHO-PD-ERR", "pagerduty", "source.status"},
	{"ECHO-CHAT", "slack", "chat.message"},
	{"ECHO-SLACK-ERR", "slack", "source.status"},
	{"ECHO-AWS-ACT", "aws", "fleet.change"},
}

// callCounter counts requests per operation for servers that answer
// well first and fail later.
type callCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounter) next(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[op]++
	return c.n[op]
}

func writeLeakJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// leakPagerDuty answers PagerDuty's REST API: one open incident whose
// title carries the secrets and a note log entry carrying them, then 500s
// whose error object carries them.
func leakPagerDuty(t *testing.T) *httptest.Server {
	var calls callCounter
	created := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /incidents", func(w http.ResponseWriter, r *http.Request) {
		if calls.next("incidents") > 1 {
			writeLeakJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]any{
				"message": echoed("ECHO-PD-ERR"), "code": 2000}})
			return
		}
		writeLeakJSON(w, http.StatusOK, map[string]any{"incidents": []map[string]any{{
			"id": "PLEAK1", "type": "incident", "title": echoed("ECHO-PD-TITLE"), "summary": "web down",
			"status": "triggered", "urgency": "high", "created_at": created, "updated_at": created,
			"last_status_change_at": created, "html_url": "https://acme.pagerduty.com/incidents/PLEAK1",
			"service": map[string]any{"id": "PSVC1", "type": "service_reference", "summary": "web"},
		}}, "limit": 100, "offset": 0, "more": false})
	})
	mux.HandleFunc("PUT /incidents", func(w http.ResponseWriter, r *http.Request) {
		writeLeakJSON(w, http.StatusInternalServerError, map[string]any{"error": map[string]any{
			"message": echoed("ECHO-PD-ACK"), "code": 2000}})
	})
	mux.HandleFunc("GET /incidents/{id}/log_entries", func(w http.ResponseWriter, r *http.Request) {
		writeLeakJSON(w, http.StatusOK, map[string]any{"log_entries": []map[string]any{{
			"id": "RLEAK1", "type": "annotate_log_entry", "summary": echoed("ECHO-PD-LOG"), "created_at": created,
			"agent":   map[string]any{"id": "PU1", "type": "user_reference", "summary": "ana"},
			"channel": map[string]any{"type": "web_ui"},
		}}, "limit": 100, "offset": 0, "more": false})
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Token token="+leakPDToken {
			writeLeakJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"message": "Unauthorized", "code": 2006}})
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// leakSlack is slacktest's local Slack with the incident channel: one
// message carrying the secrets, then history answers ok:false with an
// error carrying them (slack-go reports the error string, not the body of
// a non-200 answer).
func leakSlack(t *testing.T) *slacktest.Server {
	var calls callCounter
	authorized := func(w http.ResponseWriter, r *http.Request) bool {
		if r.FormValue("token") != leakSlackToken {
			writeLeakJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"})
			return false
		}
		return true
	}
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/conversations.info", func(w http.ResponseWriter, r *http.Request) {
			if authorized(w, r) {
				writeLeakJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": map[string]any{
					"id": leakChannelID, "name": leakChannelName, "is_channel": true}})
			}
		})
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			if authorized(w, r) {
				writeLeakJSON(w, http.StatusOK, map[string]any{"ok": true, "user": map[string]any{
					"id": "U1", "name": "ana", "profile": map[string]any{"display_name": "ana"}}})
			}
		})
		c.Handle("/conversations.history", func(w http.ResponseWriter, r *http.Request) {
			if !authorized(w, r) {
				return
			}
			if calls.next("history") > 1 {
				writeLeakJSON(w, http.StatusOK, map[string]any{"ok": false, "error": echoed("ECHO-SLACK-ERR")})
				return
			}
			writeLeakJSON(w, http.StatusOK, map[string]any{"ok": true, "has_more": false, "messages": []map[string]any{{
				"type": "message", "user": "U1", "text": echoed("ECHO-CHAT"), "ts": "1700000001.000100"}}})
		})
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	return srv
}

// leakAWS speaks Auto Scaling's AWS Query protocol, EC2's ec2query and
// SSM's JSON 1.1: the group "web" with one instance; on the second look a
// scaling activity has failed with a message carrying the secrets; from
// the third, DescribeAutoScalingGroups fails with a 500 whose message
// carries them. SSM commands succeed, with the secrets in their output.
func leakAWS(t *testing.T) *httptest.Server {
	var calls callCounter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The SDK signs with the credentials from the environment and sends
		// the session token on every request: what a server can echo.
		if !strings.Contains(r.Header.Get("Authorization"), "Credential="+leakAWSKeyID+"/") ||
			r.Header.Get("X-Amz-Security-Token") != leakAWSSession {
			http.Error(w, "unsigned or wrongly signed request", http.StatusForbidden)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if target := r.Header.Get("X-Amz-Target"); target != "" {
			leakSSM(w, strings.TrimPrefix(target, "AmazonSSM."), body)
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		action := form.Get("Action")
		n := calls.next(action)
		w.Header().Set("Content-Type", "text/xml")
		switch action {
		case "DescribeAutoScalingGroups":
			if n > 2 {
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprintf(w, `<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
					html.EscapeString(echoed("ECHO-AWS-ERR")))
				return
			}
			queryResult(w, action, `<AutoScalingGroups><member><AutoScalingGroupName>web</AutoScalingGroupName><MinSize>1</MinSize><MaxSize>4</MaxSize><DesiredCapacity>2</DesiredCapacity><CreatedTime>2026-01-02T03:04:05Z</CreatedTime><Instances><member><InstanceId>`+leakInstance+`</InstanceId><AvailabilityZone>us-east-1a</AvailabilityZone><LifecycleState>InService</LifecycleState><HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member></Instances></member></AutoScalingGroups>`)
		case "DescribeScalingActivities":
			status, message := "InProgress", ""
			if n > 1 {
				status, message = "Failed", echoed("ECHO-AWS-ACT")
			}
			queryResult(w, action, fmt.Sprintf(`<Activities><member><ActivityId>act-1</ActivityId><AutoScalingGroupName>web</AutoScalingGroupName><Description>Launching a new EC2 instance</Description><Cause>manual</Cause><StartTime>2026-01-02T03:05:00Z</StartTime><StatusCode>%s</StatusCode><StatusMessage>%s</StatusMessage><Progress>50</Progress></member></Activities>`,
				status, html.EscapeString(message)))
		case "DescribeInstances":
			fmt.Fprint(w, `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item><instanceId>`+leakInstance+`</instanceId><instanceState><code>16</code><name>running</name></instanceState><privateIpAddress>10.0.0.5</privateIpAddress><launchTime>2026-01-02T03:05:00Z</launchTime><placement><availabilityZone>us-east-1a</availabilityZone></placement></item></instancesSet></item></reservationSet></DescribeInstancesResponse>`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>unknown action %s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, html.EscapeString(action))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func queryResult(w io.Writer, action, result string) {
	fmt.Fprintf(w, `<%sResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></%sResponse>`,
		action, action, result, action, action)
}

// leakSSM runs commands: on leakInstance with the secrets in both output
// streams; on any other instance SendCommand fails with a 500 whose
// message carries them.
func leakSSM(w http.ResponseWriter, action string, body []byte) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	var in struct{ InstanceIds []string }
	_ = json.Unmarshal(body, &in)
	switch {
	case action == "SendCommand" && !slices.Equal(in.InstanceIds, []string{leakInstance}):
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "InternalServerError", "message": echoed("ECHO-AWS-ERR")})
	case action == "SendCommand":
		_ = json.NewEncoder(w).Encode(map[string]any{"Command": map[string]any{
			"CommandId": "cmd-leak", "DocumentName": "AWS-RunShellScript", "Status": "Pending"}})
	case action == "GetCommandInvocation":
		_ = json.NewEncoder(w).Encode(map[string]any{
			"CommandId": "cmd-leak", "InstanceId": leakInstance, "DocumentName": "AWS-RunShellScript",
			"Status": "Success", "ResponseCode": 0,
			"StandardOutputContent": echoed("ECHO-SSM-OUT") + "\n", "StandardErrorContent": echoed("ECHO-SSM-ERR") + "\n",
		})
	default:
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "UnknownOperationException", "message": action})
	}
}

// captureOutput sends os.Stdout, os.Stderr and the standard logger to one
// pipe until the returned function restores them and returns what was
// written.
func captureOutput(t *testing.T) func() string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	log.SetOutput(w)
	var buf bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(&buf, r)
	}()
	restored := false
	restore := func() string {
		if !restored {
			restored = true
			os.Stdout, os.Stderr = stdout, stderr
			log.SetOutput(os.Stderr)
			w.Close()
			<-copied
			r.Close()
		}
		return buf.String()
	}
	t.Cleanup(func() { restore() })
	return restore
}

// missingPlace names the first planted place whose record has not arrived.
func missingPlace(entries []timeline.Entry) string {
	for _, p := range leakPlaces {
		found := false
		for _, e := range entries {
			if e.Source == p.source && e.Kind == p.kind && strings.Contains(e.Text, p.marker) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Sprintf("a %s %s record with %s", p.source, p.kind, p.marker)
		}
	}
	for _, e := range entries {
		if e.Source == "aws" && e.Kind == "source.status" && e.Fields["from"] == "ok" {
			return ""
		}
	}
	return "the aws source leaving ok as its server fails"
}

// assertNoSecret fails if any secret, or any eight-character piece of
// one (a secret cut short, as a truncated error line cuts it), occurs in
// text. The secrets are random enough that eight characters of one occur
// nowhere else.
func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	const piece = 8
	for _, s := range everySecret {
		for i := 0; i+piece <= len(s.value); i++ {
			if at := strings.Index(text, s.value[i:i+piece]); at >= 0 {
				lo, hi := max(at-60, 0), min(at+piece+20, len(text))
				t.Errorf("%s holds %s (or a piece of it): …%s…", where, s.name, strings.ToValidUTF8(text[lo:hi], ""))
				break
			}
		}
	}
}

// shownScreen is everything the screen was handed, as data and as drawn
// by the war-room's screen model with each pane focused and each
// delivered alert opened in detail.
func shownScreen(t *testing.T, batches []integrations.Batch) string {
	t.Helper()
	var b strings.Builder
	m := tea.Model(tui.New(tui.Options{Title: "Leak check", NoColor: true}))
	m, _ = m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	for _, batch := range batches {
		fmt.Fprintf(&b, "%+v\n", batch)
		m, _ = m.Update(batch)
	}
	for range 4 {
		b.WriteString(m.View().Content)
		m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		b.WriteString(m.View().Content)
		m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
		m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyTab})
	}
	return b.String()
}

// runVerb runs one warroom command line in process, as main would, and
// returns what it printed and the error main would print.
func runVerb(args ...string) (stdout, stderr string, err error) {
	root := rootCommand()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

// TestNoSecretLeaks plants every configured secret in every place a
// service can return text (an incident's title and log, a chat message, a
// scaling activity, failing servers' error bodies, a command's output and
// a failed command's error) and checks that none reaches the timeline
// file, an export, or anything warroom prints or logs, while the records
// carrying those places do arrive.
func TestNoSecretLeaks(t *testing.T) {
	if len(leakAWSSecret) != 40 || len(leakAWSKeyID) != 20 {
		t.Fatal("the AWS test credentials must have the real lengths")
	}
	pd, sl, aws := leakPagerDuty(t), leakSlack(t), leakAWS(t)
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`incident: {title: Leak check, id: %s}
pagerduty:
  service_ids: [PSVC1]
  from_email: oncall@example.com
  poll_interval: 1s
  api_url: %s
slack:
  channel: %s
  poll_interval: 1s
  api_url: %s
aws:
  region: us-east-1
  groups: [web]
  poll_interval: 1s
  endpoint: %s
`, leakIncidentID, pd.URL, leakChannelID, sl.GetAPIURL(), aws.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, s := range leakSecrets {
		t.Setenv(s.name, s.value)
	}
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-aws-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	// One attempt per request: a 500 fails at once instead of after the
	// SDK's jittered retries, which would only slow the test.
	t.Setenv("AWS_MAX_ATTEMPTS", "1")

	// Everything warroom prints or logs from here on is captured.
	output := captureOutput(t)
	g := &globalFlags{ConfigPath: cfgPath, StateDir: stateDir}
	s, err := openSession(g, sessionOptions{})
	if err != nil {
		output()
		t.Fatalf("openSession: %v", err)
	}
	closed := false
	closeSession := func() {
		if !closed {
			closed = true
			if err := s.Close(); err != nil {
				t.Errorf("closing the session: %v", err)
			}
		}
	}
	defer closeSession()
	if s.Info().Drill {
		t.Fatal("the configuration names sources, but the drill opened")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// What the screen receives: every batch the pump delivers, shown on a
	// real screen model as the war-room would.
	var (
		shownMu sync.Mutex
		shown   []integrations.Batch
	)
	s.Watch(ctx, func(b integrations.Batch) {
		shownMu.Lock()
		defer shownMu.Unlock()
		shown = append(shown, b)
	})
	path := s.TimelinePath()
	waitTimeline(t, path, 15*time.Second, missingPlace)

	// An acknowledge PagerDuty refuses with the secrets in its error:
	// the toast shows the error as the action returns it.
	ackErr := s.Actions().Alerts.Acknowledge(ctx, "PLEAK1")
	if ackErr == nil || !strings.Contains(ackErr.Error(), "ECHO-PD-ACK") {
		t.Fatalf("acknowledge error = %v, want the server's ECHO-PD-ACK message", ackErr)
	}
	assertNoSecret(t, "the acknowledge error shown in a toast", ackErr.Error())

	// The built-in host-disk-check through the session's actions and sink,
	// as the war-room screen runs it: once on a host where the command
	// prints the secrets, once on one where SSM fails with them.
	catalog, limits, err := loadRunbooks(g, func(w string) { t.Log(w) })
	if err != nil {
		t.Fatal(err)
	}
	rb, err := catalog.Lookup("host-disk-check")
	if err != nil {
		t.Fatal(err)
	}
	hosts := []struct {
		instance string
		status   runbooks.RunStatus
		marker   string
	}{
		{leakInstance, runbooks.RunDone, "ECHO-SSM-OUT"},
		{leakFailInstance, runbooks.RunFailed, "ECHO-AWS-ERR"},
	}
	for _, h := range hosts {
		plan, err := runbooks.NewPlan(ctx, rb, map[string]string{"instance": h.instance}, s.Actions(), limits)
		if err != nil {
			t.Fatal(err)
		}
		report, err := runbooks.Run(ctx, plan, s.Actions(), func(r integrations.Record) { s.Publish(r) },
			runbooks.RunOptions{StateDir: stateDir})
		if report.Status != h.status || (err == nil) != (h.status == runbooks.RunDone) {
			t.Fatalf("host-disk-check on %s ended %s (%v), want %s", h.instance, report.Status, err, h.status)
		}
		waitTimeline(t, path, 5*time.Second, func(entries []timeline.Entry) string {
			for _, e := range entries {
				if e.Kind == integrations.KindRunbookStepEnd && e.Fields["run"] == report.RunID &&
					strings.Contains(e.Fields["output"]+e.Fields["error"], h.marker) {
					return ""
				}
			}
			return "the step end of run " + report.RunID + " with " + h.marker
		})
	}
	closeSession()
	shownMu.Lock()
	screenText := shownScreen(t, shown)
	shownMu.Unlock()
	assertNoSecret(t, "what the screen received and showed", screenText)
	for _, marker := range []string{"ECHO-CHAT", "ECHO-PD-TITLE", "ECHO-AWS-ACT", "ECHO-SSM-OUT"} {
		if !strings.Contains(screenText, marker) {
			t.Errorf("the screen never received %s: the planted text never reached it", marker)
		}
	}

	// The same runbook from a script: `warroom runbook run` prints each
	// step's result and output, and main prints the error it returns.
	var printed strings.Builder
	for _, h := range hosts {
		out, errOut, err := runVerb("--config", cfgPath, "--state-dir", stateDir,
			"runbook", "run", "host-disk-check", "--param", "instance="+h.instance, "--yes")
		if (err == nil) != (h.status == runbooks.RunDone) {
			t.Fatalf("runbook run on %s: err = %v, want status %s\n%s", h.instance, err, h.status, out)
		}
		fmt.Fprintf(&printed, "%s%s", out, errOut)
		if err != nil {
			fmt.Fprintf(&printed, "warroom: %v\n", err)
		}
		if !strings.Contains(printed.String(), h.marker) {
			t.Errorf("runbook run on %s printed nothing of %s: the planted text never reached it\n%s", h.instance, h.marker, out)
		}
	}
	assertNoSecret(t, "`warroom runbook run`'s output", printed.String())

	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, "the timeline file", string(file))
	if !bytes.Contains(file, []byte("[REDACTED:")) && !bytes.Contains(file, []byte("[redacted]")) {
		t.Error("the timeline holds no redaction placeholder: the secrets never reached a scrubber")
	}

	for _, args := range [][]string{
		{"timeline", "export", "--incident", leakIncidentID, "--format", "md"},
		{"timeline", "export", "--incident", leakIncidentID, "--format", "json"},
		{"timeline", "export", "--incident", leakIncidentID, "--format", "csv"},
		{"timeline", "show", "--incident", leakIncidentID, "--tz", "UTC"},
	} {
		out, errOut, err := runVerb(append([]string{"--config", cfgPath, "--state-dir", stateDir}, args...)...)
		name := strings.Join(args[1:], " ")
		if err != nil {
			t.Fatalf("warroom %s: %v\n%s", name, err, errOut)
		}
		assertNoSecret(t, name, out+errOut)
		for _, marker := range []string{"ECHO-CHAT", "ECHO-PD-TITLE", "ECHO-AWS-ACT"} {
			if !strings.Contains(out, marker) {
				t.Errorf("%s lacks %s: the planted text never reached it", name, marker)
			}
		}
	}
	assertNoSecret(t, "warroom's stdout, stderr and log", output())
}
