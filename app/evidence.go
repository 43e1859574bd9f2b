package app

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

// metricsRecorder keeps a session's samples in the incident's series and
// turns them into evidence: every action's record carries the state of its
// target when it was planned, and once enough samples have come in after
// it, an effect entry follows. It runs on the pump's goroutine: samples
// arrive in Derive, records pass through annotate before they are made
// durable and through stored after.
type metricsRecorder struct {
	store    *series.Store // nil: the series could not be opened
	main     string        // metrics.main; empty means the busiest backend
	window   series.EffectWindow
	interval time.Duration

	newest   time.Time // of the latest sample
	latest   map[metricOf]integrations.Sample
	recent   map[metricOf][]series.Point // the last Window of the measures effects compare
	requests map[string]float64          // backend → sum of its req/s samples
	actions  map[string]*action          // by run ID, or alert ID and kind
	sent     *sentAlerts                 // the alert actions this war-room sent
	failed   bool                        // the notice was said
	notice   string                      // why there is no store, said with the first samples

	mu      sync.Mutex
	arrived []integrations.Record // other processes' records, not yet taken in
}

type metricOf struct{ target, metric string }

// action is one action whose effect is awaited.
type action struct {
	label   string
	entryID string // the record holding its evidence, once durable
	run     string
	at, end time.Time
	acted   bool // confirmed (runbooks) or done (alerts)
	ended   bool
	keys    []metricOf
	points  map[metricOf][]series.Point
}

// openMetrics opens the incident's series for a session; without it the
// evidence still works from the samples as they arrive. The samples the
// series already holds of the last minute and an interval before now are
// taken in first: a fresh process (a `warroom runbook run` from a script,
// with one reading of its own when it plans) states what a war-room
// recording the incident measured, no older than that; the plan's
// state.measured says when.
func openMetrics(stateDir, incident string, m config.Metrics, redactor *timeline.Redactor, now time.Time) *metricsRecorder {
	store, err := series.OpenIncident(stateDir, incident, series.Options{Interval: time.Duration(m.Interval), Redactor: redactor})
	rec := newMetricsRecorder(store, m)
	// Another war-room on the incident records the series; this one
	// still measures effects from the samples as they arrive.
	if err != nil && !errors.Is(err, series.ErrLocked) {
		rec.notice = "metrics series not recorded: " + err.Error()
	}
	for _, s := range recordedSamples(stateDir, incident, now.Add(-rec.window.Window-rec.interval), func(series.Key) bool { return true }) {
		rec.observe(s)
	}
	return rec
}

func newMetricsRecorder(store *series.Store, m config.Metrics) *metricsRecorder {
	return &metricsRecorder{store: store, main: m.Main, window: series.DefaultEffectWindow, interval: time.Duration(m.Interval),
		latest: map[metricOf]integrations.Sample{}, recent: map[metricOf][]series.Point{},
		requests: map[string]float64{}, actions: map[string]*action{}, sent: &sentAlerts{n: map[string]int{}}}
}

// sentAlerts counts the acknowledgements and resolutions this war-room
// sent and has not yet seen come back from the alert source: only those
// are actions whose effect is measured, never an alert the monitoring
// resolved by itself once its condition cleared. The screen sends them
// from its own goroutines, the pump takes them.
type sentAlerts struct {
	mu sync.Mutex
	n  map[string]int // by alertKey
}

func (s *sentAlerts) add(key string, d int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[key] += d; s.n[key] <= 0 {
		delete(s.n, key)
	}
}

// take reports whether an action of key was sent, and forgets one.
func (s *sentAlerts) take(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[key] == 0 {
		return false
	}
	if s.n[key]--; s.n[key] == 0 {
		delete(s.n, key)
	}
	return true
}

// noting is an alert actor that notes each acknowledgement and
// resolution before sending it (its record may come back before the
// answer does), and forgets it when the source refused it. One that got
// no answer may have landed: it stays noted, and counts if its record
// comes.
type noting struct {
	integrations.AlertActor
	sent *sentAlerts
}

func (n noting) send(ctx context.Context, kind, id string, call func(context.Context, string) error) error {
	key := alertKey(integrations.Record{Kind: kind, Fields: map[string]string{"alert": id}})
	n.sent.add(key, 1)
	err := call(ctx, id)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		n.sent.add(key, -1)
	}
	return err
}

