package statusupdate

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

var t0 = time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC)

func at(min float64) time.Time { return t0.Add(time.Duration(min * float64(time.Minute))) }

// incident is a timeline in progress: started marked at 07:10, a CPU
// alert fired and cleared, the 5xx page still open, a throttle done and a
// scale-up running.
func incident() []timeline.Entry {
	es := []timeline.Entry{
		{Record: integrations.Record{Occurred: at(10), Source: "warroom", Kind: integrations.KindIncidentStarted, Actor: "ana", Text: "first customer report"}},
		{Record: integrations.Record{Occurred: at(16), Source: "pagerduty", Kind: integrations.KindAlertTriggered, Text: "[error] CPU above 90%", Fields: map[string]string{"alert": "PD-CPU", "severity": "error", "service": "web"}}},
		{Record: integrations.Record{Occurred: at(17), Source: "pagerduty", Kind: integrations.KindAlertTriggered, Text: "[critical] HTTP 5xx above 5%\nat the load balancers", Fields: map[string]string{"alert": "PD-5XX", "severity": "critical", "service": "web"}}},
		{Record: integrations.Record{Occurred: at(19), Source: "runbook", Kind: "runbook.requested", Actor: "ana", Text: "run throttle-tier requested", Fields: map[string]string{"run": "r1", "runbook": "throttle-tier", "params": "percent=50 tier=free"}}},
		{Record: integrations.Record{Occurred: at(21), Source: "runbook", Kind: "runbook.finished", Actor: "ana", Text: "run throttle-tier done", Fields: map[string]string{"run": "r1", "runbook": "throttle-tier", "result": "done"}}},
		{Record: integrations.Record{Occurred: at(21.5), Source: "runbook", Kind: "runbook.requested", Actor: "ana", Text: "run scale-up requested", Fields: map[string]string{"run": "r2", "runbook": "scale-up", "params": "desired=12 group=web"}}},
		{Record: integrations.Record{Occurred: at(30), Source: "pagerduty", Kind: integrations.KindAlertResolved, Text: "CPU back", Fields: map[string]string{"alert": "PD-CPU"}}},
	}
	return numbered(es)
}

func numbered(es []timeline.Entry) []timeline.Entry {
	for i := range es {
		es[i].Seq, es[i].ID = int64(i+1), "e"+strconv.Itoa(i+1)
		es[i].Recorded = es[i].Occurred
	}
	return es
}

func cadence(sev integrations.Severity) time.Duration {
	if sev == integrations.SeverityCritical {
		return 30 * time.Minute
	}
	return time.Hour
}

func measured(metric string, v float64) series.Series {
	sr := series.Series{Key: series.Key{Source: "haproxy", Target: "edge-1/web", Metric: metric}, Interval: 10 * time.Second}
	for m := 0; m <= 30; m++ {
		sr.Points = append(sr.Points, series.Point{Time: at(float64(m)), Value: v})
	}
	return sr
}

// TestDraftIsWrittenFromTheRecord: what is affected (the open alerts,
// not the cleared one), since when, the latest figures, the runs in
// progress and done, and when the next update comes by the severity.
func TestDraftIsWrittenFromTheRecord(t *testing.T) {
	opts := Options{Title: "Checkout 503s", Now: at(31), Cadence: cadence,
		Metrics: []series.Series{measured(integrations.MetricErrorRatio, 0.032), measured(integrations.MetricReqPerS, 1200)}}
	d := NewDraft(incident(), opts)
	want := `Status update: Checkout 503s (open, critical)
Affected: web: [critical] HTTP 5xx above 5% at the load balancers.
Since: 07:10 UTC (started, 21m ago)
Now: error ratio 3.2%, requests/s 1200 on edge-1/web at 07:30 UTC.
Being done: scale-up desired=12 group=web (running since 07:21 UTC); done: throttle-tier percent=50 tier=free (done at 07:21 UTC).
Next update: by 08:01 UTC.`
	if d.Text != want {
		t.Errorf("draft:\n%s\nwant:\n%s", d.Text, want)
	}
	if d.Severity != integrations.SeverityCritical || !d.NextDue.Equal(at(61)) {
		t.Errorf("severity %q, next due %s", d.Severity, d.NextDue)
	}

	bare := NewDraft(incident()[:1], Options{Incident: "INC-7", Now: at(12), Cadence: cadence})
	for _, want := range []string{"Status update: incident INC-7 (open)\n", "Affected: no alert is open now.", "Now: no measurements recorded.", "Being done: no runbook run yet.", "Next update: by 08:12 UTC."} {
		if !strings.Contains(bare.Text, want) {
			t.Errorf("draft without alerts, runs or series lacks %q:\n%s", want, bare.Text)
		}
	}
	resolved := append(incident(), timeline.Entry{Record: integrations.Record{Occurred: at(50), Kind: integrations.KindIncidentResolved, Actor: "ana", Text: "all clear"}})
	if d := NewDraft(numbered(resolved), opts); !strings.HasSuffix(d.Text, "Next update: none planned, the incident is resolved.") || !d.NextDue.IsZero() {
		t.Errorf("resolved draft ends %q (next due %s)", d.Text[strings.LastIndex(d.Text, "\n")+1:], d.NextDue)
	}
}

