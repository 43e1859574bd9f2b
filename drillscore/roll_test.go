package drillscore

import (
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
)

// TestDrillRollDrainsEachEdgeInTurn: the drill's rolling restart drains
// each edge on the front, waits while its sessions end, reloads it and
// returns it, one edge after another.
func TestDrillRollDrainsEachEdgeInTurn(t *testing.T) {
	sc, _ := drill.Lookup("stale-slots")
	var recs []integrations.Record
	o := play(sc, sc.Reference, -1, options(t, 3), func(r integrations.Record) { recs = append(recs, r) })
	if !o.mitigated || o.statuses[0] != "done" {
		t.Fatalf("the roll: %v %v", o.statuses, o.errs)
	}
	// Each edge's drain, sessions ending, reload and return, in turn.
	edges := []string{"edge-1", "edge-2", "edge-3"} // stale-slots' edges, behind front-1
	var order []string
	for _, r := range recs {
		if r.Kind != integrations.KindRunbookStepProgress && r.Kind != integrations.KindRunbookPlan {
			continue
		}
		for _, e := range edges {
			switch {
			case strings.Contains(r.Text, "no upstream configured"):
				t.Errorf("the roll found no front: %s", r.Text)
			case strings.Contains(r.Text, "edges/"+e+" on front-1 draining: 0 sessions"):
				order = append(order, e+" drained")
			case strings.Contains(r.Text, "edges/"+e+" on front-1 draining:"):
				if len(order) == 0 || order[len(order)-1] != e+" sessions" {
					order = append(order, e+" sessions")
				}
			case strings.Contains(r.Text, "changed: "+e+" reloaded"):
				order = append(order, e+" reloaded")
			case strings.Contains(r.Text, "changed: edges/"+e+" on front-1 DRAIN → READY"):
				order = append(order, e+" back")
			}
		}
	}
	var want []string
	for _, e := range edges {
		want = append(want, e+" sessions", e+" drained", e+" reloaded", e+" back")
	}
	if strings.Join(order, ", ") != strings.Join(want, ", ") {
		t.Errorf("the roll went\n%s\nwant\n%s", strings.Join(order, ", "), strings.Join(want, ", "))
	}
}
