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

var keyAt = time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC)

// keyRows builds rows in time order from entries given as minutes past
// keyAt; their Seq is their position, so later in the list is recorded
// later.
func keyRows(es ...timeline.Entry) []timeline.Row {
	var entries []timeline.Entry
	for i, e := range es {
		e.Seq, e.ID = int64(i+1), "e"+strconv.Itoa(i+1)
		e.Recorded = keyAt.Add(time.Hour)
		entries = append(entries, e)
	}
	return shownRows(timeline.NewView(entries))
}

func keyEntry(min float64, kind, actor string, fields map[string]string) timeline.Entry {
	return timeline.Entry{Record: integrations.Record{Kind: kind, Actor: actor, Occurred: keyAt.Add(time.Duration(min * float64(time.Minute))), Fields: fields, Text: kind}}
}

func keyTime(t *testing.T, kts []KeyTime, name string) KeyTime {
	t.Helper()
	for _, kt := range kts {
		if kt.Name == name {
			return kt
		}
	}
	t.Fatalf("no key time %s", name)
	return KeyTime{}
}

func TestDetectedIsInferredFromTheFirstCriticalAlert(t *testing.T) {
	rows := keyRows(
		keyEntry(0, integrations.KindAlertTriggered, "", map[string]string{"alert": "W", "severity": "warning"}),
		keyEntry(5, integrations.KindAlertTriggered, "", map[string]string{"alert": "C", "severity": "critical"}),
	)
	kt := keyTime(t, KeyTimes(rows, nil), KeyDetected)
	if !kt.Found || kt.Marked || !kt.At.Equal(keyAt.Add(5*time.Minute)) || kt.Inferred != "first critical alert" || kt.From.Entry.ID != "e2" {
		t.Errorf("detected = %+v, want inferred from the critical alert e2 at 07:05", kt)
	}
	// None critical: the first of any severity, said so.
	kt = keyTime(t, KeyTimes(rows[:1], nil), KeyDetected)
	if !kt.Found || !kt.At.Equal(keyAt) || kt.Inferred != "first alert (none was critical)" {
		t.Errorf("detected without a critical alert = %+v", kt)
	}
}

func TestAcknowledgedIsInferredFromTheFirstPageAcknowledged(t *testing.T) {
	rows := keyRows(
		keyEntry(0, integrations.KindAlertTriggered, "", map[string]string{"alert": "C", "severity": "critical"}),
		keyEntry(3, integrations.KindAlertAcknowledged, "ana", map[string]string{"alert": "C"}),
		keyEntry(4, integrations.KindAlertAcknowledged, "bob", map[string]string{"alert": "C"}),
	)
	kts := KeyTimes(rows, nil)
	kt := keyTime(t, kts, KeyAcknowledged)
	if !kt.Found || kt.Marked || !kt.At.Equal(keyAt.Add(3*time.Minute)) || kt.Inferred != "first page acknowledged" {
		t.Errorf("acknowledged = %+v", kt)
	}
	if d := Durations(kts, rows, nil)[1]; d.Name != "Time to acknowledge" || !d.Known || d.Length != 3*time.Minute {
		t.Errorf("time to acknowledge = %+v, want 3m from the page", d)
	}
}

func TestStartedAndMitigatedAreInferredFromTheErrorRatio(t *testing.T) {
	all := incidentSeries()
	im, ok := ComputeImpact(all, nil, "", 0)
	if !ok {
		t.Fatal("no impact")
	}
	kts := KeyTimes(nil, &im)
	started, mitigated := keyTime(t, kts, KeyStarted), keyTime(t, kts, KeyMitigated)
	// The ratio is above 1% from 10:00 to 14:50; 15:00 is back under.
	if !started.Found || !started.At.Equal(measuredFrom.Add(10*time.Minute)) || started.Inferred != "error ratio first above 1.0% on edge-1/web" {
		t.Errorf("started = %+v", started)
	}
	if !mitigated.Found || !mitigated.At.Equal(measuredFrom.Add(15*time.Minute)) || mitigated.Inferred != "error ratio back under 1.0% on edge-1/web" {
		t.Errorf("mitigated = %+v", mitigated)
	}
	if d := Durations(kts, nil, &im)[4]; d.Name != "Customer impact" || d.Length != 4*time.Minute+50*time.Second {
		t.Errorf("customer impact = %+v, want the measured window", d)
	}

	// Still above the threshold at the last sample: not mitigated.
	for i := range all {
		if all[i].Target == "edge-1/web" {
			all[i].Points = all[i].Points[:70] // up to 11:30
		}
	}
	im, _ = ComputeImpact(all, nil, "", 0)
	if kt := keyTime(t, KeyTimes(nil, &im), KeyMitigated); kt.Found {
		t.Errorf("mitigated at %v while the error ratio was still above the threshold", kt.At)
	}
}