func (n noting) Acknowledge(ctx context.Context, id string) error {
	return n.send(ctx, integrations.KindAlertAcknowledged, id, n.AlertActor.Acknowledge)
}

func (n noting) Resolve(ctx context.Context, id string) error {
	return n.send(ctx, integrations.KindAlertResolved, id, n.AlertActor.Resolve)
}

// alertActor wraps the session's alert actor so that the actions sent
// through it await an effect.
func (m *metricsRecorder) alertActor(a integrations.AlertActor) integrations.AlertActor {
	if a == nil {
		return nil
	}
	return noting{a, m.sent}
}

// samples records the batch's samples (one per series per interval) and
// returns the effect entries they complete.
func (m *metricsRecorder) samples(b integrations.Batch) []integrations.Record {
	if len(b.Samples) == 0 {
		return nil
	}
	m.takeArrived()
	kept := b.Samples
	var out []integrations.Record
	if m.store != nil {
		var err error
		if kept, err = m.store.Append(b.Samples); err != nil && m.notice == "" {
			m.notice = "metrics series not recorded: " + err.Error()
		}
	}
	if m.notice != "" && !m.failed {
		m.failed = true
		out = append(out, integrations.Record{Occurred: b.Samples[0].Time, Source: integrations.SourceWarroom, Kind: integrations.KindSourceStatus, Text: m.notice})
	}
	for _, s := range kept {
		m.observe(s)
	}
	return append(out, m.due()...)
}

func (m *metricsRecorder) observe(s integrations.Sample) {
	key := metricOf{s.Target, s.Metric}
	m.latest[key] = s
	if s.Time.After(m.newest) {
		m.newest = s.Time
	}
	if s.Metric == integrations.MetricReqPerS && series.IsBackend(s.Target) {
		m.requests[s.Target] += s.Value
	}
	if !compared(key) {
		return
	}
	p := series.Point{Time: s.Time, Value: s.Value}
	keep := m.recent[key]
	for len(keep) > 0 && keep[0].Time.Before(s.Time.Add(-m.window.Window-m.interval)) {
		keep = keep[1:]
	}
	m.recent[key] = append(keep, p)
	for _, a := range m.actions {
		if _, ok := a.points[key]; ok {
			a.points[key] = append(a.points[key], p)
		}
	}
}

// compared reports whether effects compare this measure: a backend's
// 5xx/s and error ratio, a group's instances in service.
func compared(k metricOf) bool {
	switch k.metric {
	case integrations.MetricHTTP5xxPerS, integrations.MetricErrorRatio:
		return series.IsBackend(k.target)
	case integrations.MetricInService:
		return series.IsGroup(k.target)
	}
	return false
}

// mainTarget is the backend the evidence is about.
func (m *metricsRecorder) mainTarget() string {
	if m.main != "" {
		return m.main
	}
	return series.Busiest(m.requests)
}

// annotate adds the state of each action's target to its record and
// starts waiting for its effect.
func (m *metricsRecorder) annotate(recs []integrations.Record) {
	for i := range recs {
		r := &recs[i]
		run := r.Fields["run"]
		switch r.Kind {
		case integrations.KindRunbookRequested:
			m.actions[run] = &action{run: run, label: strings.TrimSpace(r.Fields["runbook"] + " " + r.Fields["params"])}
		case integrations.KindRunbookPlan:
			if a := m.actions[run]; a != nil {
				a.label = planLabel(r.Text, a.label)
				m.plan(r, a, strings.Split(r.Fields["targets"], ","))
			}
		case integrations.KindRunbookConfirmed:
			if a := m.actions[run]; a != nil {
				a.acted = true
			}
		case integrations.KindRunbookDone, integrations.KindRunbookFailed, integrations.KindRunbookAbort:
			a := m.actions[run]
			if a == nil {
				continue
			}
			switch r.Fields["status"] {
			case string(runbooks.RunDone), string(runbooks.RunFailed), string(runbooks.RunAborted):
				if a.acted && a.keys != nil {
					a.end, a.ended = r.Occurred, true
					continue
				}
			}
			delete(m.actions, run) // refused, a dry run, or changed nothing
		case integrations.KindAlertAcknowledged, integrations.KindAlertResolved:
			if !m.sent.take(alertKey(*r)) {
				continue // not sent from here: the monitoring's own doing, or another war-room's
			}
			verb := "acknowledge"
			if r.Kind == integrations.KindAlertResolved {
				verb = "resolve"
			}
			a := &action{label: verb + " " + r.Fields["alert"], acted: true, ended: true, end: r.Occurred}
			if m.plan(r, a, nil); len(a.keys) > 0 { // no backend measured: nothing to compare
				m.actions[alertKey(*r)] = a
			}
		}
	}
}

