package drillscore

import (
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
)

// FromRecords scores a drill played on screen from the records its
// timeline holds: the runbooks the responder ran and the alerts they
// acknowledged, at their scenario times, replayed headless on the same
// seed (opts.Seed), exactly as a plan file with those steps would be. The
// screen's own world is not consulted: the card is the one `warroom drill
// --headless` gives for the same actions, so a drill played by keys and
// one played from a plan compare.
func FromRecords(sc drill.Scenario, recs []integrations.Record, opts Options) (*Scorecard, error) {
	return Run(sc, PlanOf(recs, sc.Start), opts)
}

// PlanOf rebuilds what the responder did in a drill as a plan: every
// runbook run requested (not a dry run) and every alert acknowledged, at
// its scenario time (the record's Occurred, on the drill's clock), to the
// second. Records from before the drill began are not actions taken in it.
func PlanOf(recs []integrations.Record, start time.Time) []drill.PlanStep {
	var plan []drill.PlanStep
	for _, r := range recs {
		at := r.Occurred.Sub(start).Truncate(time.Second)
		switch {
		case at < 0:
		case r.Kind == integrations.KindRunbookRequested && r.Fields["dry_run"] != "true":
			params := map[string]string{}
			for k, v := range r.Fields {
				if name, ok := strings.CutPrefix(k, "param."); ok {
					params[name] = v
				}
			}
			plan = append(plan, drill.PlanStep{At: at, Runbook: r.Fields["runbook"], Params: params})
		case r.Kind == integrations.KindAlertAcknowledged:
			plan = append(plan, drill.PlanStep{At: at, Ack: r.Fields["alert"]})
		}
	}
	return plan
}
