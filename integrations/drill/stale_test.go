package drill

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
)

// latest keeps the newest fleet and HAProxy snapshots a world published.
type latest struct {
	recorder
	groups   []integrations.Group
	backends []integrations.Backend
}

func (l *latest) Publish(e integrations.Event) {
	l.recorder.Publish(e)
	switch e := e.(type) {
	case integrations.FleetSnapshot:
		l.groups = e.Groups
	case integrations.BackendsSnapshot:
		l.backends = e.Backends
	}
}

func stepTo(w *World, l *latest, second int) {
	w.Step(w.Scenario().Start.Add(time.Duration(second)*time.Second), l)
}

func TestStaleSlotsDriftFromTheStart(t *testing.T) {
	sc, ok := Lookup("stale-slots")
	if !ok {
		t.Fatal("no stale-slots scenario")
	}
	w := New(sc, Options{Seed: 3})
	l := &latest{}
	stepTo(w, l, 1)
	findings := drift.Compare(l.groups, l.backends, w.Bindings())
	if len(findings) != 3 {
		t.Fatalf("%d findings, want one per edge: %+v", len(findings), findings)
	}
	f := findings[0]
	if len(f.Missing) != 4 || f.FreeSlots != 0 || len(f.DeadSlots) != 0 {
		t.Fatalf("at the start: %s; want 4 hosts without a slot, 0 free slots, no dead slot yet", f.Text())
	}
}

func TestStaleSlotsScaleInBreaksAndMoreCapacityDoesNotHelp(t *testing.T) {
	sc, _ := Lookup("stale-slots")
	w := New(sc, Options{Seed: 3})
	l := &latest{}
	stepTo(w, l, 200)
	if w.signal.ErrorRate < 0.15 {
		t.Fatalf("error rate %.2f after the scale-in removed the slotted hosts; want a large share of 503s", w.signal.ErrorRate)
	}
	findings := drift.Compare(l.groups, l.backends, w.Bindings())
	if len(findings) == 0 || len(findings[0].DeadSlots) != 10 {
		t.Fatalf("after scaling in to 10, want 10 dead slots per edge: %+v", findings)
	}
	before := w.signal.ErrorRate
	if err := webOf(w).SetDesiredCapacity(context.Background(), "web", 30); err != nil {
		t.Fatal(err)
	}
	stepTo(w, l, 400)
	g, _ := w.DescribeGroup(context.Background(), "web")
	if g.InService != 30 {
		t.Fatalf("in service %d, want the 30 asked for", g.InService)
	}
	up := 0
	for _, b := range l.backends {
		if b.Instance == "edge-1" && b.State == integrations.ServerUp {
			up++
		}
	}
	if up != 6 || w.signal.ErrorRate < 0.15 {
		t.Fatalf("after adding capacity: %d UP servers on edge-1, error rate %.2f (was %.2f); the new hosts must get no slot and the 503s go on",
			up, w.signal.ErrorRate, before)
	}
	fired := false
	for _, r := range l.records("alert.triggered") {
		fired = fired || r.Fields["alert"] == "PD-5XX"
	}
	if !fired {
		t.Fatal("the 5xx alert never fired")
	}
}

func TestStaleSlotsRollingReloadRecovers(t *testing.T) {
	sc, _ := Lookup("stale-slots")
	w := New(sc, Options{Seed: 3})
	l := &latest{}
	stepTo(w, l, 200)
	for i, e := range w.Instances() {
		if _, err := webOf(w).Reload(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		stepTo(w, l, 210+10*i)
	}
	stepTo(w, l, 400)
	if w.signal.ErrorRate > 0.01 {
		t.Fatalf("error rate %.3f after reloading every edge; want recovered", w.signal.ErrorRate)
	}
	if findings := drift.Compare(l.groups, l.backends, w.Bindings()); len(findings) != 0 {
		t.Fatalf("drift remains after the reloads: %s", findings[0].Text())
	}
	var reloads, recovered int
	for _, r := range l.records("fleet.change") {
		if strings.Contains(r.Text, "slots re-resolved: 10 servers, 6 free") {
			reloads++
		}
	}
	for _, r := range l.records("alert.resolved") {
		if r.Fields["alert"] == "PD-5XX" {
			recovered++
		}
	}
	if reloads != 3 || recovered != 1 {
		t.Fatalf("%d reload records naming re-resolved slots (want 3), %d 5xx resolutions (want 1)", reloads, recovered)
	}
}
