package integrations

import "time"

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
