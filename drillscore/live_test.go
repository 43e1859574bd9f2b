package drillscore

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
)

// TestPlanOfAScreenDrillIsWhatTheResponderDid: a drill played on screen
// is scored on the runbooks the responder ran (not dry runs) and the
// alerts they acknowledged, at their scenario times.
func TestPlanOfAScreenDrillIsWhatTheResponderDid(t *testing.T) {
	start := time.Date(2026, time.January, 12, 7, 15, 0, 0, time.UTC)
	recs := []integrations.Record{
		{Occurred: start.Add(-time.Hour), Kind: "alert.acknowledged", Fields: map[string]string{"alert": "PD-OLD"}},
		{Occurred: start.Add(90*time.Second + 400*time.Millisecond), Kind: integrations.KindRunbookRequested,
			Fields: map[string]string{"runbook": "scale-up", "param.group": "web", "param.desired": "12", "dry_run": "false", "params": "desired=12 group=web"}},
		{Occurred: start.Add(2 * time.Minute), Kind: integrations.KindRunbookRequested, Fields: map[string]string{"runbook": "throttle-tier", "dry_run": "true"}},
		{Occurred: start.Add(3 * time.Minute), Kind: "alert.acknowledged", Fields: map[string]string{"alert": "PD-5XX"}},
		{Occurred: start.Add(4 * time.Minute), Kind: "chat.message", Text: "hi"},
	}
	got := PlanOf(recs, start)
	want := []drill.PlanStep{
		{At: 90 * time.Second, Runbook: "scale-up", Params: map[string]string{"group": "web", "desired": "12"}},
		{At: 3 * time.Minute, Ack: "PD-5XX"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plan %+v, want %+v", got, want)
	}
}

// TestFromRecordsScoresALiveDrillAsItsPlanWould: the records a headless
// run of the reference plan leaves on its timeline, scored as a live
// session's, give the same card as the plan itself: the screen and CI
// score alike.
func TestFromRecordsScoresALiveDrillAsItsPlanWould(t *testing.T) {
	sc, _ := drill.Lookup("disk-full")
	var recs []integrations.Record
	opts := options(t, 3)
	opts.Sink = func(r integrations.Record) { recs = append(recs, r) }
	want, err := Run(sc, sc.Reference, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Sink = nil
	var ended []integrations.Record
	for _, r := range recs {
		if r.Kind == drill.KindEnded {
			ended = append(ended, r)
		}
	}
	if len(ended) != 1 || ended[0].Fields["why"] != drill.EndMitigated {
		t.Fatalf("the scored run's records hold drill.ended %+v, want one, why mitigated", ended)
	}
	got, err := FromRecords(sc, recs, opts)
	if err != nil {
		t.Fatal(err)
	}
	// The records name every parameter the run used, defaults too: the
	// steps read longer, and are the same runs.
	for i := range got.Actions {
		if name := sc.Reference[i].Runbook; !strings.HasPrefix(got.Actions[i].Step, name+" ") {
			t.Errorf("action %d is %q, want a run of %s", i, got.Actions[i].Step, name)
		}
		got.Actions[i].Step = want.Actions[i].Step
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("from the records:\n%+v\nfrom the plan:\n%+v", got, want)
	}
	if !got.Mitigated {
		t.Fatalf("the reference plan's records did not mitigate disk-full: %+v", got)
	}
	none, err := FromRecords(sc, nil, options(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	if none.Mitigated || none.Score >= got.Score {
		t.Fatalf("a session that did nothing: mitigated %v, score %d (the reference's %d)", none.Mitigated, none.Score, got.Score)
	}
}

// TestScorecardRecordCarriesTheJSONCard: the timeline's scorecard entry
// holds every key of the JSON card in its fields (lists as JSON) and the
// card for a person in its text.
func TestScorecardRecordCarriesTheJSONCard(t *testing.T) {
	ttm := 611
	card := &Scorecard{Scenario: "disk-full", Seed: 7, Mitigated: true, TimeToMitigateSeconds: &ttm, ReferenceTTMSeconds: 1140,
		HorizonSeconds: 7200, Impact: Impact{Offered: 1000, FailedRequests: 85, FailedShare: 0.085, Peaks: map[string]float64{"disk.used": 1}},
		Actions:        []Action{{At: "4m0s", AtSeconds: 240, Step: "host-disk-check instance=i-1", Status: "done", Effect: None}},
		Unacknowledged: []string{}, Missed: []string{"host-service-restart"}, Score: 81}
	at := time.Date(2026, time.February, 18, 8, 45, 0, 0, time.UTC)
	r := card.Record(at)
	if r.Kind != "drill.scorecard" || r.Source != "drill" || !r.Occurred.Equal(at) {
		t.Fatalf("record %+v", r)
	}
	data, _ := json.Marshal(card)
	var keys map[string]any
	_ = json.Unmarshal(data, &keys)
	for k := range keys {
		if _, ok := r.Fields[k]; !ok {
			t.Errorf("field %q of the JSON card is not in the record's fields %v", k, r.Fields)
		}
	}
	want := map[string]string{"scenario": "disk-full", "seed": "7", "mitigated": "true", "time_to_mitigate_s": "611", "score": "81",
		"missed_reference_steps": `["host-service-restart"]`, "unacknowledged_alerts": `[]`}
	for k, v := range want {
		if r.Fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, r.Fields[k], v)
		}
	}
	var acts []Action
	if err := json.Unmarshal([]byte(r.Fields["actions"]), &acts); err != nil || !reflect.DeepEqual(acts, card.Actions) {
		t.Errorf("field actions %q does not give back the actions (%v)", r.Fields["actions"], err)
	}
	wantText := "scenario disk-full (seed 7): score 81/100\n" +
		"mitigated after 0h10m (the real incident: 0h19m)\n" +
		"impact: 85 of 1000 requests failed (8.5%), 0 turned away on purpose; 0.0 min above 5% errors\n" +
		"  4m0s     host-disk-check instance=i-1                       done     none\n" +
		"steps of the real recovery not taken: host-service-restart"
	if r.Text != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", r.Text, wantText)
	}
	card.TimeToMitigateSeconds, card.Mitigated = nil, false
	if _, ok := card.Record(at).Fields["time_to_mitigate_s"]; ok {
		t.Error("an unmitigated card's record names a time to mitigate")
	}
	if !strings.Contains(card.Record(at).Text, "not mitigated within 2h00m") {
		t.Errorf("unmitigated text: %s", card.Record(at).Text)
	}
}
