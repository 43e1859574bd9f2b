package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// fakeAlerts is a second alert source besides PagerDuty, added to the
// program by its registration in this file and nothing else: it reports
// one critical alert and says its data is stale, and it takes changes.
type fakeAlerts struct {
	mu    sync.Mutex
	acked []string
}

const fakeName = "fake-alerts"

var fakeFired = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)

func (f *fakeAlerts) Name() string { return fakeName }

func (f *fakeAlerts) Info() integrations.SourceInfo {
	return integrations.SourceInfo{Name: fakeName, Feeds: []integrations.Feed{integrations.FeedAlerts}, Acts: integrations.Actions{Alerts: f}}
}

func (f *fakeAlerts) Probe(context.Context) (string, error) { return "1 alert", nil }

// Run reports what a restarted poller reports again: the same alert,
// fired at the same time.
func (f *fakeAlerts) Run(ctx context.Context, pub integrations.Publisher) error {
	alert := integrations.Alert{ID: "F1", Service: "db", Severity: integrations.SeverityCritical,
		Status: integrations.AlertTriggered, Title: "replica lag", CreatedAt: fakeFired, UpdatedAt: fakeFired}
	pub.Publish(integrations.AlertsSnapshot{Source: fakeName, Alerts: []integrations.Alert{alert}})
	pub.Publish(integrations.Record{Occurred: fakeFired, Source: fakeName, Kind: integrations.KindAlertTriggered,
		Text: "[critical] replica lag", Fields: map[string]string{"alert": "F1"}})
	pub.Publish(integrations.StatusChanged{Status: integrations.SourceStatus{Source: fakeName, State: integrations.SourceStale,
		LastSuccess: fakeFired, LastAttempt: time.Now(), Budget: time.Minute}})
	<-ctx.Done()
	return ctx.Err()
}

func (f *fakeAlerts) Acknowledge(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acked = append(f.acked, id)
	return nil
}

func (f *fakeAlerts) Resolve(context.Context, string) error         { return nil }
func (f *fakeAlerts) AddNote(context.Context, string, string) error { return nil }
func (f *fakeAlerts) ReadAlert(_ context.Context, id string) (integrations.Alert, error) {
	return integrations.Alert{ID: id}, nil
}

// registerEverywhere registers src as an adapter every configuration
// names, for the test's duration.
func registerEverywhere(t *testing.T, src LiveSource) {
	Register(Adapter{Name: src.Name(),
		Configured: func(*config.Config) bool { return true },
		Build:      func(context.Context, *config.Config) (LiveSource, error) { return src, nil }})
	t.Cleanup(func() { Unregister(src.Name()) })
}

func (f *fakeAlerts) acknowledged() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.acked)
}

