package integrations

import "testing"

func TestTeamStatusLines(t *testing.T) {
	s := TeamStatus{Online: false, Queued: 12, Commander: "alice", Members: []TeamMember{
		{Who: "alice", State: "running", Runbook: "scale-up"}, {Who: "bob", State: "idle"}, {Who: "carol", State: "active"}}}
	if got := s.Line(); got != "team: offline · 12 queued" {
		t.Errorf("line %q", got)
	}
	if got := s.Roster(); got != "alice (IC, running scale-up) · bob (idle) · carol" {
		t.Errorf("roster %q", got)
	}
	if got := (TeamStatus{Online: true}).Line(); got != "team: online" {
		t.Errorf("online line %q", got)
	}
	var b Batch
	b.add(TeamChanged{Status: s})
	if b.Team == nil || b.Team.Queued != 12 || b.empty() {
		t.Errorf("batch %+v", b.Team)
	}
}
