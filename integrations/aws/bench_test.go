package aws

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// benchFleet is g groups of n in-service instances with 10 activities each.
func benchFleet(g, n int) []integrations.Group {
	groups := make([]integrations.Group, g)
	for i := range groups {
		gr := integrations.Group{Name: fmt.Sprintf("group-%03d", i), Desired: n, Max: 2 * n}
		for j := range n {
			gr.Instances = append(gr.Instances, integrations.Instance{
				ID: fmt.Sprintf("i-%03d-%04d", i, j), Lifecycle: integrations.LifecycleInService, PrivateIP: "10.0.0.1",
			})
		}
		for j := range recentActivities {
			gr.Activities = append(gr.Activities, integrations.ScalingActivity{ID: fmt.Sprint(j), Status: integrations.ActivitySuccessful})
		}
		groups[i] = gr
	}
	return groups
}

// BenchmarkObserve measures the per-refresh change detection on 50 groups
// of 100 instances.
func BenchmarkObserve(b *testing.B) {
	groups := benchFleet(50, 100)
	var tr tracker
	tr.observe(groups, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		tr.observe(groups, time.Now())
	}
}

// addLargeFleet gives the fake 10 groups of 50 instances: responses of
// tens of kilobytes.
func addLargeFleet(f *fakeAWS) []string {
	var names []string
	for i := range 10 {
		ids := make([]string, 50)
		for j := range ids {
			ids[j] = fmt.Sprintf("i-%02d-%02d", i, j)
		}
		name := fmt.Sprintf("group-%02d", i)
		f.addGroup(name, 1, 50, 100, ids...)
		names = append(names, name)
	}
	return names
}

// BenchmarkRefresh measures one full refresh through the SDK against the
// local server: 10 groups of 50 instances (Auto Scaling, activities, EC2).
func BenchmarkRefresh(b *testing.B) {
	f := newFakeAWS(b)
	names := addLargeFleet(f)
	s := newTestSource(b, f, Options{Groups: names})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.describeGroups(context.Background(), names, nil); err != nil {
			b.Fatal(err)
		}
	}
}
