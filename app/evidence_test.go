package app

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/internal/timelinetest"
	"github.com/warroomhq/warroom/timeline"
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
	return integrations.Record{Occurred: evidenceStart.Add(at), Source: integrations.SourceRunbook, Kind: kind, Text: kind, Fields: f}
}

// TestActionsCarryEvidenceAndGetAnEffectEntry drives a session's pump as
// the sources and a runbook would: the plan of a scale-up records the
// group's and the busiest backend's state when it was planned; three
// minutes after the run ended an effect entry compares the minute before
// with the third minute after; a refused run gets none; an acknowledge
// gets its state and its effect too. Every sample is in the series.
func TestActionsCarryEvidenceAndGetAnEffectEntry(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	s, err := Open(Options{ForceDrill: true, Speed: 1, StateDir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	s.world.sources = nil // the test publishes what the drill would
	s.declare([]integrations.SourceInfo{{Name: integrations.SourcePagerDuty, Acts: integrations.Actions{Alerts: answeringAlerts{}}}})
	s.Watch(context.Background(), nil)
	pub := s.pump.Publish
	// durable waits until a record of kind is on the timeline: the
	// samples published after it come in a later batch, as they would
	// from sources polling every few seconds.
	durable := func(kind string) {
		timelinetest.Wait(t, s.TimelinePath(), 10*time.Second, func(entries []timeline.Entry) string {
			if timelinetest.FirstOfKind(entries, kind) < 0 {
				return kind
			}
			return ""
		})
	}
	step := 10 * time.Second
	for at := time.Duration(0); at <= 10*time.Minute; at += step {
		pub(refresh(at, 245, 4))
	}
	pub(runRecord(10*time.Minute, integrations.KindRunbookRequested, "r1", map[string]string{"params": "desired=12 group=web"}))
	plan1 := runRecord(10*time.Minute, integrations.KindRunbookPlan, "r1", map[string]string{"targets": "aws:web"})
	plan1.Text = "web desired 4 → 12 (max 20)\nwait until 12 in service (now 4)"
	pub(plan1)
	pub(runRecord(10*time.Minute, integrations.KindRunbookConfirmed, "r1", nil))
	durable(integrations.KindRunbookConfirmed)
	pub(runRecord(11*time.Minute, integrations.KindRunbookDone, "r1", map[string]string{"status": "done"}))
	// A second run, refused: nothing was done, no effect is claimed.
	pub(runRecord(11*time.Minute, integrations.KindRunbookRequested, "r2", nil))
	pub(runRecord(11*time.Minute, integrations.KindRunbookPlan, "r2", map[string]string{"targets": "aws:web"}))
	pub(runRecord(11*time.Minute, integrations.KindRunbookFailed, "r2", map[string]string{"status": "refused"}))
	for at := 10*time.Minute + step; at <= 20*time.Minute; at += step {
		fivexx, in := 100.0, 8.0
		if at > 13*time.Minute {
			fivexx, in = 12, 12
		}
		pub(refresh(at, fivexx, in))
		if at == 15*time.Minute {
			// The monitoring resolves an alert of its own accord: not an
			// action, no effect is claimed for it.
			pub(integrations.Record{Occurred: evidenceStart.Add(at), Source: "pagerduty", Kind: integrations.KindAlertResolved,
				Text: "[warning] web CPU (auto-resolved)", Fields: map[string]string{"alert": "PINC2"}})
			if err := s.Acknowledge(context.Background(), integrations.SourcePagerDuty, "PINC1"); err != nil {
				t.Fatal(err)
			}
			pub(integrations.Record{Occurred: evidenceStart.Add(at), Source: "pagerduty", Kind: integrations.KindAlertAcknowledged,
				Text: "[critical] web 5xx", Fields: map[string]string{"alert": "PINC1"}})
			durable(integrations.KindAlertAcknowledged)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	entries := timelinetest.StateTimeline(t, stateDir)
	var plan, ack timeline.Entry
	var effects []timeline.Entry
	for _, e := range entries {
		switch {
		case e.Kind == integrations.KindRunbookPlan && e.Fields["run"] == "r1":
			plan = e
		case e.Kind == integrations.KindAlertAcknowledged:
			ack = e
		case e.Kind == integrations.KindEffect:
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
	want := "web desired 4 → 12 (max 20): edge-1/web 5xx/s 245 → 12 within 3m (−95%); edge-1/web error ratio 24.5% → 1.2% (−95%); web in service 4 → 12 (+200%)"
	if e := effects[0]; e.Text != want || e.Fields["of"] != plan.ID || !e.Occurred.Equal(evidenceStart.Add(14*time.Minute)) {
		t.Errorf("effect of the scale-up:\n got %s (of %s at %v)\nwant %s (of %s at %v)", e.Text, e.Fields["of"], e.Occurred, want, plan.ID, evidenceStart.Add(14*time.Minute))
	}
	if e := effects[1]; e.Fields["of"] != ack.ID || !strings.HasPrefix(e.Text, "acknowledge PINC1: edge-1/web 5xx/s 12 → 12 within 3m") {
		t.Errorf("effect of the acknowledge: %s (of %s)", e.Text, e.Fields["of"])
	}

	all, err := series.Read(filepath.Dir(stateTimelinePath(t, stateDir)), time.Time{}, time.Time{}, nil)
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

// TestRunsFromOtherProcessesGetAnEffectNamedByTheirPlan: a run recorded
// by another process (a script's `warroom runbook run`, gone before its
// effect is due) is measured from this war-room's own samples, and its
// effect entry names the run by what its plan changes, numbers kept.
func TestRunsFromOtherProcessesGetAnEffectNamedByTheirPlan(t *testing.T) {
	m := newMetricsRecorder(nil, config.Metrics{Interval: config.Duration(10 * time.Second)})
	var effects []integrations.Record
	feed := func(from, to time.Duration, fivexx float64) {
		for at := from; at <= to; at += 10 * time.Second {
			for _, r := range m.samples(integrations.Batch{Samples: refresh(at, fivexx, 4).Samples}) {
				if r.Kind == integrations.KindEffect {
					effects = append(effects, r)
				}
			}
		}
	}
	feed(0, 10*time.Minute, 245)
	entry := func(id string, r integrations.Record) timeline.Entry {
		return timeline.Entry{Record: integrations.Record{ID: id, Occurred: r.Occurred, Source: r.Source, Kind: r.Kind, Text: r.Text, Fields: r.Fields}}
	}
	plan := runRecord(10*time.Minute, integrations.KindRunbookPlan, "cli-1", map[string]string{"targets": "haproxy:edge-1"})
	plan.Text = "throttle tier free 0% → 30% on edge-1"
	m.foreign([]timeline.Entry{
		entry("e1", runRecord(10*time.Minute, integrations.KindRunbookRequested, "cli-1", map[string]string{"params": "percent=30 tier=free"})),
		entry("e2", plan),
		entry("e3", runRecord(10*time.Minute, integrations.KindRunbookConfirmed, "cli-1", nil)),
		entry("e4", runRecord(10*time.Minute, integrations.KindRunbookDone, "cli-1", map[string]string{"status": "done"})),
	})
	feed(10*time.Minute+10*time.Second, 14*time.Minute, 12)
	if len(effects) != 1 {
		t.Fatalf("want one effect entry for the other process's run, got %d: %+v", len(effects), effects)
	}
	e := effects[0]
	want := "throttle tier free 0% → 30% on edge-1: edge-1/web 5xx/s 245 → 12 within 3m (−95%)"
	if !strings.HasPrefix(e.Text, want) || e.Fields["of"] != "e2" || e.Fields["run"] != "cli-1" {
		t.Fatalf("effect %q (of %q, run %q), want it to begin %q, of e2, run cli-1", e.Text, e.Fields["of"], e.Fields["run"], want)
	}
}

// TestCLIPlanStatesWhatTheSeriesRecorded: a fresh process plans with the
// target's state as the incident's series holds it (a war-room recorded
// it), if no older than a minute and an interval; older samples state
// nothing.
func TestCLIPlanStatesWhatTheSeriesRecorded(t *testing.T) {
	stateDir := t.TempDir()
	cfg := config.Metrics{Interval: config.Duration(10 * time.Second)}
	store, err := series.OpenIncident(stateDir, "INC-7", series.Options{Interval: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for at := time.Duration(0); at <= time.Minute; at += 10 * time.Second {
		if _, err := store.Append(refresh(at, 245, 4).Samples); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	planned := func(now time.Duration) map[string]string {
		m := openMetrics(stateDir, "INC-7", cfg, nil, evidenceStart.Add(now))
		defer m.close()
		recs := []integrations.Record{
			runRecord(now, integrations.KindRunbookRequested, "cli-1", nil),
			runRecord(now, integrations.KindRunbookPlan, "cli-1", map[string]string{"targets": "aws:web"}),
		}
		m.annotate(recs)
		return recs[1].Fields
	}
	f := planned(time.Minute + 5*time.Second)
	for k, want := range map[string]string{"state.edge-1/web.http_5xx_per_s": "245", "state.web.in_service": "4",
		"state.measured": evidenceStart.Add(time.Minute).Format(time.RFC3339)} {
		if f[k] != want {
			t.Errorf("plan field %s = %q, want %q (fields %v)", k, f[k], want, f)
		}
	}
	if f := planned(10 * time.Minute); f["state.measured"] != "" || f["state.web.in_service"] != "" {
		t.Errorf("a plan made nine minutes after the last sample states it: %v", f)
	}
}

// TestWarRoomRecordsTheEffectOfAScriptsRun: a war-room open on the
// incident takes in the run a script recorded (through the timeline's
// refresh) and, three minutes later by its own samples, records the
// effect of the script's plan.
func TestWarRoomRecordsTheEffectOfAScriptsRun(t *testing.T) {
	open := sharedIncident(t)
	screen, script := open(), open()
	screen.world.sources = nil // the test publishes what the sources would
	var delivered atomic.Int64
	screen.Watch(context.Background(), func(b integrations.Batch) { delivered.Add(int64(len(b.Samples))) })
	pub := screen.pump.Publish
	sent := int64(0)
	for at := time.Duration(0); at <= 10*time.Minute; at += 10 * time.Second {
		r := refresh(at, 245, 4)
		sent += int64(len(r.Samples))
		pub(r)
	}
	for deadline := time.Now().Add(10 * time.Second); delivered.Load() < sent; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the screen took %d of %d samples", delivered.Load(), sent)
		}
	}
	plan := runRecord(10*time.Minute, integrations.KindRunbookPlan, "cli-1", map[string]string{"targets": "haproxy:edge-1"})
	plan.Text = "throttle tier free 0% → 30% on edge-1"
	stored, err := persist(script.store, []integrations.Record{
		runRecord(10*time.Minute, integrations.KindRunbookRequested, "cli-1", map[string]string{"params": "percent=30 tier=free"}), plan,
		runRecord(10*time.Minute, integrations.KindRunbookConfirmed, "cli-1", nil),
		runRecord(10*time.Minute, integrations.KindRunbookDone, "cli-1", map[string]string{"status": "done"})})
	if err != nil || len(stored) != 4 {
		t.Fatalf("the script recorded %d records: %v", len(stored), err)
	}
	if _, err := screen.store.Refresh(); err != nil { // what the screen's refresh does every two seconds
		t.Fatal(err)
	}
	for at := 10*time.Minute + 10*time.Second; at <= 14*time.Minute; at += 10 * time.Second {
		pub(refresh(at, 12, 4))
	}
	if err := screen.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := timeline.ReadFile(screen.TimelinePath())
	if err != nil {
		t.Fatal(err)
	}
	var effects []timeline.Entry
	for _, e := range entries {
		if e.Kind == integrations.KindEffect {
			effects = append(effects, e)
		}
	}
	if len(effects) != 1 || effects[0].Fields["of"] != stored[1].ID ||
		!strings.HasPrefix(effects[0].Text, "throttle tier free 0% → 30% on edge-1: edge-1/web 5xx/s 245 → 12 within 3m") {
		t.Fatalf("want one effect of the script's plan %s, got %+v", stored[1].ID, effects)
	}
}
