package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/drillscore"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
	"github.com/warroomhq/warroom/timeline/record"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// scriptedDrill is a drill played the way a responder would, as a plan
// (what `warroom drill --headless --plan` loads: the reference recovery,
// chat notes, an acknowledgement) and the war-room's own entries (a
// decision, key times marked, one of them named after the fact).
type scriptedDrill struct {
	scenario string
	plan     string
	marks    []mark
}

// mark is an entry the war-room records, at and said (when it names a
// past time: when it was said) as times into the scenario.
type mark struct {
	at, said   time.Duration
	kind, text string
}

func scriptedDrills() []scriptedDrill {
	return []scriptedDrill{{
		scenario: "monday-surge",
		plan: `- at: 2m30s
  note: "Follow-up: the provisioner's lock had no expiry"
- at: 2m55s
  ack: PD-5XX
- at: 3m
  runbook: clear-stuck-job
  params: {instance: i-0b7e2c1d9a4f60812, job: provision-web, lock: /var/lock/provision-web.lock}
- at: 4m
  runbook: throttle-tier
  params: {tier: free, percent: "50"}
- at: 5m
  runbook: scale-up
  params: {group: web, desired: "12"}
- at: 25m
  runbook: lift-throttle
  params: {tier: free}
`,
		marks: []mark{
			{at: 90 * time.Second, kind: integrations.KindDecision, text: "clear the stuck provisioner, throttle free tier, then scale web to 12"},
			// Named after the fact: "started 07:10 first customer report".
			{at: -5 * time.Minute, said: 6 * time.Minute, kind: integrations.KindIncidentStarted, text: "first customer report"},
			{at: 6 * time.Minute, kind: integrations.KindIncidentMitigated, text: "error rate back under 1% with the throttle on"},
		},
	}, {
		scenario: "stale-slots",
		plan: `- at: 3m
  ack: PD-5XX
- at: 4m
  note: "TODO: alert when the slot sync exits early"
- at: 5m
  runbook: haproxy-rolling-restart
`,
		marks: []mark{
			{at: 4*time.Minute + 30*time.Second, kind: integrations.KindDecision, text: "roll a reload through every edge"},
			{at: 2 * time.Minute, said: 3 * time.Minute, kind: integrations.KindIncidentDetected, text: "503s on every edge"},
		},
	}}
}

// playScripted plays a scripted drill headless on a fixed seed, its
// runbook runs named r1, r2, ..., and records it through a timeline store
// on a fixed clock, as `warroom drill --headless` does: the same entries,
// IDs and recorded times on every run.
func playScripted(t *testing.T, d scriptedDrill) []timeline.Entry {
	t.Helper()
	sc, ok := drill.Lookup(d.scenario)
	if !ok {
		t.Fatalf("no scenario %s", d.scenario)
	}
	plan, err := drill.ParsePlan(d.scenario+".yaml", []byte(d.plan))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := runbooks.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	var recs []integrations.Record
	card, err := drillscore.Run(sc, plan, drillscore.Options{Seed: 7, Catalog: cat, StateDir: t.TempDir(), User: "ana",
		Sink:   func(r integrations.Record) { recs = append(recs, r) },
		RunIDs: func() string { runs++; return fmt.Sprint("r", runs) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range d.marks {
		r := integrations.Record{Occurred: sc.Start.Add(m.at), Source: "warroom", Kind: m.kind, Actor: "ana", Text: m.text}
		if m.said != 0 {
			r.Fields = map[string]string{"said": sc.Start.Add(m.said).UTC().Format(time.RFC3339)}
		}
		recs = append(recs, r)
	}
	recs = append(recs, card.Record(sc.Start.Add(sc.Horizon)))

	clock := sc.Start.Add(sc.Horizon)
	store, err := timeline.Open(filepath.Join(t.TempDir(), timeline.FileName), timeline.Options{
		Now: func() time.Time { clock = clock.Add(time.Millisecond); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Append(record.Entries(recs)...); err != nil {
		t.Fatal(err)
	}
	return store.Entries()
}

// TestDrillPostmortemGolden: the Markdown draft of each built-in drill,
// played with a scripted sequence of actions, is the golden file, byte
// for byte; two plays give the same draft; the mark named after the fact
// shows when it was said.
func TestDrillPostmortemGolden(t *testing.T) {
	for _, d := range scriptedDrills() {
		t.Run(d.scenario, func(t *testing.T) {
			draft := func() []byte {
				var buf bytes.Buffer
				opts := export.Options{Incident: "drill-" + d.scenario, Title: d.scenario + " drill", Location: time.UTC}
				if err := export.Markdown(&buf, playScripted(t, d), opts); err != nil {
					t.Fatal(err)
				}
				return buf.Bytes()
			}
			got := draft()
			if again := draft(); !bytes.Equal(got, again) {
				t.Fatalf("two plays of the same script give different drafts:\n%s\n----\n%s", got, again)
			}
			path := filepath.Join("testdata", "drill-"+d.scenario+".md.golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestDrillPostmortemGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs (run go test -run TestDrillPostmortemGolden -update and review the diff):\n%s", path, got)
			}
			if !strings.Contains(string(got), ", said at ") {
				t.Error("the mark named after the fact does not say when it was said")
			}
		})
	}
}
