package runbooks

import (
	"context"
	"testing"

	"github.com/warroomhq/warroom/integrations"
)

func BenchmarkParseRollingRestart(b *testing.B) {
	data, err := library.ReadFile("library/haproxy-rolling-restart.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("haproxy-rolling-restart.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanThrottle(b *testing.B) {
	c, err := LoadCatalog("")
	if err != nil {
		b.Fatal(err)
	}
	rb, _ := c.Lookup("throttle-tier")
	a := integrations.Actions{LoadBalancer: newFakeLB("edge-1", "edge-2", "edge-3")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewPlan(context.Background(), rb, map[string]string{"percent": "30"}, a, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunThrottle is a whole confirmed run: records, lock files with
// flock, three instances set and verified.
func BenchmarkRunThrottle(b *testing.B) {
	c, err := LoadCatalog("")
	if err != nil {
		b.Fatal(err)
	}
	rb, _ := c.Lookup("throttle-tier")
	a := integrations.Actions{LoadBalancer: newFakeLB("edge-1", "edge-2", "edge-3")}
	p, err := NewPlan(context.Background(), rb, map[string]string{"percent": "30"}, a, Limits{})
	if err != nil {
		b.Fatal(err)
	}
	opts := RunOptions{Confirmed: true, Typed: p.ConfirmText, StateDir: b.TempDir()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(context.Background(), p, a, func(integrations.Record) {}, opts); err != nil {
			b.Fatal(err)
		}
	}
}