func alertKey(r integrations.Record) string { return "alert " + r.Fields["alert"] + " " + r.Kind }

// planLabel names a run in its effect entry by what its plan changes
// first ("throttle tier free 0% → 30% on edge-1"), else by its runbook
// and parameters.
func planLabel(text, runbook string) string {
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return runbook
}

// foreign takes in the records other processes appended (a `warroom
// runbook run` from a script exits before its effect is due): their runs
// get an effect entry measured from this war-room's samples. It may be
// called from any goroutine; the pump's takes them in.
func (m *metricsRecorder) foreign(entries []timeline.Entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range entries {
		switch e.Kind {
		case integrations.KindRunbookRequested, integrations.KindRunbookPlan, integrations.KindRunbookConfirmed, integrations.KindRunbookDone, integrations.KindRunbookFailed, integrations.KindRunbookAbort:
			m.arrived = append(m.arrived, e.Record)
		}
	}
}

// takeArrived starts waiting for the effects of other processes' runs;
// their records are durable already, so what plan adds to them is not
// kept, only the points it takes.
func (m *metricsRecorder) takeArrived() {
	m.mu.Lock()
	recs := m.arrived
	m.arrived = nil
	m.mu.Unlock()
	m.annotate(recs)
	m.stored(recs)
}

// plan records on r the latest measurements of the main backend, of every
// group and HAProxy instance among targets ("aws:web", "haproxy:edge-1"),
// and takes the points its effect will be compared on.
func (m *metricsRecorder) plan(r *integrations.Record, a *action, targets []string) {
	a.at = r.Occurred
	a.points = map[metricOf][]series.Point{}
	fields := maps.Clone(r.Fields)
	if fields == nil {
		fields = map[string]string{}
	}
	var measured time.Time
	state := func(target string, metrics ...string) {
		for _, metric := range metrics {
			if s, ok := m.latest[metricOf{target, metric}]; ok {
				fields["state."+target+"."+metric] = strconv.FormatFloat(s.Value, 'g', 4, 64)
				if s.Time.After(measured) {
					measured = s.Time
				}
			}
		}
	}
	track := func(keys ...metricOf) {
		for _, k := range keys {
			a.keys = append(a.keys, k)
			a.points[k] = append([]series.Point(nil), m.recent[k]...)
		}
	}
	if main := m.mainTarget(); main != "" {
		state(main, integrations.MetricErrorRatio, integrations.MetricReqPerS, integrations.MetricHTTP5xxPerS)
		track(metricOf{main, integrations.MetricHTTP5xxPerS}, metricOf{main, integrations.MetricErrorRatio})
	}
	for _, t := range targets {
		kind, name, _ := strings.Cut(t, ":")
		switch kind {
		case "aws":
			state(name, integrations.MetricDesired, integrations.MetricInService, integrations.MetricPending)
			track(metricOf{name, integrations.MetricInService})
		case "haproxy":
			for k := range m.latest {
				if k.metric == integrations.MetricReqPerS && series.IsBackend(k.target) && strings.HasPrefix(k.target, name+"/") {
					state(k.target, integrations.MetricErrorRatio, integrations.MetricReqPerS, integrations.MetricShedPerS)
				}
			}
		}
	}
	if !measured.IsZero() {
		fields["state.measured"] = measured.UTC().Format(time.RFC3339)
	}
	r.Fields = fields
}

// stored learns the IDs of the records that carry evidence.
func (m *metricsRecorder) stored(recs []integrations.Record) {
	for _, r := range recs {
		var a *action
		switch r.Kind {
		case integrations.KindRunbookPlan:
			a = m.actions[r.Fields["run"]]
		case integrations.KindAlertAcknowledged, integrations.KindAlertResolved:
			a = m.actions[alertKey(r)]
		}
		if a != nil {
			a.entryID = r.ID
		}
	}
}

