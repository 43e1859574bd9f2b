package aws

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// snapshots returns the fleet snapshots rec kept, in order.
func snapshots(rec *integrationstest.Recorder) []integrations.FleetSnapshot {
	var out []integrations.FleetSnapshot
	for _, e := range rec.Events() {
		if s, ok := e.(integrations.FleetSnapshot); ok {
			out = append(out, s)
		}
	}
	return out
}

// runSource runs s until the test ends.
func runSource(t *testing.T, s *Source, pub integrations.Publisher) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, pub)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

var (
	t0 = time.Date(2026, 1, 9, 7, 0, 0, 0, time.UTC)
	t1 = t0.Add(10 * time.Minute)
	t2 = t0.Add(20 * time.Minute)
)

func TestProbePaginatesAndSummarises(t *testing.T) {
	f := newFakeAWS(t)
	f.pageSize = 1 // every group on its own page
	f.addGroup("web", 1, 3, 10, "i-1", "i-2", "i-3")
	f.addGroup("api", 1, 2, 4, "i-4", "i-5")
	f.addGroup("batch", 0, 1, 1, "i-6") // not followed
	s := newTestSource(t, f, Options{Groups: []string{"web", "api"}})

	got, err := s.Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != "2 groups, 5 instances" {
		t.Fatalf("Probe = %q", got)
	}
	if n := f.callCount("DescribeAutoScalingGroups"); n != 2 {
		t.Fatalf("DescribeAutoScalingGroups called %d times, want 2 pages", n)
	}
}

func TestProbeNamesMissingGroups(t *testing.T) {
	f := newFakeAWS(t)
	f.addGroup("web", 1, 1, 2, "i-1")
	s := newTestSource(t, f, Options{Groups: []string{"web", "wbe"}})
	_, err := s.Probe(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not found: wbe") {
		t.Fatalf("Probe error = %v, want the missing group named", err)
	}
}

func TestDescribeGroupJoinsAutoScalingAndEC2(t *testing.T) {
	f := newFakeAWS(t)
	g := f.addGroup("web", 1, 3, 10, "i-2", "i-1")
	f.edit(func() {
		g.instances = append(g.instances, fakeMember{id: "i-9", zone: "us-east-1b", lifecycle: "Pending:Wait", health: "Healthy"})
		g.activities = []fakeActivity{
			{id: "a2", description: "Launching a new EC2 instance: i-9", status: "MidLifecycleAction", start: t2},
			{id: "a1", description: "Launching a new EC2 instance. Status Reason: insufficient capacity", status: "Failed",
				message: "We currently do not have sufficient capacity", start: t0, end: t1},
		}
	})
	s := newTestSource(t, f, Options{Groups: []string{"web"}})

	got, err := s.DescribeGroup(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if got.Desired != 3 || got.Min != 1 || got.Max != 10 || got.InService != 2 || got.Pending != 1 {
		t.Fatalf("group counts = %+v", got)
	}
	if len(got.Instances) != 3 || got.Instances[0].ID != "i-1" {
		t.Fatalf("instances not sorted by id: %+v", got.Instances)
	}
	i1 := got.Instances[0]
	if i1.State != "running" || i1.PrivateIP == "" || i1.LaunchedAt.IsZero() || i1.Zone != "us-east-1a" || i1.Group != "web" {
		t.Fatalf("EC2 details missing: %+v", i1)
	}
	if i9 := got.Instances[2]; i9.State != "" || i9.Lifecycle != "Pending:Wait" {
		t.Fatalf("instance without EC2 record: %+v", i9)
	}
	if len(got.Activities) != 2 || got.Activities[0].Status != integrations.ActivityInProgress ||
		got.Activities[1].Status != integrations.ActivityFailed || !got.Activities[1].End.Equal(t1) ||
		got.Activities[1].Message == "" {
		t.Fatalf("activities = %+v", got.Activities)
	}

	if _, err := s.DescribeGroup(context.Background(), "nope"); err == nil || !strings.Contains(err.Error(), `"nope" not found`) {
		t.Fatalf("missing group error = %v", err)
	}
}

func TestTagFilterSelectsGroups(t *testing.T) {
	f := newFakeAWS(t)
	f.addGroup("web", 1, 1, 2, "i-1").tags = map[string]string{"team": "web", "env": "prod"}
	f.addGroup("web-staging", 1, 1, 2, "i-2").tags = map[string]string{"team": "web", "env": "staging"}
	s := newTestSource(t, f, Options{TagFilter: map[string]string{"team": "web", "env": "prod"}})
	groups, err := s.describeGroups(context.Background(), nil, s.tags)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].Name != "web" {
		t.Fatalf("groups = %+v", groups)
	}
}

