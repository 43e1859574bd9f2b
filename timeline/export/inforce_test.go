package export

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// TestMarkdownListsChangesStillInForce: a throttle never lifted is listed
// with its revert runbook; a server drained and restored is not; and a
// filter does not hide what is in force.
func TestMarkdownListsChangesStillInForce(t *testing.T) {
	at := time.Date(2026, 1, 12, 8, 0, 0, 0, time.UTC)
	change := func(min int, actor string, c ledger.Change) timeline.Entry {
		return timeline.Entry{Record: integrations.Record{ID: "e" + string(rune('1'+min)), Occurred: at.Add(time.Duration(min) * time.Minute), Source: "runbook", Kind: integrations.KindRunbookStepProgress, Actor: actor, Text: "changed: " + c.String(), Fields: map[string]string{"run": "r1", "runbook": "throttle-tier", "step": "1", ledger.FieldChange: c.Encode()}}}
	}
	drain := ledger.Change{Kind: ledger.Server, Instance: "front", Backend: "edges", Server: "edge-1", From: "READY", To: "DRAIN"}
	back := drain
	back.From, back.To = "DRAIN", "READY"
	entries := []timeline.Entry{
		{Record: integrations.Record{ID: "e1", Occurred: at, Source: "runbook", Kind: integrations.KindRunbookRequested, Actor: "alice", Fields: map[string]string{"run": "r1", "runbook": "throttle-tier", "params": "percent=30 tier=free"}}},
		change(1, "alice", ledger.Change{Kind: ledger.Throttle, Instance: "edge-1", Tier: "free", From: "0", To: "30"}),
		change(2, "alice", drain),
		change(3, "alice", back),
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, entries, Options{Incident: "inc", Location: time.UTC, Since: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	want := "| tier free throttled 30% on edge-1 (was 0%) | 2026-01-12 08:01:00 UTC | 2026-01-12 08:01:00 UTC by alice (throttle-tier percent=30 tier=free) | `lift-throttle tier=free` |"
	if !strings.Contains(md, "## Changes still in force") || !strings.Contains(md, want) {
		t.Errorf("draft lacks %q:\n%s", want, md)
	}
	if strings.Contains(md, "edges/edge-1 on front DRAIN (out") {
		t.Error("a server put back in rotation is listed as in force")
	}
	buf.Reset()
	if err := Markdown(&buf, entries[:1], Options{Incident: "inc", Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Changes still in force") {
		t.Error("a section with nothing in force")
	}
}
