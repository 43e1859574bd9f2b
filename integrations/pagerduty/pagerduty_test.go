package pagerduty_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx/sourcetest"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/integrations/pagerduty"
)

const token = "u+pdtoken-Zq9XkQ2"

// newSource points a real go-pagerduty client at url with a transport the
// test owns, so idle connections can be closed before the leak check.
func newSource(t testing.TB, url string, tweak func(*pagerduty.Options)) *pagerduty.Source {
	t.Helper()
	opts := pagerduty.Options{
		Token:      token,
		APIURL:     url,
		ServiceIDs: []string{"PSVC1"},
		FromEmail:  "oncall@example.com",
		Poll:       sourcetest.FastPoll(),
		HTTPClient: sourcetest.Client(t),
	}
	if tweak != nil {
		tweak(&opts)
	}
	src, err := pagerduty.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func alertsNow(rec *integrationstest.Recorder) []integrations.Alert {
	snap, _ := integrationstest.Last[integrations.AlertsSnapshot](rec)
	return snap.Alerts
}

func TestRunTracksIncidentsAndTheirChanges(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	pd.pageCap = 1 // force limit/offset pagination
	pd.incidents = []incident{
		{ID: "P1", Title: "API 5xx above 5%", Status: "triggered", Urgency: "high", Priority: "P1", Service: "PSVC1",
			CreatedAt: "2026-11-21T09:00:00Z", ChangedAt: "2026-11-21T09:00:00Z", UpdatedAt: "2026-11-21T09:00:00Z", ChangedBy: "svc PSVC1"},
		{ID: "P2", Title: "disk 90%", Status: "acknowledged", Urgency: "low", Service: "PSVC1",
			CreatedAt: "2026-11-21T08:00:00Z", ChangedAt: "2026-11-21T08:05:00Z", UpdatedAt: "2026-11-21T08:05:00Z", ChangedBy: "Ana"},
		{ID: "P9", Title: "other team's", Status: "triggered", Urgency: "high", Service: "POTHER",
			CreatedAt: "2026-11-21T08:00:00Z", ChangedAt: "2026-11-21T08:00:00Z", UpdatedAt: "2026-11-21T08:00:00Z"},
	}
	pd.logs["P1"] = []logEntry{
		{ID: "L1", Type: "trigger_log_entry", At: "2026-11-21T09:00:00Z", Agent: "svc PSVC1", Summary: "Triggered through the API"},
		{ID: "L2", Type: "escalate_log_entry", At: "2026-11-21T09:10:00Z", Agent: "Escalation Policy", Summary: "Escalated to level 2"},
	}
	srv := pd.start()
	src := newSource(t, srv.URL, nil)
	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, src, rec)
	defer stop()

	integrationstest.Wait(t, "both open incidents", func() bool { return len(alertsNow(rec)) == 2 })
	alerts := alertsNow(rec)
	if alerts[0].ID != "P1" || alerts[0].Severity != integrations.SeverityCritical || alerts[0].Status != integrations.AlertTriggered ||
		!alerts[0].CreatedAt.Equal(at("2026-11-21T09:00:00Z")) || alerts[0].Link != "https://acme.pagerduty.com/incidents/P1" ||
		alerts[0].Service != "svc PSVC1" || alerts[0].Title != "API 5xx above 5%" {
		t.Errorf("first alert = %+v", alerts[0])
	}
	if alerts[1].ID != "P2" || alerts[1].Severity != integrations.SeverityWarning || alerts[1].Status != integrations.AlertAcknowledged ||
		!alerts[1].UpdatedAt.Equal(at("2026-11-21T08:05:00Z")) {
		t.Errorf("second alert = %+v", alerts[1])
	}
	if got := rec.Records("alert.triggered"); len(got) != 2 {
		t.Errorf("triggered records = %+v, want P2 and P1", got)
	}
	ack := rec.Records("alert.acknowledged")
	if len(ack) != 1 || ack[0].Actor != "Ana" || !ack[0].Occurred.Equal(at("2026-11-21T08:05:00Z")) {
		t.Errorf("acknowledged records = %+v, want Ana at 08:05", ack)
	}
	esc := rec.Records("alert.escalated")
	if len(esc) != 1 || !esc[0].Occurred.Equal(at("2026-11-21T09:10:00Z")) || esc[0].Fields["alert"] != "P1" || esc[0].Text != "Escalated to level 2" {
		t.Errorf("escalation records = %+v", esc)
	}

	// PagerDuty moves on: P1 is acknowledged and escalated again, P2 is resolved.
	pd.set(func(s *pdServer) {
		s.incidents[0].Status, s.incidents[0].ChangedAt, s.incidents[0].UpdatedAt, s.incidents[0].ChangedBy = "acknowledged", "2026-11-21T09:20:00Z", "2026-11-21T09:20:00Z", "Bo"
		s.incidents[1].Status, s.incidents[1].ChangedAt, s.incidents[1].UpdatedAt, s.incidents[1].ChangedBy = "resolved", "2026-11-21T09:30:00Z", "2026-11-21T09:30:00Z", "Cy"
		s.logs["P1"] = append(s.logs["P1"], logEntry{ID: "L3", Type: "escalate_log_entry", At: "2026-11-21T09:15:00Z", Agent: "Escalation Policy", Summary: "Escalated to level 3"})
	})
	integrationstest.Wait(t, "P2 resolved", func() bool { return len(rec.Records("alert.resolved")) == 1 })
	res := rec.Records("alert.resolved")[0]
	if res.Fields["alert"] != "P2" || res.Actor != "Cy" || !res.Occurred.Equal(at("2026-11-21T09:30:00Z")) {
		t.Errorf("resolved record = %+v, want P2 by Cy at 09:30", res)
	}
	ack = rec.Records("alert.acknowledged")
	if len(ack) != 2 || ack[1].Actor != "Bo" || !ack[1].Occurred.Equal(at("2026-11-21T09:20:00Z")) {
		t.Errorf("acknowledged records = %+v, want Bo at 09:20 second", ack)
	}
	if esc := rec.Records("alert.escalated"); len(esc) != 2 || esc[1].Text != "Escalated to level 3" {
		t.Errorf("escalation records = %+v, want each entry exactly once", esc)
	}
	if a := alertsNow(rec); len(a) != 1 || a[0].ID != "P1" || a[0].Status != integrations.AlertAcknowledged {
		t.Errorf("alerts after changes = %+v", a)
	}
	// Unchanged polls add nothing.
	n := len(rec.Records(""))
	polls := len(rec.Statuses())
	integrationstest.Wait(t, "three more polls", func() bool { return len(rec.Statuses()) >= polls+3 })
	if got := rec.Records(""); len(got) != n {
		t.Errorf("quiet polls added records: %+v", got[n:])
	}
	stop()
	if st := rec.States(); !slices.Equal(st, []integrations.SourceState{integrations.SourceOK}) {
		t.Errorf("states = %v, want only ok", st)
	}
}

