package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
)

// TestTimelineAppendIntoADrillTakesTheDrillsClock: a script's `warroom
// timeline append` into a running drill is stamped on the drill's clock,
// among the scenario's times, not with the wall clock's.
func TestTimelineAppendIntoADrillTakesTheDrillsClock(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	stateDir := t.TempDir()
	env, err := openRunbookEnv(&globalFlags{StateDir: stateDir}, true, runbooks.Limits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	files := waitForEntry(t, stateDir, "session.opened")
	incident := filepath.Base(filepath.Dir(files))

	time.Sleep(300 * time.Millisecond) // the drill runs on, at 30x: 9 scenario seconds
	before := env.Now()
	if _, stderr, err := runVerb("--state-dir", stateDir, "timeline", "append", "--incident", incident, "--text", "from a script"); err != nil {
		t.Fatalf("timeline append: %v\n%s", err, stderr)
	}
	after := env.Now()

	entries, err := timeline.ReadFile(files)
	if err != nil {
		t.Fatal(err)
	}
	var note timeline.Entry
	for _, e := range entries {
		if e.Text == "from a script" {
			note = e
		}
	}
	// The drill's clock moves in whole seconds, 30 to the real second.
	if lo, hi := before.Add(-2*time.Second), after.Add(2*time.Second); note.Occurred.Before(lo) || note.Occurred.After(hi) {
		t.Fatalf("the appended entry is stamped %v; the drill's clock read %v to %v (wall clock %v)",
			note.Occurred, before, after, note.Recorded)
	}
}

// waitForEntry waits until the one timeline under stateDir holds an entry
// of kind, and returns the file's path.
func waitForEntry(t *testing.T, stateDir, kind string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(stateDir, "incidents", "*", timeline.FileName))
		if len(files) == 1 {
			entries, err := timeline.ReadFile(files[0])
			if err == nil && firstOfKind(entries, kind) >= 0 {
				return files[0]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s entry under %s after 10s", kind, stateDir)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIncidentNowRunsTheLatestDrillClock: the latest session.opened says
// how the clock runs; a session of real sources names no speed, and its
// entries take the wall clock.
func TestIncidentNowRunsTheLatestDrillClock(t *testing.T) {
	wall := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	scenario := time.Date(2026, 1, 12, 7, 15, 0, 0, time.UTC)
	drill := timeline.Entry{Record: integrations.Record{Kind: "session.opened", Occurred: scenario, Fields: map[string]string{"speed": "10"}}, Recorded: wall.Add(-time.Minute)}
	note := timeline.Entry{Record: integrations.Record{Kind: "note", Occurred: scenario.Add(time.Minute)}, Recorded: wall.Add(-time.Minute)}
	if got, want := app.IncidentNow([]timeline.Entry{drill, note}, wall), scenario.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("a minute into a 10x drill: %v, want %v", got, want)
	}
	live := timeline.Entry{Record: integrations.Record{Kind: "session.opened", Occurred: wall.Add(-time.Hour), Fields: map[string]string{"title": "INC-7"}}, Recorded: wall.Add(-time.Hour)}
	if got := app.IncidentNow([]timeline.Entry{live, note}, wall); !got.IsZero() {
		t.Errorf("real sources: %v, want the wall clock (zero)", got)
	}
	if got := app.IncidentNow(nil, wall); !got.IsZero() {
		t.Errorf("an empty timeline: %v, want the wall clock (zero)", got)
	}
}
