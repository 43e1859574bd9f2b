package pagerduty_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx/sourcetest"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/integrations/pagerduty"
)

const jsonType = "application/json"

func openIncident(id string) incident {
	return incident{ID: id, Title: "api 5xx", Status: "triggered", Urgency: "high", Service: "PSVC1",
		CreatedAt: "2026-11-21T09:00:00Z", ChangedAt: "2026-11-21T09:00:00Z", UpdatedAt: "2026-11-21T09:00:00Z", ChangedBy: "svc"}
}

func faultySource(t *testing.T, url string, poll integrations.PollConfig) *pagerduty.Source {
	return newSource(t, url, func(o *pagerduty.Options) { o.Poll = poll })
}

func TestFaultsDegradeThenRecover(t *testing.T) {
	var pd *pdServer
	cases := []sourcetest.Case{
		{Name: "500 with a JSON error", Path: "/incidents", Want: "status code 500",
			Fault: sourcetest.Status(500, jsonType, `{"error":{"message":"Internal Server Error","code":2000}}`)},
		{Name: "502 from a proxy, in HTML", Path: "/incidents", Want: "status code 502",
			Fault: sourcetest.Status(502, "text/html", "<html><body>Bad Gateway</body></html>")},
		{Name: "slower than the timeout", Path: "/incidents", Want: "timed out", Fault: sourcetest.Stall(), Timeout: 200 * time.Millisecond},
		{Name: "truncated JSON", Path: "/incidents", Want: "unexpected end of JSON input",
			Fault: sourcetest.Status(200, jsonType, `{"incidents":[{"id":"P1",`)},
		{Name: "wrong types", Path: "/incidents", Want: "cannot unmarshal",
			Fault: sourcetest.Status(200, jsonType, `{"incidents":"P1","more":"yes"}`)},
		{Name: "unreadable time", Path: "/incidents", Want: `unreadable created_at "yesterday"`,
			Fault: sourcetest.Status(200, jsonType, `{"incidents":[{"id":"PX","status":"triggered","created_at":"yesterday"}],"more":false}`)},
		{Name: "more pages forever", Path: "/incidents", Want: "more than 1000 open incidents",
			Fault: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, map[string]any{"incidents": []map[string]any{openIncident("P" + r.URL.Query().Get("offset")).wire()}, "more": true})
			}},
		{Name: "log entry of a shape the SDK panics on", Path: "/log_entries", Want: "malformed response",
			Setup: func() { pd.set(func(s *pdServer) { s.incidents[0].UpdatedAt = "2026-11-21T09:01:00Z" }) },
			Fault: sourcetest.Status(200, jsonType, `{"log_entries":[{"id":"L9","type":"annotate_log_entry","created_at":"2026-11-21T09:00:00Z","channel":{"type":7}}],"more":false}`)},
		{Name: "huge body", Path: "/incidents", Want: "response body too large", Fault: sourcetest.Huge(9 << 20)},
		// Answers that decode to nothing must not read as "no incidents
		// open", which would resolve every incident on the timeline.
		{Name: "an empty object", Path: "/incidents", Want: "no incidents in the answer",
			Fault: sourcetest.Status(200, jsonType, `{}`)},
		{Name: "null", Path: "/incidents", Want: "no incidents in the answer",
			Fault: sourcetest.Status(200, jsonType, `null`)},
		{Name: "an empty body", Path: "/incidents", Want: "does not parse",
			Fault: sourcetest.Status(200, jsonType, ``)},
		{Name: "log entries missing", Path: "/log_entries", Want: "no log_entries in the answer",
			Setup: func() { pd.set(func(s *pdServer) { s.incidents[0].UpdatedAt = "2026-11-21T09:02:00Z" }) },
			Fault: sourcetest.Status(200, jsonType, `{"more":false}`)},
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			sourcetest.CheckLeaks(t)
			pd = newPDServer(t, token)
			pd.incidents = []incident{openIncident("P1")}
			srv := pd.start()
			rec := sourcetest.DegradeAndRecover(t, faultySource(t, srv.URL, c.Poll()), pd.faults, c)
			// The incident stayed open throughout: a failed refresh must not
			// read as a resolution.
			if got := rec.Records("alert.resolved"); len(got) != 0 {
				t.Errorf("a failed refresh resolved incidents: %+v", got)
			}
		})
	}
}

