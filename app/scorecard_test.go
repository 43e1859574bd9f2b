package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
)

// TestDrillIsScoredOnceAtItsEnd: when the drill world publishes its end,
// the session scores it and delivers the card in a batch, recorded once;
// quitting after that records no second card, unless the responder acted
// after the end (the drill went on), when the quit scores it again.
func TestDrillIsScoredOnceAtItsEnd(t *testing.T) {
	// disk-full's horizon is two scenario hours: a few seconds at this
	// speed, untouched, so it ends at its horizon, not mitigated.
	s, err := Open(Options{ForceDrill: true, Scenario: "disk-full", Speed: 3000, Seed: 5, StateDir: t.TempDir(), User: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	cards := make(chan integrations.Record, 4)
	s.Watch(context.Background(), func(b integrations.Batch) {
		for _, r := range b.Records {
			if r.Kind == integrations.KindDrillScorecard {
				cards <- r
			}
		}
	})
	defer s.Close()
	var delivered integrations.Record
	select {
	case delivered = <-cards:
	case <-time.After(90 * time.Second):
		t.Fatal("no scorecard delivered after the drill's end")
	}
	if !strings.HasPrefix(delivered.Text, "scenario disk-full (seed 5): score ") || !strings.Contains(delivered.Text, "not mitigated within 2h00m") {
		t.Errorf("the delivered card reads:\n%s", delivered.Text)
	}
	if delivered.ID == "" || delivered.Fields["mitigated"] != "false" {
		t.Errorf("the card is not as stored: id %q, mitigated %q", delivered.ID, delivered.Fields["mitigated"])
	}
	ended, ok := s.world.sources[0].(*drill.World).Ended()
	if !ok || !delivered.Occurred.Equal(ended.At) {
		t.Errorf("the card is at %s, the drill ended at %s (%v)", delivered.Occurred, ended.At, ok)
	}

	card, recorded, err := s.ScoreDrill(context.Background())
	if err != nil || card == nil || recorded {
		t.Fatalf("quitting after the end: card %v, recorded %v, err %v; want the end's card, not recorded again", card != nil, recorded, err)
	}
	if n := s.countKind(integrations.KindDrillScorecard); n != 1 {
		t.Fatalf("%d scorecards on the timeline after quitting at the end, want 1", n)
	}

	// The responder acknowledges an alert after the end: the quit scores
	// that too, and records a second card.
	if _, err := s.Record(context.Background(), integrations.Record{Occurred: ended.At.Add(time.Minute), Source: integrations.SourceWarroom,
		Kind: integrations.KindAlertAcknowledged, Fields: map[string]string{"alert": "late"}}); err != nil {
		t.Fatal(err)
	}
	again, recorded, err := s.ScoreDrill(context.Background())
	if err != nil || !recorded || again == card {
		t.Fatalf("quitting after acting past the end: recorded %v, same card %v, err %v; want a new card recorded", recorded, again == card, err)
	}
	if n := s.countKind(integrations.KindDrillScorecard); n != 2 {
		t.Fatalf("%d scorecards after the drill went on, want 2", n)
	}
}

func (s *Session) countKind(kind string) int {
	n := 0
	for _, e := range s.store.Entries() {
		if e.Kind == kind {
			n++
		}
	}
	return n
}