// due returns the effect entries of the actions whose third minute after
// has been measured (an interval of grace for the slower sources).
func (m *metricsRecorder) due() []integrations.Record {
	var out []integrations.Record
	for id, a := range m.actions {
		if !a.ended || m.newest.Before(a.end.Add(m.window.Settle+m.interval)) {
			continue
		}
		delete(m.actions, id)
		out = append(out, m.effect(a))
	}
	slices.SortFunc(out, func(a, b integrations.Record) int { return a.Occurred.Compare(b.Occurred) })
	return out
}

func (m *metricsRecorder) effect(a *action) integrations.Record {
	at := a.end.Add(m.window.Settle)
	fields := map[string]string{"of": a.entryID, "window": m.window.Settle.String()}
	if a.run != "" {
		fields["run"] = a.run
	}
	var measured []series.Measured
	for _, k := range a.keys {
		c, ok := series.Compare(a.points[k], a.at, a.end, m.window)
		if !ok {
			continue
		}
		name := k.target + " " + metricLabel(k.metric)
		measured = append(measured, series.Measured{Name: name, Ratio: k.metric == integrations.MetricErrorRatio, Change: c})
		prefix := k.target + "." + k.metric
		fields["before."+prefix] = strconv.FormatFloat(c.Before, 'g', 4, 64)
		fields["after."+prefix] = strconv.FormatFloat(c.After, 'g', 4, 64)
	}
	return integrations.Record{Occurred: at, Source: integrations.SourceWarroom, Kind: integrations.KindEffect,
		Text: series.EffectText(a.label, m.window.Settle, measured), Fields: fields}
}

// metricLabel is how effect entries name a measure.
func metricLabel(metric string) string {
	switch metric {
	case integrations.MetricHTTP5xxPerS:
		return "5xx/s"
	case integrations.MetricErrorRatio:
		return "error ratio"
	case integrations.MetricInService:
		return "in service"
	}
	return metric
}

// derive adds the effects the batch's samples complete to another
// derivation (nil: none).
func (m *metricsRecorder) derive(other func(*integrations.Batch) []integrations.Record) func(*integrations.Batch) []integrations.Record {
	return func(b *integrations.Batch) []integrations.Record {
		var out []integrations.Record
		if other != nil {
			out = other(b)
		}
		return append(out, m.samples(*b)...)
	}
}

// persist makes records durable with their evidence.
func (m *metricsRecorder) persist(store Store, recs []integrations.Record) ([]integrations.Record, error) {
	m.takeArrived()
	m.annotate(recs)
	stored, err := persist(store, recs)
	if err == nil {
		m.stored(stored)
	}
	return stored, err
}

// close closes the series.
func (m *metricsRecorder) close() error {
	if m.store == nil {
		return nil
	}
	return m.store.Close()
}

// chartHistory is what the screen's chart and header figure need of the
// series recorded before this session: the error ratio and request rate of
// every frontend and backend over the chart's longest window, so a restart
// mid-incident resumes the chart instead of starting it empty. A series
// that cannot be read leaves the chart to fill from live samples.
func chartHistory(stateDir, incident string, now time.Time) []integrations.Sample {
	return recordedSamples(stateDir, incident, now.Add(-chartHistoryWindow), func(k series.Key) bool {
		return (k.Metric == integrations.MetricErrorRatio || k.Metric == integrations.MetricReqPerS) &&
			(series.IsBackend(k.Target) || series.IsFrontend(k.Target))
	})
}

// recordedSamples are the samples of the incident's series since a time,
// in time order; none when the series cannot be read.
func recordedSamples(stateDir, incident string, since time.Time, keep func(series.Key) bool) []integrations.Sample {
	dir, err := series.Dir(stateDir, incident)
	if err != nil {
		return nil
	}
	all, err := series.Read(dir, since, time.Time{}, keep)
	if err != nil {
		return nil
	}
	var out []integrations.Sample
	for _, s := range all {
		for _, p := range s.Points {
			out = append(out, integrations.Sample{Time: p.Time, Source: s.Source, Target: s.Target, Metric: s.Metric, Value: p.Value})
		}
	}
	slices.SortStableFunc(out, func(a, b integrations.Sample) int { return a.Time.Compare(b.Time) })
	return out
}

// chartHistoryWindow is the chart's longest window.
const chartHistoryWindow = 3 * time.Hour
