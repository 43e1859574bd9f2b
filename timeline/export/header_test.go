package export

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// measuredIncident is a short incident against incidentSeries: the page
// at 10:20 into it, a scale-up that succeeds with its effect entry, a
// throttle run that fails, chat from a second responder.
func measuredIncident() []timeline.Entry {
	at := func(d time.Duration) time.Time { return measuredFrom.Add(d) }
	es := []timeline.Entry{
		{Record: integrations.Record{Source: "pagerduty", Kind: integrations.KindAlertTriggered, Occurred: at(10*time.Minute + 20*time.Second), Text: "web 5xx above 5%", Fields: map[string]string{"alert": "Q1", "severity": "critical"}}},
		{Record: integrations.Record{Source: "slack", Kind: integrations.KindChatMessage, Actor: "bob", Occurred: at(11 * time.Minute), Text: "looking"}},
		{Record: integrations.Record{Source: "runbook", Kind: "runbook.requested", Actor: "ana", Occurred: at(12 * time.Minute), Text: "scale-up requested", Fields: map[string]string{"run": "r1", "runbook": "scale-up"}}},
		{Record: integrations.Record{Source: "runbook", Kind: "runbook.done", Actor: "ana", Occurred: at(13 * time.Minute), Text: "run scale-up done", Fields: map[string]string{"run": "r1", "runbook": "scale-up", "result": "done"}}},
		{Record: integrations.Record{Source: "runbook", Kind: "runbook.requested", Actor: "ana", Occurred: at(13 * time.Minute), Text: "throttle requested", Fields: map[string]string{"run": "r2", "runbook": "throttle"}}},
		{Record: integrations.Record{Source: "runbook", Kind: "runbook.failed", Actor: "ana", Occurred: at(13*time.Minute + 30*time.Second), Text: "run throttle failed", Fields: map[string]string{"run": "r2", "runbook": "throttle", "result": "failed"}}},
		{Record: integrations.Record{Source: "warroom", Kind: integrations.KindEffect, Occurred: at(16 * time.Minute), Text: "scale-up: edge-1/web error ratio 20% → 0%", Fields: map[string]string{"run": "r1"}}},
	}
	for i := range es {
		es[i].Seq, es[i].ID, es[i].Recorded = int64(i+1), "e"+string(rune('1'+i)), es[i].Occurred
	}
	return es
}

func TestHeaderNamesEveryResponderAndSourceWatched(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, measuredIncident(), Options{Incident: "inc-7", Title: "Web 5xx"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# Postmortem draft: Web 5xx\n",
		"| Incident | `inc-7` |",
		"| Status | open (by the key times below) |", // nothing marked, no measurements: not mitigated
		"| When | 2026-01-09 23:50:20 UTC → 2026-01-09 23:56:00 UTC (5m 40s, first entry to last) |",
		"| Responders | ana, bob |",
		"| Sources watched | pagerduty, slack |", // not warroom's own runbook and effect entries
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("draft lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestSummaryIsDraftedFromTheRecord(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, measuredIncident(), Options{Incident: "inc-7", Metrics: incidentSeries()}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	from, to := strings.Index(md, "## Summary"), strings.Index(md, "## Key times")
	if from < 0 || to < from {
		t.Fatalf("no summary:\n%s", md)
	}
	summary := md[from:to]
	for _, want := range []string{
		"**Draft, written by warroom from the record alone: edit it.**",
		"Impact started at 2026-01-09 23:50:00 UTC (error ratio first above 1.0%) and ended at 2026-01-09 23:54:50 UTC (last sample above it): 4m 50s.",
		"It was detected at 2026-01-09 23:50:20 UTC by the first critical alert, “web 5xx above 5%”.",
		"What was run to mitigate it: scale-up (run `r1`, done at 23:53:00), effect: scale-up: edge-1/web error ratio 20% → 0%.",
		"The error ratio on `edge-1/web` peaked at 25.0% at 2026-01-09 23:52:00 UTC.",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "throttle") {
		t.Errorf("summary credits the failed throttle run:\n%s", summary)
	}
	if !strings.Contains(md, "| Status | mitigated (by the key times below) |") {
		t.Errorf("the error ratio came back under the threshold, yet the status is not mitigated:\n%s", md)
	}
}
