package drill

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

type recorder struct{ events []integrations.Event }

func (r *recorder) Publish(e integrations.Event) { r.events = append(r.events, e) }

func (r *recorder) records(kind string) []integrations.Record {
	var out []integrations.Record
	for _, e := range r.events {
		if rec, ok := e.(integrations.Record); ok && (kind == "" || rec.Kind == kind) {
			out = append(out, rec)
		}
	}
	return out
}

// play runs the monday-surge scenario for the given seconds, scaling the web
// group to 12 and throttling free traffic at scaleAt when scaleAt > 0.
func play(t *testing.T, seed uint64, seconds, scaleAt int) (*World, *recorder) {
	t.Helper()
	sc, _ := Lookup("monday-surge")
	w := New(sc, Options{Seed: seed})
	rec := &recorder{}
	ctx := context.Background()
	for s := 1; s <= seconds; s++ {
		if s == scaleAt {
			if err := webOf(w).SetDesiredCapacity(ctx, "web", 12); err != nil {
				t.Fatal(err)
			}
			for _, e := range w.Instances() {
				if err := w.SetThrottle(ctx, e, "free", 50); err != nil {
					t.Fatal(err)
				}
			}
		}
		w.Step(sc.Start.Add(time.Duration(s)*time.Second), rec)
	}
	return w, rec
}

func TestSameSeedSameEvents(t *testing.T) {
	_, a := play(t, 7, 600, 200)
	_, b := play(t, 7, 600, 200)
	if !reflect.DeepEqual(a.events, b.events) {
		t.Fatal("two runs with the same seed and actions published different events")
	}
	_, c := play(t, 8, 600, 200)
	if reflect.DeepEqual(a.events, c.events) {
		t.Fatal("a different seed gave identical events: the seed is not used")
	}
}

func TestSurgeFiresAlertsWithoutAction(t *testing.T) {
	w, rec := play(t, 1, 900, 0)
	fired := map[string]bool{}
	for _, r := range rec.records("alert.triggered") {
		fired[r.Fields["alert"]] = true
	}
	for _, id := range []string{"PD-5XX", "PD-CPU", "PD-OOM"} {
		if !fired[id] {
			t.Errorf("alert %s never fired in an unmitigated surge; fired: %v", id, fired)
		}
	}
	if len(rec.records("alert.resolved")) != 0 {
		t.Errorf("alerts resolved although nobody acted: %v", rec.records("alert.resolved"))
	}
	g, _ := w.DescribeGroup(context.Background(), "web")
	if g.Desired != 4 || g.InService != 4 {
		t.Errorf("web group moved by itself: desired %d in service %d", g.Desired, g.InService)
	}
	if len(rec.records("chat.message")) < 3 {
		t.Errorf("scripted chat did not play: %d messages", len(rec.records("chat.message")))
	}
}

func TestScaleAndThrottleRecover(t *testing.T) {
	// Behind the hung provisioner lock a launch takes 16-24 minutes.
	w, rec := play(t, 1, 2400, 600)
	g, _ := w.DescribeGroup(context.Background(), "web")
	if g.Desired != 12 || g.InService != 12 {
		t.Fatalf("after scaling, desired %d in service %d; want 12/12", g.Desired, g.InService)
	}
	resolved := map[string]bool{}
	for _, r := range rec.records("alert.resolved") {
		resolved[r.Fields["alert"]] = true
	}
	if !resolved["PD-5XX"] {
		t.Errorf("the 5xx alert did not resolve after scaling and throttling; resolved %v", resolved)
	}
	var sawRecovery bool
	for _, r := range rec.records("chat.message") {
		if strings.Contains(r.Text, "back under 1%") {
			sawRecovery = true
		}
	}
	if !sawRecovery {
		t.Error("the recovery chat line never played")
	}
	if len(rec.records("fleet.change")) < 12 {
		t.Errorf("expected desired change, throttle changes and 8 launches on the timeline, got %d", len(rec.records("fleet.change")))
	}
}

func TestActionsRespectBounds(t *testing.T) {
	sc, _ := Lookup("monday-surge")
	w := New(sc, Options{Seed: 1})
	ctx := context.Background()
	if err := webOf(w).SetDesiredCapacity(ctx, "web", 21); err == nil || !strings.Contains(err.Error(), "max 20") {
		t.Errorf("desired above max: got %v", err)
	}
	if err := webOf(w).SetDesiredCapacity(ctx, "nope", 5); err == nil {
		t.Error("unknown group accepted")
	}
	if err := w.SetThrottle(ctx, "edge-1", "premium", 10); err == nil {
		t.Error("premium tier throttled")
	}
	if err := w.SetThrottle(ctx, "edge-1", "free", 101); err == nil {
		t.Error("throttle above 100% accepted")
	}
	if err := w.SetThrottle(ctx, "edge-1", "free", 30); err != nil {
		t.Fatal(err)
	}
	before, _ := w.Throttles(ctx, "edge-1")
	info, err := webOf(w).Reload(ctx, "edge-1")
	if err != nil || info.Reloads != 1 {
		t.Fatalf("reload: %+v %v", info, err)
	}
	after, _ := w.Throttles(ctx, "edge-1")
	if !reflect.DeepEqual(before, after) {
		t.Errorf("throttle lost on reload: %v → %v", before, after)
	}
}

// TestScaleUpAloneIsSlowBehindTheLock: capacity asked for by hand does not
// arrive within minutes while the provisioner's lock is held, so the
// throttle matters; clearing the hung job frees the lock, resolves its
// lock-wait alert and brings launches back to their usual time.
func TestScaleUpAloneIsSlowBehindTheLock(t *testing.T) {
	inService := func(clear bool) (int, *recorder) {
		sc, _ := Lookup("monday-surge")
		w := New(sc, Options{Seed: 1})
		rec := &recorder{}
		ctx := context.Background()
		if clear {
			res, err := w.RunCommand(ctx, []string{"i-0b7e2c1d9a4f60812"}, "pids=$(pgrep -x -- 'provision-web' | tr '\\n' ' '); kill $pids; rm -f -- '/var/lock/provision-web.lock' && echo removed", 0)
			if err != nil || res[0].Status != "Success" {
				t.Fatalf("clearing the job: %+v %v", res, err)
			}
		}
		if err := webOf(w).SetDesiredCapacity(ctx, "web", 12); err != nil {
			t.Fatal(err)
		}
		w.Step(sc.Start.Add(13*time.Minute), rec)
		g, _ := w.DescribeGroup(ctx, "web")
		return g.InService, rec
	}
	held, heldRec := inService(false)
	if held != 4 {
		t.Errorf("behind the lock, %d in service after 13 min; want still 4", held)
	}
	for _, r := range heldRec.records("alert.resolved") {
		t.Errorf("an alert resolved with the lock held: %s", r.Text)
	}
	cleared, rec := inService(true)
	if cleared != 12 {
		t.Errorf("with the lock cleared, %d in service after 13 min; want 12", cleared)
	}
	resolved := false
	for _, r := range rec.records("alert.resolved") {
		resolved = resolved || r.Fields["alert"] == "PD-LOCK"
	}
	if !resolved {
		t.Error("the lock-wait alert did not clear once the lock was freed")
	}
}

// webOf is the world's web tier: tests act on it as runbooks do through
// the world's actions.
func webOf(w *World) *Web { return modelsOf[*Web](w)[0] }