func TestRateLimitIsHonoured(t *testing.T) {
	for name, headers := range map[string]map[string]string{
		"Retry-After":     {"Retry-After": "1"},
		"ratelimit-reset": {"Ratelimit-Limit": "960", "Ratelimit-Remaining": "0", "Ratelimit-Reset": "1"},
	} {
		t.Run(name, func(t *testing.T) {
			sourcetest.CheckLeaks(t)
			pd := newPDServer(t, token)
			srv := pd.start()
			fault := sourcetest.RateLimited(jsonType, `{"error":{"message":"Rate Limit Exceeded","code":2020}}`, headers)
			sourcetest.RetryAfterHonoured(t, faultySource(t, srv.URL, sourcetest.TestPoll()), pd.faults, "/incidents", fault, time.Second)
		})
	}
}

func TestActionsReportRateLimits(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	srv := pd.start()
	pd.faults.Set("/incidents", sourcetest.RateLimited(jsonType, `{"error":{"message":"Rate Limit Exceeded","code":2020}}`, map[string]string{"Retry-After": "7"}))
	err := faultySource(t, srv.URL, sourcetest.TestPoll()).Acknowledge(context.Background(), "P1")
	var rl *integrations.RateLimitedError
	if !errors.As(err, &rl) || rl.After != 7*time.Second {
		t.Errorf("Acknowledge under a rate limit: %v, want a RateLimitedError after 7s", err)
	}
}

func TestConnectionRefusedThenHealed(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	srv := pd.start()
	gate := sourcetest.NewGate(t, srv.Listener.Addr().String())
	sourcetest.RefusedThenHealed(t, faultySource(t, "http://"+gate.Addr(), sourcetest.TestPoll()), gate)
}

// TestTokenNeverLeaks makes every failure path fire against a server that
// echoes the token back, and looks for it in everything the source says.
func TestTokenNeverLeaks(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	inc := openIncident("P1")
	inc.Title = "leaked " + token
	inc.ChangedBy = "user " + token
	pd.incidents = []incident{inc}
	pd.logs["P1"] = []logEntry{{ID: "L1", Type: "annotate_log_entry", At: "2026-11-21T09:00:00Z", Agent: token, Summary: "note: " + token}}
	srv := pd.start()
	src := faultySource(t, srv.URL, sourcetest.TestPoll())
	echo := fmt.Sprintf(`{"error":{"message":"invalid token %s","code":2006,"errors":["Authorization: Token token=%s"]}}`, token, token)

	var errs []error
	for _, f := range []sourcetest.Fault{
		sourcetest.Status(401, jsonType, echo),
		sourcetest.Status(500, "text/plain", echo),
		sourcetest.RateLimited(jsonType, echo, map[string]string{"Retry-After": "0"}),
		sourcetest.Status(200, jsonType, `{"incidents":"`+token+`"}`),
		sourcetest.Status(200, jsonType, `{"incidents":[{"id":"P1","status":"triggered","created_at":"`+token+`"}]}`),
	} {
		pd.faults.Set("/incidents", f)
		ctx := context.Background()
		_, err := src.Probe(ctx)
		errs = append(errs, err, src.Acknowledge(ctx, "P1"), src.Resolve(ctx, "P1"), src.AddNote(ctx, "P1", "x"))
	}
	pd.faults.Set("", nil)
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if strings.Contains(err.Error(), token) {
				t.Errorf("error leaks the token: %v", err)
			}
		}
	}
	// Calls that ignore the bodies' odd fields may succeed; the errors
	// are what matter here.
	if failed < 15 {
		t.Errorf("only %d of %d calls failed; the faults did not fire", failed, len(errs))
	}

	// Run through a failing, then a healthy server publishing the echoes.
	pd.set(func(s *pdServer) { s.incidents[0].Status = "triggered" })
	rec := sourcetest.DegradeAndRecover(t, src, pd.faults, sourcetest.Case{
		Path: "/incidents", Fault: sourcetest.Status(403, jsonType, echo), Want: "status code 403"})
	if len(rec.Records("alert.note")) == 0 || len(rec.Records("alert.triggered")) == 0 {
		t.Fatalf("expected the echoing incident and note to be recorded: %+v", rec.Records(""))
	}
	assertNoToken(t, rec.Events())
}

