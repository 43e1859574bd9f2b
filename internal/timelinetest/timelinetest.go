// Package timelinetest reads incident timelines in tests: the one timeline
// under a state directory, and a timeline polled until it holds what a
// test waits for.
package timelinetest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/warroomhq/warroom/timeline"
)

// Wait polls the timeline file until done accepts its entries (done says
// what is still missing, "" when nothing is), failing the test after
// within.
func Wait(t testing.TB, path string, within time.Duration, done func([]timeline.Entry) string) []timeline.Entry {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		// A read racing an append may see a torn last line; the next
		// read sees it whole.
		entries, err := timeline.ReadFile(path)
		missing := "a readable timeline"
		if err == nil {
			if missing = done(entries); missing == "" {
				return entries
			}
		}
		if time.Now().After(deadline) {
			data, _ := os.ReadFile(path)
			t.Fatalf("after %s the timeline still lacks %s (read error: %v)\n%s", within, missing, err, data)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// StateTimeline reads the one incident timeline under stateDir; it returns
// nil when none was created.
func StateTimeline(t testing.TB, stateDir string) []timeline.Entry {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(stateDir, "incidents", "*", timeline.FileName))
	if err != nil {
		t.Fatal(err)
	}
	switch len(files) {
	case 0:
		return nil
	case 1:
	default:
		t.Fatalf("want at most one timeline under %s, found %v", stateDir, files)
	}
	entries, err := timeline.ReadFile(files[0])
	if err != nil {
		t.Fatalf("reading %s: %v", files[0], err)
	}
	return entries
}

// FirstOfKind is the file position of the first entry of kind, or -1.
func FirstOfKind(entries []timeline.Entry, kind string) int {
	for i, e := range entries {
		if e.Kind == kind {
			return i
		}
	}
	return -1
}

// CountKind counts the entries of kind.
func CountKind(entries []timeline.Entry, kind string) int {
	n := 0
	for _, e := range entries {
		if e.Kind == kind {
			n++
		}
	}
	return n
}
