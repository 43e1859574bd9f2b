package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// section is the draft's section called name, up to the next one.
func section(t *testing.T, md, name string) string {
	t.Helper()
	start := strings.Index(md, "\n## "+name+"\n")
	if start < 0 {
		t.Fatalf("no %s section:\n%s", name, md)
	}
	rest := md[start+1:]
	if end := strings.Index(rest[3:], "\n## "); end >= 0 {
		rest = rest[:end+3]
	}
	return rest
}

func draftOf(t *testing.T, es ...timeline.Entry) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Markdown(&buf, entriesOf(keyRows(es...)), Options{Incident: "i"}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func runEntry(min float64, kind, run, runbook string, fields map[string]string) timeline.Entry {
	e := keyEntry(min, kind, "ana", map[string]string{"run": run, "runbook": runbook})
	e.Source = "runbook"
	for k, v := range fields {
		e.Fields[k] = v
	}
	return e
}

func TestDecisionsListEveryDecisionWithTimeAndAuthor(t *testing.T) {
	md := draftOf(t,
		keyEntry(1, integrations.KindDecision, "ana", nil),
		keyEntry(2, integrations.KindNote, "bob", nil),
		keyEntry(3, integrations.KindDecision, "bob", nil),
	)
	sec := section(t, md, "Decisions")
	for _, want := range []string{
		"| 2026-01-12 07:01:00 UTC [e1](#e1) | ana | decision |",
		"| 2026-01-12 07:03:00 UTC [e3](#e3) | bob | decision |",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("decisions lack %q:\n%s", want, sec)
		}
	}
	if strings.Count(sec, "\n| 2026") != 2 {
		t.Errorf("want two decisions:\n%s", sec)
	}
	if sec := section(t, draftOf(t, keyEntry(1, integrations.KindNote, "ana", nil)), "Decisions"); !strings.Contains(sec, "_No decision was recorded._") {
		t.Errorf("no decisions, yet:\n%s", sec)
	}
}

func TestWhatWasDoneHasARowPerRunAndScreenAction(t *testing.T) {
	capacity := ledger.Change{Kind: ledger.Capacity, Group: "web", From: "4", To: "12"}
	throttle := ledger.Change{Kind: ledger.Throttle, Instance: "edge-1", Tier: "free", From: "0", To: "30"}
	effect := keyEntry(9, integrations.KindEffect, "", map[string]string{"run": "r1"})
	effect.Source, effect.Text = "warroom", "scale-up: edge-1/web 5xx/s 200 → 0 within 3m (−100%)"
	ackEffect := keyEntry(6, integrations.KindEffect, "", map[string]string{"of": "e4"})
	ackEffect.Source, ackEffect.Text = "warroom", "acknowledge Q1: edge-1/web error ratio 20% → 20% within 3m"
	ack := keyEntry(3, integrations.KindAlertAcknowledged, "bob", map[string]string{"alert": "Q1"})
	ack.Source = "pagerduty"
	md := draftOf(t,
		runEntry(0, "runbook.requested", "r1", "scale-up", map[string]string{"params": "group=web desired=12"}),
		runEntry(1, "runbook.step.progress", "r1", "scale-up", map[string]string{"step": "set", ledger.FieldChange: capacity.Encode()}),
		runEntry(5, "runbook.done", "r1", "scale-up", map[string]string{"result": "done"}),
		ack,
		runEntry(4, "runbook.requested", "r2", "throttle-tier", nil),
		runEntry(4.5, "runbook.step.progress", "r2", "throttle-tier", map[string]string{"step": "set", ledger.FieldChange: throttle.Encode()}),
		runEntry(7, "runbook.abort", "r2", "throttle-tier", map[string]string{"result": "aborted"}),
		effect, ackEffect,
		keyEntry(8, integrations.KindAlertResolved, "", map[string]string{"alert": "Q1"}), // the source's own resolve: not an action
	)
	sec := section(t, md, "What was done")
	rows := strings.Split(strings.TrimSpace(sec), "\n")[4:]
	want := []string{
		"| 2026-01-12 07:00:00 UTC | scale-up (run `r1`) group=web desired=12 | ana | done | 5m 0s | web desired 4 → 12 |  | scale-up: edge-1/web 5xx/s 200 → 0 within 3m (−100%) |",
		"| 2026-01-12 07:03:00 UTC | acknowledged alert Q1 [e4](#e4) | bob | seen on pagerduty | | alert.acknowledged | | acknowledge Q1: edge-1/web error ratio 20% → 20% within 3m |",
		"| 2026-01-12 07:04:00 UTC | throttle-tier (run `r2`) | ana | aborted | 3m 0s | tier free 0% → 30% on edge-1 | tier free stays 30% on edge-1 |  |",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("What was done rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestFollowUpsAreHarvestedFromNotesAndChat(t *testing.T) {
	chat := keyEntry(1, integrations.KindChatMessage, "bob", nil)
	chat.Text = "restarted it.\nFollow-up: the sync's alert never fired"
	note := keyEntry(2, integrations.KindNote, "ana", nil)
	note.Text = "todo: page the DB team sooner"
	item := keyEntry(3, integrations.KindChatMessage, "carol", nil)
	item.Text = "ACTION ITEM:   add a runbook for the lock"
	alert := keyEntry(4, integrations.KindAlertTriggered, "", nil)
	alert.Text = "TODO: not a follow-up, an alert's text"
	plain := keyEntry(5, integrations.KindNote, "ana", nil)
	plain.Text = "follow up with no colon is just talk; nor is mytodo: this, nor an empty TODO:"
	sec := section(t, draftOf(t, chat, note, item, alert, plain), "Follow-ups")
	want := "- [ ] the sync's alert never fired — bob, 2026-01-12 07:01:00 UTC ([e1](#e1))\n" +
		"- [ ] page the DB team sooner — ana, 2026-01-12 07:02:00 UTC ([e2](#e2))\n" +
		"- [ ] add a runbook for the lock — carol, 2026-01-12 07:03:00 UTC ([e3](#e3))\n" +
		"- [ ] \n"
	if !strings.HasSuffix(sec, want) {
		t.Errorf("follow-ups:\n%s\nwant them to end:\n%s", sec, want)
	}
}