func assertNoToken(t *testing.T, events []integrations.Event) {
	t.Helper()
	for _, e := range events {
		if s := fmt.Sprintf("%+v", e); strings.Contains(s, token) {
			t.Errorf("event leaks the token: %s", s)
		}
	}
}

// pdRateLimited is PagerDuty's rate-limit answer: a plain string where
// other errors carry an object (which go-pagerduty cannot decode), and
// the ratelimit headers saying when the window resets.
var pdRateLimited = sourcetest.RateLimited(jsonType, `{"error":"Rate Limit Exceeded"}`,
	map[string]string{"Ratelimit-Limit": "960", "Ratelimit-Remaining": "0", "Ratelimit-Reset": "12"})

// A rate limit reads as one, with when the source retries and when an
// action may be tried again, never as the client library's decoding
// trouble.
func TestRateLimitSaysWhatHappenedAndWhenItRetries(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	srv := pd.start()
	pd.faults.Set("/incidents", pdRateLimited)
	src := faultySource(t, srv.URL, sourcetest.TestPoll())
	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, src, rec)
	integrationstest.Wait(t, "a status", func() bool { return len(rec.Statuses()) > 0 })
	stop()
	st := rec.Statuses()[0]
	if want := "pagerduty: list incidents: rate limited by the service; retrying in 12s"; st.LastError != want {
		t.Errorf("status line %q, want %q", st.LastError, want)
	}
	recs := rec.Records("source.status")
	if len(recs) == 0 || !strings.HasSuffix(recs[0].Text, "rate limited by the service; retrying in 12s") {
		t.Errorf("timeline record %+v, want it to say it is rate limited and when it retries", recs)
	}

	err := src.Acknowledge(context.Background(), "P1")
	var rl *integrations.RateLimitedError
	if !errors.As(err, &rl) || rl.After != 12*time.Second ||
		err.Error() != "pagerduty: set incident P1 acknowledged: rate limited by the service; try again in 12s" {
		t.Errorf("Acknowledge under a rate limit: %v", err)
	}
	for _, text := range []string{st.LastError, err.Error()} {
		if strings.Contains(text, "JSON") || strings.Contains(text, "unmarshal") {
			t.Errorf("%q speaks of the library's decoding", text)
		}
	}
}

// An acknowledge that lands at PagerDuty but whose answer never comes
// back fails as a timeout (its outcome unknown, errors.Is says so), and
// reading the incident back settles it: acknowledged.
func TestLostAnswerIsSettledByReadingBack(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	pd.incidents = []incident{openIncident("P1")}
	srv := pd.start()
	landed := make(chan struct{})
	pd.faults.Set("/incidents", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			pd.handler().ServeHTTP(w, r)
			return
		}
		pd.handler().ServeHTTP(httptest.NewRecorder(), r) // the change lands...
		close(landed)
		<-r.Context().Done() // ...and the answer never leaves
	})
	src := faultySource(t, srv.URL, sourcetest.TestPoll())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := src.Acknowledge(ctx, "P1")
	<-landed
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acknowledge without an answer: %v, want a timeout", err)
	}
	got, err := src.ReadAlert(context.Background(), "P1")
	if err != nil || got.Status != integrations.AlertAcknowledged || got.ID != "P1" {
		t.Fatalf("ReadAlert = %+v, %v; want P1 acknowledged", got, err)
	}
	pd.set(func(s *pdServer) { s.incidents[0].Status = "resolved" })
	if got, err := src.ReadAlert(context.Background(), "P1"); err != nil || got.Status != integrations.AlertResolved {
		t.Fatalf("ReadAlert of a resolved incident = %+v, %v", got, err)
	}
}
