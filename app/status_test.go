package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/statusupdate"
)

// TestDrillStatusUpdateIsPostedAndRecorded: in a drill the session drafts
// an update for the scenario's incident channel, posts it there, records
// it once with the next one promised a cadence later, and the reminder
// follows that promise; an empty or overlong update is refused before
// anything is posted.
func TestDrillStatusUpdateIsPostedAndRecorded(t *testing.T) {
	if statusupdate.Posted != api.StatusLanded {
		t.Fatalf("the screen reads %q as landed, statusupdate says %q", api.StatusLanded, statusupdate.Posted)
	}
	s, err := Open(Options{ForceDrill: true, Scenario: "monday-surge", Speed: 1, StateDir: t.TempDir(), User: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	s.Watch(context.Background(), nil)
	defer s.Close()
	now := s.world.clock()
	d, err := s.DraftStatus(now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Text, "Status update: ") || !strings.Contains(d.Text, "Next update:") || strings.Join(d.Targets, ",") != "#inc-monday-surge" {
		t.Fatalf("draft to %v:\n%s", d.Targets, d.Text)
	}
	for _, bad := range []string{"  ", strings.Repeat("x", MaxUpdateChars+1)} {
		if _, err := s.PostStatus(context.Background(), bad); err == nil {
			t.Errorf("an update of %d characters was not refused", len(bad))
		}
	}
	posted, err := s.PostStatus(context.Background(), "Status update: checkout slow\nNext update: by 08:00")
	if err != nil {
		t.Fatal(err)
	}
	if len(posted.Outcomes) != 1 || posted.Outcomes[0] != (api.StatusOutcome{Target: "#inc-monday-surge", Status: api.StatusLanded}) {
		t.Fatalf("outcomes %+v", posted.Outcomes)
	}
	r := posted.Record
	if r.ID == "" || r.Kind != integrations.KindStatusUpdate || r.Fields["channels"] != "#inc-monday-surge" || r.Actor != "ana" {
		t.Fatalf("recorded %+v", r)
	}
	if n := s.countKind(integrations.KindStatusUpdate); n != 1 {
		t.Fatalf("%d status updates on the timeline, want 1", n)
	}
	promised, err := time.Parse(time.RFC3339, r.Fields["next_due"])
	if err != nil {
		t.Fatalf("next_due %q: %v", r.Fields["next_due"], err)
	}
	due := s.StatusDue(r.Occurred)
	if !due.Next.Equal(promised) || due.Done || promised.Sub(r.Occurred) != due.Every {
		t.Errorf("reminder %+v after an update promising %s (posted %s)", due, promised, r.Occurred)
	}
}