func TestRunPublishesSnapshotsAndChanges(t *testing.T) {
	f := newFakeAWS(t)
	g := f.addGroup("web", 1, 2, 10, "i-1", "i-2")
	s := newTestSource(t, f, Options{Groups: []string{"web"}, Poll: fastPoll})
	pub := &integrationstest.Recorder{}
	runSource(t, s, pub)
	integrationstest.Wait(t, "the first snapshot", func() bool { return len(snapshots(pub)) > 0 })
	if recs := pub.Records("fleet.change"); len(recs) != 0 {
		t.Fatalf("the first snapshot is a baseline, got records %+v", recs)
	}

	// The group scales to 3: i-3 launches and enters service, i-1 is
	// terminated, and a launch fails.
	f.edit(func() {
		g.desired = 3
		g.instances = []fakeMember{
			{id: "i-1", zone: "us-east-1a", lifecycle: "Terminating", health: "Healthy"},
			{id: "i-2", zone: "us-east-1a", lifecycle: "InService", health: "Healthy"},
			{id: "i-3", zone: "us-east-1b", lifecycle: "InService", health: "Healthy"},
		}
		f.ec2["i-3"] = fakeEC2{state: "running", ip: "10.0.0.33", zone: "us-east-1b", launched: t1}
		g.activities = []fakeActivity{
			{id: "a3", description: "Terminating EC2 instance: i-1", status: "InProgress", start: t2},
			{id: "a2", description: "Launching a new EC2 instance. Status Reason: capacity", status: "Failed", message: "no capacity", start: t0, end: t0.Add(time.Minute)},
			{id: "a1", description: "Launching a new EC2 instance: i-3", status: "Successful", start: t0, end: t1},
		}
	})
	want := map[string]time.Time{
		"web: instance i-3 entered service 10.0.0.33":                                                      t1,
		"web: instance i-1 left service (Terminating) 10.0.0.1":                                            t2,
		"web: scaling activity failed: Launching a new EC2 instance. Status Reason: capacity: no capacity": t0.Add(time.Minute),
	}
	integrationstest.Wait(t, "the change records", func() bool { return len(pub.Records("fleet.change")) >= 4 })
	recs := pub.Records("fleet.change")
	if len(recs) != 4 {
		t.Fatalf("records = %+v", recs)
	}
	var desired integrations.Record
	for _, r := range recs {
		if r.Fields["change"] == "desired" {
			desired = r
			continue
		}
		at, ok := want[r.Text]
		if !ok {
			t.Errorf("unexpected record %q", r.Text)
			continue
		}
		if !r.Occurred.Equal(at) {
			t.Errorf("%q occurred %v, want the activity's own time %v", r.Text, r.Occurred, at)
		}
		if r.Source != "aws" {
			t.Errorf("record source %q", r.Source)
		}
	}
	if desired.Text != "web: desired capacity 2 → 3" || desired.Fields["from"] != "2" || desired.Fields["to"] != "3" {
		t.Fatalf("desired record = %+v", desired)
	}
	// Later snapshots of the same world report nothing new.
	seen := len(snapshots(pub))
	integrationstest.Wait(t, "two more snapshots", func() bool { return len(snapshots(pub)) >= seen+2 })
	if n := len(pub.Records("fleet.change")); n != 4 {
		t.Fatalf("unchanged snapshots produced records: %d, want 4", n)
	}
	last := snapshots(pub)
	web := last[len(last)-1].Groups[0]
	if web.Desired != 3 || !web.DesiredSince.Equal(desired.Occurred) {
		t.Fatalf("snapshot after the change: desired %d since %v, record at %v", web.Desired, web.DesiredSince, desired.Occurred)
	}
}

func TestActivityReasonFallsBackToDescriptionThenCause(t *testing.T) {
	f := newFakeAWS(t)
	g := f.addGroup("web", 1, 3, 10, "i-1")
	f.edit(func() {
		g.activities = []fakeActivity{
			{id: "a3", description: "", cause: "At 2026-01-10T20:23:00Z a user request update of AutoScalingGroup constraints", status: "Failed", start: t2, end: t2},
			{id: "a2", description: "Launching a new EC2 instance. Status Reason: provisioner lock held", status: "Failed", start: t1, end: t1},
			{id: "a1", description: "Launching a new EC2 instance", status: "Failed", message: "We currently do not have sufficient capacity", start: t0, end: t0},
		}
	})
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	got, err := s.DescribeGroup(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"At 2026-01-10T20:23:00Z a user request update of AutoScalingGroup constraints",
		"Launching a new EC2 instance. Status Reason: provisioner lock held",
		"We currently do not have sufficient capacity",
	}
	for i, a := range got.Activities {
		if a.Message != want[i] {
			t.Errorf("activity %s: reason %q, want %q", a.ID, a.Message, want[i])
		}
	}
}

func TestRunPublishesCapacitySamples(t *testing.T) {
	f := newFakeAWS(t)
	g := f.addGroup("web", 1, 3, 10, "i-1", "i-2")
	f.edit(func() {
		g.instances = append(g.instances, fakeMember{id: "i-9", zone: "us-east-1b", lifecycle: "Pending", health: "Healthy"})
	})
	s := newTestSource(t, f, Options{Groups: []string{"web"}, Poll: fastPoll})
	pub := &integrationstest.Recorder{}
	runSource(t, s, pub)
	integrationstest.Wait(t, "capacity samples", func() bool {
		_, ok := integrationstest.Last[integrations.SamplesTaken](pub)
		return ok
	})
	taken, _ := integrationstest.Last[integrations.SamplesTaken](pub)
	got := map[string]float64{}
	for _, x := range taken.Samples {
		got[x.Target+" "+x.Metric] = x.Value
		if x.Source != "aws" || x.Time.IsZero() {
			t.Errorf("sample %+v", x)
		}
	}
	if len(got) != 3 || got["web desired"] != 3 || got["web in_service"] != 2 || got["web pending"] != 1 {
		t.Fatalf("samples %v", got)
	}
}

// fastPoll polls every few milliseconds. Its timeout is explicit: left to
// default to the 5 ms interval, a request slowed by the race detector on
// a loaded machine timed out, and the backoff that followed outlasted the
// test's wait.
var fastPoll = integrations.PollConfig{Interval: 5 * time.Millisecond, Timeout: 5 * time.Second, MaxBackoff: 10 * time.Millisecond}
