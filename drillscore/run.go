// Package drillscore plays a drill scenario headless: it applies a plan's
// actions at scenario times through the runbook engine against the drill
// world, as fast as the machine goes, and scores the outcome. Each
// action's effect is measured by replaying the same seed without it.
package drillscore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/runbooks"
)

// callCost is the scenario time each call a runbook makes costs in a
// headless drill: the world moves under a runbook that waits, with no
// wall clock to wait on.
const callCost = 10 * time.Second

// turnedAwayWeight is what a request throttled or shed on purpose costs
// against one that failed.
const turnedAwayWeight = 0.25

// Options tune a headless drill.
type Options struct {
	Seed     uint64
	Catalog  *runbooks.Catalog
	Limits   runbooks.Limits
	StateDir string // where the runbook engine keeps its locks
	User     string
	// Sink, when set, receives the records of the scored run (not of the
	// replays): the incident's timeline.
	Sink func(integrations.Record)
}

// outcome is one play of a scenario to its horizon.
type outcome struct {
	mitigated bool
	ttm       time.Duration
	impact    Impact
	unacked   []string
	statuses  []string
	errs      []string
	end       time.Time // the last second observed
}

func (o outcome) cost() float64 {
	return o.impact.FailedRequests + turnedAwayWeight*o.impact.TurnedAway
}

// play runs the scenario with the plan's steps (skip: the index left out,
// -1 for none) to its horizon.
func play(sc drill.Scenario, plan []drill.PlanStep, skip int, opts Options, sink func(integrations.Record)) outcome {
	var o outcome
	// The world must stay mitigated, to the horizon, for its stable time
	// (as its drill's end waits on) to count as mitigated; the time to
	// mitigate is when that last stretch began. A relapse undoes an
	// earlier recovery.
	var mitigatedSince time.Time
	mitigated := false
	obs := func(ob drill.Observation) {
		o.impact.add(ob.Signal)
		switch {
		case ob.Mitigated && !mitigated:
			mitigated, mitigatedSince = true, ob.Now
		case !ob.Mitigated:
			mitigated = false
		}
		o.unacked, o.end = ob.Unacked, ob.Now
	}
	// Each play keeps its runbook locks apart: replays run side by side.
	locks, err := os.MkdirTemp(opts.StateDir, "drill-play-")
	if err != nil {
		o.errs = append(o.errs, err.Error())
		return o
	}
	defer os.RemoveAll(locks)
	opts.StateDir = locks
	w := drill.New(sc, drill.Options{Seed: opts.Seed, User: opts.User, Observe: obs, RecordsOnly: true})
	w.SetLockstep(callCost)
	pub := integrations.PublisherFunc(func(e integrations.Event) {
		if r, ok := e.(integrations.Record); ok && sink != nil {
			sink(r)
		}
	})
	end := sc.Start.Add(sc.Horizon)
	for i, st := range plan {
		if i == skip {
			o.statuses, o.errs = append(o.statuses, "skipped"), append(o.errs, "")
			continue
		}
		at := sc.Start.Add(st.At)
		if at.After(end) {
			o.statuses, o.errs = append(o.statuses, "after the horizon"), append(o.errs, "")
			continue
		}
		if w.Now().Before(at) {
			w.Step(at, pub)
		}
		status, err := apply(w, st, opts, sink)
		o.statuses = append(o.statuses, status)
		if err != nil {
			o.errs = append(o.errs, err.Error())
		} else {
			o.errs = append(o.errs, "")
		}
	}
	if w.Now().Before(end) {
		w.Step(end, pub)
	}
	w.Step(w.Now(), pub) // what the last actions recorded
	if mitigated && o.end.Sub(mitigatedSince) >= sc.Stable() {
		o.mitigated, o.ttm = true, mitigatedSince.Sub(sc.Start)
	}
	return o
}

// apply runs one plan step on the world.
func apply(w *drill.World, st drill.PlanStep, opts Options, sink func(integrations.Record)) (string, error) {
	ctx := context.Background()
	a := w.Actions()
	switch {
	case st.Note != "":
		_, err := a.Chat.Post(ctx, st.Note, "")
		return status(err), err
	case st.Ack != "":
		err := a.Alerts.Acknowledge(ctx, st.Ack)
		return status(err), err
	}
	return runRunbook(ctx, w, st, opts, sink)
}

