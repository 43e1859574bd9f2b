package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline"
)

// TestDrillRunRecordsEverySeries: a real drill session, with a throttle
// and a scale-up run through the runbooks as the screen runs them, leaves
// a series in which `warroom metrics export` finds rows of every metric
// README names, the throttle's shedding and percentage among them with
// figures above zero, and one effect entry for each run; the Markdown
// export's Impact section then holds figures and no placeholder.
func TestDrillRunRecordsEverySeries(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	g := &globalFlags{StateDir: filepath.Join(dir, "state"), ConfigPath: filepath.Join(dir, "none.yaml")}
	s, err := openSession(g, sessionOptions{ForceDrill: true, Speed: 60})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.Watch(ctx, nil)
	closed := false
	defer func() {
		if !closed {
			s.Close()
		}
	}()
	cat, err := runbooks.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string, params map[string]string) {
		t.Helper()
		rb, err := cat.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := runbooks.NewPlan(ctx, rb, params, s.Actions(), runbooks.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		report, err := runbooks.Run(ctx, plan, s.Actions(), func(r integrations.Record) { s.Publish(r) }, runbooks.RunOptions{Confirmed: true, Typed: plan.ConfirmText,
			StateDir: g.StateDir, Now: s.Now, Actor: "tester", Timeout: time.Minute})
		if err != nil || report.Status != runbooks.RunDone {
			t.Fatalf("%s: %v (%v)", name, report.Status, err)
		}
	}
	// until waits, in real time, for the drill's clock to pass an offset
	// from the scenario's start.
	until := func(offset time.Duration) {
		for s.Now().Before(s.Info().IncidentStart.Add(offset)) {
			if ctx.Err() != nil {
				t.Fatal("the drill's clock did not reach", offset)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	until(3 * time.Minute) // a few minutes of the incident measured first
	run("throttle-tier", map[string]string{"tier": "free", "percent": "30"})
	run("scale-up", map[string]string{"group": "web", "desired": "8"})
	// The effect of the last run is due three minutes after it ended, and
	// is recorded once a sample past that has come in.
	until(s.Now().Sub(s.Info().IncidentStart) + 4*time.Minute)
	path := s.TimelinePath()
	waitTimeline(t, path, 30*time.Second, func(entries []timeline.Entry) string {
		if countKind(entries, integrations.KindEffect) < 2 {
			return "an effect entry for each run"
		}
		return ""
	})
	incident := s.Incident()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true

	entries, err := timeline.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Kind == integrations.KindEffect {
			if !strings.Contains(e.Text, "5xx/s ") || !strings.Contains(e.Text, " within 3m (") {
				t.Errorf("effect entry %q does not say 5xx/s before → after within 3m (change)", e.Text)
			}
		}
	}

	exported := runCLI(t, bin, g.StateDir, "metrics", "export", "--incident", incident)
	if exported.code != 0 {
		t.Fatalf("metrics export: exit %d\n%s", exported.code, exported.stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(exported.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	count, peak := map[string]int{}, map[string]float64{}
	for _, r := range rows[1:] {
		v, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			t.Fatalf("row %v: %v", r, err)
		}
		count[r[3]]++
		peak[r[3]] = max(peak[r[3]], v)
	}
	for _, metric := range []string{integrations.MetricReqPerS, integrations.MetricHTTP5xxPerS, integrations.MetricErrorRatio,
		integrations.MetricSessions, integrations.MetricShedPerS, integrations.MetricDesired, integrations.MetricInService,
		integrations.MetricPending, integrations.MetricThrottlePct} {
		if count[metric] == 0 {
			t.Errorf("no rows of %s (rows per metric: %v)", metric, count)
		}
	}
	if peak[integrations.MetricThrottlePct] != 30 || peak[integrations.MetricShedPerS] <= 0 || peak[integrations.MetricPending] <= 0 ||
		peak[integrations.MetricDesired] != 8 {
		t.Errorf("peaks %v: want throttle_pct 30, shed_per_s and pending above 0, desired 8", peak)
	}

	md := filepath.Join(dir, "pm.md")
	drafted := runCLI(t, bin, g.StateDir, "timeline", "export", "--incident", incident, "--format", "md", "-o", md)
	if drafted.code != 0 {
		t.Fatalf("timeline export: exit %d\n%s", drafted.code, drafted.stderr)
	}
	doc, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	_, impact, _ := strings.Cut(string(doc), "\n## Impact\n")
	impact, _, _ = strings.Cut(impact, "\n## ")
	for _, want := range []string{"Thresholds used", "**Impact window:** 20", "**Peak error ratio:**", "**Requests failed:**", "**Requests shed by throttling:**",
		"**Capacity added:**", "| web | 4 → 8 (+4) | 4 → 8 (+4) |", "received (", "**Effects of actions**", "throttle tier free 0% → 30%", "web desired 4 → 8", "![impact](pm-impact.svg)"} {
		if !strings.Contains(impact, want) {
			t.Errorf("the Impact section lacks %q:\n%s", want, impact)
		}
	}
	for _, placeholder := range []string{"To fill in", "cannot state", "not measured", "None of the"} {
		if strings.Contains(impact, placeholder) {
			t.Errorf("the Impact section holds %q once there is data:\n%s", placeholder, impact)
		}
	}
}
