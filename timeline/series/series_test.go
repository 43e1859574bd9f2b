package series

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

var t0 = time.Date(2026, 1, 9, 23, 41, 0, 0, time.UTC)

func sample(at time.Duration, target, metric string, v float64) integrations.Sample {
	return integrations.Sample{Time: t0.Add(at), Source: "haproxy", Target: target, Metric: metric, Value: v}
}

func open(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func appendAll(t testing.TB, s *Store, samples ...integrations.Sample) []integrations.Sample {
	t.Helper()
	kept, err := s.Append(samples)
	if err != nil {
		t.Fatal(err)
	}
	return kept
}

func readAll(t testing.TB, dir string) []Series {
	t.Helper()
	all, err := Read(dir, time.Time{}, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func values(sr Series) []float64 {
	out := make([]float64, len(sr.Points))
	for i, p := range sr.Points {
		out[i] = p.Value
	}
	return out
}

// TestRangeReturnsWhatWasAppendedExactly: values of any precision, names
// with spaces and quotes, and times to the millisecond read back as
// appended, filtered by key and time.
func TestRangeReturnsWhatWasAppendedExactly(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()
	odd := []float64{0.1 + 0.2, 1e-300, 245.20909816440541, 0, -3, math.MaxFloat64}
	for i, v := range odd {
		appendAll(t, s, sample(time.Duration(i)*10*time.Second+123*time.Millisecond, `edge 1/"web"`, integrations.MetricErrorRatio, v),
			sample(time.Duration(i)*10*time.Second, "edge-1/web", integrations.MetricReqPerS, float64(i)))
	}
	all := readAll(t, dir)
	if len(all) != 2 {
		t.Fatalf("want 2 series, got %+v", all)
	}
	got := all[0] // `edge 1/"web"` sorts first
	if got.Key != (Key{"haproxy", `edge 1/"web"`, integrations.MetricErrorRatio}) || got.Interval != DefaultInterval {
		t.Fatalf("series %+v", got.Key)
	}
	for i, p := range got.Points {
		if p.Value != odd[i] || !p.Time.Equal(t0.Add(time.Duration(i)*10*time.Second+123*time.Millisecond)) || p.N != 0 {
			t.Fatalf("point %d = %+v, want %v at +%ds", i, p, odd[i], i*10)
		}
	}
	some, err := s.Range(t0.Add(10*time.Second), t0.Add(30*time.Second), func(k Key) bool { return k.Metric == integrations.MetricReqPerS })
	if err != nil {
		t.Fatal(err)
	}
	if len(some) != 1 || fmt.Sprint(values(some[0])) != "[1 2 3]" {
		t.Fatalf("Range(10s, 30s, req_per_s) = %+v", some)
	}
}

// TestAppendKeepsOneSamplePerInterval: a source polling every 4 s is
// kept every 12 s (8 s is too soon, 10% slack or not); out-of-order, non-finite and nameless samples are not
// kept; each series is throttled on its own.
func TestAppendKeepsOneSamplePerInterval(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()
	var kept int
	for i := range 20 {
		at := time.Duration(i) * 4 * time.Second
		k := appendAll(t, s, sample(at, "edge-1/web", integrations.MetricReqPerS, float64(i)),
			sample(at+time.Second, "edge-1/api", integrations.MetricReqPerS, float64(i)))
		kept += len(k)
	}
	appendAll(t, s, sample(-time.Minute, "edge-1/web", integrations.MetricReqPerS, 99),
		sample(time.Hour, "edge-1/web", integrations.MetricHTTP5xxPerS, math.NaN()),
		sample(time.Hour, "edge-1/web", integrations.MetricErrorRatio, math.Inf(1)),
		sample(time.Hour, "", integrations.MetricErrorRatio, 1))
	all := readAll(t, dir)
	if len(all) != 2 {
		t.Fatalf("want 2 series, got %d: %+v", len(all), all)
	}
	for _, sr := range all {
		if fmt.Sprint(values(sr)) != "[0 3 6 9 12 15 18]" {
			t.Errorf("%s kept %v", sr.Target, values(sr))
		}
	}
	if kept != 14 {
		t.Errorf("Append reported %d kept, the file holds 14", kept)
	}
}

// TestAppendResumesAfterRestart: a reopened store keeps the ids, the
// throttle and the samples already written, and appends after them.
func TestAppendResumesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	appendAll(t, s, sample(0, "web", integrations.MetricDesired, 4), sample(0, "edge-1/web", integrations.MetricReqPerS, 100))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	defer s.Close()
	if k := appendAll(t, s, sample(5*time.Second, "web", integrations.MetricDesired, 5)); len(k) != 0 {
		t.Fatalf("a sample 5 s after the last one before the restart was kept: %+v", k)
	}
	appendAll(t, s, sample(10*time.Second, "web", integrations.MetricDesired, 6), sample(10*time.Second, "web", integrations.MetricInService, 4))
	all := readAll(t, dir)
	got := map[string]string{}
	for _, sr := range all {
		got[sr.Target+" "+sr.Metric] = fmt.Sprint(values(sr))
	}
	want := map[string]string{"web desired": "[4 6]", "web in_service": "[4]", "edge-1/web req_per_s": "[100]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after a restart: %v, want %v", got, want)
	}
}

// TestTornTailIsCutOnOpen: an incomplete last line (a crash mid-write) is
// left out by readers and cut off by Open; every whole line is kept.
func TestTornTailIsCutOnOpen(t *testing.T) {
	for _, torn := range []string{"t1736466", "t1736466060000 1:4 deadbeef\n"} {
		dir := t.TempDir()
		s := open(t, dir)
		appendAll(t, s, sample(0, "web", integrations.MetricDesired, 4), sample(10*time.Second, "web", integrations.MetricDesired, 5))
		s.Close()
		f, err := os.OpenFile(filepath.Join(dir, RawFile), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(torn)
		f.Close()
		if got := readAll(t, dir); len(got) != 1 || fmt.Sprint(values(got[0])) != "[4 5]" {
			t.Fatalf("reading past a torn tail %q: %+v", torn, got)
		}
		s = open(t, dir)
		appendAll(t, s, sample(20*time.Second, "web", integrations.MetricDesired, 6))
		s.Close()
		data, _ := os.ReadFile(filepath.Join(dir, RawFile))
		if strings.Contains(string(data), strings.TrimSpace(torn)) {
			t.Fatalf("the torn line %q is still in the file:\n%s", torn, data)
		}
		if got := readAll(t, dir); len(got) != 1 || fmt.Sprint(values(got[0])) != "[4 5 6]" {
			t.Fatalf("after repair: %+v", got)
		}
	}
}

// TestDamagedLineBeforeTheEndIsReported: damage that is not a torn tail
// fails Open and Read, naming the line, and changes nothing.
func TestDamagedLineBeforeTheEndIsReported(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	for i := range 3 {
		appendAll(t, s, sample(time.Duration(i)*10*time.Second, "web", integrations.MetricDesired, float64(i)))
	}
	s.Close()
	path := filepath.Join(dir, RawFile)
	data, _ := os.ReadFile(path)
	damaged := strings.Replace(string(data), ":1 ", ":7 ", 1)
	if damaged == string(data) {
		t.Fatalf("test setup: no value 1 in\n%s", data)
	}
	os.WriteFile(path, []byte(damaged), 0o600)
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("Open: %v", err)
	}
	if _, err := Read(dir, time.Time{}, time.Time{}, nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Read: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != damaged {
		t.Fatal("a failed Open changed the file")
	}
}

// TestSecondWriterIsRefused: one process records an incident's series.
func TestSecondWriterIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v", err)
	}
	s.Close()
	open(t, dir).Close()
}

