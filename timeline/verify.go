package timeline

import (
	"fmt"
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
// one unbroken chain in sequence. It returns nil if the file is intact and
// a *CorruptError naming each problem's line otherwise. It never changes
// the file, and waits for an append in progress to finish.
func Verify(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("verifying timeline: %w", err)
	}
	defer f.Close()
	if err := flock(f, syscall.LOCK_SH); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("verifying timeline: %w", err)
	}
	if res := scanLines(data, startOfFile); len(res.problems) > 0 {
		return &CorruptError{Path: path, Problems: res.problems}
	}
	return nil
}
