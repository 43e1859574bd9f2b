package ledger

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

var t0 = time.Date(2026, 1, 12, 8, 0, 0, 0, time.UTC)

// changed is the record a run makes when an action reports a change.
func changed(at time.Duration, actor, run string, c Change) Event {
	return Event{Occurred: t0.Add(at), Kind: integrations.KindRunbookStepProgress, Actor: actor, Text: "changed: " + c.String(),
		Fields: map[string]string{"run": run, "runbook": "rb", "step": "1", FieldChange: c.Encode()}}
}

func requested(at time.Duration, actor, run, runbook, params string) Event {
	return Event{Occurred: t0.Add(at), Kind: integrations.KindRunbookRequested, Actor: actor,
		Fields: map[string]string{"run": run, "runbook": runbook, "params": params, "dry_run": "false"}}
}

func throttle(inst, from, to string) Change {
	return Change{Kind: Throttle, Instance: inst, Tier: "free", From: from, To: to}
}

func TestLaterChangeUpdatesTheItemAndARevertClearsIt(t *testing.T) {
	l := New()
	l.Add(requested(0, "alice", "r1", "throttle-tier", "percent=30 tier=free"))
	l.Add(changed(time.Second, "alice", "r1", throttle("edge-1", "0", "30")))
	l.Add(changed(2*time.Second, "alice", "r1", throttle("edge-2", "0", "30")))
	items := l.Items()
	if len(items) != 1 || items[0].What != "tier free throttled 30% on edge-1, edge-2 (was 0%)" {
		t.Fatalf("items = %+v", items)
	}
	// A CLI run in another process raises it on one edge.
	l.Add(requested(time.Minute, "bob", "r2", "throttle-tier", "percent=50 tier=free"))
	l.Add(changed(time.Minute+time.Second, "bob", "r2", throttle("edge-2", "30", "50")))
	it := l.Items()[0]
	if it.What != "tier free throttled 30% on edge-1; 50% on edge-2 (was 0%)" || it.By != "bob" || it.Runbook != "throttle-tier percent=50 tier=free" ||
		!it.Since.Equal(t0.Add(time.Second)) || !it.At.Equal(t0.Add(time.Minute+time.Second)) {
		t.Errorf("after a later change: %+v", it)
	}
	if it.Revert.String() != "lift-throttle tier=free" {
		t.Errorf("revert = %q", it.Revert)
	}
	l.Add(changed(2*time.Minute, "carol", "r3", throttle("edge-1", "30", "0")))
	l.Add(changed(2*time.Minute, "carol", "r3", throttle("edge-2", "50", "0")))
	if n := len(l.Items()); n != 0 {
		t.Errorf("after lifting, %d in force: %+v", n, l.Items())
	}
}

func TestDrainedServerIsRevertedByRestoreServer(t *testing.T) {
	l := New()
	l.Add(changed(0, "alice", "r1", Change{Kind: Server, Instance: "front", Backend: "edges", Server: "edge-1", From: "READY", To: "DRAIN"}))
	items := l.Items()
	if len(items) != 1 || items[0].What != "edges/edge-1 on front DRAIN (out of rotation) (was READY)" {
		t.Fatalf("items = %+v", items)
	}
	if got := items[0].Revert.String(); got != "restore-server backend=edges instance=front server=edge-1" {
		t.Errorf("revert = %q", got)
	}
	// A server already out of rotation that is drained: nothing new.
	l.Add(changed(time.Second, "alice", "r2", Change{Kind: Server, Instance: "front", Backend: "edges", Server: "edge-2", From: "DRAIN", To: "DRAIN"}))
	if n := len(l.Items()); n != 1 {
		t.Errorf("count = %d", n)
	}
}

func TestRaisedCapacitySaysHowToLowerIt(t *testing.T) {
	l := New()
	l.Add(changed(0, "alice", "r1", Change{Kind: Capacity, Group: "web", From: "4", To: "20"}))
	it := l.Items()[0]
	if it.Revert.Runbook != "" || !strings.Contains(it.Revert.How, "set web's desired capacity back to 4") {
		t.Errorf("revert = %+v", it.Revert)
	}
	// Lowered below where it was (a custom runbook): scale-up raises it back.
	l2 := New()
	l2.Add(changed(0, "alice", "r1", Change{Kind: Capacity, Group: "web", From: "12", To: "6"}))
	if got := l2.Items()[0].Revert.String(); got != "scale-up desired=12 group=web" {
		t.Errorf("revert = %q", got)
	}
}

