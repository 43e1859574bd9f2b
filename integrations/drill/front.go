package drill

import (
	"fmt"
	"slices"

	"github.com/warroomhq/warroom/integrations"
)

// frontBackend is the front's backend of edges: one server per edge.
const frontBackend = "edges"

// newFront makes the front HAProxy instance a scenario names: it spreads
// traffic over the edges, each a server of its backend, so a rolling
// reload drains an edge there first. Its sessions on an edge drain over
// time once the edge is set to DRAIN.
func newFront(name string, edges []string) *edge {
	f := &edge{name: name, throttles: map[string]int{}, shed: map[string]bool{}, pid: 900,
		servers: map[string]integrations.ServerState{}, counts: map[string]*tally{}, sessions: map[string]float64{}}
	for _, e := range edges {
		f.sessions[e] = 0
	}
	return f
}

// inRotation lists the edges the front sends new traffic to: all of them
// without a front, else those whose server on the front is UP.
func (m *Web) inRotation() []*edge {
	if m.front == nil {
		return m.edges
	}
	var out []*edge
	for _, e := range m.edges {
		if st, set := m.front.servers[e.name]; !set || st == integrations.ServerUp {
			out = append(out, e)
		}
	}
	return out
}

// drainFront moves the front's sessions: an edge in rotation holds what
// its share of traffic keeps open; a drained one loses 15% a second as
// its sessions end.
func (m *Web) drainFront(perEdge float64, rotating []*edge) {
	if m.front == nil {
		return
	}
	for _, e := range m.edges {
		s := m.front.sessions[e.name]
		if slices.Contains(rotating, e) {
			s = perEdge / 10
		} else if s *= 0.85; s < 0.5 {
			s = 0
		}
		m.front.sessions[e.name] = s
	}
}

// The front's frontend is not the edges' "http": it is no peer of theirs.
const (
	frontFrontend    = "www"
	frontFrontendKey = "frontend:" + frontFrontend
	frontBackendKey  = "backend:" + frontBackend
)

// countFront counts on the front what it sent an edge and how the edge
// answered: throttled (429), shed (503 at the edge), served, failed.
func (m *Web) countFront(edge string, sent, throttled, shed, ok, failed float64) {
	if m.front == nil {
		return
	}
	for _, key := range []string{edge, frontFrontendKey, frontBackendKey} {
		t := m.front.tally(key)
		t.requests += sent
		t.throttled += throttled
		t.shed += shed
		t.ok += ok
		t.failed += failed
	}
}

// frontRows are the front's server lines, one per edge with the sessions
// still open on it, and its frontend and backend, each with its counters
// and last measured rates.
func (m *Web) frontRows() ([]integrations.Backend, []integrations.Proxy) {
	f := m.front
	var out []integrations.Backend
	sessions, up := 0, 0
	for i, e := range m.edges {
		st := integrations.ServerUp
		if s, set := f.servers[e.name]; set {
			st = s
		} else {
			up++
		}
		b := integrations.Backend{Instance: f.name, Backend: frontBackend, Server: e.name,
			Address: fmt.Sprintf("10.0.0.%d", 11+i), Port: 80, State: st, Weight: 100, Sessions: int(f.sessions[e.name] + 0.5),
			Counters: f.tally(e.name).counters(), Rates: f.rates[e.name]}
		b.Total5xx, b.Rate5xx = b.Counters.Responses[4], b.Rates.HTTP5xxPerS()
		sessions += b.Sessions
		out = append(out, b)
	}
	return out, f.proxyRows(frontFrontend, frontBackend, up, sessions)
}
