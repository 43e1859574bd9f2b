package team

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/timeline"
)

// BenchmarkFiveRespondersFiftyEntriesPerSecond runs five responders, each
// appending 50 entries a second to one incident on a loopback team
// server, for WARROOM_TEAM_BENCH_SECONDS (default 20) seconds, and
// reports entries lost and duplicated (on the server and as seen by each
// responder) and the time from an Append call to the entry reaching every
// other responder's OnForeign. Run it with -benchtime 1x.
func BenchmarkFiveRespondersFiftyEntriesPerSecond(b *testing.B) {
	seconds := 20
	if s, err := strconv.Atoi(os.Getenv("WARROOM_TEAM_BENCH_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	const writers, rate = 5, 50
	for range b.N {
		ts := startTestServer(b, nil)
		var mu sync.Mutex
		sent := map[string]time.Time{}
		seen := make([]map[string]int, writers)
		var lat []time.Duration
		var tls []*Timeline
		for w := range writers {
			seen[w] = map[string]int{}
			c := dial(b, Options{URL: ts.url()})
			tl, err := c.OpenTimeline("INC-1", TimelineOptions{StateDir: b.TempDir(), OnForeign: func(es []timeline.Entry) {
				now := time.Now()
				mu.Lock()
				defer mu.Unlock()
				for _, e := range es {
					seen[w][e.Text]++
					lat = append(lat, now.Sub(sent[e.Text]))
				}
			}})
			if err != nil {
				b.Fatal(err)
			}
			defer tl.Close()
			tls = append(tls, tl)
		}
		b.ResetTimer()
		var wg sync.WaitGroup
		var failed, queued int
		stop := time.Now().Add(time.Duration(seconds) * time.Second)
		for w, tl := range tls {
			wg.Go(func() {
				tick := time.NewTicker(time.Second / rate)
				defer tick.Stop()
				for i := 0; time.Now().Before(stop); i++ {
					<-tick.C
					text := fmt.Sprintf("w%d-%d", w, i)
					mu.Lock()
					sent[text] = time.Now()
					mu.Unlock()
					if _, err := tl.Append(note(text)); err != nil {
						mu.Lock()
						if _, ok := err.(*QueuedError); ok {
							queued++
						} else {
							failed++
						}
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		for _, tl := range tls {
			for deadline := time.Now().Add(30 * time.Second); tl.Status().Queued > 0 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
		}
		time.Sleep(500 * time.Millisecond) // the last deliveries
		all, err := tls[0].ReadAll(context.Background())
		if err != nil {
			b.Fatalf("the shared timeline does not verify: %v", err)
		}
		onServer := map[string]int{}
		for _, e := range all {
			onServer[e.Text]++
		}
		mu.Lock()
		var lost, dup, lostSeen, dupSeen int
		for text := range sent {
			switch n := onServer[text]; {
			case n == 0:
				lost++
			case n > 1:
				dup += n - 1
			}
			for w := range writers {
				if text[1] == byte('0'+w) {
					continue // its own writer
				}
				switch n := seen[w][text]; {
				case n == 0:
					lostSeen++
				case n > 1:
					dupSeen += n - 1
				}
			}
		}
		slices.Sort(lat)
		q := func(p float64) float64 {
			if len(lat) == 0 {
				return 0
			}
			return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)].Microseconds()) / 1000
		}
		b.ReportMetric(float64(len(sent))/float64(seconds), "entries/s")
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(dup), "duplicated")
		b.ReportMetric(float64(lostSeen), "unseen")
		b.ReportMetric(float64(dupSeen), "seen-twice")
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
		b.ReportMetric(float64(queued), "queued")
		b.ReportMetric(float64(failed), "failed")
		b.Logf("%ds: %d entries sent, %d on the server, %d lost, %d duplicated; seen by others: %d unseen, %d twice; append to seen by every other responder p50 %.1f ms, p99 %.1f ms",
			seconds, len(sent), len(all), lost, dup, lostSeen, dupSeen, q(0.5), q(0.99))
		mu.Unlock()
	}
}