func TestUnconfirmedChangeIsInForceAndSaysSo(t *testing.T) {
	c := throttle("edge-1", "0", "30")
	c.Unconfirmed = true
	l := New()
	l.Add(changed(0, "alice", "r1", c))
	if it := l.Items(); len(it) != 1 || !it[0].Unconfirmed || !strings.Contains(it[0].What, "unconfirmed") {
		t.Errorf("items = %+v", it)
	}
}

func TestNetKeepsOnlyWhatStays(t *testing.T) {
	drain := Change{Kind: Server, Instance: "front", Backend: "edges", Server: "edge-1", From: "READY", To: "DRAIN"}
	back := drain
	back.From, back.To = "DRAIN", "READY"
	cmd := Change{Kind: Command, Target: "i-1", To: "systemctl restart app"}
	got := Net([]Change{drain, {Kind: Reload, Instance: "edge-1"}, back, cmd, {Kind: Capacity, Group: "web", From: "4", To: "8"}, {Kind: Capacity, Group: "web", From: "8", To: "10"}})
	if len(got) != 2 || got[0].Kind != Command || got[1].From != "4" || got[1].To != "10" {
		t.Errorf("net = %+v", got)
	}
	_, _, text := Aftermath([]Change{drain, back}, "the wait for its health check to report UP", true)
	if text != "changed: edges/edge-1 on front READY → DRAIN; edges/edge-1 on front DRAIN → READY; nothing of it stays; the wait for its health check to report UP was cancelled" {
		t.Errorf("aftermath = %q", text)
	}
	if _, _, text := Aftermath(nil, "", false); text != "nothing was changed" {
		t.Errorf("aftermath of nothing = %q", text)
	}
}

func TestUnfinishedRunsAreFound(t *testing.T) {
	start := func(run string) []Event {
		return []Event{
			requested(0, "alice", run, "drain-server", "instance=front server=edge-1"),
			{Occurred: t0.Add(time.Second), Kind: integrations.KindRunbookStepStart, Fields: map[string]string{"run": run, "step": "1", "step_name": "drain", "mutates": "true", "plan": "front edges/edge-1 UP → DRAIN"}},
			changed(2*time.Second, "alice", run, Change{Kind: Server, Instance: "front", Backend: "edges", Server: "edge-1", From: "READY", To: "DRAIN"}),
			{Occurred: t0.Add(3 * time.Second), Kind: integrations.KindRunbookStepProgress, Text: "edges/edge-1 on front draining: 7 sessions", Fields: map[string]string{"run": run, "step": "1"}},
		}
	}
	var events []Event
	events = append(events, start("crashed")...)
	events = append(events, start("ended")...)
	events = append(events, Event{Kind: integrations.KindRunbookAbort, Fields: map[string]string{"run": "ended"}})
	events = append(events, start("reported")...)
	events = append(events, Event{Kind: integrations.KindRunbookUnfinished, Fields: map[string]string{"run": "reported"}})
	dry := start("dry")
	dry[0].Fields["dry_run"] = "true"
	events = append(events, dry[:2]...)
	recent := start("recent")
	recent[3].Recorded = t0.Add(time.Hour)
	events = append(events, recent...)
	l := Of(events)
	got := l.Unfinished()
	if len(got) != 2 || got[0].Run != "crashed" || got[1].Run != "recent" || !got[1].LastRecorded.Equal(t0.Add(time.Hour)) {
		t.Fatalf("unfinished = %+v", got)
	}
	text := got[0].Text()
	for _, want := range []string{"run crashed of drain-server (instance=front server=edge-1) by alice was left unfinished",
		"step 1 drain started 08:00:01 and never ended (last: edges/edge-1 on front draining: 7 sessions)",
		"it had changed: edges/edge-1 on front READY → DRAIN; edges/edge-1 on front stays DRAIN"} {
		if !strings.Contains(text, want) {
			t.Errorf("text %q lacks %q", text, want)
		}
	}
}

