package team

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func roster(t *testing.T, p *Presence) map[string]Member {
	t.Helper()
	ms, err := p.Roster()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Member{}
	for _, m := range ms {
		out[m.Who] = m
	}
	return out
}

func TestPresenceShowsWhoIsHereAndWhatTheyRun(t *testing.T) {
	ts := startTestServer(t, nil)
	const ttl = time.Second
	aliceC, bobC := dial(t, Options{URL: ts.url()}), dial(t, Options{URL: ts.url()})
	pa, err := aliceC.Presence("INC-1", ttl)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := bobC.Presence("INC-1", ttl)
	if err != nil {
		t.Fatal(err)
	}
	other, err := bobC.Presence("INC-2", ttl)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := pa.Join("alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := pb.Join("bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Join("carol"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Set(StateRunning, "scale-out"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * ttl) // refreshes keep both on the roster past the TTL
	got := roster(t, pa)
	if len(got) != 2 || got["alice"].State != StateActive || got["bob"].State != StateRunning || got["bob"].Runbook != "scale-out" {
		t.Fatalf("roster %+v", got)
	}
	if err := alice.Leave(); err != nil {
		t.Fatal(err)
	}
	if got := roster(t, pb); len(got) != 1 || got["bob"].Who != "bob" {
		t.Errorf("roster after alice left: %+v", got)
	}
	bobC.Close() // bob's warroom dies without leaving
	eventually(t, 3*ttl, "bob drops off the roster", func() bool { return len(roster(t, pa)) == 0 })
}

func TestCommanderRoleIsTakenOnceAndHandedOverOnTheTimeline(t *testing.T) {
	ts := startTestServer(t, nil)
	c := dial(t, Options{URL: ts.url()})
	tl := openTimeline(t, c, t.TempDir(), "INC-1", TimelineOptions{})
	roles, err := c.Roles("INC-1", tl)
	if err != nil {
		t.Fatal(err)
	}
	bobRoles, err := dial(t, Options{URL: ts.url()}).Roles("INC-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	took, err := roles.Take(RoleCommander, "alice")
	if err != nil {
		t.Fatal(err)
	}
	var held *RoleHeldError
	if _, err := bobRoles.Take(RoleCommander, "bob"); !errors.As(err, &held) || held.Holder.Who != "alice" {
		t.Fatalf("bob taking a held role: %v", err)
	}
	if _, err := bobRoles.HandOver(RoleCommander, "bob", "bob"); err == nil {
		t.Error("bob handed over a role alice holds")
	}
	if _, err := roles.HandOver(RoleCommander, "alice", "bob"); err != nil {
		t.Fatal(err)
	}
	if h, ok, err := bobRoles.Holder(RoleCommander); err != nil || !ok || h.Who != "bob" || h.From != "alice" {
		t.Errorf("holder after hand-over: %+v %v %v", h, ok, err)
	}
	if released, err := bobRoles.Release(RoleCommander, "bob"); err != nil || released.ID != "" {
		t.Fatalf("release recorded nowhere: %+v %v", released, err)
	}
	if _, err := roles.Take(RoleCommander, "alice"); err != nil {
		t.Errorf("taking a released role: %v", err)
	}
	if first := tl.Entries()[0]; took.ID == "" || took.ID != first.ID || took.Hash != first.Hash {
		t.Errorf("Take returned %+v, the timeline stored %+v", took, first)
	}
	var kinds []string
	for _, e := range tl.Entries() {
		kinds = append(kinds, e.Kind+":"+e.Fields["role"])
	}
	if want := []string{KindRoleTaken + ":commander", KindRoleHandedOver + ":commander", KindRoleTaken + ":commander"}; !slices.Equal(kinds, want) {
		t.Errorf("timeline records %q, want %q (bob's release was not recorded on a timeline)", kinds, want)
	}
}
