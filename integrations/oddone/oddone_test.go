package oddone

import (
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// rates is a 10 s window with n responses, bad of them 5xx.
func rates(n, bad uint64) integrations.Rates {
	return integrations.Rates{Window: 10 * time.Second, Requests: n, HTTP: true,
		Responses: [5]uint64{0, n - bad, 0, 0, bad}}
}

func members(rs ...integrations.Rates) []Member {
	out := make([]Member, len(rs))
	for i, r := range rs {
		out[i] = Member{Name: string(rune('a' + i)), Rates: r}
	}
	return out
}

func names(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Name)
	}
	return b.String()
}

func TestOddOneOutFlagsTheMemberFarAbovePeers(t *testing.T) {
	got := Default.Find(members(rates(1000, 310), rates(1000, 4), rates(1000, 3), rates(1000, 5)))
	if names(got) != "a" {
		t.Fatalf("flagged %q, want only a: %+v", names(got), got)
	}
	if r := got[0].Reason(); r != "error 31% vs peers 0.4% (3 peers)" {
		t.Errorf("reason %q", r)
	}
}

func TestOddOneOutSmallNumbers(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []Member
		want string
	}{
		{"too few requests: 5 of 10 failing says nothing", members(rates(10, 5), rates(1000, 0), rates(1000, 1)), ""},
		{"exactly the minimum counts", members(rates(20, 10), rates(1000, 0)), "a"},
		{"peers with too few requests are no peers", members(rates(1000, 300), rates(19, 0), rates(5, 0)), ""},
		{"one peer only is enough, and only the worse one is odd", members(rates(200, 60), rates(200, 0)), "a"},
		{"all peers at zero", members(rates(500, 0), rates(500, 0), rates(500, 50)), "c"},
		{"all bad: nobody is odd", members(rates(500, 150), rates(500, 160), rates(500, 170)), ""},
		{"three times a tiny median is under the floor", members(rates(1000, 10), rates(1000, 2), rates(1000, 3)), ""},
		{"above the floor but under three times the median", members(rates(1000, 200), rates(1000, 100), rates(1000, 90)), ""},
		{"a member doing better than its peers is not odd", members(rates(1000, 0), rates(1000, 300), rates(1000, 310)), ""},
		{"still measuring takes no part", members(integrations.Rates{}, rates(1000, 0)), ""},
		{"alone", members(rates(1000, 900)), ""},
		{"nobody", nil, ""},
		{"two odd among many", members(rates(1000, 400), rates(1000, 350), rates(1000, 0), rates(1000, 1), rates(1000, 2)), "ab"},
	} {
		if got := names(Default.Find(c.in)); got != c.want {
			t.Errorf("%s: flagged %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPercent(t *testing.T) {
	for in, want := range map[float64]string{0: "0%", 0.004: "0.4%", 0.025: "2.5%", 0.31: "31%", 1: "100%", 0.0999: "10%"} {
		if got := Percent(in); got != want {
			t.Errorf("Percent(%v) = %q, want %q", in, got, want)
		}
	}
}

func snapshot(s2bad, edge3bad uint64) integrations.BackendsSnapshot {
	return integrations.BackendsSnapshot{Source: "haproxy",
		Backends: []integrations.Backend{
			{Instance: "edge-1", Backend: "web", Server: "s1", Rates: rates(500, 0)},
			{Instance: "edge-1", Backend: "web", Server: "s2", Rates: rates(500, s2bad)},
			{Instance: "edge-1", Backend: "api", Server: "s1", Rates: rates(500, 0)},
			{Instance: "edge-2", Backend: "web", Server: "s1", Rates: rates(500, 0)},
		},
		Proxies: []integrations.Proxy{
			{Instance: "edge-1", Name: "web", Kind: integrations.ProxyBackend, Rates: rates(1000, s2bad)},
			{Instance: "edge-2", Name: "web", Kind: integrations.ProxyBackend, Rates: rates(1000, 0)},
			{Instance: "edge-3", Name: "web", Kind: integrations.ProxyBackend, Rates: rates(1000, edge3bad)},
			{Instance: "edge-3", Name: "web", Kind: integrations.ProxyFrontend, Rates: rates(1000, edge3bad)},
		}}
}

func TestMarkComparesServersWithinABackendAndProxiesAcrossInstances(t *testing.T) {
	snap := snapshot(150, 300)
	Default.Mark(&snap, nil)
	var marked []string
	for _, b := range snap.Backends {
		if b.OddOneOut != "" {
			marked = append(marked, b.Target()+": "+b.OddOneOut)
		}
	}
	for _, p := range snap.Proxies {
		if p.OddOneOut != "" {
			marked = append(marked, p.Target()+": "+p.OddOneOut)
		}
	}
	// edge-1's s2 is compared with edge-1's s1 only (not with api's s1 or
	// edge-2's); edge-3's backend with the other edges' web backends; the
	// lone frontend has no peer.
	want := "edge-1/web/s2: error 30% vs peer 0% (1 peer)|edge-3/web: error 30% vs peers 7.5% (2 peers)"
	if got := strings.Join(marked, "|"); got != want {
		t.Fatalf("marked\n%s\nwant\n%s", got, want)
	}
}

func TestMarkComparesProxiesWithinTheirTierOnly(t *testing.T) {
	snap := snapshot(0, 300)
	// edge-2 is the front the edges sit behind: a tier of its own, so
	// edge-3 has edge-1 alone for a peer and the front is never its peer.
	Default.Mark(&snap, func(instance string) string {
		if instance == "edge-2" {
			return "front"
		}
		return "edges"
	})
	if got := snap.Proxies[2].OddOneOut; got != "error 30% vs peer 0% (1 peer)" {
		t.Errorf("edge-3 against its own tier: %q", got)
	}
	if snap.Proxies[1].OddOneOut != "" {
		t.Errorf("the front, alone in its tier, is marked: %q", snap.Proxies[1].OddOneOut)
	}
}

func TestTrackerRecordsAppearanceAndClearanceOnly(t *testing.T) {
	var tr Tracker
	now := time.Unix(1000, 0)
	update := func(snap integrations.BackendsSnapshot) []string {
		Default.Mark(&snap, nil)
		var out []string
		for _, r := range tr.Update(snap, now) {
			out = append(out, r.Kind+" "+r.Fields["target"])
		}
		return out
	}
	if got := update(snapshot(0, 0)); len(got) != 0 {
		t.Fatalf("records with nothing odd: %v", got)
	}
	got := update(snapshot(150, 0))
	if strings.Join(got, ",") != "oddone edge-1/web,oddone edge-1/web/s2" {
		t.Fatalf("appearance: %v", got)
	}
	if got := update(snapshot(160, 0)); len(got) != 0 {
		t.Fatalf("a mark that stays (with new figures) recorded again: %v", got)
	}
	// A reload: edge-1 is measuring again. Not a recovery.
	measuring := snapshot(0, 0)
	for i := range measuring.Backends {
		if measuring.Backends[i].Instance == "edge-1" {
			measuring.Backends[i].Rates = integrations.Rates{}
		}
	}
	measuring.Proxies[0].Rates = integrations.Rates{}
	if got := update(measuring); len(got) != 0 {
		t.Fatalf("a reading still measuring cleared marks: %v", got)
	}
	// edge-1 does not answer: not a recovery either.
	gone := snapshot(0, 0)
	gone.Backends, gone.Proxies = gone.Backends[3:], gone.Proxies[1:]
	if got := update(gone); len(got) != 0 {
		t.Fatalf("an instance that did not answer cleared marks: %v", got)
	}
	if got := update(snapshot(0, 0)); strings.Join(got, ",") != "oddone.cleared edge-1/web,oddone.cleared edge-1/web/s2" {
		t.Fatalf("clearance: %v", got)
	}
	if got := update(snapshot(0, 0)); len(got) != 0 {
		t.Fatalf("cleared twice: %v", got)
	}
}
