package tui

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/timeline"
)

// dataSet is the content of one benchmark screen.
type dataSet struct {
	alerts   []integrations.Alert
	groups   []integrations.Group
	backends integrations.BackendsSnapshot
	chat     []integrations.Message
	records  []integrations.Record
}

// bigData is an incident at the scale the issue sets: 10,000 alerts, 2,000
// instances, 200 HAProxy servers, 10,000 chat messages, 100,000 entries.
func bigData() dataSet {
	return scaledData(10_000, 2_000, 200, 10_000, 100_000)
}

func smallData() dataSet { return scaledData(10, 20, 8, 10, 100) }

func scaledData(alerts, instances, servers, messages, records int) dataSet {
	var d dataSet
	sevs := []integrations.Severity{integrations.SeverityCritical, integrations.SeverityError, integrations.SeverityWarning, integrations.SeverityInfo}
	stats := []integrations.AlertStatus{integrations.AlertTriggered, integrations.AlertAcknowledged, integrations.AlertResolved}
	for i := range alerts {
		d.alerts = append(d.alerts, integrations.Alert{ID: fmt.Sprintf("A%05d", i), Service: fmt.Sprintf("svc-%d", i%40),
			Severity: sevs[i%4], Status: stats[i%3], Title: fmt.Sprintf("alert %d: error rate above threshold on host %d", i, i%97),
			CreatedAt: fixtureNow.Add(-time.Duration(i) * time.Second)})
	}
	const groups = 20
	for g := range groups {
		grp := integrations.Group{Name: fmt.Sprintf("group-%02d", g), Desired: instances / groups, Max: instances, InService: instances / groups}
		for i := range instances / groups {
			grp.Instances = append(grp.Instances, integrations.Instance{ID: fmt.Sprintf("i-%04d%04d", g, i), Lifecycle: integrations.LifecycleInService,
				PrivateIP: fmt.Sprintf("10.%d.%d.%d", g, i/250, i%250)})
		}
		d.groups = append(d.groups, grp)
	}
	d.backends.Source = "haproxy"
	for i := range servers {
		d.backends.Backends = append(d.backends.Backends, integrations.Backend{Instance: fmt.Sprintf("edge-%d", i%10), Backend: "web",
			Server: fmt.Sprintf("web-%d", i), State: integrations.ServerUp, Sessions: i, Rate5xx: float64(i % 7)})
	}
	for i := range messages {
		d.chat = append(d.chat, integrations.Message{User: fmt.Sprintf("user-%d", i%9), At: fixtureNow.Add(time.Duration(i) * time.Second),
			Text: "a chat line long enough to wrap at least once in a narrow pane, about what is going on right now"})
	}
	for i := range records {
		d.records = append(d.records, integrations.Record{ID: fmt.Sprint(i), Occurred: fixtureNow.Add(time.Duration(i) * time.Millisecond),
			Source: "pagerduty", Kind: "alert.triggered", Text: fmt.Sprintf("entry %d with some text", i), Fields: map[string]string{"alert": fmt.Sprintf("A%05d", i%10_000)}})
	}
	return d
}

func loadedModel(d dataSet, width, height int) Model {
	m := New(Options{Title: "bench", Drill: true, Notice: "simulated", IncidentStart: fixtureNow, NoColor: false})
	m.width, m.height, m.now = width, height, fixtureNow
	m.apply(integrations.Batch{
		Alerts:   map[string][]integrations.Alert{"pagerduty": d.alerts},
		Fleet:    map[string][]integrations.Group{"aws": d.groups},
		Backends: map[string]integrations.BackendsSnapshot{"haproxy": d.backends},
		Chat:     d.chat,
		Records:  d.records,
		Status:   map[string]integrations.SourceStatus{"aws": {Source: "aws", State: integrations.SourceOK, LastSuccess: fixtureNow}},
	})
	return m
}

