package timeline

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// CorruptError lists what is wrong with a timeline file.
type CorruptError struct {
	Path     string
	Problems []Problem
}

// maxListedProblems bounds the error message; Problems holds them all.
const maxListedProblems = 5

func (e *CorruptError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "timeline %s failed verification (%d problem", e.Path, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString(")")
	for i, p := range e.Problems {
		if i == maxListedProblems {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-i)
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Verify reads the timeline file at path and checks every line: that it is
// an entry, that its content matches its hash, and that the entries form
// one unbroken chain in sequence. It returns the number of whole entries,
// and nil if the file is intact or a *CorruptError naming each problem's
// line otherwise. It never changes the file, and waits for an append in
// progress to finish.
func Verify(path string) (int, error) {
	entries, err := ReadFile(path)
	return len(entries), err
}

// ReadFile returns the entries of the timeline file at path without
// opening it for appending, so a torn tail is not repaired: any problem is
// returned as a *CorruptError, along with the whole entries.
func ReadFile(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading timeline: %w", err)
	}
	defer f.Close()
	if err := flock(f, syscall.LOCK_SH); err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading timeline %s: %w", path, err)
	}
	data := make([]byte, info.Size()) // the lock keeps the size still
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("reading timeline %s: %w", path, err)
	}
	res := scanLines(data, startOfFile)
	if len(res.problems) > 0 {
		return res.entries, &CorruptError{Path: path, Problems: res.problems}
	}
	return res.entries, nil
}
