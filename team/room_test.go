package team

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

func TestRoomStatusForTheHeader(t *testing.T) {
	ts := startTestServer(t, nil)
	join := func(who string) (*Room, *Timeline) {
		c := dial(t, Options{URL: ts.url(), Name: who})
		tl := openTimeline(t, c, t.TempDir(), "INC-3", TimelineOptions{AppendTimeout: 300 * time.Millisecond})
		r, err := c.JoinRoom("INC-3", who, tl, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r, tl
	}
	alice, atl := join("alice")
	bob, _ := join("bob")
	if _, err := alice.Roles().Take(RoleCommander, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Here().Set(StateRunning, "scale-up"); err != nil {
		t.Fatal(err)
	}
	st := alice.Status()
	if st.Line() != "team: online" || st.Roster() != "alice (IC) · bob (running scale-up)" || st.Commander != "alice" {
		t.Fatalf("status %q, roster %q", st.Line(), st.Roster())
	}
	if got := atl.Entries(); len(got) != 1 || got[0].Kind != KindRoleTaken {
		t.Errorf("the role change on the timeline: %+v", got)
	}

	pub := make(chan integrations.Event, 8)
	ts.stop()
	var q *QueuedError
	if _, err := atl.Append(note("while the server is down")); !errors.As(err, &q) {
		t.Fatalf("append offline: %v", err)
	}
	st = alice.Status()
	if st.Line() != "team: offline · 1 queued" || st.Roster() != "alice (IC) · bob (running scale-up)" {
		t.Errorf("offline: %q, roster %q (the last known)", st.Line(), st.Roster())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		alice.Run(ctx, 20*time.Millisecond, integrations.PublisherFunc(func(e integrations.Event) { pub <- e }))
	}()
	if e := (<-pub).(integrations.TeamChanged); e.Status.Line() != "team: offline · 1 queued" {
		t.Errorf("the header's event: %+v", e.Status)
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-done
	if len(pub) != 0 {
		t.Errorf("%d more events without a change", len(pub))
	}
}
