package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the golden files use Europe/Paris wherever the test runs

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// leakedToken is configured as a secret and appears, unredacted, in a
// chat message, a note and a runbook's output of the fixture.
const leakedToken = "xoxb-test-0000000000-leaky-configured-token"

func paris(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// fixture records an incident through a real store, with a fixed clock: it
// starts at 23:40 Paris time on 9 January and ends after 01:00 on the
// 10th, with amended, starred, hidden, erased and runbook entries.
func fixture(t testing.TB) []timeline.Entry {
	t.Helper()
	loc := paris(t)
	at := func(day, h, m, s int) time.Time { return time.Date(2026, 1, day, h, m, s, 0, loc) }
	clock := at(10, 2, 0, 0)
	redactor, err := timeline.NewRedactor([]string{leakedToken}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := timeline.Open(filepath.Join(t.TempDir(), timeline.FileName), timeline.Options{
		Redactor: redactor,
		Now:      func() time.Time { clock = clock.Add(time.Second); return clock },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	appendOne := func(e timeline.Entry) timeline.Entry {
		got, err := s.Append(e)
		if err != nil {
			t.Fatal(err)
		}
		return got[0]
	}
	run := func(extra map[string]string) map[string]string {
		f := map[string]string{"run": "r1", "runbook": "scale-up"}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}

	started := appendOne(timeline.Entry{Record: integrations.Record{Source: "warroom", Kind: integrations.KindIncidentStarted, Actor: "ana", Occurred: at(9, 23, 45, 0), Text: "5xx started climbing"}})
	appendOne(timeline.Entry{Record: integrations.Record{Source: "pagerduty", Kind: integrations.KindAlertTriggered, Occurred: at(9, 23, 52, 10), Text: "web: 5xx rate above 5% for 5 minutes", Fields: map[string]string{"alert": "Q1", "service": "web", "severity": "critical"}, Links: []string{"https://example.pagerduty.com/incidents/Q1"}}})
	appendOne(timeline.Entry{Record: integrations.Record{Source: "pagerduty", Kind: integrations.KindAlertAcknowledged, Actor: "ana", Occurred: at(9, 23, 55, 0), Text: "acknowledged", Fields: map[string]string{"alert": "Q1"}}})
	chat := appendOne(timeline.Entry{Record: integrations.Record{Source: "slack", Kind: integrations.KindChatMessage, Actor: "bob", Occurred: at(9, 23, 58, 30), Text: "web-asg is stuck at 4 | desired 12?\nprovisioner lock held since Friday", Fields: map[string]string{"channel": "C0INC"}}})
	leak := appendOne(timeline.Entry{Record: integrations.Record{Source: "slack", Kind: integrations.KindChatMessage, Actor: "carol", Occurred: at(9, 23, 59, 0), Text: "use the bot token " + leakedToken + " and password Winter2026!"}})
	note := appendOne(timeline.Entry{Record: integrations.Record{Source: "warroom", Kind: integrations.KindNote, Actor: "ana", Occurred: at(10, 0, 1, 0), Text: "killing the stuck provisoner job, token " + leakedToken}})
	noise := appendOne(timeline.Entry{Record: integrations.Record{Source: "warroom", Kind: integrations.KindNote, Actor: "ana", Occurred: at(10, 0, 2, 0), Text: "test note, ignore"}})
	appendOne(timeline.Entry{Record: integrations.Record{Source: "warroom", Kind: integrations.KindDecision, Actor: "ana", Occurred: at(10, 0, 3, 0), Text: "throttle 30% of free tier until capacity is back"}})
	appendOne(timeline.Entry{Record: integrations.Record{Source: "runbook", Kind: "runbook.requested", Actor: "ana", Occurred: at(10, 0, 4, 0), Text: "scale-up requested", Fields: run(map[string]string{"param.group": "web", "param.desired": "12"})}})
	appendOne(timeline.Entry{Record: integrations.Record{Source: "runbook", Kind: "runbook.step.started", Actor: "ana", Occurred: at(10, 0, 4, 5), Text: "set desired capacity", Fields: run(map[string]string{"step": "set-desired"})}})
	appendOne(timeline.Entry{Record: integrations.Record{Source: "runbook", Kind: "runbook.step.finished", Actor: "ana", Occurred: at(10, 0, 26, 5), Text: "web-asg in service 12/12", Fields: run(map[string]string{"step": "set-desired", "result": "ok", "duration": "22m0s", "output": "desired 4 -> 12\nAWS_TOKEN=" + leakedToken + "\nin service 12/12"})}})
	appendOne(timeline.Entry{Record: integrations.Record{Source: "runbook", Kind: "runbook.finished", Actor: "ana", Occurred: at(10, 0, 26, 6), Text: "scale-up finished", Fields: run(map[string]string{"result": "ok"})}})
	appendOne(timeline.Entry{Record: integrations.Record{Source: "warroom", Kind: integrations.KindIncidentMitigated, Actor: "ana", Occurred: at(10, 0, 27, 0), Text: "error rate back under 1%"}})
	appendOne(timeline.Entry{Record: integrations.Record{Source: "pagerduty", Kind: integrations.KindAlertResolved, Occurred: at(10, 1, 10, 0), Text: "web: 5xx rate recovered", Fields: map[string]string{"alert": "Q1"}}})

	// Corrections made after the fact.
	amend := func(target timeline.Entry, op string, set func(*timeline.Entry)) {
		a := timeline.Amend(target, op)
		a.Source, a.Actor = "warroom", "ana"
		if set != nil {
			set(&a)
		}
		appendOne(a)
	}
	amend(started, integrations.OpTime, func(a *timeline.Entry) { a.To = at(9, 23, 41, 0) })
	amend(note, integrations.OpText, func(a *timeline.Entry) { a.Text = "killed the stuck provisioner job" })
	amend(chat, integrations.OpStar, nil)
	amend(leak, integrations.OpErase, func(a *timeline.Entry) { a.Text = "password pasted in chat" })
	amend(noise, integrations.OpHide, func(a *timeline.Entry) { a.Text = "test" })
	return s.Entries()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n%s", name, got)
	}
}

func TestGoldenExports(t *testing.T) {
	entries := fixture(t)
	opts := Options{Incident: "2026-01-09-web", Title: "Web outage after the provisioner hung", Location: paris(t)}
	for _, format := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, format, entries, opts); err != nil {
			t.Fatal(err)
		}
		golden(t, "postmortem."+format, buf.Bytes())
	}
	var buf bytes.Buffer
	filtered := opts
	filtered.Since = time.Date(2026, 1, 10, 0, 0, 0, 0, paris(t))
	filtered.Until = time.Date(2026, 1, 10, 0, 4, 0, 0, paris(t))
	if err := Markdown(&buf, entries, filtered); err != nil {
		t.Fatal(err)
	}
	golden(t, "after-midnight.md", buf.Bytes())
}

// TestMarkdownShowsTheAmendedIncident checks the draft's content directly,
// so the golden file is not the only guard.
func TestResolvedOnlyWhenEveryAlertIs(t *testing.T) {
	at := time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC)
	row := func(min int, kind, alert string) timeline.Row {
		e := timeline.Entry{Record: integrations.Record{Kind: kind, Occurred: at.Add(time.Duration(min) * time.Minute), Fields: map[string]string{"alert": alert}}}
		return timeline.Row{Entry: e, Occurred: e.Occurred}
	}
	resolved := func(rows ...timeline.Row) KeyTime { return KeyTimes(rows, nil)[4] }
	if k := resolved(row(0, integrations.KindAlertTriggered, "A"), row(5, integrations.KindAlertResolved, "A"), row(9, integrations.KindAlertTriggered, "A")); k.Found {
		t.Errorf("resolved at %v although A fired again", k.At)
	}
	if k := resolved(row(0, integrations.KindAlertTriggered, "A"), row(1, integrations.KindAlertTriggered, "B"), row(5, integrations.KindAlertResolved, "A")); k.Found {
		t.Errorf("resolved at %v although B never cleared", k.At)
	}
	if k := resolved(row(0, integrations.KindAlertTriggered, "A"), row(1, integrations.KindAlertTriggered, "B"), row(5, integrations.KindAlertResolved, "A"), row(7, integrations.KindAlertResolved, "B")); !k.Found || !k.At.Equal(at.Add(7*time.Minute)) {
		t.Errorf("resolved = %+v, want when B, the last, cleared", k)
	}
}