// BenchmarkRenderFrame draws a full 200x60 frame. The large case must cost
// about what the small one does: panes render only what is visible.
func BenchmarkRenderFrame(b *testing.B) {
	for _, c := range []struct {
		name string
		data dataSet
	}{{"small", smallData()}, {"large", bigData()}} {
		b.Run(c.name, func(b *testing.B) {
			m := loadedModel(c.data, 200, 60)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkLargeDataMemory reports the heap the large data set holds once
// loaded into the screen (the bound is 150 MB resident).
func BenchmarkLargeDataMemory(b *testing.B) {
	var m Model
	for b.Loop() {
		m = loadedModel(bigData(), 200, 60)
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	b.ReportMetric(residentMB(b), "rss-MB")
	runtime.KeepAlive(m)
}

// BenchmarkDrillFirstFrame is startup to the first drawn frame in drill
// mode: the world's first state applied and drawn.
func BenchmarkDrillFirstFrame(b *testing.B) {
	sc, _ := drill.Lookup(drill.DefaultScenario)
	for b.Loop() {
		w := drill.New(sc, drill.Options{Seed: 1, Speed: 10})
		var batch integrations.Batch
		var events []integrations.Event
		w.Step(sc.Start, integrations.PublisherFunc(func(e integrations.Event) { events = append(events, e) }))
		p := integrations.NewPump(integrations.PumpOptions{Deliver: func(bt integrations.Batch) { batch = bt }})
		ctx, cancel := context.WithCancel(context.Background())
		for _, e := range events {
			p.Publish(e)
		}
		cancel()
		p.Run(ctx)
		m := New(Options{Title: sc.Title, Drill: true, IncidentStart: sc.Start, Clock: w.Now})
		m.width, m.height = 120, 40
		m.apply(batch)
		_ = m.View()
	}
}

// probe wraps the model to time key presses through Update to the next
// drawn frame while a storm of batches arrives.
type probe struct {
	Model
	mu      sync.Mutex
	sent    map[int]time.Time
	handled map[int]time.Time
	frames  int
	lat     []time.Duration
}

type probeKey struct{ n int }

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(probeKey); ok {
		// A probe is a real key press (scroll the timeline) tagged so its
		// latency can be measured.
		next, cmd := p.Model.Update(tea.KeyPressMsg{Code: 'k', Text: "k"})
		p.Model = next.(Model)
		p.mu.Lock()
		p.handled[k.n] = time.Now()
		p.mu.Unlock()
		return p, cmd
	}
	next, cmd := p.Model.Update(msg)
	p.Model = next.(Model)
	return p, cmd
}

func (p *probe) View() tea.View {
	v := p.Model.View()
	p.mu.Lock()
	p.frames++
	now := time.Now()
	for n := range p.handled {
		p.lat = append(p.lat, now.Sub(p.sent[n]))
		delete(p.handled, n)
	}
	p.mu.Unlock()
	return v
}

// BenchmarkAlertStorm feeds 5,000 events per second through the pump into a
// running program, one second per iteration (make bench runs ten), and
// reports frames drawn per second and the p50/p99 time from a key press
// to the first frame that shows it.
func BenchmarkAlertStorm(b *testing.B) {
	base := loadedModel(smallData(), 200, 60)
	pr := &probe{Model: base, sent: map[int]time.Time{}, handled: map[int]time.Time{}}
	prog := tea.NewProgram(pr, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(200, 60))
	done := make(chan struct{})
	go func() { _, _ = prog.Run(); close(done) }()

	// Records go through a real timeline store, fsync and all, as in the
	// war-room.
	store, err := timeline.OpenIncident(b.TempDir(), "storm", timeline.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	pump := integrations.NewPump(integrations.PumpOptions{
		Deliver: func(bt integrations.Batch) { prog.Send(bt) },
		Persist: func(recs []integrations.Record) ([]integrations.Record, error) {
			entries := make([]timeline.Entry, len(recs))
			for i, r := range recs {
				entries[i] = timeline.Entry{Record: integrations.Record{Occurred: r.Occurred, Source: r.Source, Kind: r.Kind, Text: r.Text}}
			}
			_, err := store.Append(entries...)
			return recs, err
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	pumped := make(chan struct{})
	go func() { pump.Run(ctx); close(pumped) }()

	const perSecond = 5000
	start := time.Now()
	b.ResetTimer()
	probeN := 0
	for i := range b.N {
		second := start.Add(time.Duration(i) * time.Second)
		for j := range perSecond {
			// Pace the storm evenly through the second, in bursts of 50.
			if j%50 == 0 {
				time.Sleep(time.Until(second.Add(time.Duration(j) * time.Second / perSecond)))
			}
			n := i*perSecond + j
			pump.Publish(integrations.Record{Occurred: fixtureNow, Source: "pagerduty", Kind: "alert.triggered", Text: fmt.Sprint("storm ", n)})
			if j%100 == 0 {
				pump.Publish(integrations.AlertsSnapshot{Source: "pagerduty", Alerts: bigAlerts[:n%len(bigAlerts)]})
			}
			if j%250 == 0 { // a key press every 50 ms
				pr.mu.Lock()
				pr.sent[probeN] = time.Now()
				pr.mu.Unlock()
				prog.Send(probeKey{probeN})
				probeN++
			}
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-pumped
	prog.Quit()
	<-done

	pr.mu.Lock()
	defer pr.mu.Unlock()
	slices.Sort(pr.lat)
	if len(pr.lat) == 0 {
		b.Fatal("no key press reached a frame")
	}
	b.ReportMetric(float64(pr.frames)/elapsed.Seconds(), "frames/s")
	b.ReportMetric(ms(pr.lat[len(pr.lat)/2]), "key-p50-ms")
	b.ReportMetric(ms(pr.lat[len(pr.lat)*99/100]), "key-p99-ms")
	b.ReportMetric(float64(len(pr.lat)), "keys")
}

// residentMB reads the process's resident set from /proc (Linux).
func residentMB(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		b.Skip("no /proc/self/statm: resident memory is measured on Linux")
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(data), &size, &resident); err != nil {
		b.Fatal(err)
	}
	return float64(resident*int64(os.Getpagesize())) / (1 << 20)
}

var bigAlerts = scaledData(10_000, 0, 0, 0, 0).alerts

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// chartIncident is a screen with the chart open at 200x60 on an incident
// of length d: the main backend and 20 other frontends and backends
// sampled every 10 s, a chat line every 10 s and an alert every 5 minutes
// on the timeline.
func chartIncident(d time.Duration) Model {
	start := fixtureNow.Add(-d)
	m := New(Options{Title: "bench", Drill: true, Notice: "simulated", IncidentStart: start, MainTarget: "edge-0/web"})
	m.width, m.height, m.now = 200, 60, fixtureNow
	data := smallData()
	m.apply(integrations.Batch{Alerts: map[string][]integrations.Alert{"pagerduty": data.alerts},
		Backends: map[string]integrations.BackendsSnapshot{"haproxy": data.backends}})
	var batch integrations.Batch
	for i, t := 0, start; !t.After(fixtureNow); i, t = i+1, t.Add(10*time.Second) {
		for e := range 21 {
			target := fmt.Sprintf("edge-%d/web", e)
			batch.Samples = append(batch.Samples,
				integrations.Sample{Time: t, Source: "haproxy", Target: target, Metric: integrations.MetricErrorRatio, Value: float64(i%100) / 1000},
				integrations.Sample{Time: t, Source: "haproxy", Target: target, Metric: integrations.MetricReqPerS, Value: float64(200 + i%50)})
		}
		batch.Records = append(batch.Records, integrations.Record{ID: fmt.Sprint("c", i), Occurred: t, Source: "slack", Kind: "chat.message", Text: "a line"})
		if i%30 == 0 {
			batch.Records = append(batch.Records, integrations.Record{ID: fmt.Sprint("a", i), Occurred: t, Source: "pagerduty", Kind: "alert.triggered", Text: "5xx above 5%"})
		}
		if len(batch.Records) >= 1000 {
			m.apply(batch)
			batch = integrations.Batch{}
		}
	}
	m.apply(batch)
	m.setFocus(paneFleet)
	m.chart.open = true
	m.relayout()
	return m
}

// BenchmarkChartFrame draws a 200x60 frame with the chart pane open for a
// 10-minute and a 48-hour incident: the chart draws only its window, so
// the two must cost about the same (the bound is 1.5×).
func BenchmarkChartFrame(b *testing.B) {
	for _, c := range []struct {
		name string
		d    time.Duration
	}{{"10m", 10 * time.Minute}, {"48h", 48 * time.Hour}} {
		b.Run(c.name, func(b *testing.B) {
			m := chartIncident(c.d)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}
