package series

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/warroomhq/warroom/timeline"
)

// maybeRollup rolls the samples older than Horizon before the newest one
// into buckets once there is an hour's worth of them.
func (s *Store) maybeRollup(newest int64) error {
	width := BucketWidth.Milliseconds()
	cutoff := (newest - Horizon.Milliseconds()) / width * width
	if s.oldest == 0 || s.oldest > cutoff-rollupEvery.Milliseconds() {
		return nil
	}
	return s.rollupBefore(cutoff)
}

// rollupBefore moves every sample before cutoff (a bucket boundary) into
// the rollup file, then rewrites metrics.log with the rest. Only the
// samples rolled up are decoded; the lines kept are copied as they are.
func (s *Store) rollupBefore(cutoff int64) error {
	data, err := os.ReadFile(s.raw.Name())
	if err != nil {
		return fmt.Errorf("reading %s: %w", s.raw.Name(), err)
	}
	points := map[int][]Point{}
	next := map[int]int64{} // the first sample from cutoff on, for the weight of the last one before
	if _, err := scan(RawFile, data, visitor{
		want: func(id int, _ Key, ms int64) bool {
			if ms >= cutoff {
				if n, ok := next[id]; !ok || ms < n {
					next[id] = ms
				}
				return false
			}
			return ms >= s.watermark
		},
		sample: func(id int, ms int64, v float64) {
			points[id] = append(points[id], Point{Time: time.UnixMilli(ms).UTC(), Value: v})
		},
	}); err != nil {
		return err
	}
	if err := s.writeBuckets(points, next, cutoff); err != nil {
		return err
	}
	return s.rewriteRaw(data, cutoff)
}

// writeBuckets appends the buckets of points (all before cutoff) and the
// watermark to the rollup file, and syncs it.
func (s *Store) writeBuckets(points map[int][]Point, next map[int]int64, cutoff int64) error {
	type entry struct {
		id int
		p  Point
	}
	byStart := map[int64][]entry{}
	width := BucketWidth.Milliseconds()
	ids := make([]int, 0, len(points))
	for id := range points {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ps := points[id]
		slices.SortStableFunc(ps, func(a, b Point) int { return a.Time.Compare(b.Time) })
		if n, ok := next[id]; ok {
			ps = append(ps, Point{Time: time.UnixMilli(n)}) // weighs the last one; not bucketed
		}
		weights := Weights(ps, s.interval)
		for i := 0; i < len(ps) && ps[i].Time.UnixMilli() < cutoff; {
			start := ps[i].Time.UnixMilli() / width * width
			b := Point{Time: time.UnixMilli(start).UTC(), Min: ps[i].Value, Max: ps[i].Value}
			var area float64
			for ; i < len(ps) && ps[i].Time.UnixMilli() < min(start+width, cutoff); i++ {
				b.N++
				b.Min, b.Max = min(b.Min, ps[i].Value), max(b.Max, ps[i].Value)
				b.Span += weights[i]
				area += ps[i].Value * weights[i].Seconds()
			}
			b.Value = area / b.Span.Seconds()
			byStart[start] = append(byStart[start], entry{id, b})
		}
	}
	starts := make([]int64, 0, len(byStart))
	for start := range byStart {
		starts = append(starts, start)
	}
	slices.Sort(starts)
	s.buf = s.buf[:0]
	for _, start := range starts {
		for _, e := range byStart[start] {
			if !s.inRollup[e.id] {
				s.buf = appendDef(s.buf, e.id, s.keys[e.id])
				s.inRollup[e.id] = true
			}
		}
		begin := len(s.buf)
		s.buf = append(s.buf, 'b')
		s.buf = appendInt(s.buf, start)
		for _, e := range byStart[start] {
			s.buf = append(s.buf, ' ')
			s.buf = appendInt(s.buf, int64(e.id))
			s.buf = append(s.buf, ':')
			s.buf = appendInt(s.buf, int64(e.p.N))
			for _, x := range []float64{e.p.Min, e.p.Max, e.p.Value} {
				s.buf = append(s.buf, ',')
				s.buf = appendFloat(s.buf, x)
			}
			s.buf = append(s.buf, ',')
			s.buf = appendInt(s.buf, e.p.Span.Milliseconds())
		}
		s.buf = seal(s.buf, begin)
	}
	begin := len(s.buf)
	s.buf = append(s.buf, 'w')
	s.buf = appendInt(s.buf, cutoff)
	s.buf = seal(s.buf, begin)
	if err := s.write(s.rollup); err != nil {
		return err
	}
	s.watermark = cutoff
	return nil
}

// rewriteRaw replaces metrics.log (data, already verified) by its
// definitions and its sample lines from cutoff on, through a synced
// temporary file renamed over it.
func (s *Store) rewriteRaw(data []byte, cutoff int64) error {
	s.buf = appendHeader(s.buf[:0], s.interval)
	s.oldest = 0
	for off := 0; off < len(data); {
		nl := bytes.IndexByte(data[off:], '\n')
		if nl < 0 {
			break
		}
		line := data[off : off+nl+1]
		off += nl + 1
		switch line[0] {
		case 'd':
			s.buf = append(s.buf, line...)
		case 't':
			ms, _, _ := parseInt(line[1:])
			if ms >= cutoff {
				s.buf = append(s.buf, line...)
				if s.oldest == 0 || ms < s.oldest {
					s.oldest = ms
				}
			}
		}
	}
	tmp, err := os.CreateTemp(s.dir, ".metrics-*.log")
	if err != nil {
		return fmt.Errorf("rewriting %s: %w", RawFile, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(s.buf); err != nil {
		tmp.Close()
		return fmt.Errorf("rewriting %s: %w", RawFile, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("rewriting %s: %w", RawFile, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("rewriting %s: %w", RawFile, err)
	}
	path := filepath.Join(s.dir, RawFile)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rewriting %s: %w", RawFile, err)
	}
	if err := timeline.SyncDir(s.dir); err != nil {
		return err
	}
	s.raw.Close()
	if s.raw, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0); err != nil {
		return fmt.Errorf("reopening %s: %w", RawFile, err)
	}
	return nil
}

// Weights is how long each point of a series stands for: a bucket its
// Span; a sample the time to the next point, at most twice interval (a
// longer gap is a gap in the measurements, not a long sample), and the
// last sample one interval.
func Weights(points []Point, interval time.Duration) []time.Duration {
	w := make([]time.Duration, len(points))
	for i, p := range points {
		switch {
		case p.N > 0:
			w[i] = p.Span
		case i+1 < len(points):
			w[i] = min(points[i+1].Time.Sub(p.Time), 2*interval)
		default:
			w[i] = interval
		}
	}
	return w
}

// Integral is the sum of value × weight over points, in value·seconds: a
// per-second rate's integral is a count.
func Integral(points []Point, interval time.Duration) float64 {
	var sum float64
	for i, w := range Weights(points, interval) {
		sum += points[i].Value * w.Seconds()
	}
	return sum
}
