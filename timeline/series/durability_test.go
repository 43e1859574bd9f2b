package series

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/internal/crashtest"
)

// crashChildEnv names the directory a re-executed test binary appends
// samples to until it is killed.
const crashChildEnv = "WARROOM_SERIES_CRASH_CHILD"

// crashChild appends one refresh of five series at a time, each 10 s
// after the last on the sample clock, and prints "durable <n>" once
// Append has returned. It stops by itself after a minute in case its
// parent died.
func crashChild(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Println("open failed:", err)
		os.Exit(2)
	}
	start := len(readAllOrExit(dir))
	deadline := time.Now().Add(time.Minute)
	for n := start; time.Now().Before(deadline); n++ {
		batch := make([]integrations.Sample, 5)
		for i := range batch {
			batch[i] = sample(time.Duration(n)*DefaultInterval, fmt.Sprintf("edge-1/web/web-%d", i), integrations.MetricReqPerS, float64(n))
		}
		if _, err := s.Append(batch); err != nil {
			fmt.Println("append failed:", err)
			os.Exit(2)
		}
		fmt.Printf("durable %d\n", n)
	}
	os.Exit(0)
}

// readAllOrExit returns the points of the first series: the child goes on
// where the previous one stopped.
func readAllOrExit(dir string) []Point {
	all, err := Read(dir, time.Time{}, time.Time{}, nil)
	if err != nil {
		fmt.Println("read failed:", err)
		os.Exit(2)
	}
	if len(all) == 0 {
		return nil
	}
	return all[0].Points
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
	}
	os.Exit(m.Run())
}

// TestCrashLosesAtMostTheAppendInFlight kills an appending child with
// SIGKILL three times; after each kill every sample it reported durable
// is in every series, nothing else is but the one Append in flight, and
// the store opens and appends again.
func TestCrashLosesAtMostTheAppendInFlight(t *testing.T) {
	dir := t.TempDir()
	highest := -1
	for round := range 3 {
		reported := runAndKill(t, dir, 50*(round+1))
		highest = max(highest, reported)
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		s.Close()
		all := readAll(t, dir)
		if len(all) != 5 {
			t.Fatalf("round %d: %d series after the crash", round, len(all))
		}
		for _, sr := range all {
			n := len(sr.Points)
			if n < highest+1 || n > highest+2 {
				t.Fatalf("round %d: %s holds %d samples; the child reported %d durable", round, sr.Target, n, highest+1)
			}
			for i, p := range sr.Points {
				if p.Value != float64(i) {
					t.Fatalf("round %d: %s sample %d reads %v", round, sr.Target, i, p.Value)
				}
			}
		}
		highest = len(all[0].Points) - 1
	}
}

// runAndKill starts the child, kills it once it has reported at least
// min durable appends, and returns the highest it reported.
func runAndKill(t *testing.T, dir string, min int) int {
	t.Helper()
	highest := -1
	crashtest.RunAndKill(t, crashChildEnv, dir, min, func(f []string) error {
		if len(f) != 1 {
			return errors.New("want a count")
		}
		n, err := strconv.Atoi(f[0])
		highest = max(highest, n)
		return err
	})
	return highest
}
