package export

import (
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// retroSections are the draft's retrospective sections by heading.
func retroSections(t *testing.T, md string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, h := range retroHeadings {
		out[h.name] = section(t, md, h.name)
	}
	return out
}

// wantPrompt checks that prompt is a bullet under heading and under no
// other retrospective heading.
func wantPrompt(t *testing.T, md, heading, prompt string) {
	t.Helper()
	for name, sec := range retroSections(t, md) {
		has := strings.Contains(sec, "\n- "+prompt+"\n")
		if name == heading && !has {
			t.Errorf("%s lacks the prompt %q:\n%s", name, prompt, sec)
		}
		if name != heading && has {
			t.Errorf("%s has the prompt %q meant for %s:\n%s", name, prompt, heading, sec)
		}
	}
}

// bullets are the prompts under heading (the empty bullet left out).
func bullets(t *testing.T, md, heading string) []string {
	t.Helper()
	var out []string
	for line := range strings.Lines(section(t, md, heading)) {
		if b, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "- "); ok && b != "" {
			out = append(out, b)
		}
	}
	return out
}

func withText(e timeline.Entry, text string) timeline.Entry {
	e.Text = text
	return e
}

func TestEmptyRecordGivesEmptyRetrospectiveHeadings(t *testing.T) {
	md := draftOf(t)
	for _, h := range retroHeadings {
		want := "## " + h.name + "\n\n_" + h.hint + "_\n\n- \n"
		if got := section(t, md, h.name); got != want {
			t.Errorf("empty record: %s section = %q, want %q", h.name, got, want)
		}
	}
}

func TestPromptAlertLongBeforeDetection(t *testing.T) {
	md := draftOf(t,
		withText(keyEntry(0, integrations.KindAlertTriggered, "", map[string]string{"alert": "L", "severity": "warning"}), "lock wait over 30 min"),
		withText(keyEntry(290, integrations.KindAlertTriggered, "", map[string]string{"alert": "S", "severity": "warning"}), "slow queries"),
		withText(keyEntry(300, integrations.KindAlertTriggered, "", map[string]string{"alert": "C", "severity": "critical"}), "5xx above 5%"),
	)
	wantPrompt(t, md, HeadingContributing, "an alert fired 5h 0m before detection: lock wait over 30 min (Mon 07:00) ([e1](#e1))")
	if got := bullets(t, md, HeadingContributing); len(got) != 1 {
		t.Errorf("an alert 10 minutes before detection, or the detecting one, is no missed warning: %q", got)
	}
}

func TestPromptSourceOutDuringImpact(t *testing.T) {
	status := func(min float64, to string) timeline.Entry {
		e := withText(keyEntry(min, integrations.KindSourceStatus, "", map[string]string{"from": "ok", "to": to}), "aws ok → "+to)
		e.Source = "aws"
		return e
	}
	md := draftOf(t,
		status(-10, "down"), // before the impact
		keyEntry(0, integrations.KindIncidentStarted, "ana", nil),
		status(5, "stale"),
		status(6, "degraded"), // still serving data
		keyEntry(20, integrations.KindIncidentMitigated, "ana", nil),
		status(30, "down"), // after it
	)
	wantPrompt(t, md, HeadingContributing, "source aws was stale during the impact (Mon 07:05): aws ok → stale ([e3](#e3))")
	if got := bullets(t, md, HeadingContributing); len(got) != 1 {
		t.Errorf("only the outage within the impact window is a prompt: %q", got)
	}
}

func TestPromptOddOneOut(t *testing.T) {
	md := draftOf(t, withText(keyEntry(4, integrations.KindOddOne, "", nil), "web-3 answers 5xx while its peers do not"))
	wantPrompt(t, md, HeadingContributing, "an odd one out (Mon 07:04): web-3 answers 5xx while its peers do not ([e1](#e1))")
}

func throttleChange(from, to string) map[string]string {
	c := ledger.Change{Kind: ledger.Throttle, Tier: "free", Instance: "edge-1", From: from, To: to}
	return map[string]string{"step": "apply", "result": "ok", ledger.FieldChange: c.Encode()}
}

