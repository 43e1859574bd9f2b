package runbooks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// runAsync runs a built-in in the background; the returned function waits
// for its end.
func runAsync(t *testing.T, ctx context.Context, name string, params map[string]string, a integrations.Actions) func() (*Report, []integrations.Record, error) {
	t.Helper()
	type result struct {
		report *Report
		recs   []integrations.Record
		err    error
	}
	done := make(chan result, 1)
	go func() {
		report, recs, err := runBuiltin(t, ctx, name, params, a, Limits{}, RunOptions{Actor: "alice"})
		done <- result{report, recs, err}
	}()
	return func() (*Report, []integrations.Record, error) {
		r := <-done
		return r.report, r.recs, r.err
	}
}

func lastOfKind(recs []integrations.Record, kind string) integrations.Record {
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Kind == kind {
			return recs[i]
		}
	}
	return integrations.Record{}
}

// TestAbortedScaleUpSaysDesiredStays: a scale-up aborted while it waits
// for instances has already set desired; the abort record, the report and
// the error say so, not just "aborted".
func TestAbortedScaleUpSaysDesiredStays(t *testing.T) {
	scaler := webScaler()
	scaler.launchFailure = "InsufficientInstanceCapacity"
	ctx, abort := context.WithCancelCause(context.Background())
	defer abort(nil)
	wait := runAsync(t, ctx, "scale-up", map[string]string{"group": "web", "desired": "20"}, integrations.Actions{Scaler: scaler})
	integrationstest.Wait(t, "desired set", func() bool { return len(scaler.all()) > 0 })
	abort(errors.New("aborted by alice"))
	report, recs, err := wait()
	if report.Status != RunAborted {
		t.Fatalf("status %s", report.Status)
	}
	const want = "web desired stays 20; only the wait for in-service was cancelled"
	if !strings.Contains(report.Aftermath, want) || !strings.Contains(report.Aftermath, "changed: web desired 4 → 20") {
		t.Errorf("aftermath = %q", report.Aftermath)
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v", err)
	}
	rec := lastOfKind(recs, integrations.KindRunbookAbort)
	if !strings.HasPrefix(rec.Text, "run scale-up aborted by alice — changed: web desired 4 → 20") || !strings.Contains(rec.Text, want) {
		t.Errorf("abort record text = %q", rec.Text)
	}
	if rec.Fields["changed"] != "web desired 4 → 20" || rec.Fields["stays"] != "web desired stays 20" {
		t.Errorf("abort record fields = %v", rec.Fields)
	}
	if len(report.Stays) != 1 || report.Stays[0].Kind != ledger.Capacity || report.Stays[0].To != "20" {
		t.Errorf("report stays = %+v", report.Stays)
	}
	// The change was on the timeline the moment it was made, before the
	// step ended: a crash mid-wait would not lose it.
	var changeAt, endAt int
	for i, r := range recs {
		if r.Fields[ledger.FieldChange] != "" && changeAt == 0 {
			changeAt = i
		}
		if r.Kind == integrations.KindRunbookStepEnd {
			endAt = i
		}
	}
	if changeAt == 0 || changeAt > endAt {
		t.Fatalf("no change record before the step's end (change at %d, end at %d)", changeAt, endAt)
	}
	if c, err := ledger.Decode(recs[changeAt].Fields[ledger.FieldChange]); err != nil || c.Group != "web" || c.From != "4" || c.To != "20" {
		t.Errorf("change record = %+v, %v", c, err)
	}
}

// throttleFailsOn refuses the throttle on one instance.
type throttleFailsOn struct {
	*fakeLB
	instance string
}

func (f throttleFailsOn) SetThrottle(ctx context.Context, instance, tier string, percent int) error {
	if instance == f.instance {
		return fmt.Errorf("runtime API refused: permission denied")
	}
	return f.fakeLB.SetThrottle(ctx, instance, tier, percent)
}

// TestFailedThrottleSaysWhatWasSetAndWhatStays: a throttle that fails on
// the second of three edges says the first keeps the throttle and the
// others were never touched.
func TestFailedThrottleSaysWhatWasSetAndWhatStays(t *testing.T) {
	lb := throttleFailsOn{edges(), "edge-2"}
	report, recs, err := runBuiltin(t, context.Background(), "throttle-tier", map[string]string{"tier": "free", "percent": "30"},
		integrations.Actions{LoadBalancer: lb}, Limits{MaxThrottlePercent: 50}, RunOptions{})
	if err == nil || report.Status != RunFailed {
		t.Fatalf("run = %s, %v", report.Status, err)
	}
	rec := lastOfKind(recs, integrations.KindRunbookFailed)
	for _, want := range []string{"changed: tier free 0% → 30% on edge-1", "tier free stays 30% on edge-1", "only setting the throttle on edge-2, edge-3 was cut short"} {
		if !strings.Contains(rec.Text, want) || !strings.Contains(err.Error(), want) {
			t.Errorf("failed record %q (error %q) lacks %q", rec.Text, err, want)
		}
	}
}