func TestMarkdownShowsTheAmendedIncident(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, fixture(t), Options{Incident: "inc", Location: paris(t)}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"| Started | 2026-01-09 23:41:00 CET | marked by ana", // the amended time
		"| Detected | 2026-01-09 23:52:10 CET | inferred: first critical alert ([e2](#e2))",
		"| Acknowledged | 2026-01-09 23:55:00 CET | inferred: first page acknowledged",
		"| Mitigated | 2026-01-10 00:27:00 CET | marked by ana",
		"| Resolved | 2026-01-10 01:10:00 CET | inferred: every alert cleared",
		"| Time to detect | Started → Detected | 11m 10s |",
		"| Time to mitigate | Detected → Mitigated | 34m 50s |", // across midnight
		"| Time to resolve | Detected → Resolved | 1h 17m |",
		"killed the stuck provisioner job _(amended)_",
		"★ web-asg is stuck at 4 \\| desired 12?<br>provisioner lock held since Friday",
		"| " + timeline.ErasedText + " |",
		"**Decision:** throttle 30% of free tier",
		"### scale-up (run r1): ok, 22m 6s",
		"Parameters: `desired`=`12`, `group`=`web`.",
		"| set-desired | 00:04:05 | 22m 0s | ok | web-asg in service 12/12 |",
		"| 2026-01-09 23:58:30 CET | ★ **starred chat.message:** web-asg is stuck", // in the key events
		"## Full timeline",
		"## Impact",
		"## Follow-ups",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	for _, absent := range []string{"test note, ignore", "Winter2026", "provisoner"} {
		if strings.Contains(md, absent) {
			t.Errorf("draft shows %q (hidden, erased or amended away)", absent)
		}
	}
}

