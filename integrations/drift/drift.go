// Package drift finds slot drift between Auto Scaling groups and HAProxy
// backends: servers still pointing at instances that left service,
// in-service instances with no server, and how many free slots remain for
// a sync to place them.
package drift

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Bindings and findings are domain types: the pump delivers the findings
// in its batch (integrations.Batch.Drift).
type (
	Binding = integrations.DriftBinding
	Finding = integrations.DriftFinding
)

// Compare checks every binding. A binding whose group or backend is absent
// from the data gives no finding: no data is not drift (the source's own
// status says it is missing). Findings come in bindings order.
func Compare(groups []integrations.Group, backends []integrations.Backend, bindings []Binding) []Finding {
	byGroup := make(map[string]integrations.Group, len(groups))
	for _, g := range groups {
		byGroup[g.Name] = g
	}
	var out []Finding
	for _, b := range bindings {
		g, ok := byGroup[b.Group]
		if !ok {
			continue
		}
		var servers []integrations.Backend
		for _, s := range backends {
			if s.Instance == b.Instance && s.Backend == b.Backend {
				servers = append(servers, s)
			}
		}
		if len(servers) == 0 {
			continue
		}
		if f := compare(b, g, servers); len(f.DeadSlots) > 0 || len(f.Missing) > 0 {
			out = append(out, f)
		}
	}
	return out
}

func compare(b Binding, g integrations.Group, servers []integrations.Backend) Finding {
	live := map[string]integrations.Instance{} // private IP → instance
	for _, in := range g.Instances {
		if in.Lifecycle == integrations.LifecycleInService && in.PrivateIP != "" {
			live[in.PrivateIP] = in
		}
	}
	f := Finding{Binding: b}
	placed := map[string]bool{}
	for _, s := range servers {
		serves := live[s.Address].ID != "" && (b.Port == 0 || s.Port == b.Port)
		switch {
		case serves:
			placed[s.Address] = true
		case s.State == integrations.ServerMaint:
			f.FreeSlots++
		default:
			f.DeadSlots = append(f.DeadSlots, s.Server+" "+hostPort(s.Address, s.Port))
		}
	}
	for _, ip := range slices.Sorted(maps.Keys(live)) {
		if !placed[ip] {
			f.Missing = append(f.Missing, live[ip].ID+" "+ip)
		}
	}
	return f
}

func hostPort(addr string, port int) string {
	if addr == "" || addr == "-" {
		return "(no address)"
	}
	if port == 0 {
		return addr
	}
	return addr + ":" + strconv.Itoa(port)
}

// Tracker turns successive Compare results into timeline records: "drift"
// when a binding's finding first appears or changes, "drift.cleared" when
// it goes away. It is safe for concurrent use.
type Tracker struct {
	mu     sync.Mutex
	active map[Binding]Finding
}

// Update folds in the latest findings and returns the records they cause,
// in a stable order (cleared bindings last).
func (t *Tracker) Update(findings []Finding, now time.Time) []integrations.Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	next := make(map[Binding]Finding, len(findings))
	var out []integrations.Record
	for _, f := range findings {
		next[f.Binding] = f
		if prev, ok := t.active[f.Binding]; !ok || !same(prev, f) {
			out = append(out, record(f, integrations.KindDrift, f.Text(), now))
		}
	}
	for _, b := range slices.SortedFunc(maps.Keys(t.active), compareBindings) {
		if _, still := next[b]; !still {
			out = append(out, record(Finding{Binding: b}, integrations.KindDriftCleared, fmt.Sprintf("slot drift %s cleared", b), now))
		}
	}
	t.active = next
	return out
}

func same(a, b Finding) bool {
	return a.FreeSlots == b.FreeSlots && slices.Equal(a.DeadSlots, b.DeadSlots) && slices.Equal(a.Missing, b.Missing)
}

func compareBindings(a, b Binding) int {
	return strings.Compare(a.String()+strconv.Itoa(a.Port), b.String()+strconv.Itoa(b.Port))
}

func record(f Finding, kind, text string, now time.Time) integrations.Record {
	fields := map[string]string{
		"group":    f.Binding.Group,
		"instance": f.Binding.Instance,
		"backend":  f.Binding.Backend,
	}
	if kind == integrations.KindDrift {
		fields["dead_slots"] = strings.Join(f.DeadSlots, ", ")
		fields["missing"] = strings.Join(f.Missing, ", ")
		fields["free_slots"] = strconv.Itoa(f.FreeSlots)
	}
	return integrations.Record{Occurred: now, Source: integrations.SourceDrift, Kind: kind, Text: text, Fields: fields}
}