func TestPromptUndoneThenAlertAgain(t *testing.T) {
	alert := func(min float64, kind string) timeline.Entry {
		return withText(keyEntry(min, kind, "", map[string]string{"alert": "A", "severity": "critical"}), "5xx alert")
	}
	record := func(lifted string, refire float64) []timeline.Entry {
		return []timeline.Entry{
			alert(0, integrations.KindAlertTriggered),
			runEntry(2, "runbook.step", "r1", "throttle-tier", throttleChange("0", "30")),
			alert(5, integrations.KindAlertResolved),
			runEntry(33, "runbook.step", "r2", "throttle-tier", throttleChange("30", lifted)),
			alert(refire, integrations.KindAlertTriggered),
		}
	}
	md := draftOf(t, record("0", 35)...)
	wantPrompt(t, md, HeadingWentBadly, "tier free 30% → 0% on edge-1 at Mon 07:33 was followed at Mon 07:35 by an alert firing again: 5xx alert ([e4](#e4))")

	if got := bullets(t, draftOf(t, record("0", 33+20)...), HeadingWentBadly); len(got) != 0 {
		t.Errorf("an alert firing again 20 minutes after the undo is not said to follow it: %q", got)
	}
	for _, b := range bullets(t, draftOf(t, record("10", 35)...), HeadingWentBadly) {
		if !strings.HasPrefix(b, "still in force") {
			t.Errorf("a throttle eased to 10%% undoes nothing: %q", b)
		}
	}
}

func TestPromptRunStopped(t *testing.T) {
	md := draftOf(t,
		runEntry(0, "runbook.started", "r1", "scale-up", nil),
		runEntry(5, "runbook.finished", "r1", "scale-up", map[string]string{"result": "aborted"}),
		runEntry(6, "runbook.started", "r2", "scale-up", nil),
		runEntry(9, "runbook.finished", "r2", "scale-up", map[string]string{"result": "ok"}),
	)
	wantPrompt(t, md, HeadingWentBadly, "scale-up (run r1) ended with result aborted at Mon 07:05 ([e1](#e1))")
	if got := bullets(t, md, HeadingWentBadly); len(got) != 1 {
		t.Errorf("a run that succeeded is not a prompt: %q", got)
	}
}

func TestPromptChangeInForce(t *testing.T) {
	capacity := func(from, to string) map[string]string {
		c := ledger.Change{Kind: ledger.Capacity, Group: "web", From: from, To: to}
		return map[string]string{"step": "set", "result": "ok", ledger.FieldChange: c.Encode()}
	}
	md := draftOf(t,
		runEntry(0, "runbook.step", "r1", "scale-up", capacity("4", "12")),
		runEntry(1, "runbook.finished", "r1", "scale-up", map[string]string{"result": "ok"}),
		runEntry(2, "runbook.step", "r2", "throttle-tier", throttleChange("0", "30")),
		runEntry(3, "runbook.step", "r3", "throttle-tier", throttleChange("30", "0")),
	)
	got := bullets(t, md, HeadingWentBadly)
	if len(got) != 1 || !strings.HasPrefix(got[0], "still in force at the end: web") || !strings.HasSuffix(got[0], "(since Mon 07:00) ([e1](#e1))") {
		t.Errorf("want the raised capacity alone, linked to its run, not the throttle lifted again: %q", got)
	}
}

func TestPromptRunImproved(t *testing.T) {
	effect := func(min float64, before, after string) timeline.Entry {
		return withText(keyEntry(min, integrations.KindEffect, "", map[string]string{
			"run": "r1", "before.edge-1/web.error_ratio": before, "after.edge-1/web.error_ratio": after,
		}), "scale-up: error ratio "+before+" → "+after)
	}
	md := draftOf(t, effect(10, "0.2", "0.01"), effect(20, "0.01", "0.05"), effect(30, "0.01", "0.01"))
	wantPrompt(t, md, HeadingWentWell, "the errors fell after an action (Mon 07:10): scale-up: error ratio 0.2 → 0.01 ([e1](#e1))")
	if got := bullets(t, md, HeadingWentWell); len(got) != 1 {
		t.Errorf("an effect that rose or stayed flat is no improvement: %q", got)
	}
}

func TestPromptQuickAcknowledge(t *testing.T) {
	record := func(ack float64) string {
		return draftOf(t,
			keyEntry(0, integrations.KindAlertTriggered, "", map[string]string{"alert": "C", "severity": "critical"}),
			keyEntry(ack, integrations.KindAlertAcknowledged, "ana", map[string]string{"alert": "C"}),
		)
	}
	wantPrompt(t, record(3), HeadingWentWell, "the first page was acknowledged 3m 0s after it fired (Mon 07:03) ([e2](#e2))")
	if got := bullets(t, record(6), HeadingWentWell); len(got) != 0 {
		t.Errorf("a page acknowledged after 6 minutes is not quick: %q", got)
	}
}