func TestResolvedIsInferredWhenEveryAlertCleared(t *testing.T) {
	rows := keyRows(
		keyEntry(0, integrations.KindAlertTriggered, "", map[string]string{"alert": "A"}),
		keyEntry(1, integrations.KindAlertTriggered, "", map[string]string{"alert": "B"}),
		keyEntry(5, integrations.KindAlertResolved, "", map[string]string{"alert": "B"}),
		keyEntry(7, integrations.KindAlertResolved, "", map[string]string{"alert": "A"}),
	)
	kt := keyTime(t, KeyTimes(rows, nil), KeyResolved)
	if !kt.Found || !kt.At.Equal(keyAt.Add(7*time.Minute)) || kt.Inferred != "every alert cleared" || kt.From.Entry.ID != "e4" {
		t.Errorf("resolved = %+v", kt)
	}
}

func TestAMarkWinsOverTheInferenceAndTheLatestMarkIsInForce(t *testing.T) {
	rows := keyRows(
		keyEntry(0, integrations.KindAlertTriggered, "", map[string]string{"severity": "critical"}),
		keyEntry(2, integrations.KindIncidentDetected, "ana", nil),
		keyEntry(1, integrations.KindIncidentDetected, "bob", nil), // recorded later: in force
	)
	kt := keyTime(t, KeyTimes(rows, nil), KeyDetected)
	if !kt.Marked || kt.From.Entry.ID != "e3" || !kt.At.Equal(keyAt.Add(time.Minute)) || len(kt.Superseded) != 1 || kt.Superseded[0].Entry.ID != "e2" {
		t.Fatalf("detected = %+v, want bob's mark e3 superseding ana's e2", kt)
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, entriesOf(rows), Options{Incident: "i"}); err != nil {
		t.Fatal(err)
	}
	if want := "| Detected | 2026-01-12 07:01:00 UTC | marked by bob ([e3](#e3)): incident.detected; supersedes 2026-01-12 07:02:00 UTC marked by ana ([e2](#e2)) |"; !strings.Contains(buf.String(), want) {
		t.Errorf("draft lacks %q:\n%s", want, buf.String())
	}
}

func entriesOf(rows []timeline.Row) []timeline.Entry {
	out := make([]timeline.Entry, len(rows))
	for i, r := range rows {
		out[i] = r.Entry
	}
	return out
}

// keyTimesSection is the draft's key times and durations, for rows.
func keyTimesSection(t *testing.T, rows []timeline.Row) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Markdown(&buf, entriesOf(rows), Options{Incident: "i"}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	from, to := strings.Index(md, "## Key times"), strings.Index(md, "## Impact")
	if from < 0 || to < from {
		t.Fatalf("no key times section:\n%s", md)
	}
	return md[from:to]
}

