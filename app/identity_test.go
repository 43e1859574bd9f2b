package app

import (
	"context"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
)

// TestDrillActsUnderTheNameTheTimelineRecords: in the drill, what the
// person at the keyboard posts and acknowledges carries the name their
// notes carry (the screen's user), on the Chat pane and on the timeline
// alike, not "you" on one and the login name on the other.
func TestDrillActsUnderTheNameTheTimelineRecords(t *testing.T) {
	s, err := Open(Options{ForceDrill: true, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	world := s.world.sources[0].(*drill.World)
	var events []integrations.Event
	pub := integrations.PublisherFunc(func(e integrations.Event) { events = append(events, e) })
	world.Step(world.Now(), pub)
	ctx := context.Background()
	posted, err := s.Post(ctx, "scaling web to 12", "")
	if err != nil {
		t.Fatal(err)
	}
	alert := ""
	for _, e := range events {
		if s, ok := e.(integrations.AlertsSnapshot); ok && len(s.Alerts) > 0 {
			alert = s.Alerts[0].ID
		}
	}
	if err := s.Acknowledge(ctx, integrations.SourcePagerDuty, alert); err != nil {
		t.Fatal(err)
	}
	events = nil
	world.Step(world.Now(), pub)

	user := CurrentUser() // what the screen records notes under
	if posted.User != user {
		t.Errorf("the post is from %q, notes from %q", posted.User, user)
	}
	var shown, recorded, acked string
	for _, e := range events {
		switch e := e.(type) {
		case integrations.ChatPosted:
			shown = e.Messages[0].User
		case integrations.Record:
			switch e.Kind {
			case integrations.KindChatMessage:
				recorded = e.Actor
			case integrations.KindAlertAcknowledged:
				acked = e.Text
			}
		}
	}
	if shown != user || recorded != user {
		t.Errorf("the Chat pane shows %q and the timeline records %q; notes are %q", shown, recorded, user)
	}
	if !strings.HasSuffix(acked, "(by "+user+")") {
		t.Errorf("the acknowledgement reads %q, want it by %s", acked, user)
	}
}