// pagerDutyAcks is a local PagerDuty with one triggered incident, PD1,
// that records the incidents acknowledged through it.
func pagerDutyAcks(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var acked []string
	created := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	incident := map[string]any{"id": "PD1", "type": "incident", "title": "web down", "summary": "web down",
		"status": "triggered", "urgency": "high", "created_at": created, "updated_at": created,
		"last_status_change_at": created, "html_url": "https://acme.pagerduty.com/incidents/PD1",
		"service": map[string]any{"id": "PSVC1", "type": "service_reference", "summary": "web"}}
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /incidents", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"incidents": []any{incident}, "limit": 100, "offset": 0, "more": false})
	})
	mux.HandleFunc("GET /incidents/{id}/log_entries", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"log_entries": []any{}, "limit": 100, "offset": 0, "more": false})
	})
	mux.HandleFunc("PUT /incidents", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Incidents []struct{ ID, Status string } `json:"incidents"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		for _, m := range req.Incidents {
			acked = append(acked, m.ID)
		}
		mu.Unlock()
		reply(w, map[string]any{"incidents": []any{incident}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(acked)
	}
}

// TestASecondAlertSourceIsDeclaredOnce adds an alert source beside
// PagerDuty by registering it here, and nowhere else: its alerts come
// with their source, acknowledging reaches the alert's own source (from
// the screen by source, from a runbook by the alert's ID), its pane's
// staleness is read from the mapping the screen is given, and a restart
// does not record its alerts again.
func TestASecondAlertSourceIsDeclaredOnce(t *testing.T) {
	fake := &fakeAlerts{}
	registerEverywhere(t, fake)

	pd, pdAcked := pagerDutyAcks(t)
	t.Setenv("PAGERDUTY_TOKEN", "pdTWOSOURCES7Qm2Zr9Vt4X")
	opts := configuredOptions(t, "incident: {title: Two sources, id: INC-2}\npagerduty:\n  service_ids: [PSVC1]\n  from_email: oncall@example.com\n  poll_interval: 1s\n  api_url: "+pd.URL+"\n")

	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Info().Panes[integrations.FeedAlerts]; !slices.Equal(got, []string{integrations.SourcePagerDuty, fakeName}) {
		t.Fatalf("the alerts pane is fed by %v, want pagerduty and %s", got, fakeName)
	}
	batches := make(chan integrations.Batch, 64)
	s.Watch(context.Background(), func(b integrations.Batch) { batches <- b })
	alerts := map[string]integrations.Alert{}
	var status integrations.SourceStatus
	var critical []string
	for deadline := time.After(15 * time.Second); len(alerts) < 2 || status.Source == ""; {
		select {
		case b := <-batches:
			for src, list := range b.Alerts {
				for _, a := range list {
					if a.Source != src {
						t.Errorf("alert %s of %s carries source %q", a.ID, src, a.Source)
					}
					alerts[a.ID] = a
				}
			}
			if st, ok := b.Status[fakeName]; ok {
				status = st
			}
			for _, a := range b.NewCritical {
				critical = append(critical, a.Source+"/"+a.ID)
			}
		case <-deadline:
			s.Close()
			t.Fatalf("alerts %v and the status of %s (%+v) did not all arrive", alerts, fakeName, status)
		}
	}
	if alerts["F1"].Source != fakeName || alerts["PD1"].Source != integrations.SourcePagerDuty {
		t.Errorf("alerts carry sources %q and %q", alerts["F1"].Source, alerts["PD1"].Source)
	}
	if !slices.Contains(critical, fakeName+"/F1") {
		t.Errorf("new critical alerts %v lack %s/F1", critical, fakeName)
	}
	// The pane's staleness: every source the pane maps to, by its status.
	if status.State != integrations.SourceStale {
		t.Errorf("%s reads %s, want stale", fakeName, status.State)
	}

	ctx := context.Background()
	if !s.Can(fakeName, integrations.CanAcknowledge) || !s.Can(integrations.SourcePagerDuty, integrations.CanAcknowledge) {
		t.Fatal("both alert sources should acknowledge")
	}
	if err := s.Acknowledge(ctx, fakeName, "F1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Acknowledge(ctx, integrations.SourcePagerDuty, "PD1"); err != nil {
		t.Fatal(err)
	}
	// A runbook names an alert by its ID alone: it reaches its source too.
	if err := s.Actions().Alerts.Acknowledge(ctx, "F1"); err != nil {
		t.Fatal(err)
	}
	if got := fake.acknowledged(); !slices.Equal(got, []string{"F1", "F1"}) {
		t.Errorf("%s was asked to acknowledge %v, want F1 twice", fakeName, got)
	}
	if got := pdAcked(); !slices.Equal(got, []string{"PD1"}) {
		t.Errorf("PagerDuty was asked to acknowledge %v, want PD1 once", got)
	}
	timelinePath := s.TimelinePath()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart: the source reports its alert again; the timeline holds
	// it once.
	again, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	again.Watch(context.Background(), nil)
	// Close makes durable everything published before it: the source's
	// second report of F1 included.
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := timeline.ReadFile(timelinePath)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Source == fakeName && e.Kind == integrations.KindAlertTriggered && e.Fields["alert"] == "F1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the timeline holds %s's alert F1 %d times, want once", fakeName, n)
	}
}