// TestSecretsNeverReachTheSeries: sources and targets pass through the
// timeline's redactor before they are written.
func TestSecretsNeverReachTheSeries(t *testing.T) {
	const secret = "s3cr3t-backend-token"
	r, err := timeline.NewRedactor([]string{secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := Open(dir, Options{Redactor: r})
	if err != nil {
		t.Fatal(err)
	}
	kept := appendAll(t, s, integrations.Sample{Time: t0, Source: "haproxy " + secret, Target: "edge-1/" + secret + "/xoxb-123456789012-abcdefghij", Metric: integrations.MetricSessions, Value: 3})
	s.Close()
	for _, name := range []string{RawFile, RollupFile} {
		data, _ := os.ReadFile(filepath.Join(dir, name))
		if strings.Contains(string(data), secret) || strings.Contains(string(data), "xoxb-") {
			t.Fatalf("%s holds a secret:\n%s", name, data)
		}
	}
	if len(kept) != 1 || strings.Contains(kept[0].Target, secret) || !strings.Contains(kept[0].Target, "[REDACTED:secret]") {
		t.Fatalf("Append returned %+v", kept)
	}
}

// fleet is n series of a 48-hour incident, sampled every interval.
type fleet struct {
	keys []integrations.Sample
	rng  *rand.Rand
}

func newFleet(n int) *fleet {
	f := &fleet{rng: rand.New(rand.NewPCG(1, 2))}
	metrics := []string{integrations.MetricReqPerS, integrations.MetricHTTP5xxPerS, integrations.MetricErrorRatio, integrations.MetricSessions, integrations.MetricShedPerS}
	for i := range n {
		f.keys = append(f.keys, integrations.Sample{Source: "haproxy",
			Target: fmt.Sprintf("edge-%d/web/web-%d", i/50+1, i%50/len(metrics)), Metric: metrics[i%len(metrics)]})
	}
	return f
}

// at returns every series' sample at t, with full-precision values (rates
// from counter deltas over real poll intervals rarely round).
func (f *fleet) at(t time.Time) []integrations.Sample {
	out := make([]integrations.Sample, len(f.keys))
	for i, k := range f.keys {
		k.Time, k.Value = t, f.rng.Float64()*500
		out[i] = k
	}
	return out
}

// TestA48HourIncidentStaysUnder50MB: 500 series sampled every 10 s for 48
// hours take less than 50 MB; the last 4 hours are at full resolution,
// older data in 5-minute buckets whose minimum, maximum, count and
// integral are those of the samples they replaced.
//
// Writing all 48 hours costs two minutes under the race detector, almost
// all of it in the hourly rollups, so the test writes the first runHours
// and works out the 48-hour size from them, where the format is linear.
// Appending an hour at a time, every rollup from the sixth hour on moves
// exactly one hour (12 buckets of each series) into metrics-rollup.log,
// and leaves metrics.log holding the same 4h05m of samples. So at 48
// hours metrics.log is as large as it is here (the largest size seen
// after a rollup is taken), and metrics-rollup.log has grown by one
// hour's buckets per hour: its size here plus (48 − runHours) times the
// largest hourly growth seen. The test checks that premise rather than
// assuming it: each hour's growth and each metrics.log size after a
// rollup must agree within 2% (values differ only in their digits).
func TestA48HourIncidentStaysUnder50MB(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	f := newFleet(500)
	var sum, minV, maxV float64 = 0, math.Inf(1), math.Inf(-1)
	probe := f.keys[0]
	const (
		hours      = 48
		runHours   = 9
		firstRoll  = 6 // the first hour after which a rollup has happened
		perHour    = int(time.Hour / DefaultInterval)
		rolledUpTo = runHours - 5 // hours every bucket of which is rolled up
	)
	sizeOf := func(name string) int64 { return fileSize(t, filepath.Join(dir, name)) }
	var raws, rollups []int64 // after each hour from firstRoll on
	start := t0.Truncate(BucketWidth)
	batch := make([]integrations.Sample, 0, perHour*len(f.keys))
	for h := range runHours {
		batch = batch[:0]
		for i := h * perHour; i < (h+1)*perHour; i++ {
			at := start.Add(time.Duration(i) * DefaultInterval)
			row := f.at(at)
			if at.Before(start.Add(BucketWidth)) {
				minV, maxV = min(minV, row[0].Value), max(maxV, row[0].Value)
			}
			if at.Before(start.Add(rolledUpTo * time.Hour)) {
				sum += row[0].Value * DefaultInterval.Seconds()
			}
			batch = append(batch, row...)
		}
		appendAll(t, s, batch...)
		if h+1 >= firstRoll {
			raws, rollups = append(raws, sizeOf(RawFile)), append(rollups, sizeOf(RollupFile))
		}
	}
	s.Close()
	if rollups[0] == 0 {
		t.Fatalf("no rollup after %d hours", firstRoll)
	}
	var growth []int64
	for i := 1; i < len(rollups); i++ {
		growth = append(growth, rollups[i]-rollups[i-1])
	}
	within2 := func(vs []int64) bool { return float64(slices.Max(vs)) <= 1.02*float64(slices.Min(vs)) }
	if !within2(growth) || !within2(raws) {
		t.Fatalf("not linear: metrics-rollup.log grew by %v bytes an hour, metrics.log was %v bytes after each rollup", growth, raws)
	}
	size := slices.Max(raws) + rollups[len(rollups)-1] + (hours-runHours)*slices.Max(growth)
	t.Logf("48 h × 500 series: %.1f MB (metrics.log %.1f MB, metrics-rollup.log %.1f MB + %.2f MB an hour)",
		float64(size)/1e6, float64(slices.Max(raws))/1e6, float64(rollups[len(rollups)-1])/1e6, float64(slices.Max(growth))/1e6)
	if size >= 50e6 {
		t.Fatalf("48 h × 500 series take %d bytes", size)
	}
	all, err := Read(dir, time.Time{}, time.Time{}, func(k Key) bool { return k.Target == probe.Target && k.Metric == probe.Metric })
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Fatalf("probe series: %+v", all)
	}
	pts := all[0].Points
	first, end := pts[0], pts[len(pts)-1].Time
	if first.N != 30 || first.Min != minV || first.Max != maxV || first.Span != BucketWidth {
		t.Fatalf("first bucket %+v, want 30 samples from %v to %v over 5m", first, minV, maxV)
	}
	var rolled []Point
	raw := 0
	for _, p := range pts {
		if p.N > 0 {
			rolled = append(rolled, p)
			continue
		}
		raw++
	}
	if horizon := end.Sub(rolled[len(rolled)-1].Time); horizon < Horizon || raw < int(Horizon/DefaultInterval) {
		t.Fatalf("only %d raw samples (%s) after the last bucket", raw, horizon)
	}
	// The buckets of the hours rolled up hold the integral of their samples.
	var got float64
	for _, p := range rolled {
		if p.Time.Before(start.Add(rolledUpTo * time.Hour)) {
			got += p.Value * p.Span.Seconds()
		}
	}
	if math.Abs(got-sum) > 1e-6*sum {
		t.Fatalf("integral of the buckets %v, of the samples %v", got, sum)
	}
}

// TestInterruptedRollupCountsNothingTwice: a crash after the buckets were
// synced but before metrics.log was rewritten leaves samples below the
// watermark there; readers skip them and the next rollup drops them.
func TestInterruptedRollupCountsNothingTwice(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	var before []byte
	var trigger int64
	rollup := filepath.Join(dir, RollupFile)
	for i := range 6 * 360 {
		at := time.Duration(i) * DefaultInterval
		raw, _ := os.ReadFile(filepath.Join(dir, RawFile))
		size := fileSize(t, rollup)
		appendAll(t, s, sample(at, "edge-1/web", integrations.MetricReqPerS, 1))
		if before == nil && fileSize(t, rollup) > size {
			before, trigger = raw, t0.Add(at).UnixMilli()
		}
	}
	s.Close()
	if before == nil {
		t.Fatal("test setup: no rollup happened")
	}
	count := func() (n int) {
		for _, p := range readAll(t, dir)[0].Points {
			n += max(p.N, 1)
		}
		return n
	}
	want := count()
	if want != 6*360 {
		t.Fatalf("after a rollup the series counts %d samples, want %d", want, 6*360)
	}
	// Put back metrics.log as it was before the rewrite, with the samples
	// appended from the one that triggered it, as if the rename had not
	// happened.
	after, _ := os.ReadFile(filepath.Join(dir, RawFile))
	var tail []string
	for _, line := range strings.SplitAfter(string(after), "\n") {
		if ms, _, err := parseInt([]byte(strings.TrimPrefix(line, "t"))); strings.HasPrefix(line, "t") && err == nil && ms >= trigger {
			tail = append(tail, line)
		}
	}
	os.WriteFile(filepath.Join(dir, RawFile), append(before, strings.Join(tail, "")...), 0o600)
	if got := count(); got != want {
		t.Fatalf("with the rewrite lost, the series counts %d samples, want %d", got, want)
	}
	s = open(t, dir)
	for i := 6 * 360; i < 8*360; i++ {
		appendAll(t, s, sample(time.Duration(i)*DefaultInterval, "edge-1/web", integrations.MetricReqPerS, 1))
	}
	s.Close()
	if got := count(); got != 8*360 {
		t.Fatalf("after the next rollup the series counts %d samples, want %d", got, 8*360)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// BenchmarkAppend500 is one refresh of 500 series: one write, one fsync.
func BenchmarkAppend500(b *testing.B) {
	s := open(b, b.TempDir())
	defer s.Close()
	f := newFleet(500)
	at := t0
	b.ReportAllocs()
	for b.Loop() {
		at = at.Add(DefaultInterval)
		if _, err := s.Append(f.at(at)); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzReadSeries feeds arbitrary bytes to the reader as metrics.log: it
// never panics, and what it accepts reads back the same when written again.
func FuzzReadSeries(f *testing.F) {
	dir := f.TempDir()
	s := open(f, dir)
	appendAll(f, s, sample(0, "edge-1/web", integrations.MetricReqPerS, 245.5), sample(0, `we"ird/x`, integrations.MetricErrorRatio, 0.1))
	s.Close()
	valid, _ := os.ReadFile(filepath.Join(dir, RawFile))
	f.Add(valid)
	f.Add(valid[:len(valid)-5])
	f.Add([]byte("#warroom-series/1 interval=10000 00000000\nt1 1:2 00000000\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []float64
		sc, err := scan(RawFile, data, visitor{sample: func(_ int, _ int64, v float64) { got = append(got, v) }})
		if err != nil {
			return
		}
		if sc.whole+sc.torn != int64(len(data)) {
			t.Fatalf("%d whole + %d torn bytes of %d", sc.whole, sc.torn, len(data))
		}
		var again []float64
		if _, err := scan(RawFile, data[:sc.whole], visitor{sample: func(_ int, _ int64, v float64) { again = append(again, v) }}); err != nil || fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("the whole lines read differently alone: %v, %v vs %v", err, again, got)
		}
	})
}
