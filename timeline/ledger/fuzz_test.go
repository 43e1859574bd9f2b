package ledger

import (
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// FuzzLedgerFold: the ledger folds what any process wrote on the timeline,
// so a change field of any shape, in any kind of runbook entry, never
// panics the fold or what reads it out; a change it takes into account
// and then its exact reverse (From and To swapped) leave nothing in force.
func FuzzLedgerFold(f *testing.F) {
	f.Add(`{"kind":"capacity","group":"web","from":"4","to":"20"}`, integrations.KindRunbookStepProgress, "true")
	f.Add(`{"kind":"throttle","instance":"edge-1","tier":"free","from":"0","to":"50"}`, integrations.KindRunbookStepEnd, "false")
	f.Add(`{"kind":"server","instance":"front","backend":"edges","server":"edge1","from":"ready","to":"drain"}`, integrations.KindRunbookAbort, "true")
	f.Add(`{"kind":"command","target":"i-1","to":"df -h"}`, integrations.KindRunbookDone, "")
	f.Add(`{"kind":"capacity"}`, integrations.KindRunbookUnfinished, "true")
	f.Fuzz(func(t *testing.T, field, kind, mutates string) {
		at := time.Date(2026, 1, 12, 7, 15, 0, 0, time.UTC)
		ev := func(kind string, fields map[string]string) Event {
			at = at.Add(time.Second)
			fields["run"] = "r1"
			return Event{Occurred: at, Recorded: at, Kind: kind, Actor: "root", Fields: fields}
		}
		l := Of([]Event{
			ev(integrations.KindRunbookRequested, map[string]string{"runbook": "scale-up", "params": "group=web"}),
			ev(integrations.KindRunbookStepStart, map[string]string{"step": "1", "step_name": "scale", "mutates": mutates}),
		})
		took := l.Add(ev(kind, map[string]string{FieldChange: field}))
		for _, it := range l.Items() {
			_ = it.Revert.String()
		}
		for _, u := range l.Unfinished() {
			_ = u.Text()
		}
		c, err := Decode(field)
		if err != nil || !took {
			return
		}
		back := c
		back.From, back.To = c.To, c.From
		l.Add(ev(integrations.KindRunbookStepProgress, map[string]string{FieldChange: back.Encode()}))
		if items := l.Items(); len(items) != 0 {
			t.Fatalf("%s then its reverse %s leave %+v in force", field, back.Encode(), items)
		}
	})
}