func status(err error) string {
	if err != nil {
		return "failed"
	}
	return "done"
}

// runRunbook runs a runbook through the engine, confirmed as a responder
// who typed the confirmation would, on the drill's clock.
func runRunbook(ctx context.Context, w *drill.World, st drill.PlanStep, opts Options, sink func(integrations.Record)) (string, error) {
	if opts.Catalog == nil {
		return "failed", errors.New("no runbook catalog")
	}
	rb, err := opts.Catalog.Lookup(st.Runbook)
	if err != nil {
		return "failed", err
	}
	plan, err := runbooks.NewPlan(ctx, rb, st.Params, w.Actions(), opts.Limits)
	if err != nil {
		return "failed", err
	}
	// Waiting steps poll at full speed: each read moves the world by
	// callCost, so a wait for instances ends in scenario time, not real time.
	for i := range plan.Steps {
		if _, ok := plan.Steps[i].Args["poll"]; ok {
			plan.Steps[i].Args["poll"] = time.Millisecond
		}
	}
	if sink == nil {
		sink = func(integrations.Record) {}
	}
	rep, err := runbooks.Run(ctx, plan, w.Actions(), sink, runbooks.RunOptions{
		Confirmed: true, Typed: plan.ConfirmText, StateDir: opts.StateDir, Now: w.Now, Actor: opts.User})
	if rep == nil {
		return "failed", err
	}
	return string(rep.Status), err
}

// Run plays the scenario with the plan, then without each of its steps
// and with no plan at all, and scores the outcome.
func Run(sc drill.Scenario, plan []drill.PlanStep, opts Options) (*Scorecard, error) {
	if sc.Horizon <= 0 || sc.Horizon > 6*time.Hour {
		return nil, fmt.Errorf("scenario %s: horizon %s is not within 6 h", sc.Name, sc.Horizon)
	}
	if opts.User == "" {
		opts.User = "drill"
	}
	// The replays are independent worlds: they run side by side.
	var base outcome
	without := make([]outcome, len(plan))
	var wg sync.WaitGroup
	wg.Go(func() { base = play(sc, nil, -1, opts, nil) })
	for i := range plan {
		wg.Go(func() { without[i] = play(sc, plan, i, opts, nil) })
	}
	main := play(sc, plan, -1, opts, opts.Sink)
	wg.Wait()
	card := &Scorecard{Scenario: sc.Name, Seed: opts.Seed, Mitigated: main.mitigated,
		ReferenceTTMSeconds: int(sc.ReferenceTTM.Seconds()), HorizonSeconds: int(sc.Horizon.Seconds()),
		Impact: main.impact.rounded(), Unacknowledged: nonNil(main.unacked)}
	if main.mitigated {
		s := int(main.ttm.Seconds())
		card.TimeToMitigateSeconds = &s
	}
	for i, st := range plan {
		act := Action{At: st.At.String(), AtSeconds: int(st.At.Seconds()), Step: st.String(), Status: main.statuses[i], Error: main.errs[i]}
		act.Effect, act.CostWithout = effect(main, without[i]), round(without[i].cost())
		card.Actions = append(card.Actions, act)
	}
	card.Missed = missed(sc.Reference, plan)
	card.Score = score(sc, main, base, card)
	return card, nil
}

// effect compares the run with the step against the replay without it.
func effect(with, without outcome) string {
	switch {
	case with.mitigated && !without.mitigated:
		return Helped
	case !with.mitigated && without.mitigated:
		return Hurt
	}
	a, b := with.cost(), without.cost()
	margin := 0.02*max(a, b) + 1
	switch {
	case b-a > margin:
		return Helped
	case a-b > margin:
		return Hurt
	}
	return None
}

// missed lists the reference plan's runbooks the plan never ran.
func missed(ref, plan []drill.PlanStep) []string {
	ran := map[string]bool{}
	for _, s := range plan {
		ran[s.Runbook] = true
	}
	out := []string{}
	seen := map[string]bool{}
	for _, s := range ref {
		if s.Runbook != "" && !ran[s.Runbook] && !seen[s.Runbook] {
			seen[s.Runbook] = true
			out = append(out, s.Runbook)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
