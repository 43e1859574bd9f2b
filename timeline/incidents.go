package timeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Incident summarises one incident's timeline for a listing.
type Incident struct {
	ID          string
	Path        string
	Entries     int       // whole entries in the file, amendments included
	First, Last time.Time // earliest and latest Occurred
	Err         error     // the file could not be read, or failed verification
}

// ListIncidents summarises every incident under <stateDir>/incidents, in
// order of ID. A timeline that fails verification is listed with Err set.
// A missing directory means no incidents.
func ListIncidents(stateDir string) ([]Incident, error) {
	dir := filepath.Join(stateDir, "incidents")
	dirents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing incidents: %w", err)
	}
	var out []Incident
	for _, d := range dirents {
		path := filepath.Join(dir, d.Name(), FileName)
		if !d.IsDir() {
			continue
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		inc := Incident{ID: d.Name(), Path: path}
		var entries []Entry
		entries, inc.Err = ReadFile(path)
		inc.Entries = len(entries)
		for _, e := range entries {
			if inc.First.IsZero() || e.Occurred.Before(inc.First) {
				inc.First = e.Occurred
			}
			if e.Occurred.After(inc.Last) {
				inc.Last = e.Occurred
			}
		}
		out = append(out, inc)
	}
	slices.SortFunc(out, func(a, b Incident) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