func TestActionsSendFromHeaderAndToken(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	pd.incidents = []incident{{ID: "P1", Title: "x", Status: "triggered", Service: "PSVC1", CreatedAt: "2026-11-21T09:00:00Z"}}
	srv := pd.start()
	src := newSource(t, srv.URL, nil)
	ctx := context.Background()

	if err := src.Acknowledge(ctx, "P1"); err != nil {
		t.Fatal(err)
	}
	if err := src.Resolve(ctx, "P1"); err != nil {
		t.Fatal(err)
	}
	if err := src.AddNote(ctx, "P1", "rolled back 4.2.1"); err != nil {
		t.Fatal(err)
	}
	want := []change{{"oncall@example.com", "P1", "acknowledged"}, {"oncall@example.com", "P1", "resolved"}}
	if !slices.Equal(pd.changes, want) {
		t.Errorf("changes = %+v, want %+v", pd.changes, want)
	}
	if len(pd.notes) != 1 || pd.notes[0] != (note{"oncall@example.com", "P1", "rolled back 4.2.1"}) {
		t.Errorf("notes = %+v", pd.notes)
	}

	err := src.Acknowledge(ctx, "PNOPE")
	if err == nil || !strings.Contains(err.Error(), "PNOPE") || !strings.Contains(err.Error(), "404") {
		t.Errorf("acknowledging an unknown incident: %v, want a 404 naming it", err)
	}

	noFrom := newSource(t, srv.URL, func(o *pagerduty.Options) { o.FromEmail = "" })
	if err := noFrom.Resolve(ctx, "P1"); err == nil || !strings.Contains(err.Error(), "from_email") {
		t.Errorf("resolve without from_email: %v, want a from_email error", err)
	}
	wrongToken := newSource(t, srv.URL, func(o *pagerduty.Options) { o.Token = "wrong" })
	if err := wrongToken.AddNote(ctx, "P1", "x"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("note with a wrong token: %v, want 401", err)
	}
}

