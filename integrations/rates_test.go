package integrations

import (
	"math"
	"strings"
	"testing"
	"time"
)

func counters(req, r2, r4, r5, denied uint64) Counters {
	return Counters{Requests: req, Responses: [5]uint64{0, r2, 0, r4, r5}, Denied: denied, HTTP: true}
}

func TestMeterRatesFromDeltasNeverFromOneReading(t *testing.T) {
	var m Meter
	t0 := time.Unix(1000, 0)
	first := m.Read("edge-1", "pid 1", t0, map[string]Counters{"web/s1": counters(1000, 900, 50, 50, 40)})
	if r := first["web/s1"]; r.Measured() || r.ReqPerS() != 0 {
		t.Fatalf("first reading gave rates %+v: a rate needs two readings", r)
	}
	r := m.Read("edge-1", "pid 1", t0.Add(10*time.Second), map[string]Counters{"web/s1": counters(1200, 1060, 60, 80, 50)})["web/s1"]
	if !r.Measured() || r.Window != 10*time.Second {
		t.Fatalf("second reading not measured: %+v", r)
	}
	if r.ReqPerS() != 20 || r.HTTP5xxPerS() != 3 || r.ClassPerS(2) != 16 || r.ShedPerS() != 1 {
		t.Errorf("rates req %v 5xx %v 2xx %v shed %v; want 20, 3, 16, 1", r.ReqPerS(), r.HTTP5xxPerS(), r.ClassPerS(2), r.ShedPerS())
	}
	if ratio, ok := r.ErrorRatio(); !ok || math.Abs(ratio-30.0/200) > 1e-9 {
		t.Errorf("error ratio %v %v, want 30 of 200 responses", ratio, ok)
	}
}

func TestMeterRestartsTheDeltaOnACounterReset(t *testing.T) {
	var m Meter
	t0 := time.Unix(1000, 0)
	read := func(at int, epoch string, c Counters) Rates {
		return m.Read("edge-1", epoch, t0.Add(time.Duration(at)*time.Second), map[string]Counters{"web/s1": c})["web/s1"]
	}
	read(0, "pid 1", counters(5000, 4000, 0, 1000, 0))
	// A counter going down (a new worker counting from zero) gives no
	// rate for that interval rather than a negative or spiking one.
	if r := read(10, "pid 1", counters(300, 290, 0, 10, 0)); r.Measured() {
		t.Fatalf("rates across a counter reset: %+v", r)
	}
	if r := read(20, "pid 1", counters(500, 480, 0, 20, 0)); r.ReqPerS() != 20 || r.HTTP5xxPerS() != 1 {
		t.Fatalf("after the reset the delta restarts: %+v", r)
	}
	// A new worker whose counters already passed the old ones' is caught
	// by its new identity.
	if r := read(30, "pid 2", counters(900, 880, 0, 20, 0)); r.Measured() {
		t.Fatalf("rates across a change of worker: %+v", r)
	}
	// No time passing gives no rate either.
	if r := read(30, "pid 2", counters(950, 930, 0, 20, 0)); r.Measured() {
		t.Fatalf("rates over a zero window: %+v", r)
	}
}

func TestMeterNewRowIsMeasuringAndErrorRatioNeedsResponses(t *testing.T) {
	var m Meter
	t0 := time.Unix(1000, 0)
	m.Read("edge-1", "", t0, map[string]Counters{"web/s1": counters(10, 10, 0, 0, 0)})
	got := m.Read("edge-1", "", t0.Add(time.Second), map[string]Counters{
		"web/s1": counters(10, 10, 0, 0, 0), "web/s2": counters(5, 5, 0, 0, 0)})
	if got["web/s2"].Measured() {
		t.Error("a row that just appeared has rates")
	}
	if _, ok := got["web/s1"].ErrorRatio(); ok || !got["web/s1"].Measured() {
		t.Errorf("an idle row: %+v; want measured with no error ratio", got["web/s1"])
	}
}

func TestBackendSamplerNamesEveryMeasuredSeries(t *testing.T) {
	var m Meter
	t0 := time.Unix(1000, 0)
	m.Read("edge-1", "", t0, map[string]Counters{"s": counters(0, 0, 0, 0, 0)})
	r := m.Read("edge-1", "", t0.Add(10*time.Second), map[string]Counters{"s": counters(100, 80, 10, 10, 5)})["s"]
	snap := BackendsSnapshot{Source: "haproxy",
		Backends:  []Backend{{Instance: "edge-1", Backend: "web", Server: "web-3", Sessions: 4, Rates: r}, {Instance: "edge-1", Backend: "web", Server: "slot2"}},
		Proxies:   []Proxy{{Instance: "edge-1", Name: "http", Kind: ProxyFrontend, Sessions: 9, Rates: r}},
		Throttles: []Throttle{{Instance: "edge-1", Tier: "free", Percent: 30}},
	}
	var s BackendSampler
	got := map[string]float64{}
	for _, x := range s.Samples(snap, t0) {
		got[x.Target+" "+x.Metric] = x.Value
	}
	want := map[string]float64{
		"edge-1/fe:http sessions": 9, "edge-1/fe:http req_per_s": 10, "edge-1/fe:http http_5xx_per_s": 1,
		"edge-1/fe:http error_ratio": 0.1, "edge-1/fe:http shed_per_s": 0.5,
		"edge-1/web/web-3 sessions": 4, "edge-1/web/web-3 req_per_s": 10, "edge-1/web/web-3 http_5xx_per_s": 1,
		"edge-1/web/web-3 error_ratio": 0.1, "edge-1/web/web-3 shed_per_s": 0.5,
		"edge-1/web/slot2 sessions":     0, // measuring: no rate samples
		"edge-1/tier:free throttle_pct": 30,
	}
	if len(got) != len(want) {
		t.Errorf("got %d series, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || math.Abs(g-v) > 1e-9 {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	// A TCP proxy has requests but no HTTP responses.
	tcp := snap
	tcp.Backends, tcp.Throttles = []Backend{{Instance: "edge-1", Backend: "db", Server: "db-1", Rates: Rates{Window: time.Second, Requests: 7}}}, nil
	tcp.Proxies = nil
	var metrics []string
	for _, x := range (&BackendSampler{}).Samples(tcp, t0) {
		metrics = append(metrics, x.Metric)
	}
	if got := strings.Join(metrics, " "); got != "sessions req_per_s shed_per_s" {
		t.Errorf("TCP proxy samples: %s", got)
	}
	// Lifted: the tier reads 0 rather than disappearing; an instance
	// that did not answer gives no throttle sample at all.
	snap.Throttles = nil
	lifted := s.Samples(snap, t0)
	if last := lifted[len(lifted)-1]; last.Metric != MetricThrottlePct || last.Value != 0 {
		t.Errorf("lifted throttle sample: %+v", last)
	}
	for _, x := range s.Samples(BackendsSnapshot{Source: "haproxy"}, t0) {
		t.Errorf("sample from an instance that did not answer: %+v", x)
	}
}

func TestGroupSamples(t *testing.T) {
	got := GroupSamples("aws", []Group{{Name: "web", Desired: 12, InService: 4, Pending: 8}}, time.Unix(5, 0))
	if len(got) != 3 || got[0].Value != 12 || got[1].Value != 4 || got[2].Value != 8 || got[2].Metric != MetricPending || got[0].Target != "web" {
		t.Fatalf("group samples: %+v", got)
	}
}
