package export

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// TestMarkdownHasTheDrillScorecard: a drill's scorecard entry is its own
// section, the card's columns kept; the last card wins; an incident with
// no scorecard has no such section.
func TestMarkdownHasTheDrillScorecard(t *testing.T) {
	at := time.Date(2026, time.February, 18, 8, 30, 0, 0, time.UTC)
	card := func(id string, score int, offset time.Duration) timeline.Entry {
		return timeline.Entry{Record: integrations.Record{ID: id, Occurred: at.Add(offset), Source: "drill", Kind: "drill.scorecard", Text: "scenario disk-full (seed 7): score " + strconv.Itoa(score) + "/100\n" +
			"mitigated after 0h10m (the real incident: 0h19m)\n" +
			"  8m0s     host-log-cleanup instance=i-1 path=/var/log     done     helped", Fields: map[string]string{"scenario": "disk-full", "score": "96"}}, Recorded: at}
	}
	entries := []timeline.Entry{
		{Record: integrations.Record{ID: "e1", Occurred: at, Source: "warroom", Kind: "session.opened", Text: "drill started: disk-full"}, Recorded: at},
		card("e2", 40, 20*time.Minute),
		card("e3", 96, 2*time.Hour),
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, entries, Options{Incident: "drill-1", Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	want := "\n## Drill scorecard\n\nScored 2026-02-18 10:30:00 UTC on the drill's clock ([e3](#e3)): the responder's actions replayed on the scenario's seed.\n\n" +
		"```text\nscenario disk-full (seed 7): score 96/100\nmitigated after 0h10m (the real incident: 0h19m)\n" +
		"  8m0s     host-log-cleanup instance=i-1 path=/var/log     done     helped\n```\n"
	if !strings.Contains(md, want) {
		t.Fatalf("draft lacks the scorecard section %q:\n%s", want, md)
	}
	if strings.Count(md, "## Drill scorecard") != 1 || strings.Contains(md[:strings.Index(md, "## Full timeline")], "score 40/100") {
		t.Errorf("an earlier card shows in the scorecard section:\n%s", md)
	}

	buf.Reset()
	if err := Markdown(&buf, entries[:1], Options{Incident: "inc", Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Drill scorecard") {
		t.Errorf("an incident with no scorecard has the section:\n%s", buf.String())
	}
}