// TestAbortedDrainSaysTheServerStaysDrained: a drain aborted while its
// sessions drain leaves the server out of rotation, and says so.
func TestAbortedDrainSaysTheServerStaysDrained(t *testing.T) {
	lb := edges()
	lb.stuckSessions["edge-1"] = true
	ctx, abort := context.WithCancel(context.Background())
	defer abort()
	wait := runAsync(t, ctx, "drain-server", map[string]string{"instance": "front", "backend": "edges", "server": "edge-1"}, integrations.Actions{LoadBalancer: lb})
	integrationstest.Wait(t, "edge-1 draining", func() bool { return lb.upstreamState("edge-1") == integrations.ServerDrain })
	abort()
	report, _, _ := wait()
	const want = "edges/edge-1 on front stays DRAIN; only the wait for its sessions to drain was cancelled"
	if report.Status != RunAborted || !strings.Contains(report.Aftermath, want) {
		t.Errorf("run %s, aftermath %q", report.Status, report.Aftermath)
	}
}

// TestAbortedRollSaysNothingStaysOutOfRotation: a roll aborted midway
// reloaded one edge and put every edge it drained back; the record says
// what it changed and that none of it stays.
func TestAbortedRollSaysNothingStaysOutOfRotation(t *testing.T) {
	lb := edges()
	lb.stuckSessions["edge-2"] = true
	ctx, abort := context.WithCancel(context.Background())
	defer abort()
	done := make(chan *Report, 1)
	go func() {
		report, _, _ := planAndRun(t, ctx, mustParse(t, rollingRunbook), nil, integrations.Actions{LoadBalancer: lb}, RunOptions{})
		done <- report
	}()
	integrationstest.Wait(t, "edge-2 draining", func() bool { return lb.upstreamState("edge-2") == integrations.ServerDrain })
	abort()
	report := <-done
	if len(report.Stays) != 0 {
		t.Errorf("stays = %+v", report.Stays)
	}
	for _, want := range []string{"edge-1 reloaded", "edges/edge-2 on front DRAIN → READY", "nothing of it stays"} {
		if !strings.Contains(report.Aftermath, want) {
			t.Errorf("aftermath %q lacks %q", report.Aftermath, want)
		}
	}
}

// scaleLandsButTimesOut applies the new capacity and then answers with a
// timeout, as an API whose answer is lost does.
type scaleLandsButTimesOut struct{ *fakeScaler }

func (s scaleLandsButTimesOut) SetDesiredCapacity(ctx context.Context, group string, desired int) error {
	_ = s.fakeScaler.SetDesiredCapacity(ctx, group, desired)
	return context.DeadlineExceeded
}

// TestTimedOutScaleIsSettledByReadingBack: a capacity change whose
// request timed out has an unknown outcome; reading the group back shows
// it landed, and the record says desired stays raised.
func TestTimedOutScaleIsSettledByReadingBack(t *testing.T) {
	report, recs, err := runBuiltin(t, context.Background(), "scale-up", map[string]string{"group": "web", "desired": "12"},
		integrations.Actions{Scaler: scaleLandsButTimesOut{webScaler()}}, Limits{}, RunOptions{})
	if err == nil || report.Status != RunFailed {
		t.Fatalf("run = %s, %v", report.Status, err)
	}
	if !strings.Contains(err.Error(), "reading back shows it landed") || !strings.Contains(report.Aftermath, "web desired stays 12") {
		t.Errorf("error %q, aftermath %q", err, report.Aftermath)
	}
	if got := ledger.Of(events(recs)).Items(); len(got) != 1 || got[0].Key != "capacity:web" {
		t.Errorf("ledger = %+v", got)
	}
}

func events(recs []integrations.Record) []ledger.Event {
	out := make([]ledger.Event, len(recs))
	for i, r := range recs {
		out[i] = ledger.Event{Occurred: r.Occurred, Kind: r.Kind, Actor: r.Actor, Text: r.Text, Fields: r.Fields}
	}
	return out
}

// TestLedgerKeepsAThrottleUntilItIsLifted folds the records of real runs:
// throttle-tier puts the tier in force with lift-throttle as its revert,
// and running that revert clears it.
func TestLedgerKeepsAThrottleUntilItIsLifted(t *testing.T) {
	lb := edges()
	a := integrations.Actions{LoadBalancer: lb}
	_, recs, err := runBuiltin(t, context.Background(), "throttle-tier", map[string]string{"tier": "free", "percent": "30"}, a, Limits{MaxThrottlePercent: 50}, RunOptions{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.Of(events(recs))
	items := l.Items()
	if len(items) != 1 {
		t.Fatalf("items = %+v", items)
	}
	it := items[0]
	if it.What != "tier free throttled 30% on edge-1, edge-2, edge-3 (was 0%)" || it.By != "alice" || it.Runbook != "throttle-tier percent=30 tier=free" {
		t.Errorf("item = %+v", it)
	}
	if it.Revert.String() != "lift-throttle tier=free" {
		t.Fatalf("revert = %q", it.Revert)
	}
	_, lifted, err := runBuiltin(t, context.Background(), it.Revert.Runbook, it.Revert.Params, a, Limits{}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events(lifted) {
		l.Add(e)
	}
	if n := len(l.Items()); n != 0 {
		t.Errorf("after lift-throttle %d items remain: %+v", n, l.Items())
	}
}