// TestSecretsNeverReachAnExport: the configured token was in a chat
// message, a note and a runbook's output; no export has it, nor the
// erased password.
func TestSecretsNeverReachAnExport(t *testing.T) {
	entries := fixture(t)
	for _, format := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, format, entries, Options{Incident: "inc"}); err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{leakedToken, "Winter2026"} {
			if strings.Contains(buf.String(), secret) {
				t.Errorf("%s export contains %.8s...", format, secret)
			}
		}
		if !strings.Contains(buf.String(), "[REDACTED:secret]") {
			t.Errorf("%s export lacks the redaction placeholder", format)
		}
	}
}

// TestJSONRoundTrips reads the JSON export back into the same entries,
// and rewritten as a timeline file they verify.
func TestJSONRoundTrips(t *testing.T) {
	entries := fixture(t)
	var buf bytes.Buffer
	if err := JSON(&buf, entries, Options{Incident: "inc"}); err != nil {
		t.Fatal(err)
	}
	doc, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Incident != "inc" || len(doc.Entries) != len(entries) {
		t.Fatalf("read back %d entries of %q", len(doc.Entries), doc.Incident)
	}
	var file bytes.Buffer
	for i, e := range doc.Entries {
		want := entries[i]
		if e.ID == "e5" { // the erased chat message
			want = timeline.Erased(want)
		}
		if !want.Occurred.Equal(e.Occurred) || !want.Recorded.Equal(e.Recorded) || !want.To.Equal(e.To) {
			t.Errorf("entry %s: times differ", e.ID)
		}
		e.Occurred, e.Recorded, e.To, want.Occurred, want.Recorded, want.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(e, want) {
			t.Errorf("entry %s differs after the round trip:\n%+v\n%+v", e.ID, e, want)
		}
		line, err := json.Marshal(doc.Entries[i])
		if err != nil {
			t.Fatal(err)
		}
		file.Write(append(line, '\n'))
	}
	path := filepath.Join(t.TempDir(), timeline.FileName)
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// Only the erased entry fails: its content no longer matches its hash.
	var ce *timeline.CorruptError
	_, err = timeline.Verify(path)
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Seq != 5 || ce.Problems[0].Kind != timeline.ProblemChanged {
		t.Errorf("verify of the re-written export: %v", err)
	}
}

