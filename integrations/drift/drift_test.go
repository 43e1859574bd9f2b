package drift

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

var web = Binding{Group: "web-asg", Instance: "edge-1", Backend: "web", Port: 8080}

func group(ips ...string) integrations.Group {
	g := integrations.Group{Name: "web-asg"}
	for i, ip := range ips {
		g.Instances = append(g.Instances, integrations.Instance{
			ID: "i-" + string(rune('a'+i)), Group: "web-asg", Lifecycle: integrations.LifecycleInService, PrivateIP: ip,
		})
	}
	return g
}

func slot(name, addr string, state integrations.ServerState) integrations.Backend {
	return integrations.Backend{Instance: "edge-1", Backend: "web", Server: name, Address: addr, Port: 8080, State: state}
}

// The case: the group holds A, B, C; the backend's slots hold A
// and two dead addresses, and no slot is free.
func TestTwoDeadSlotsTwoMissingNoFreeSlot(t *testing.T) {
	groups := []integrations.Group{group("10.0.0.1", "10.0.0.2", "10.0.0.3")}
	backends := []integrations.Backend{
		slot("web1", "10.0.0.1", integrations.ServerUp),
		slot("web2", "10.0.9.8", integrations.ServerDown),
		slot("web3", "10.0.9.9", integrations.ServerDown),
	}
	got := Compare(groups, backends, []Binding{web})
	want := []Finding{{
		Binding:   web,
		DeadSlots: []string{"web2 10.0.9.8:8080", "web3 10.0.9.9:8080"},
		Missing:   []string{"i-b 10.0.0.2", "i-c 10.0.0.3"},
		FreeSlots: 0,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	text := got[0].Text()
	for _, s := range []string{"web2 10.0.9.8:8080", "web3 10.0.9.9:8080", "i-b 10.0.0.2", "i-c 10.0.0.3", "0 free slots"} {
		if !strings.Contains(text, s) {
			t.Errorf("text %q lacks %q", text, s)
		}
	}
}

func TestFreeSlotsAndInSync(t *testing.T) {
	groups := []integrations.Group{group("10.0.0.1", "10.0.0.2")}
	inSync := []integrations.Backend{
		slot("web1", "10.0.0.1", integrations.ServerUp),
		slot("web2", "10.0.0.2", integrations.ServerMaint), // taken out of rotation on purpose: present, not free
		slot("web3", "", integrations.ServerMaint),         // empty server-template slot
		slot("web4", "10.0.9.9", integrations.ServerMaint), // freed by the sync, old address kept
	}
	if got := Compare(groups, inSync, []Binding{web}); len(got) != 0 {
		t.Errorf("in sync, got %+v", got)
	}
	missingOne := inSync[:1:1]
	missingOne = append(missingOne, inSync[2], inSync[3])
	got := Compare(groups, missingOne, []Binding{web})
	if len(got) != 1 || got[0].FreeSlots != 2 || len(got[0].DeadSlots) != 0 || !reflect.DeepEqual(got[0].Missing, []string{"i-b 10.0.0.2"}) {
		t.Errorf("one missing, two free: %+v", got)
	}
}

func TestWrongPortIsDeadAndOutOfServiceIgnored(t *testing.T) {
	g := group("10.0.0.1")
	g.Instances = append(g.Instances, integrations.Instance{ID: "i-old", Lifecycle: integrations.LifecycleTerminating, PrivateIP: "10.0.0.7"})
	wrongPort := slot("web1", "10.0.0.1", integrations.ServerUp)
	wrongPort.Port = 9090
	got := Compare([]integrations.Group{g}, []integrations.Backend{wrongPort, slot("web2", "10.0.0.7", integrations.ServerUp)}, []Binding{web})
	if len(got) != 1 || !reflect.DeepEqual(got[0].DeadSlots, []string{"web1 10.0.0.1:9090", "web2 10.0.0.7:8080"}) || !reflect.DeepEqual(got[0].Missing, []string{"i-a 10.0.0.1"}) {
		t.Errorf("got %+v", got)
	}
}

func TestNoDataIsNotDrift(t *testing.T) {
	groups := []integrations.Group{group("10.0.0.1")}
	backends := []integrations.Backend{slot("web1", "10.0.9.9", integrations.ServerUp)}
	if got := Compare(nil, backends, []Binding{web}); len(got) != 0 {
		t.Errorf("group unknown: %+v", got)
	}
	other := web
	other.Instance = "edge-2" // that instance did not answer: no servers
	if got := Compare(groups, backends, []Binding{other}); len(got) != 0 {
		t.Errorf("backend without data: %+v", got)
	}
}

func TestTrackerRecordsAppearChangeAndClear(t *testing.T) {
	var tr Tracker
	t0 := time.Date(2026, 11, 21, 23, 0, 0, 0, time.UTC)
	f := Finding{Binding: web, DeadSlots: []string{"web2 10.0.9.8:8080"}, Missing: []string{"i-b 10.0.0.2"}}

	recs := tr.Update([]Finding{f}, t0)
	if len(recs) != 1 || recs[0].Kind != "drift" || recs[0].Source != "drift" || !recs[0].Occurred.Equal(t0) ||
		recs[0].Text != "slot drift web-asg ↔ edge-1/web: dead slots web2 10.0.9.8:8080; missing i-b 10.0.0.2; 0 free slots" ||
		recs[0].Fields["free_slots"] != "0" || recs[0].Fields["dead_slots"] != "web2 10.0.9.8:8080" {
		t.Fatalf("first appearance: %+v", recs)
	}
	if recs := tr.Update([]Finding{f}, t0.Add(time.Second)); len(recs) != 0 {
		t.Errorf("unchanged finding recorded again: %+v", recs)
	}
	f.FreeSlots = 1
	if recs := tr.Update([]Finding{f}, t0.Add(2*time.Second)); len(recs) != 1 || recs[0].Kind != "drift" || !strings.Contains(recs[0].Text, "1 free slots") {
		t.Errorf("changed finding: %+v", recs)
	}
	recs = tr.Update(nil, t0.Add(3*time.Second))
	if len(recs) != 1 || recs[0].Kind != "drift.cleared" || recs[0].Text != "slot drift web-asg ↔ edge-1/web cleared" || recs[0].Fields["backend"] != "web" {
		t.Errorf("cleared: %+v", recs)
	}
	if recs := tr.Update(nil, t0.Add(4*time.Second)); len(recs) != 0 {
		t.Errorf("cleared twice: %+v", recs)
	}
}
