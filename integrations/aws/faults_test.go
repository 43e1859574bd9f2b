package aws

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

// Each fault makes the first Auto Scaling call of a refresh fail in one
// way; the adapter must return a readable error and never panic.
func TestFetchFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault func(w http.ResponseWriter)
		want  string
	}{
		{"500", func(w http.ResponseWriter) {
			queryError(w, 500, "InternalFailure", "An internal error occurred")
		}, "InternalFailure"},
		{"malformed XML", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, `<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScal`)
		}, "HTTP 200 with a body that does not parse"},
		{"wrong type", func(w http.ResponseWriter) {
			queryXML(w, "DescribeAutoScalingGroups", `<AutoScalingGroups><member><AutoScalingGroupName>web</AutoScalingGroupName><DesiredCapacity>lots</DesiredCapacity></member></AutoScalingGroups>`)
		}, "deserialization failed"},
		{"HTML from a proxy", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			io.WriteString(w, "<html><body>Bad Gateway</body></html>")
		}, "502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t)
			f.addGroup("web", 1, 1, 2, "i-1")
			f.setFault(func(w http.ResponseWriter, action string) bool {
				tt.fault(w)
				return true
			})
			s := newTestSource(t, f, Options{Groups: []string{"web"}})
			_, err := s.Probe(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Probe error = %v, want it to mention %q", err, tt.want)
			}
			var rl *integrations.RateLimitedError
			if errors.As(err, &rl) {
				t.Fatalf("%s is not a rate limit: %v", tt.name, err)
			}
		})
	}
}

func TestThrottlingBecomesRateLimited(t *testing.T) {
	tests := []struct {
		name   string
		action string
		fault  func(w http.ResponseWriter)
		after  time.Duration
	}{
		{"Auto Scaling Throttling with Retry-After", "DescribeAutoScalingGroups", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			queryError(w, 400, "Throttling", "Rate exceeded")
		}, 7 * time.Second},
		{"EC2 RequestLimitExceeded", "DescribeInstances", func(w http.ResponseWriter) {
			ec2Error(w, 503, "RequestLimitExceeded", "Request limit exceeded.")
		}, 0},
		{"429", "DescribeScalingActivities", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAWS(t)
			f.addGroup("web", 1, 1, 2, "i-1")
			f.setFault(func(w http.ResponseWriter, action string) bool {
				if action != tt.action {
					return false
				}
				tt.fault(w)
				return true
			})
			s := newTestSource(t, f, Options{Groups: []string{"web"}})
			_, err := s.Probe(context.Background())
			var rl *integrations.RateLimitedError
			if !errors.As(err, &rl) {
				t.Fatalf("error %v is not a RateLimitedError", err)
			}
			if rl.After != tt.after {
				t.Fatalf("After = %v, want %v", rl.After, tt.after)
			}
		})
	}
}

// requestLog records when each request of an action arrived.
type requestLog struct {
	mu    sync.Mutex
	times []time.Time
}

func (l *requestLog) add() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.times = append(l.times, time.Now())
	return len(l.times)
}

func (l *requestLog) get() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.times...)
}

func TestPollHonoursRetryAfter(t *testing.T) {
	f := newFakeAWS(t)
	f.addGroup("web", 1, 1, 2, "i-1")
	var log requestLog
	f.setFault(func(w http.ResponseWriter, action string) bool {
		if action != "DescribeAutoScalingGroups" {
			return false
		}
		if log.add() == 1 {
			w.Header().Set("Retry-After", "1")
			queryError(w, 400, "Throttling", "Rate exceeded")
			return true
		}
		return false
	})
	s := newTestSource(t, f, Options{Groups: []string{"web"}, Poll: integrations.PollConfig{Interval: 5 * time.Millisecond, Timeout: 5 * time.Second}})
	pub := &integrationstest.Recorder{}
	runSource(t, s, pub)
	integrationstest.Wait(t, "a snapshot after the throttle", func() bool { return len(snapshots(pub)) > 0 })
	times := log.get()
	if gap := times[1].Sub(times[0]); gap < time.Second {
		t.Fatalf("second request came %v after the throttled one, want at least the 1s Retry-After", gap)
	}
}

