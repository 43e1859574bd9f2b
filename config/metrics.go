package config

import (
	"fmt"
	"strings"
	"time"
)

// Metrics says how the incident's measurements are kept and judged.
type Metrics struct {
	// Interval is how often each series is recorded (default 10s).
	Interval Duration `yaml:"interval,omitempty"`
	// Main is the HAProxy backend the header, the chart and the impact
	// are about, as INSTANCE/BACKEND; empty means the busiest backend by
	// requests.
	Main string `yaml:"main,omitempty"`
	// ImpactErrorRatio is the error ratio (5xx ÷ responses, 0–1) above
	// which the main backend counts as impaired (default 0.01).
	ImpactErrorRatio float64 `yaml:"impact_error_ratio,omitempty"`
}

// Defaults of the metrics section.
const (
	DefaultMetricsInterval  = 10 * time.Second
	DefaultImpactErrorRatio = 0.01
)

// Bounds on the metrics interval: finer would outrun the sources' own
// polling, coarser would blur a short incident.
const (
	minMetricsInterval = time.Second
	maxMetricsInterval = 10 * time.Minute
)

// DefaultMetrics is the metrics section of a file that has none, and of
// the drill.
func DefaultMetrics() Metrics {
	var m Metrics
	m.applyDefaults()
	return m
}

func (m *Metrics) applyDefaults() {
	if m.Interval == 0 {
		m.Interval = Duration(DefaultMetricsInterval)
	}
	if m.ImpactErrorRatio == 0 {
		m.ImpactErrorRatio = DefaultImpactErrorRatio
	}
}

func (v *validator) metrics(c *Config) {
	m := c.Metrics
	if d := time.Duration(m.Interval); d < minMetricsInterval || d > maxMetricsInterval {
		v.add(fmt.Sprintf("interval %s is out of range: use between %s and %s", d, minMetricsInterval, maxMetricsInterval), "metrics", "interval")
	}
	if r := m.ImpactErrorRatio; r <= 0 || r >= 1 {
		v.add(fmt.Sprintf("impact_error_ratio %g is out of range: a fraction between 0 and 1, such as 0.01 for 1%%", r), "metrics", "impact_error_ratio")
	}
	if m.Main == "" {
		return
	}
	instance, backend, ok := strings.Cut(m.Main, "/")
	if !ok || instance == "" || backend == "" || strings.Contains(backend, "/") {
		v.add(fmt.Sprintf("main %q: name one HAProxy backend as INSTANCE/BACKEND, such as edge-1/web", m.Main), "metrics", "main")
		return
	}
	if c.HAProxy == nil {
		return
	}
	for _, in := range c.HAProxy.Instances {
		if in.Name == instance {
			return
		}
	}
	v.add(fmt.Sprintf("main %q: %q is not a configured HAProxy instance", m.Main, instance), "metrics", "main")
}
