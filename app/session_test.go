package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
)

// TestRestartShowsTheTimelineSoFar: a war-room restarted on the same
// incident first shows what the timeline already holds, and keeps the
// incident's clock.
func TestRestartShowsTheTimelineSoFar(t *testing.T) {
	// HAProxy on a closed port: a live source that never answers.
	opts := configuredOptions(t, "incident: {title: Restart, id: INC-7}\nhaproxy:\n  instances:\n    - {name: edge-1, runtime: \"127.0.0.1:1\"}\n")

	first, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	started := first.world.started
	first.Watch(context.Background(), nil)
	if _, err := first.Record(context.Background(), integrations.Record{Occurred: started.Add(-time.Hour), Source: integrations.SourceWarroom, Kind: integrations.KindNote, Text: "before the restart"}); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	batches := make(chan integrations.Batch, 16)
	second.Watch(context.Background(), func(b integrations.Batch) { batches <- b })
	defer second.Close()
	select {
	case b := <-batches:
		found := false
		for _, r := range b.Records {
			found = found || r.Text == "before the restart"
		}
		if !found {
			t.Fatalf("the first batch after a restart lacks the earlier note: %+v", b.Records)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing delivered after the restart")
	}
	if want := started.Add(-time.Hour); !second.world.started.Equal(want) {
		t.Fatalf("the incident clock says it began %v; the timeline's earliest entry is %v", second.world.started, want)
	}
}

// configuredOptions opens on the configuration yaml, with a state
// directory of the test's own.
func configuredOptions(t *testing.T, yaml string) Options {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return Options{Config: cfg, StateDir: filepath.Join(dir, "state")}
}