func TestSlowResponseTimesOut(t *testing.T) {
	f := newFakeAWS(t)
	f.addGroup("web", 1, 1, 2, "i-1")
	release := make(chan struct{})
	defer close(release)
	f.setFault(func(w http.ResponseWriter, action string) bool {
		select { // hold the response until the client gives up
		case <-release:
		case <-time.After(5 * time.Second):
		}
		return false
	})
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Probe(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := newFakeAWS(t)
	s, err := New(context.Background(), Options{Groups: []string{"web"}, Config: f.config(), Endpoint: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Probe(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "SECRETTEST") {
		t.Fatalf("error carries the secret key: %v", err)
	}
}

// The source's status moves ok → degraded while the service fails and
// back to ok when it heals, and the poller keeps running throughout.
// polled runs a source following "web" on f, polling every few
// milliseconds with a short backoff, and returns what it publishes.
func polled(t *testing.T, f *fakeAWS) *integrationstest.Recorder {
	// Timeout is explicit: left to default to the 5ms Interval, the first
	// request (cold client, race detector) sometimes timed out and the
	// source started down instead of ok.
	s := newTestSource(t, f, Options{Groups: []string{"web"}, Poll: integrations.PollConfig{
		Interval: 5 * time.Millisecond, Timeout: 5 * time.Second, MaxBackoff: 10 * time.Millisecond, Budget: time.Hour,
		Jitter: func() float64 { return 1 },
	}})
	pub := &integrationstest.Recorder{}
	runSource(t, s, pub)
	return pub
}

// stateIs waits for the last status published to be want.
func stateIs(pub *integrationstest.Recorder, want integrations.SourceState) func() bool {
	return func() bool {
		sc, ok := integrationstest.Last[integrations.StatusChanged](pub)
		return ok && sc.Status.State == want
	}
}

func TestRecoveryThroughPoll(t *testing.T) {
	f := newFakeAWS(t)
	f.addGroup("web", 1, 1, 2, "i-1")
	pub := polled(t, f)
	integrationstest.Wait(t, "ok", stateIs(pub, integrations.SourceOK))
	f.setFault(func(w http.ResponseWriter, action string) bool {
		queryError(w, 500, "InternalFailure", "An internal error occurred")
		return true
	})
	integrationstest.Wait(t, "degraded", stateIs(pub, integrations.SourceDegraded))
	f.setFault(nil)
	integrationstest.Wait(t, "ok again", stateIs(pub, integrations.SourceOK))

	var transitions []string
	for _, r := range pub.Records("source.status") {
		transitions = append(transitions, r.Fields["from"]+"→"+r.Fields["to"])
	}
	if got := strings.Join(transitions, " "); got != "starting→ok ok→degraded degraded→ok" {
		t.Fatalf("transitions = %s", got)
	}
}

func TestBoundedBody(t *testing.T) {
	body := &boundedBody{rc: io.NopCloser(bytes.NewReader(make([]byte, 100))), left: 10}
	_, err := io.ReadAll(body)
	if !errors.Is(err, errBodyTooLarge) {
		t.Fatalf("reading 100 bytes with a 10-byte bound: %v", err)
	}
	exact := &boundedBody{rc: io.NopCloser(bytes.NewReader(make([]byte, 10))), left: 10}
	if b, err := io.ReadAll(exact); err != nil || len(b) != 10 {
		t.Fatalf("a body of exactly the bound: %d bytes, %v", len(b), err)
	}
}

// Responses of tens of kilobytes on kept-alive connections used to fail
// now and then with "use of closed network connection" (see
// guardedClient); 30 refreshes in a row must all succeed.
func TestLargeResponsesOnReusedConnections(t *testing.T) {
	f := newFakeAWS(t)
	names := addLargeFleet(f)
	s := newTestSource(t, f, Options{Groups: names})
	for i := range 30 {
		groups, err := s.describeGroups(context.Background(), names, nil)
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		if len(groups) != 10 || len(groups[9].Instances) != 50 || groups[9].Instances[49].PrivateIP == "" {
			t.Fatalf("refresh %d: incomplete fleet", i)
		}
	}
}

// malformedBodies are successful answers that are not the operation's
// document: each once read as an empty result.
var malformedBodies = map[string]string{
	"empty body":          "",
	"plain text":          "upstream says hello",
	"JSON":                `{"AutoScalingGroups":[]}`,
	"HTML":                "<html><body>maintenance</body></html>",
	"another operation's": `<DescribeTagsResponse><DescribeTagsResult></DescribeTagsResult></DescribeTagsResponse>`,
	"cut short":           `<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups>`,
}

// A 200 whose body does not parse is a failure of that call, whichever
// of the three calls of a refresh gets it: never an empty fleet, never
// instances without their EC2 details.
func TestMalformedSuccessfulAnswerIsAFailure(t *testing.T) {
	for _, action := range []string{"DescribeAutoScalingGroups", "DescribeScalingActivities", "DescribeInstances"} {
		for name, body := range malformedBodies {
			t.Run(action+"/"+name, func(t *testing.T) {
				f := newFakeAWS(t)
				f.addGroup("web", 1, 1, 2, "i-1")
				f.setFault(func(w http.ResponseWriter, a string) bool {
					if a != action {
						return false
					}
					w.Header().Set("Content-Type", "text/xml")
					io.WriteString(w, body)
					return true
				})
				s := newTestSource(t, f, Options{Groups: []string{"web"}})
				groups, err := s.describeGroups(context.Background(), []string{"web"}, nil)
				if err == nil || !strings.Contains(err.Error(), "HTTP 200 with a body that does not parse") {
					t.Fatalf("describe = %d groups, %v; want a failure saying the body does not parse", len(groups), err)
				}
			})
		}
	}
}

// Through the poller: after a good refresh, malformed answers (and a
// well-formed one that leaves the configured group out) degrade the
// source and publish nothing else: no empty snapshot, no record inferred
// from it, and on recovery the group's "desired since" is what it was.
func TestMalformedAnswersDegradeAndKeepTheLastGoodFleet(t *testing.T) {
	f := newFakeAWS(t)
	f.addGroup("web", 1, 6, 10, "i-1")
	pub := polled(t, f)
	integrationstest.Wait(t, "the first snapshot", func() bool { return len(snapshots(pub)) > 0 })
	first := snapshots(pub)[0].Groups[0]
	for _, body := range []string{"", "upstream says hello",
		`<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups/></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>`} {
		f.setFault(func(w http.ResponseWriter, action string) bool {
			if action != "DescribeAutoScalingGroups" {
				return false
			}
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, body)
			return true
		})
		seen := len(snapshots(pub))
		integrationstest.Wait(t, "degraded on "+body, stateIs(pub, integrations.SourceDegraded))
		sc, _ := integrationstest.Last[integrations.StatusChanged](pub)
		if !strings.Contains(sc.Status.LastError, "does not parse") && !strings.Contains(sc.Status.LastError, "not found: web") {
			t.Errorf("reason %q says neither that the body does not parse nor that web is missing", sc.Status.LastError)
		}
		if n := len(snapshots(pub)); n != seen {
			t.Fatalf("%d snapshots published from answers that do not hold the fleet", n-seen)
		}
		f.setFault(nil)
		integrationstest.Wait(t, "ok again", stateIs(pub, integrations.SourceOK))
	}
	if recs := pub.Records("fleet.change"); len(recs) != 0 {
		t.Fatalf("records inferred from unreadable answers: %+v", recs)
	}
	last := snapshots(pub)
	if got := last[len(last)-1].Groups[0]; !got.DesiredSince.Equal(first.DesiredSince) {
		t.Fatalf("desired since %v after recovery, was %v", got.DesiredSince, first.DesiredSince)
	}
}

// Followed by tags, a well-formed answer with no group at all after one
// with groups is not "every group gone": it fails, and the pane keeps the
// fleet it last knew.
func TestEmptyTaggedAnswerIsAFailure(t *testing.T) {
	f := newFakeAWS(t)
	g := f.addGroup("web", 1, 2, 4, "i-1")
	g.tags = map[string]string{"team": "web"}
	s := newTestSource(t, f, Options{TagFilter: map[string]string{"team": "web"}, Poll: integrations.PollConfig{
		Interval: 5 * time.Millisecond, Timeout: 5 * time.Second, MaxBackoff: 10 * time.Millisecond, Budget: time.Hour,
		Jitter: func() float64 { return 1 },
	}})
	pub := &integrationstest.Recorder{}
	runSource(t, s, pub)
	integrationstest.Wait(t, "the first snapshot", func() bool { return len(snapshots(pub)) > 0 })
	f.edit(func() { g.tags = nil })
	integrationstest.Wait(t, "degraded", stateIs(pub, integrations.SourceDegraded))
	sc, _ := integrationstest.Last[integrations.StatusChanged](pub)
	if !strings.Contains(sc.Status.LastError, "no Auto Scaling group carries the configured tags any more (1 group last time)") {
		t.Errorf("reason %q", sc.Status.LastError)
	}
	for _, snap := range snapshots(pub) {
		if len(snap.Groups) == 0 {
			t.Fatal("an empty fleet was published")
		}
	}
}
