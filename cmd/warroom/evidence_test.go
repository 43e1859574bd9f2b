package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
	"github.com/warroomhq/warroom/timeline/series"
)

var evidenceStart = time.Date(2026, 1, 9, 23, 41, 0, 0, time.UTC)

// refresh is one 10-second refresh of the drill-like fleet: the busiest
// backend edge-1/web at 5xx/s fivexx (of 1000 req/s), a quiet one, and
// the web group.
func refresh(at time.Duration, fivexx, inService float64) integrations.SamplesTaken {
	t := evidenceStart.Add(at)
	return integrations.SamplesTaken{Source: "drill", Samples: []integrations.Sample{
		{Time: t, Source: "haproxy", Target: "edge-1/web", Metric: integrations.MetricReqPerS, Value: 1000},
		{Time: t, Source: "haproxy", Target: "edge-1/web", Metric: integrations.MetricHTTP5xxPerS, Value: fivexx},
		{Time: t, Source: "haproxy", Target: "edge-1/web", Metric: integrations.MetricErrorRatio, Value: fivexx / 1000},
		{Time: t, Source: "haproxy", Target: "edge-1/api", Metric: integrations.MetricReqPerS, Value: 10},
		{Time: t, Source: "aws", Target: "web", Metric: integrations.MetricDesired, Value: 12},
		{Time: t, Source: "aws", Target: "web", Metric: integrations.MetricInService, Value: inService},
		{Time: t, Source: "aws", Target: "web", Metric: integrations.MetricPending, Value: 12 - inService},
	}}
}

func runRecord(at time.Duration, kind, run string, fields map[string]string) integrations.Record {
	f := map[string]string{"run": run, "runbook": "scale-up"}
	for k, v := range fields {
		f[k] = v
	}
	return integrations.Record{Occurred: evidenceStart.Add(at), Source: runbooks.RecordSource, Kind: kind, Text: kind, Fields: f}
}