func TestProbe(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	pd.incidents = []incident{
		{ID: "P1", Title: "a", Status: "triggered", Service: "PSVC1", CreatedAt: "2026-11-21T09:00:00Z"},
		{ID: "P2", Title: "b", Status: "acknowledged", Service: "PSVC1", CreatedAt: "2026-11-21T09:00:00Z"},
		{ID: "P3", Title: "c", Status: "resolved", Service: "PSVC1", CreatedAt: "2026-11-21T09:00:00Z"},
	}
	srv := pd.start()
	got, err := newSource(t, srv.URL, nil).Probe(context.Background())
	if err != nil || got != "2 open incidents" {
		t.Errorf("Probe = %q, %v; want 2 open incidents", got, err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, opts := range map[string]pagerduty.Options{
		"no token":    {APIURL: "http://127.0.0.1:1"},
		"bad api url": {Token: token, APIURL: "ftp://x"},
	} {
		if _, err := pagerduty.New(opts); err == nil {
			t.Errorf("%s: New accepted %+v", name, opts)
		}
	}
}

// TestLogReadsAreBoundedPerRefresh starts among 25 new incidents: the first
// refresh reads the log entries of the 20 most recently changed, a later
// one the remaining five, and every escalation is recorded exactly once.
func TestLogReadsAreBoundedPerRefresh(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	for i := range 25 {
		inc := openIncident(fmt.Sprintf("P%02d", i))
		inc.ChangedAt = fmt.Sprintf("2026-11-21T09:%02d:00Z", i)
		pd.incidents = append(pd.incidents, inc)
		pd.logs[inc.ID] = []logEntry{{ID: "L" + inc.ID, Type: "escalate_log_entry", At: inc.ChangedAt, Agent: "policy", Summary: "Escalated " + inc.ID}}
	}
	srv := pd.start()
	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, newSource(t, srv.URL, nil), rec)
	defer stop()

	integrationstest.Wait(t, "the first snapshot", func() bool { return len(alertsNow(rec)) == 25 })
	var first []string // escalations published by the first refresh, before its snapshot
	for _, e := range rec.Events() {
		if _, ok := e.(integrations.AlertsSnapshot); ok {
			break
		}
		if r, ok := e.(integrations.Record); ok && r.Kind == "alert.escalated" {
			first = append(first, r.Fields["alert"])
		}
	}
	if len(first) != 20 || first[0] != "P05" {
		t.Errorf("first refresh recorded escalations of %v; want the 20 most recently changed, P05 to P24", first)
	}
	integrationstest.Wait(t, "all escalations", func() bool { return len(rec.Records("alert.escalated")) == 25 })
	polls := len(rec.Statuses())
	integrationstest.Wait(t, "three more polls", func() bool { return len(rec.Statuses()) >= polls+3 })
	stop()
	seen := map[string]int{}
	for _, r := range rec.Records("alert.escalated") {
		seen[r.Fields["alert"]]++
	}
	if len(seen) != 25 || len(rec.Records("alert.escalated")) != 25 {
		t.Errorf("escalations per incident = %v, want each of 25 once", seen)
	}
	logReads := 0
	for _, h := range pd.faults.Hits() {
		if strings.HasSuffix(h.Path, "/log_entries") {
			logReads++
		}
	}
	if logReads != 25 {
		t.Errorf("%d log-entry requests, want 25 (one per incident, none repeated)", logReads)
	}
}

// TestIncidentMovedAwayReadsAsGone: an incident reassigned to a service we
// do not watch leaves the open list while still open; it is recorded as
// gone at the time that was noticed, saying why, not as resolved by someone.
func TestIncidentMovedAwayReadsAsGone(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	pd.incidents = []incident{openIncident("P1")}
	srv := pd.start()
	noticed := time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC)
	src := newSource(t, srv.URL, func(o *pagerduty.Options) { o.Poll.Now = func() time.Time { return noticed } })
	rec := &integrationstest.Recorder{}
	stop := sourcetest.Start(t, src, rec)
	defer stop()
	integrationstest.Wait(t, "the incident", func() bool { return len(alertsNow(rec)) == 1 })
	pd.set(func(s *pdServer) { s.incidents[0].Service = "POTHER" })
	integrationstest.Wait(t, "the incident gone", func() bool { return len(rec.Records("alert.resolved")) == 1 })
	stop()
	r := rec.Records("alert.resolved")[0]
	if !r.Occurred.Equal(noticed) || r.Actor != "" || !strings.HasPrefix(r.Text, "no longer open for the watched services") {
		t.Errorf("record = %+v", r)
	}
	if len(alertsNow(rec)) != 0 {
		t.Errorf("alerts = %+v, want none", alertsNow(rec))
	}
}