func TestDecodeRejectsWhatIsNotAChange(t *testing.T) {
	for _, field := range []string{"", "{", `{"to":"3"}`, `[1]`} {
		if _, err := Decode(field); err == nil {
			t.Errorf("Decode(%q) gave no error", field)
		}
	}
	l := New()
	if l.Add(Event{Kind: integrations.KindRunbookStepProgress, Fields: map[string]string{FieldChange: "{garbage"}}) || len(l.Items()) != 0 {
		t.Error("a garbled change field was folded in")
	}
}

// TestLedgerSurvivesARestart: the ledger is the timeline's, so a store
// reopened after the process ended gives the same items.
func TestLedgerSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), timeline.FileName)
	s, err := timeline.Open(path, timeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Event{
		requested(0, "alice", "r1", "drain-server", "backend=edges instance=front server=edge-1"),
		changed(time.Second, "alice", "r1", Change{Kind: Server, Instance: "front", Backend: "edges", Server: "edge-1", From: "READY", To: "MAINT"}),
	} {
		if _, err := s.Append(timeline.Entry{Record: integrations.Record{Occurred: e.Occurred, Source: "runbook", Kind: e.Kind, Actor: e.Actor, Text: e.Text, Fields: e.Fields}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	reopened, err := timeline.Open(path, timeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	items := OfEntries(reopened.Entries()).Items()
	if len(items) != 1 || items[0].By != "alice" || items[0].Revert.String() != "restore-server backend=edges instance=front server=edge-1" ||
		items[0].Runbook != "drain-server backend=edges instance=front server=edge-1" {
		t.Fatalf("after reopening: %+v", items)
	}
}

func TestShedFeatureIsOneItemRevertedByRestoreOptionalLoad(t *testing.T) {
	shed := func(inst, from, to string) Change {
		return Change{Kind: Shed, Instance: inst, Feature: "recommendations", From: from, To: to}
	}
	l := New()
	l.Add(requested(0, "alice", "r1", "shed-optional-load", "feature=recommendations"))
	l.Add(changed(time.Second, "alice", "r1", shed("edge-1", Served, IsShed)))
	l.Add(changed(2*time.Second, "alice", "r1", shed("edge-2", Served, IsShed)))
	items := l.Items()
	if len(items) != 1 || items[0].What != "feature recommendations shed on edge-1, edge-2 (was served)" || items[0].Kind != Shed {
		t.Fatalf("items = %+v", items)
	}
	if got := items[0].Revert.String(); got != "restore-optional-load feature=recommendations" {
		t.Errorf("revert = %q", got)
	}
	if s := shed("edge-1", Served, IsShed).Stays(); s != "feature recommendations stays shed on edge-1" {
		t.Errorf("stays = %q", s)
	}
	l.Add(changed(time.Minute, "bob", "r2", shed("edge-1", IsShed, Served)))
	if items := l.Items(); len(items) != 1 || items[0].What != "feature recommendations shed on edge-2 (was served)" {
		t.Fatalf("after restoring edge-1: %+v", items)
	}
	l.Add(changed(time.Minute, "bob", "r2", shed("edge-2", IsShed, Served)))
	if n := len(l.Items()); n != 0 {
		t.Errorf("after restoring, %d in force: %+v", n, l.Items())
	}
}

func TestReplicaOutOfRotationIsRevertedByReplicaIntoRotation(t *testing.T) {
	out := Change{Kind: Replica, Replica: "db-2:3306", From: "ONLINE", To: "OFFLINE_SOFT"}
	l := New()
	l.Add(requested(0, "alice", "r1", "replica-out-of-rotation", "host=db-2 port=3306"))
	l.Add(changed(time.Second, "alice", "r1", out))
	items := l.Items()
	if len(items) != 1 || items[0].What != "replica db-2:3306 OFFLINE_SOFT (out of rotation) (was ONLINE)" {
		t.Fatalf("items = %+v", items)
	}
	if got := items[0].Revert.String(); got != "replica-into-rotation host=db-2 port=3306" {
		t.Errorf("revert = %q", got)
	}
	if got := out.String(); got != "replica db-2:3306 ONLINE → OFFLINE_SOFT" {
		t.Errorf("change = %q", got)
	}
	l.Add(changed(time.Minute, "alice", "r2", Change{Kind: Replica, Replica: "db-2:3306", From: "OFFLINE_SOFT", To: "ONLINE"}))
	if n := len(l.Items()); n != 0 {
		t.Errorf("after returning it, %d in force: %+v", n, l.Items())
	}
}
