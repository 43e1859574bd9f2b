package tui

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

var fixtureNow = time.Date(2026, 1, 12, 7, 40, 0, 0, time.UTC)

func at(hm string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", "2026-01-12 "+hm)
	if err != nil {
		panic(err)
	}
	return t
}

func fixtureAlerts() []integrations.Alert {
	return []integrations.Alert{
		{ID: "A1", Service: "provisioner", Severity: integrations.SeverityWarning, Status: integrations.AlertTriggered,
			Title: "provisioner: lock wait over 30 min", CreatedAt: at("07:00").Add(-61 * time.Hour)},
		{ID: "A2", Service: "web", Severity: integrations.SeverityCritical, Status: integrations.AlertTriggered,
			Title: "web: HTTP 5xx above 5% at the load balancers", CreatedAt: at("07:16")},
		{ID: "A3", Service: "web", Severity: integrations.SeverityError, Status: integrations.AlertAcknowledged,
			Title: "web: CPU above 90% on every host", CreatedAt: at("07:15")},
		{ID: "A4", Service: "db", Severity: integrations.SeverityCritical, Status: integrations.AlertResolved,
			Title: "db: replica lag", CreatedAt: at("07:20")},
	}
}

func fixtureGroups() []integrations.Group {
	return []integrations.Group{
		{Name: "web", Desired: 12, Min: 4, Max: 20, InService: 4, Pending: 8, DesiredSince: at("07:30"),
			Activities: []integrations.ScalingActivity{{Status: integrations.ActivityFailed, Start: at("07:31"),
				Message: "provisioner lock held by job 8812"}}},
		{Name: "worker", Desired: 6, Min: 2, Max: 12, InService: 6},
		{Name: "api", Desired: 8, Min: 2, Max: 12, InService: 6, Pending: 2, DesiredSince: at("07:38")},
	}
}

func fixtureBackends() integrations.BackendsSnapshot {
	var bs []integrations.Backend
	var ps []integrations.Proxy
	for _, e := range []string{"edge-1", "edge-2"} {
		var total integrations.Rates
		for i, st := range []integrations.ServerState{integrations.ServerUp, integrations.ServerUp, integrations.ServerDrain, integrations.ServerDown} {
			b := integrations.Backend{Instance: e, Backend: "web", Server: "web-" + string(rune('a'+i)),
				Address: "10.0.1." + string(rune('1'+i)), Port: 8080, Weight: 100,
				State: st, Sessions: 10 * (i + 1), SessionLimit: 50, Rate5xx: 1.5}
			if st == integrations.ServerUp {
				// 10 s of traffic: 1,200 requests, a few 5xx; edge-2's
				// web-b fails 31% of its own.
				fails := uint64(6)
				if e == "edge-2" && i == 1 {
					fails = 372
					b.OddOneOut = "error 31% vs peer 0.5% (1 peer)"
				}
				b.Rates = integrations.Rates{Window: 10 * time.Second, Requests: 1200, HTTP: true,
					Responses: [5]uint64{0, 1200 - fails, 0, 0, fails}}
				total.Requests += b.Rates.Requests
				for c := range total.Responses {
					total.Responses[c] += b.Rates.Responses[c]
				}
			}
			bs = append(bs, b)
		}
		total.Window, total.HTTP = 10*time.Second, true
		ps = append(ps,
			integrations.Proxy{Instance: e, Name: "http", Kind: integrations.ProxyFrontend, Status: "OPEN", Sessions: 30, Rates: total},
			integrations.Proxy{Instance: e, Name: "web", Kind: integrations.ProxyBackend, Status: "UP", Sessions: 30, Rates: total})
	}
	return integrations.BackendsSnapshot{Source: "haproxy", Backends: bs, Proxies: ps,
		Throttles: []integrations.Throttle{{Instance: "edge-1", Tier: "free", Percent: 30}}}
}

func fixtureChat() []integrations.Message {
	return []integrations.Message{
		{User: "alice", Text: "Customers report slow pages.", At: at("07:15")},
		{User: "bob", Text: "web is at 4 instances: the Sunday-night scale-up never ran. The provisioner lock has been held since Friday evening.", At: at("07:17")},
		{User: "carol", Text: "Scale web up by hand; throttle free tier.", At: at("07:19")},
	}
}

func fixtureRecords(n int) []integrations.Record {
	kinds := []string{"alert.triggered", "chat.message", "fleet.change", "note"}
	out := make([]integrations.Record, n)
	for i := range out {
		out[i] = integrations.Record{ID: fmt.Sprintf("e%d", i+1), Occurred: at("07:15").Add(time.Duration(i) * time.Second),
			Source: "drill", Kind: kinds[i%len(kinds)], Actor: "carol", Text: "entry number " + string(rune('A'+i%26))}
	}
	return out
}

func fixtureStatuses() map[string]integrations.SourceStatus {
	return map[string]integrations.SourceStatus{
		"aws":     {Source: "aws", State: integrations.SourceOK, LastSuccess: fixtureNow.Add(-3 * time.Second), Budget: 30 * time.Second},
		"haproxy": {Source: "haproxy", State: integrations.SourceStale, LastSuccess: fixtureNow.Add(-8 * time.Hour), Budget: 30 * time.Second},
		"pagerduty": {Source: "pagerduty", State: integrations.SourceDegraded, LastSuccess: fixtureNow.Add(-20 * time.Second), Budget: time.Minute,
			LastError: "pagerduty: list incidents: HTTP 500: internal error"},
		"slack": {Source: "slack", State: integrations.SourceDown, LastError: "slack: conversations.history: dial tcp 127.0.0.1:9: connect: connection refused"},
	}
}

// recordingActor is an AlertActor that remembers what it was asked.
type recordingActor struct {
	mu              sync.Mutex
	acked, resolved []string
}

func (r *recordingActor) Acknowledge(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acked = append(r.acked, id)
	return nil
}

func (r *recordingActor) Resolve(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resolved = append(r.resolved, id)
	return nil
}

func (r *recordingActor) AddNote(context.Context, string, string) error { return nil }

func (r *recordingActor) ReadAlert(_ context.Context, id string) (integrations.Alert, error) {
	return integrations.Alert{ID: id}, nil
}
