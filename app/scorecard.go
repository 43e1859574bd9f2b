package app

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/warroomhq/warroom/drillscore"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/timeline/record"
)

// drillScorer scores a drill played on screen: once when its world
// publishes its end (drill.ended), from the pump, and at quit only when the
// responder acted since the card was recorded (the drill went on), or when
// the drill never ended. Each card is recorded once, as drill.scorecard.
type drillScorer struct {
	s *Session

	mu     sync.Mutex // held while scoring: a quit waits for the end's card
	card   *drillscore.Scorecard
	scored []drill.PlanStep // the actions the card scored
}

// derive is the pump's derivation: on the drill's end it scores the
// actions so far off the pump's goroutine (a replay per action takes a
// while), as a run the session waits for on closing, and publishes the
// card, which reaches the front end in a later batch.
func (d *drillScorer) derive(b *integrations.Batch) []integrations.Record {
	i := slices.IndexFunc(b.Records, func(r integrations.Record) bool {
		return r.Kind == drill.KindEnded && r.Source == integrations.SourceDrill
	})
	if i < 0 {
		return nil
	}
	end := b.Records[i].Occurred
	// What the timeline holds and this batch adds, up to the end: the
	// pump has not made the batch durable yet.
	recs := append(record.Records(d.s.store.Entries()), b.Records[:i+1]...)
	stopping, done := d.s.runs.begin()
	if stopping.Err() != nil {
		done() // quitting already: the quit scores it
		return nil
	}
	go func() {
		defer done()
		switch card, fresh, err := d.score(recs); {
		case err != nil:
			d.s.pump.Publish(integrations.Record{Occurred: end, Source: integrations.SourceWarroom, Kind: integrations.KindSourceStatus,
				Text: "scoring the drill failed: " + err.Error()})
		case fresh:
			d.s.pump.Publish(card.Record(end))
		}
	}()
	return nil
}

// score scores recs' actions unless the card scored last scored the same
// ones, and returns that card then; fresh says it was scored now, and is
// to be recorded.
func (d *drillScorer) score(recs []integrations.Record) (card *drillscore.Scorecard, fresh bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	sc, ok := drill.Lookup(d.s.world.scenario)
	if !ok {
		return nil, false, errors.New("no drill scenario " + d.s.world.scenario)
	}
	plan := drillscore.PlanOf(recs, sc.Start)
	if d.card != nil && slices.EqualFunc(plan, d.scored, samePlanStep) {
		return d.card, false, nil
	}
	card, err = drillscore.FromRecords(sc, recs, drillscore.Options{Seed: d.s.world.seed, Catalog: d.s.catalog.Catalog,
		Limits: d.s.catalog.Limits, StateDir: d.s.stateDir, User: d.s.user})
	if err != nil {
		return nil, false, err
	}
	d.card, d.scored = card, plan
	return card, true, nil
}

func samePlanStep(a, b drill.PlanStep) bool { return a.String() == b.String() && a.At == b.At }

// ScoreDrill is the drill's scorecard at quit: the card recorded at the
// drill's end when the responder did nothing since, else their actions
// scored now and recorded on the timeline (so into its export). recorded
// says whether this call recorded it. It waits for a scoring in flight.
// A session that is no drill has no card (nil).
func (s *Session) ScoreDrill(ctx context.Context) (card *drillscore.Scorecard, recorded bool, err error) {
	if !s.world.drill {
		return nil, false, nil
	}
	card, fresh, err := s.scorer.score(record.Records(s.store.Entries()))
	if err != nil || !fresh {
		return card, false, scrubber(s.redactor.Redact).err(err)
	}
	if _, err := s.Record(ctx, card.Record(s.world.clock())); err != nil {
		return card, false, err
	}
	return card, true, nil
}
