package series

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Read returns the series in dir that filter keeps (nil: all), with their
// points in [since, until] (zero: unbounded): buckets first, then samples,
// in time order; the series are in order of target, metric and source.
// It reads without repairing: a torn last line (a crash the next Open
// repairs) is left out. No files means no series.
func Read(dir string, since, until time.Time, filter func(Key) bool) ([]Series, error) {
	from, to := int64(math64Min), int64(math64Max)
	if !since.IsZero() {
		from = since.UnixMilli()
	}
	if !until.IsZero() {
		to = until.UnixMilli()
	}
	out := map[Key]*Series{}
	var interval time.Duration
	var watermark int64
	for _, name := range []string{RollupFile, RawFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading metrics series: %w", err)
		}
		// By id: whether the filter was asked (decided) and the series.
		var decided []bool
		var wanted []*Series
		get := func(id int) *Series { return wanted[id] }
		f, err := scan(name, data, visitor{
			want: func(id int, k Key, _ int64) bool {
				if id < len(decided) && decided[id] {
					return wanted[id] != nil
				}
				for id >= len(decided) {
					decided, wanted = append(decided, false), append(wanted, nil)
				}
				if filter == nil || filter(k) {
					if wanted[id] = out[k]; wanted[id] == nil {
						wanted[id] = &Series{Key: k}
						out[k] = wanted[id]
					}
				}
				decided[id] = true
				return wanted[id] != nil
			},
			sample: func(id int, ms int64, v float64) {
				if ms >= watermark && ms >= from && ms <= to {
					sr := get(id)
					sr.Points = append(sr.Points, Point{Time: time.UnixMilli(ms).UTC(), Value: v})
				}
			},
			bucket: func(id int, p Point) {
				if ms := p.Time.UnixMilli(); ms >= from && ms <= to {
					sr := get(id)
					sr.Points = append(sr.Points, p)
				}
			},
		})
		if err != nil {
			return nil, err
		}
		if name == RollupFile {
			watermark = f.watermark
		} else {
			interval = f.interval
		}
	}
	if interval == 0 {
		interval = DefaultInterval
	}
	list := make([]Series, 0, len(out))
	for _, sr := range out {
		if len(sr.Points) == 0 {
			continue
		}
		sr.Interval = interval
		slices.SortStableFunc(sr.Points, func(a, b Point) int { return a.Time.Compare(b.Time) })
		list = append(list, *sr)
	}
	slices.SortFunc(list, func(a, b Series) int { return a.Key.compare(b.Key) })
	return list, nil
}

const (
	math64Min = -1 << 63
	math64Max = 1<<63 - 1
)