func TestFiltersSelectOnTheAmendedState(t *testing.T) {
	entries := fixture(t)
	var buf bytes.Buffer
	if err := JSON(&buf, entries, Options{StarredOnly: true}); err != nil {
		t.Fatal(err)
	}
	doc, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range doc.Entries {
		ids = append(ids, e.ID)
	}
	// The starred chat message and the amendment that starred it.
	if strings.Join(ids, " ") != "e4 e17" {
		t.Errorf("starred JSON export holds %v", ids)
	}

	buf.Reset()
	loc := paris(t)
	// The incident.started entry was moved from 23:45 to 23:41: a window
	// around its new time finds it, one around the old time does not.
	for _, tc := range []struct {
		since, until time.Time
		want         int
	}{
		{time.Date(2026, 1, 9, 23, 40, 0, 0, loc), time.Date(2026, 1, 9, 23, 42, 0, 0, loc), 1},
		{time.Date(2026, 1, 9, 23, 44, 0, 0, loc), time.Date(2026, 1, 9, 23, 46, 0, 0, loc), 0},
	} {
		buf.Reset()
		if err := CSV(&buf, entries, Options{Since: tc.since, Until: tc.until}); err != nil {
			t.Fatal(err)
		}
		if rows := strings.Count(buf.String(), "\n") - 1; rows != tc.want {
			t.Errorf("CSV %v..%v has %d rows, want %d:\n%s", tc.since, tc.until, rows, tc.want, buf.String())
		}
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	entries := []timeline.Entry{{Record: integrations.Record{ID: "e1", Kind: integrations.KindChatMessage, Actor: "@mallory", Text: `=HYPERLINK("http://evil.example","click")`}, Seq: 1}}
	var buf bytes.Buffer
	if err := CSV(&buf, entries, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `,'@mallory,"'=HYPERLINK(`) {
		t.Errorf("formula not defused:\n%s", buf.String())
	}
}

func TestParseTime(t *testing.T) {
	loc := paris(t)
	for in, want := range map[string]time.Time{
		"2026-01-09T23:58:00+01:00": time.Date(2026, 1, 9, 22, 58, 0, 0, time.UTC),
		"2026-01-09 23:58":          time.Date(2026, 1, 9, 23, 58, 0, 0, loc),
		"2026-01-09 23:58:30":       time.Date(2026, 1, 9, 23, 58, 30, 0, loc),
		"2026-01-10":                time.Date(2026, 1, 10, 0, 0, 0, 0, loc),
	} {
		got, err := ParseTime(in, loc)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseTime("yesterday", loc); err == nil {
		t.Error("ParseTime accepted yesterday")
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second:                    "45s",
		22*time.Minute + 5*time.Second:      "22m 5s",
		2*time.Hour + 40*time.Minute:        "2h 40m",
		27*time.Hour + 5*time.Minute:        "1d 3h 5m",
		-90 * time.Second:                   "-1m 30s",
		1500 * time.Millisecond:             "2s",
		100*time.Minute + 59*time.Second:    "1h 40m",
		24*time.Hour - 500*time.Millisecond: "1d 0h 0m",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// BenchmarkMarkdown100k exports 100,000 entries (chat, alerts, runbook
// runs, fleet changes, drift, follow-up notes, amendments) to Markdown.
func BenchmarkMarkdown100k(b *testing.B) {
	base := time.Date(2026, 1, 9, 22, 0, 0, 0, time.UTC)
	entries := make([]timeline.Entry, 100_000)
	for i := range entries {
		e := timeline.Entry{Record: integrations.Record{ID: "e" + strconv.Itoa(i+1), Occurred: base.Add(time.Duration(i) * time.Second), Source: "slack", Kind: integrations.KindChatMessage, Actor: "ana", Text: "restarting haproxy on edge-2 | then edge-3; watch the <503> rate", Fields: map[string]string{"channel": "C0INC"}}, Seq: int64(i + 1), Recorded: base.Add(time.Duration(i) * time.Second)}
		switch i % 10 {
		case 3:
			e.Source, e.Kind, e.Text = "pagerduty", integrations.KindAlertTriggered, "web: 5xx rate above 5%"
		case 7:
			e.Source, e.Kind, e.Fields = "runbook", "runbook.step.finished", map[string]string{"run": "r" + strconv.Itoa(i/1000), "runbook": "scale-up", "step": "s" + strconv.Itoa(i%100), "result": "ok", "output": "in service 12/12"}
		case 1:
			e.Source, e.Kind, e.Text = "aws", integrations.KindFleetChange, "web: instance i-"+strconv.Itoa(i)+" entered service"
			e.Fields = map[string]string{"group": "web", "change": "instance", "instance": "i-" + strconv.Itoa(i)}
		case 5:
			e.Source, e.Kind, e.Text = "drift", integrations.KindDrift, "slot drift edge-1 web: missing web-"+strconv.Itoa(i%7)
			e.Fields = map[string]string{"group": "web", "instance": "edge-1", "backend": "web", "missing": "web-" + strconv.Itoa(i%7)}
		case 8:
			e.Source, e.Kind, e.Text = "warroom", integrations.KindNote, "Follow-up: alert on the sync's lag"
		case 9:
			e = timeline.Entry{Record: integrations.Record{ID: e.ID, Occurred: e.Occurred, Source: "warroom", Kind: integrations.KindAmend, Target: "e" + strconv.Itoa(i), Op: integrations.OpStar}, Seq: e.Seq, Recorded: e.Recorded}
		}
		entries[i] = e
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		var c countingWriter
		if err := Markdown(&c, entries, Options{Incident: "bench", Location: time.UTC}); err != nil {
			b.Fatal(err)
		}
		n = int(c)
	}
	b.ReportMetric(float64(n)/1e6, "MB-out")
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

func TestTextAndHistory(t *testing.T) {
	entries := fixture(t)
	opts := Options{Location: paris(t)}
	var buf bytes.Buffer
	if err := Text(&buf, entries, opts); err != nil {
		t.Fatal(err)
	}
	golden(t, "show.txt", buf.Bytes())

	buf.Reset()
	if err := History(&buf, entries, "e6", opts); err != nil {
		t.Fatal(err)
	}
	golden(t, "history-e6.txt", buf.Bytes())
	if err := History(&buf, entries, "e404", opts); err == nil {
		t.Error("history of an unknown entry succeeded")
	}
}

func TestTextCannotDriveTheTerminal(t *testing.T) {
	entries := []timeline.Entry{{Record: integrations.Record{ID: "e1", Kind: integrations.KindChatMessage, Actor: "m\x1b[2J", Text: "hi\x1b]52;c;ZXZpbA==\x07 there\nline two\r"}, Seq: 1}}
	var buf bytes.Buffer
	if err := Text(&buf, entries, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(buf.String(), "\x1b\x07\r") {
		t.Errorf("control characters reached the terminal: %q", buf.String())
	}
	if !strings.Contains(buf.String(), "line two") {
		t.Errorf("text lost: %q", buf.String())
	}
}
