package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestMetricsSectionDefaultsAndChecks: without a metrics section the
// interval is 10 s and the impact threshold 1%; set, they are read; out of
// range, or a main backend that is not INSTANCE/BACKEND of a configured
// instance, they are reported at their line.
func TestMetricsSectionDefaultsAndChecks(t *testing.T) {
	dir := t.TempDir()
	const haproxy = "haproxy:\n  instances:\n    - {name: edge-1, runtime: \"127.0.0.1:9999\"}\n"
	cfg, err := Load(write(t, dir, "none.yaml", haproxy, 0o600))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Metrics != DefaultMetrics() || time.Duration(cfg.Metrics.Interval) != 10*time.Second || cfg.Metrics.ImpactErrorRatio != 0.01 {
		t.Fatalf("defaults: %+v", cfg.Metrics)
	}
	cfg, err = Load(write(t, dir, "set.yaml", haproxy+"metrics:\n  interval: 30s\n  main: edge-1/web\n  impact_error_ratio: 0.05\n", 0o600))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Metrics{Interval: Duration(30 * time.Second), Main: "edge-1/web", ImpactErrorRatio: 0.05}); cfg.Metrics != want {
		t.Fatalf("read %+v, want %+v", cfg.Metrics, want)
	}
	_, err = Load(write(t, dir, "bad.yaml", haproxy+"metrics:\n  interval: 100ms\n  main: edge-9/web\n  impact_error_ratio: 5\n", 0o600))
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 3 {
		t.Fatalf("want three problems, got %v", err)
	}
	for i, want := range []string{"interval 100ms is out of range", `"edge-9" is not a configured HAProxy instance`, "impact_error_ratio 5 is out of range"} {
		if p := ce.Problems[i]; !strings.Contains(p.Message, want) || p.Line != 5+i {
			t.Errorf("problem %d = line %d %q, want line %d %q", i, p.Line, p.Message, 5+i, want)
		}
	}
	_, err = Load(write(t, dir, "shape.yaml", "metrics: {main: web}\n", 0o600))
	if err == nil || !strings.Contains(err.Error(), "INSTANCE/BACKEND") {
		t.Fatalf("main without an instance: %v", err)
	}
}