// TestDueFollowsTheCadenceAndTheLastUpdate: with no update yet the first
// is due a cadence after the incident began; after one, at the time it
// promised; overdue once past; none once resolved.
func TestDueFollowsTheCadenceAndTheLastUpdate(t *testing.T) {
	entries := incident()
	if r := Due(entries, at(31), cadence); !r.Next.Equal(at(40)) || r.Overdue || r.Every != 30*time.Minute || r.Severity != "critical" {
		t.Errorf("first update: %+v, want due 07:40, not overdue", r)
	}
	r := Due(entries, at(45), cadence)
	if !r.Overdue {
		t.Errorf("at 07:45: %+v, want overdue", r)
	}
	if got, want := r.Describe(at(45), nil), "status update OVERDUE by 5m: it was due by 07:40 UTC (every 30m for critical)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}

	rec, ok := Record("update 1", []Outcome{{Target: "#inc", Status: Posted}}, "ana", at(42), at(70))
	if !ok {
		t.Fatal("a posted update is not recorded")
	}
	posted := numbered(append(entries, timeline.Entry{Record: integrations.Record{Occurred: rec.Occurred, Source: rec.Source, Kind: rec.Kind, Actor: rec.Actor, Text: rec.Text, Fields: rec.Fields}}))
	r = Due(posted, at(50), cadence)
	if !r.Last.Equal(at(42)) || !r.Next.Equal(at(70)) || r.Overdue {
		t.Errorf("after an update promising 08:10: %+v", r)
	}
	if got, want := r.Describe(at(50), nil), "next status update due by 08:10 UTC (in 20m; every 30m for critical)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	resolved := numbered(append(posted, timeline.Entry{Record: integrations.Record{Occurred: at(60), Kind: integrations.KindIncidentResolved, Text: "all clear"}}))
	if r := Due(resolved, at(90), cadence); !r.Done || r.Overdue {
		t.Errorf("resolved: %+v, want done", r)
	}
	if r := Due(nil, at(90), cadence); !r.Next.IsZero() || r.Overdue {
		t.Errorf("empty timeline: %+v, want nothing due", r)
	}
}

// chat is a channel that answers, fails or stalls, and may be read back.
type chat struct {
	stall, land bool
	err         error

	mu     sync.Mutex
	posted []string
}

func (c *chat) Post(ctx context.Context, text, _ string) (integrations.Message, error) {
	if c.stall {
		if c.land {
			c.mu.Lock()
			c.posted = append(c.posted, text)
			c.mu.Unlock()
		}
		<-ctx.Done()
		return integrations.Message{}, ctx.Err()
	}
	if c.err != nil {
		return integrations.Message{}, c.err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posted = append(c.posted, text)
	return integrations.Message{Text: text}, nil
}

type readingChat struct{ *chat }

// readBackChat is a channel whose posts can be read back.
func readBackChat(name string, c *chat) Target { return Chat(name, c, readingChat{c}) }

func (c readingChat) FindPosted(_ context.Context, text string, _ time.Time) (integrations.Message, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.posted {
		if p == text {
			return integrations.Message{Text: p}, true, nil
		}
	}
	return integrations.Message{}, false, nil
}

type updater struct{ chat }

func (u *updater) PostStatusUpdate(ctx context.Context, _, message string) error {
	_, err := u.Post(ctx, message, "")
	return err
}

// TestPostSettlesEveryTarget: each target's outcome is told apart; a
// post without an answer is read back where the target can be (found:
// posted; not found: not posted) and unknown where it cannot; the record
// lists where it landed and where it is unknown, and nothing is recorded
// when it landed nowhere.
func TestPostSettlesEveryTarget(t *testing.T) {
	const text = "Status update: web degraded"
	targets := []Target{
		readBackChat("#inc-42", &chat{}),
		readBackChat("#status", &chat{err: errors.New("slack: channel_not_found")}),
		readBackChat("#lost-answer", &chat{stall: true, land: true}),
		readBackChat("#never-landed", &chat{stall: true}),
		PagerDuty(&updater{chat{stall: true}}, "P1"),
	}
	out := Post(context.Background(), text, targets, 50*time.Millisecond, time.Now)
	want := []struct{ target, status, detail string }{
		{"#inc-42", Posted, ""},
		{"#status", Failed, "channel_not_found"},
		{"#lost-answer", Posted, "reading #lost-answer back shows the update"},
		{"#never-landed", NotPosted, "does not show it"},
		{"pagerduty P1", Unknown, "cannot be read back: look there before posting again"},
	}
	for i, w := range want {
		if o := out[i]; o.Target != w.target || o.Status != w.status || !strings.Contains(o.Detail, w.detail) {
			t.Errorf("outcome %d = %+v, want %s %s (%q)", i, o, w.target, w.status, w.detail)
		}
	}
	rec, ok := Record(text, out, "ana", at(31), at(61))
	if !ok || rec.Kind != Kind || rec.Actor != "ana" || rec.Text != text {
		t.Fatalf("record = %+v, %v", rec, ok)
	}
	for k, v := range map[string]string{"channels": "#inc-42,#lost-answer", "unknown": "pagerduty P1", "failed": "#status,#never-landed", "author": "ana", "next_due": "2026-01-12T08:01:00Z"} {
		if rec.Fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, rec.Fields[k], v)
		}
	}
	if _, ok := Record(text, []Outcome{{Target: "#status", Status: Failed}, {Target: "#x", Status: NotPosted}}, "ana", at(31), at(61)); ok {
		t.Error("an update that landed nowhere is recorded")
	}
}

// TestPagerDutyIncidentsAreTheOpenPages: the update goes on the
// PagerDuty incidents still open, not on cleared ones or other sources'.
func TestPagerDutyIncidentsAreTheOpenPages(t *testing.T) {
	entries := numbered(append(incident(), timeline.Entry{Record: integrations.Record{Occurred: at(32), Source: "drill", Kind: integrations.KindAlertTriggered, Fields: map[string]string{"alert": "D1"}}}))
	if got := PagerDutyIncidents(entries); strings.Join(got, ",") != "PD-5XX" {
		t.Errorf("PagerDuty incidents = %v, want [PD-5XX]", got)
	}
}