func TestImpossibleOrdersAreFlaggedNeverNegative(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []timeline.Entry
		flags   []string
		dashes  []string
	}{{
		name: "detected before started",
		entries: []timeline.Entry{
			keyEntry(0, integrations.KindIncidentDetected, "ana", nil),
			keyEntry(3.77, integrations.KindIncidentStarted, "ana", nil),
		},
		flags:  []string{"⚠ impossible order: Detected (2026-01-12 07:00:00 UTC) is before Started (2026-01-12 07:03:46 UTC)"},
		dashes: []string{"| Time to detect | Started → Detected | — |"},
	}, {
		name: "mitigated before detected and started",
		entries: []timeline.Entry{
			keyEntry(0, integrations.KindIncidentStarted, "ana", nil),
			keyEntry(5, integrations.KindIncidentMitigated, "ana", nil),
			keyEntry(10, integrations.KindIncidentDetected, "ana", nil),
		},
		flags:  []string{"⚠ impossible order: Mitigated (2026-01-12 07:05:00 UTC) is before Detected (2026-01-12 07:10:00 UTC)"},
		dashes: []string{"| Time to mitigate | Detected → Mitigated | — |"},
	}, {
		name: "mitigated before started",
		entries: []timeline.Entry{
			keyEntry(0, integrations.KindIncidentMitigated, "ana", nil),
			keyEntry(5, integrations.KindIncidentStarted, "ana", nil),
		},
		flags:  []string{"⚠ impossible order: Mitigated (2026-01-12 07:00:00 UTC) is before Started (2026-01-12 07:05:00 UTC)"},
		dashes: []string{"| Customer impact | Started → Mitigated | — |"},
	}, {
		name: "resolved before detected and mitigated",
		entries: []timeline.Entry{
			keyEntry(0, integrations.KindIncidentResolved, "ana", nil),
			keyEntry(5, integrations.KindIncidentDetected, "ana", nil),
			keyEntry(6, integrations.KindIncidentMitigated, "ana", nil),
		},
		flags: []string{
			"⚠ impossible order: Resolved (2026-01-12 07:00:00 UTC) is before Detected (2026-01-12 07:05:00 UTC)",
			"⚠ impossible order: Resolved (2026-01-12 07:00:00 UTC) is before Mitigated (2026-01-12 07:06:00 UTC)",
		},
		dashes: []string{"| Time to resolve | Detected → Resolved | — |"},
	}, {
		name: "acknowledged before the page",
		entries: []timeline.Entry{
			keyEntry(0, integrations.KindIncidentAcknowledged, "ana", nil),
			keyEntry(2, integrations.KindAlertTriggered, "", map[string]string{"severity": "critical"}),
		},
		flags:  []string{"⚠ impossible order: Acknowledged (2026-01-12 07:00:00 UTC) is before first page (2026-01-12 07:02:00 UTC)"},
		dashes: []string{"| Time to acknowledge | first page → Acknowledged | — |"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			sec := keyTimesSection(t, keyRows(tc.entries...))
			for _, want := range append(tc.flags, tc.dashes...) {
				if !strings.Contains(sec, want) {
					t.Errorf("lacks %q:\n%s", want, sec)
				}
			}
			if n := strings.Count(sec, "⚠ impossible order"); n != len(tc.flags) {
				t.Errorf("%d flags, want %d:\n%s", n, len(tc.flags), sec)
			}
			if strings.Contains(sec, "| -") {
				t.Errorf("a negative duration is shown:\n%s", sec)
			}
		})
	}
}

func TestInAPossibleOrderNothingIsFlagged(t *testing.T) {
	sec := keyTimesSection(t, keyRows(
		keyEntry(0, integrations.KindIncidentStarted, "ana", nil),
		keyEntry(4, integrations.KindAlertTriggered, "", map[string]string{"severity": "critical"}),
		keyEntry(5, integrations.KindIncidentAcknowledged, "ana", nil),
		keyEntry(20, integrations.KindIncidentMitigated, "ana", nil),
		keyEntry(60, integrations.KindIncidentResolved, "ana", nil),
	))
	for _, want := range []string{
		"| Time to detect | Started → Detected | 4m 0s |",
		"| Time to acknowledge | first page → Acknowledged | 1m 0s |",
		"| Time to mitigate | Detected → Mitigated | 16m 0s |",
		"| Time to resolve | Detected → Resolved | 56m 0s |",
		"| Customer impact | Started → Mitigated | 20m 0s |",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("lacks %q:\n%s", want, sec)
		}
	}
	if strings.Contains(sec, "⚠") {
		t.Errorf("flagged:\n%s", sec)
	}
}