// TestActionsCarryEvidenceAndGetAnEffectEntry drives a session's pump as
// the sources and a runbook would: the plan of a scale-up records the
// group's and the busiest backend's state when it was planned; three
// minutes after the run ended an effect entry compares the minute before
// with the third minute after; a refused run gets none; an acknowledge
// gets its state and its effect too. Every sample is in the series.
func TestActionsCarryEvidenceAndGetAnEffectEntry(t *testing.T) {
	dir := t.TempDir()
	g := &globalFlags{StateDir: filepath.Join(dir, "state"), ConfigPath: filepath.Join(dir, "none.yaml")}
	s, err := openSession(g, sessionOptions{ForceDrill: true, Speed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s.world.sources = nil // the test publishes what the drill would
	s.world.actions.Alerts = s.metrics.alertActor(answeringAlerts{})
	s.start(context.Background(), nil)
	pub := s.pump.Publish
	// durable waits until a record of kind is on the timeline: the
	// samples published after it come in a later batch, as they would
	// from sources polling every few seconds.
	durable := func(kind string) {
		waitTimeline(t, s.store.Path(), 10*time.Second, func(entries []timeline.Entry) string {
			if firstOfKind(entries, kind) < 0 {
				return kind
			}
			return ""
		})
	}
	step := 10 * time.Second
	for at := time.Duration(0); at <= 10*time.Minute; at += step {
		pub(refresh(at, 245, 4))
	}
	pub(runRecord(10*time.Minute, runbooks.KindRequested, "r1", map[string]string{"params": "desired=12 group=web"}))
	pub(runRecord(10*time.Minute, runbooks.KindPlan, "r1", map[string]string{"targets": "aws:web"}))
	pub(runRecord(10*time.Minute, runbooks.KindConfirmed, "r1", nil))
	durable(runbooks.KindConfirmed)
	pub(runRecord(11*time.Minute, runbooks.KindDone, "r1", map[string]string{"status": "done"}))
	// A second run, refused: nothing was done, no effect is claimed.
	pub(runRecord(11*time.Minute, runbooks.KindRequested, "r2", nil))
	pub(runRecord(11*time.Minute, runbooks.KindPlan, "r2", map[string]string{"targets": "aws:web"}))
	pub(runRecord(11*time.Minute, runbooks.KindFailed, "r2", map[string]string{"status": "refused"}))
	for at := 10*time.Minute + step; at <= 20*time.Minute; at += step {
		fivexx, in := 100.0, 8.0
		if at > 13*time.Minute {
			fivexx, in = 12, 12
		}
		pub(refresh(at, fivexx, in))
		if at == 15*time.Minute {
			// The monitoring resolves an alert of its own accord: not an
			// action, no effect is claimed for it.
			pub(integrations.Record{Occurred: evidenceStart.Add(at), Source: "pagerduty", Kind: timeline.KindAlertResolved,
				Text: "[warning] web CPU (auto-resolved)", Fields: map[string]string{"alert": "PINC2"}})
			if err := s.world.actions.Alerts.Acknowledge(context.Background(), "PINC1"); err != nil {
				t.Fatal(err)
			}
			pub(integrations.Record{Occurred: evidenceStart.Add(at), Source: "pagerduty", Kind: timeline.KindAlertAcknowledged,
				Text: "[critical] web 5xx", Fields: map[string]string{"alert": "PINC1"}})
			durable(timeline.KindAlertAcknowledged)
		}
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}

	entries := stateTimeline(t, g.StateDir)
	var plan, ack timeline.Entry
	var effects []timeline.Entry
	for _, e := range entries {
		switch {
		case e.Kind == runbooks.KindPlan && e.Fields["run"] == "r1":
			plan = e
		case e.Kind == timeline.KindAlertAcknowledged:
			ack = e
		case e.Kind == export.KindEffect:
			effects = append(effects, e)
		}
	}
	for k, want := range map[string]string{"state.web.desired": "12", "state.web.in_service": "4", "state.web.pending": "8",
		"state.edge-1/web.error_ratio": "0.245", "state.edge-1/web.req_per_s": "1000", "state.edge-1/web.http_5xx_per_s": "245",
		"state.measured": "2026-01-09T23:51:00Z"} {
		if plan.Fields[k] != want {
			t.Errorf("plan field %s = %q, want %q (fields %v)", k, plan.Fields[k], want, plan.Fields)
		}
	}
	if ack.Fields["state.edge-1/web.http_5xx_per_s"] != "12" {
		t.Errorf("the acknowledge lacks the state it was done in: %v", ack.Fields)
	}
	if len(effects) != 2 {
		t.Fatalf("want two effect entries (the scale-up, the acknowledge sent from here; none for the alert resolved by itself), got %d: %+v", len(effects), effects)
	}
	want := "scale-up desired=12 group=web: edge-1/web 5xx/s 245 → 12 within 3m (−95%); edge-1/web error ratio 24.5% → 1.2% (−95%); web in service 4 → 12 (+200%)"
	if e := effects[0]; e.Text != want || e.Fields["of"] != plan.ID || !e.Occurred.Equal(evidenceStart.Add(14*time.Minute)) {
		t.Errorf("effect of the scale-up:\n got %s (of %s at %v)\nwant %s (of %s at %v)", e.Text, e.Fields["of"], e.Occurred, want, plan.ID, evidenceStart.Add(14*time.Minute))
	}
	if e := effects[1]; e.Fields["of"] != ack.ID || !strings.HasPrefix(e.Text, "acknowledge PINC1: edge-1/web 5xx/s 12 → 12 within 3m") {
		t.Errorf("effect of the acknowledge: %s (of %s)", e.Text, e.Fields["of"])
	}

	all, err := series.Read(filepath.Dir(stateTimelinePath(t, g.StateDir)), time.Time{}, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 7 || len(all[0].Points) != 121 {
		t.Fatalf("the series holds %d series (first with %d points), want 7 of 121", len(all), len(all[0].Points))
	}
}

func stateTimelinePath(t *testing.T, stateDir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(stateDir, "incidents", "*", timeline.FileName))
	if err != nil || len(files) != 1 {
		t.Fatalf("want one timeline under %s: %v %v", stateDir, files, err)
	}
	return files[0]
}

// answeringAlerts is an alert source that takes every change.
type answeringAlerts struct{ integrations.AlertActor }

func (answeringAlerts) Acknowledge(context.Context, string) error { return nil }
func (answeringAlerts) Resolve(context.Context, string) error     { return nil }

// TestEffectsUseTheConfiguredMainBackend: metrics.main wins over the
// busiest backend.
func TestEffectsUseTheConfiguredMainBackend(t *testing.T) {
	m := newMetricsRecorder(nil, config.Metrics{Main: "edge-1/api", Interval: config.Duration(10 * time.Second)})
	m.samples(integrations.Batch{Samples: refresh(0, 5, 4).Samples})
	if got := m.mainTarget(); got != "edge-1/api" {
		t.Fatalf("main target %q", got)
	}
	m.main = ""
	if got := m.mainTarget(); got != "edge-1/web" {
		t.Fatalf("busiest backend %q", got)
	}
}