// A status update is posted on the incident as PagerDuty takes it: the
// message in the body, the From header; an unknown incident is a 404
// naming it, and a call without an answer in time says so.
func TestStatusUpdatePostedOnTheIncident(t *testing.T) {
	sourcetest.CheckLeaks(t)
	pd := newPDServer(t, token)
	pd.incidents = []incident{{ID: "P1", Title: "x", Status: "triggered", Service: "PSVC1", CreatedAt: "2026-11-21T09:00:00Z"}}
	srv := pd.start()
	src := newSource(t, srv.URL, nil)
	ctx := context.Background()
	const msg = "Status update: web degraded since 07:10 UTC\nNext update: by 08:00 UTC."
	if err := src.PostStatusUpdate(ctx, "P1", msg); err != nil {
		t.Fatal(err)
	}
	if want := []note{{"oncall@example.com", "P1", msg}}; !slices.Equal(pd.updates, want) {
		t.Errorf("status updates = %+v, want %+v", pd.updates, want)
	}
	if err := src.PostStatusUpdate(ctx, "PNOPE", msg); err == nil || !strings.Contains(err.Error(), "PNOPE") || !strings.Contains(err.Error(), "404") {
		t.Errorf("status update on an unknown incident: %v, want a 404 naming it", err)
	}
	noFrom := newSource(t, srv.URL, func(o *pagerduty.Options) { o.FromEmail = "" })
	if err := noFrom.PostStatusUpdate(ctx, "P1", msg); err == nil || !strings.Contains(err.Error(), "from_email") {
		t.Errorf("status update without from_email: %v, want a from_email error", err)
	}
	pd.faults.Set("/incidents/P1/status_updates", sourcetest.Stall())
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := src.PostStatusUpdate(short, "P1", msg); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("status update without an answer: %v, want the deadline", err)
	}
}
