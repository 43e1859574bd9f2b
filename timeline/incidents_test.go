package timeline

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

func TestListIncidents(t *testing.T) {
	dir := t.TempDir()
	if got, err := ListIncidents(dir); err != nil || got != nil {
		t.Fatalf("empty state dir: %v, %v", got, err)
	}
	t0 := time.Date(2026, 1, 9, 23, 0, 0, 0, time.UTC)
	for id, n := range map[string]int{"b-web": 3, "a-db": 1} {
		s, err := OpenIncident(dir, id, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			// Out of order on purpose: First and Last are by occurrence.
			if _, err := s.Append(Entry{Record: integrations.Record{Kind: integrations.KindNote, Occurred: t0.Add(time.Duration((i+1)%n) * time.Hour)}}); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
	}
	if err := os.MkdirAll(filepath.Join(dir, "incidents", "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	path, _ := IncidentPath(dir, "b-web")
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append([]byte("garbage\n"), data...), 0o600); err != nil {
		t.Fatal(err)
	}

	got, err := ListIncidents(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a-db" || got[1].ID != "b-web" {
		t.Fatalf("incidents: %+v", got)
	}
	if a := got[0]; a.Entries != 1 || !a.First.Equal(t0) || !a.Last.Equal(t0) || a.Err != nil {
		t.Errorf("a-db: %+v", a)
	}
	var ce *CorruptError
	if b := got[1]; b.Entries != 3 || !b.First.Equal(t0) || !b.Last.Equal(t0.Add(2*time.Hour)) || !errors.As(b.Err, &ce) || ce.Problems[0].Line != 1 {
		t.Errorf("b-web: %+v", b)
	}
}
