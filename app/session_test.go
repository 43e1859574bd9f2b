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
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	// HAProxy on a closed port: a live source that never answers.
	if err := os.WriteFile(cfg, []byte("incident: {title: Restart, id: INC-7}\nhaproxy:\n  instances:\n    - {name: edge-1, runtime: \"127.0.0.1:1\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Config: loaded, StateDir: filepath.Join(dir, "state")}

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
