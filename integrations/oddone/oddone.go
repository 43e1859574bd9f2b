// Package oddone finds the odd one out: the one member of a set of peers
// whose error ratio departs from the others'. Peers are the servers of one
// backend on one HAProxy instance, and the same backend (or frontend) on
// every instance of a fleet (an edge among edges).
//
// # The rule
//
// Over the same measured window (one counter delta), a member is the odd
// one out when all of these hold:
//
//   - it answered at least MinRequests responses (default 20): a handful
//     of requests says nothing, so a member with fewer is never flagged
//     and never counts as a peer;
//   - at least one other member answered MinRequests responses: these
//     are its peers (one peer is enough: of two servers, the failing one
//     stands out);
//   - its error ratio (5xx ÷ responses) is above Factor (default 3) times
//     the median of its peers' ratios;
//   - and it is at least Floor (default 2 percentage points) above that
//     median, so 0.3% against peers at 0.1% is not news.
//
// When every member is as bad as the others nobody is odd: the trouble is
// the whole set's, and the set's own figures show it. A member doing
// better than its peers is never flagged. Members still measuring (no
// delta yet) take no part. The reason reads `error 31% vs peers 0.4% (3
// peers)`.
//
// Latency is not used: HAProxy's response-time figures are averages over
// the last requests served, not over the window, so they cannot be
// compared on the same footing.
package oddone

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

// Rule holds the thresholds of the rule described in the package comment.
type Rule struct {
	Factor      float64 // times the peers' median error ratio
	Floor       float64 // absolute margin over the median, a fraction (0.02 = 2 points)
	MinRequests uint64  // responses in the window for a member to count
}

// Default is the rule warroom applies.
var Default = Rule{Factor: 3, Floor: 0.02, MinRequests: 20}

// Member is one peer: a name and its rates over the window.
type Member struct {
	Name  string
	Rates integrations.Rates
}

// Finding is one odd member.
type Finding struct {
	Index       int // the member's position in the list given to Find
	Name        string
	Ratio       float64 // its error ratio
	PeersMedian float64 // the median of its peers' ratios
	Peers       int     // how many peers the median is taken over
}

// Reason is the finding as the screen and the timeline say it.
func (f Finding) Reason() string {
	peers := "peers"
	if f.Peers == 1 {
		peers = "peer"
	}
	return fmt.Sprintf("error %s vs %s %s (%d %s)", Percent(f.Ratio), peers, Percent(f.PeersMedian), f.Peers, peers)
}

// Percent writes a fraction as a percentage with one decimal below 10%
// and none above: 0.4%, 2.5%, 31%.
func Percent(ratio float64) string {
	p := ratio * 100
	if p >= 10 {
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	}
	return strings.TrimSuffix(strconv.FormatFloat(p, 'f', 1, 64), ".0") + "%"
}

