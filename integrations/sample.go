package integrations

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Metric names a measured series. The names are a contract: they appear in
// `warroom metrics export`, the JSON export and README.
const (
	MetricReqPerS     = "req_per_s"      // requests per second, from counter deltas
	MetricHTTP5xxPerS = "http_5xx_per_s" // 5xx responses per second, from counter deltas
	MetricErrorRatio  = "error_ratio"    // 5xx ÷ responses over the same delta, a fraction 0–1
	MetricSessions    = "sessions"       // current sessions
	MetricShedPerS    = "shed_per_s"     // requests denied by a throttle or shed rule per second
	MetricDesired     = "desired"        // an Auto Scaling group's desired capacity
	MetricInService   = "in_service"     // instances in service
	MetricPending     = "pending"        // instances launching
	MetricThrottlePct = "throttle_pct"   // the throttle in force, percent
)

// Sample is one measured value of one series at one time. Target names what
// was measured: a group ("web") or an HAProxy instance/backend/server
// ("edge-1/web/web-3", "edge-1/web" for a backend, "front-1/fe:http" for a
// frontend). Samples are measurements only: a value that was not measured is
// never turned into a Sample.
type Sample struct {
	Time   time.Time
	Source string
	Target string
	Metric string
	Value  float64
}

// SamplesTaken carries the samples a source measured in one refresh.
type SamplesTaken struct {
	Source  string
	Samples []Sample
}

func (SamplesTaken) event() {}

// GroupSamples are an Auto Scaling group's desired, in-service and pending
// capacity at at, one sample each, targeted at the group's name.
func GroupSamples(source string, groups []Group, at time.Time) []Sample {
	out := make([]Sample, 0, 3*len(groups))
	for _, g := range groups {
		out = append(out,
			Sample{Time: at, Source: source, Target: g.Name, Metric: MetricDesired, Value: float64(g.Desired)},
			Sample{Time: at, Source: source, Target: g.Name, Metric: MetricInService, Value: float64(g.InService)},
			Sample{Time: at, Source: source, Target: g.Name, Metric: MetricPending, Value: float64(g.Pending)})
	}
	return out
}

// BackendSampler turns HAProxy snapshots into samples. It remembers the
// throttle tiers it has seen on each instance, so a lifted throttle reads
// 0 rather than leaving a gap. Use one per source, from one goroutine.
type BackendSampler struct {
	tiers map[string]bool // instance/tier:NAME targets seen
}

// Samples lists, at at: sessions of every server and proxy; req_per_s and
// shed_per_s of every measured one, with http_5xx_per_s and (when there
// were responses) error_ratio for HTTP ones; throttle_pct of every tier seen, targeted
// instance/tier:NAME. Rows still measuring give no rate samples.
func (s *BackendSampler) Samples(snap BackendsSnapshot, at time.Time) []Sample {
	out := make([]Sample, 0, 5*(len(snap.Backends)+len(snap.Proxies))+len(snap.Throttles))
	add := func(target, metric string, v float64) {
		out = append(out, Sample{Time: at, Source: snap.Source, Target: target, Metric: metric, Value: v})
	}
	row := func(target string, sessions int, r Rates) {
		add(target, MetricSessions, float64(sessions))
		if !r.Measured() {
			return
		}
		add(target, MetricReqPerS, r.ReqPerS())
		if r.HTTP { // a TCP proxy has no HTTP responses to count
			add(target, MetricHTTP5xxPerS, r.HTTP5xxPerS())
			if ratio, ok := r.ErrorRatio(); ok {
				add(target, MetricErrorRatio, ratio)
			}
		}
		add(target, MetricShedPerS, r.ShedPerS())
	}
	for _, p := range snap.Proxies {
		row(p.Target(), p.Sessions, p.Rates)
	}
	for _, b := range snap.Backends {
		row(b.Target(), b.Sessions, b.Rates)
	}
	if s.tiers == nil {
		s.tiers = map[string]bool{}
	}
	inForce := map[string]int{}
	for _, t := range snap.Throttles {
		target := t.Instance + "/tier:" + t.Tier
		inForce[target] = t.Percent
		s.tiers[target] = true
	}
	// An instance that did not answer is in neither list: its tiers are
	// not measured this time, not lifted.
	answered := map[string]bool{}
	for _, p := range snap.Proxies {
		answered[p.Instance] = true
	}
	for _, b := range snap.Backends {
		answered[b.Instance] = true
	}
	for _, target := range slices.Sorted(maps.Keys(s.tiers)) {
		if instance, _, _ := strings.Cut(target, "/"); answered[instance] {
			add(target, MetricThrottlePct, float64(inForce[target]))
		}
	}
	return out
}