// Find applies the rule to one set of peers and returns the odd members,
// in the order given.
func (r Rule) Find(members []Member) []Finding {
	type counted struct {
		index int
		ratio float64
	}
	var in []counted
	for i, m := range members {
		ratio, ok := m.Rates.ErrorRatio()
		if ok && m.Rates.Answered() >= r.MinRequests {
			in = append(in, counted{i, ratio})
		}
	}
	var out []Finding
	peers := make([]float64, 0, len(in))
	for i, m := range in {
		peers = peers[:0]
		for j, p := range in {
			if j != i {
				peers = append(peers, p.ratio)
			}
		}
		if len(peers) == 0 {
			break
		}
		med := median(peers)
		if m.ratio > r.Factor*med && m.ratio-med >= r.Floor {
			out = append(out, Finding{Index: m.index, Name: members[m.index].Name, Ratio: m.ratio, PeersMedian: med, Peers: len(peers)})
		}
	}
	return out
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// Mark applies the rule to a snapshot before it is published, setting
// OddOneOut on every server odd among its backend's servers on the same
// instance, and on every proxy odd among the proxies of the same kind and
// name on the other instances of its tier. tier names an instance's tier
// (for example the front server that sends it traffic), so that a front
// proxy is not compared with the edges behind it; nil puts every instance
// in one tier.
func (r Rule) Mark(snap *integrations.BackendsSnapshot, tier func(instance string) string) {
	if tier == nil {
		tier = func(string) string { return "" }
	}
	mark(r, snap.Backends,
		func(b integrations.Backend) string { return b.Instance + "/" + b.Backend },
		func(b integrations.Backend) Member { return Member{Name: b.Server, Rates: b.Rates} },
		func(b *integrations.Backend, reason string) { b.OddOneOut = reason })
	mark(r, snap.Proxies,
		func(p integrations.Proxy) string { return tier(p.Instance) + " " + string(p.Kind) + "/" + p.Name },
		func(p integrations.Proxy) Member { return Member{Name: p.Instance, Rates: p.Rates} },
		func(p *integrations.Proxy, reason string) { p.OddOneOut = reason })
}

// mark applies the rule within every set of rows sharing a peer key.
func mark[T any](r Rule, rows []T, peersKey func(T) string, member func(T) Member, set func(*T, string)) {
	sets := map[string][]int{} // peer key → row indexes
	for i, row := range rows {
		k := peersKey(row)
		sets[k] = append(sets[k], i)
	}
	for _, idx := range sets {
		members := make([]Member, len(idx))
		for j, i := range idx {
			members[j] = member(rows[i])
		}
		for _, f := range r.Find(members) {
			set(&rows[idx[f.Index]], f.Reason())
		}
	}
}

// Tracker turns the marks on successive snapshots into timeline records:
// "oddone" when a member is first marked, "oddone.cleared" when a measured
// reading no longer marks it (or its instance answers without it). A
// member still measuring, or on an instance that did not answer, keeps its
// mark: a reload or an unreachable instance is not a recovery. Neither a
// mark that stays nor its changing figures make a record. It is safe for
// concurrent use.
type Tracker struct {
	mu     sync.Mutex
	active map[string]recorded // source + " " + target → what was recorded
}

type recorded struct {
	source, target, instance string
}

// Update folds in one source's latest snapshot and returns the records it
// causes, appearances in snapshot order, then clearances by target.
func (t *Tracker) Update(snap integrations.BackendsSnapshot, now time.Time) []integrations.Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.active == nil {
		t.active = map[string]recorded{}
	}
	type row struct {
		instance, reason string
		measured         bool
		ratio            float64
		hasRatio         bool
		fields           map[string]string
	}
	rows := map[string]row{} // target → row
	var order []string
	answered := map[string]bool{}
	add := func(target, instance, reason string, r integrations.Rates, fields map[string]string) {
		ratio, ok := r.ErrorRatio()
		rows[target] = row{instance, reason, r.Measured(), ratio, ok, fields}
		order = append(order, target)
		answered[instance] = true
	}
	for _, p := range snap.Proxies {
		add(p.Target(), p.Instance, p.OddOneOut, p.Rates, map[string]string{"instance": p.Instance, string(p.Kind): p.Name})
	}
	for _, b := range snap.Backends {
		add(b.Target(), b.Instance, b.OddOneOut, b.Rates, map[string]string{"instance": b.Instance, "backend": b.Backend, "server": b.Server})
	}
	var out []integrations.Record
	for _, target := range order {
		r := rows[target]
		key := snap.Source + " " + target
		if _, ok := t.active[key]; r.reason == "" || ok {
			continue
		}
		t.active[key] = recorded{snap.Source, target, r.instance}
		fields := maps.Clone(r.fields)
		fields["target"], fields["reason"] = target, r.reason
		out = append(out, integrations.Record{Occurred: now, Source: integrations.SourceOddOne, Kind: integrations.KindOddOne,
			Text: fmt.Sprintf("odd one out %s: %s", target, r.reason), Fields: fields})
	}
	for _, key := range slices.Sorted(maps.Keys(t.active)) {
		m := t.active[key]
		if m.source != snap.Source {
			continue
		}
		r, present := rows[m.target]
		switch {
		case present && (r.reason != "" || !r.measured):
			continue // still odd, or no figures yet to say otherwise
		case !present && !answered[m.instance]:
			continue // its instance did not answer
		}
		delete(t.active, key)
		text := fmt.Sprintf("odd one out %s cleared", m.target)
		if present && r.hasRatio {
			text += ": error " + Percent(r.ratio)
		}
		fields := map[string]string{"instance": m.instance, "target": m.target}
		if present {
			fields = maps.Clone(r.fields)
			fields["target"] = m.target
		}
		out = append(out, integrations.Record{Occurred: now, Source: integrations.SourceOddOne, Kind: integrations.KindOddOneCleared, Text: text, Fields: fields})
	}
	return out
}
