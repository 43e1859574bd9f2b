package drillscore

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/timeline/export"
)

// Effects an action can have, against the replay without it.
const (
	Helped = "helped"
	Hurt   = "hurt"
	None   = "none"
)

// Scorecard is how a drill went. It carries no wall-clock time and no
// incident id: the same scenario, seed and plan give the same card.
type Scorecard struct {
	Scenario              string   `json:"scenario"`
	Seed                  uint64   `json:"seed"`
	Mitigated             bool     `json:"mitigated"`
	TimeToMitigateSeconds *int     `json:"time_to_mitigate_s"` // null when not mitigated
	ReferenceTTMSeconds   int      `json:"reference_time_to_mitigate_s"`
	HorizonSeconds        int      `json:"horizon_s"`
	Impact                Impact   `json:"impact"`
	Actions               []Action `json:"actions"`
	Unacknowledged        []string `json:"unacknowledged_alerts"`
	Missed                []string `json:"missed_reference_steps"`
	Score                 int      `json:"score"`
}

// Impact is what the incident cost, accumulated second by second.
type Impact struct {
	Offered        float64 `json:"offered_requests"`
	FailedRequests float64 `json:"failed_requests"`
	TurnedAway     float64 `json:"turned_away_requests"` // throttled or shed on purpose
	FailedShare    float64 `json:"failed_share"`
	PeakErrorRate  float64 `json:"peak_error_rate"`
	// DegradedMinutes are the minutes with more than 5% of requests failing.
	DegradedMinutes float64 `json:"degraded_minutes"`
	// Peak figures the scenario's models publish (rejected events, late
	// notifications, failed reads), by name.
	Peaks map[string]float64 `json:"peaks"`
}

func (i *Impact) add(s drill.Signal) {
	i.Offered += s.Offered
	i.FailedRequests += s.Failed
	i.TurnedAway += s.TurnedAway
	i.PeakErrorRate = max(i.PeakErrorRate, s.ErrorRate)
	if s.ErrorRate > 0.05 {
		i.DegradedMinutes += 1.0 / 60
	}
	for k, v := range s.Gauges {
		if i.Peaks == nil {
			i.Peaks = map[string]float64{}
		}
		i.Peaks[k] = max(i.Peaks[k], v)
	}
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

func (i Impact) rounded() Impact {
	out := Impact{Offered: math.Round(i.Offered), FailedRequests: math.Round(i.FailedRequests), TurnedAway: math.Round(i.TurnedAway),
		PeakErrorRate: round(i.PeakErrorRate), DegradedMinutes: math.Round(i.DegradedMinutes*10) / 10, Peaks: map[string]float64{}}
	if i.Offered > 0 {
		out.FailedShare = round(i.FailedRequests / i.Offered)
	}
	for k, v := range i.Peaks {
		out.Peaks[k] = round(v)
	}
	return out
}

// Action is one plan step and what it did.
type Action struct {
	At          string  `json:"at"`
	AtSeconds   int     `json:"at_s"`
	Step        string  `json:"step"`
	Status      string  `json:"status"`
	Error       string  `json:"error,omitempty"`
	Effect      string  `json:"effect"`
	CostWithout float64 `json:"cost_without"`
}

// score is the formula README documents:
//
//	time   = 0 when not mitigated, else min(1, reference ÷ time to mitigate)
//	impact = 1 − cost ÷ cost with no plan, within 0..1 (1 when no plan costs nothing)
//	score  = round(50·time + 50·impact) − 5 per action that hurt − 2 per alert left unacknowledged, within 0..100
//
// where cost = failed requests + ¼ × requests throttled or shed on purpose.
func score(sc drill.Scenario, main, base outcome, card *Scorecard) int {
	t := 0.0
	if main.mitigated {
		t = min(1, sc.ReferenceTTM.Seconds()/max(main.ttm.Seconds(), 1))
	}
	imp := 1.0
	if b := base.cost(); b > 0 {
		imp = min(1, max(0, 1-main.cost()/b))
	}
	s := int(math.Round(50*t + 50*imp))
	for _, a := range card.Actions {
		if a.Effect == Hurt {
			s -= 5
		}
	}
	s -= 2 * len(card.Unacknowledged)
	return min(100, max(0, s))
}

// WriteText writes the scorecard for a person.
func (c *Scorecard) WriteText(w io.Writer) {
	fmt.Fprintf(w, "scenario %s (seed %d): score %d/100\n", c.Scenario, c.Seed, c.Score)
	if c.TimeToMitigateSeconds != nil {
		fmt.Fprintf(w, "mitigated after %s (the real incident: %s)\n", secs(*c.TimeToMitigateSeconds), secs(c.ReferenceTTMSeconds))
	} else {
		fmt.Fprintf(w, "not mitigated within %s (the real incident took %s)\n", secs(c.HorizonSeconds), secs(c.ReferenceTTMSeconds))
	}
	fmt.Fprintf(w, "impact: %.0f of %.0f requests failed (%.1f%%), %.0f turned away on purpose; %.1f min above 5%% errors\n",
		c.Impact.FailedRequests, c.Impact.Offered, 100*c.Impact.FailedShare, c.Impact.TurnedAway, c.Impact.DegradedMinutes)
	for _, a := range c.Actions {
		line := fmt.Sprintf("  %-8s %-50s %-8s %s", a.At, a.Step, a.Status, a.Effect)
		if a.Error != "" {
			line += " (" + a.Error + ")"
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if len(c.Unacknowledged) > 0 {
		fmt.Fprintf(w, "alerts left unacknowledged: %s\n", strings.Join(c.Unacknowledged, ", "))
	}
	if len(c.Missed) > 0 {
		fmt.Fprintf(w, "steps of the real recovery not taken: %s\n", strings.Join(c.Missed, ", "))
	}
}

func secs(s int) string {
	return fmt.Sprintf("%dh%02dm", s/3600, s/60%60)
}

// Record is the scorecard as the timeline keeps it, at the drill's end
// (at, on the drill's clock): Text is the card for a person, several lines
// as WriteText gives them; Fields are the JSON card's keys, a string or
// number as its text, a list or object as its compact JSON, a null left
// out. A reader needs no drillscore to show or export it.
func (c *Scorecard) Record(at time.Time) integrations.Record {
	var b strings.Builder
	c.WriteText(&b)
	return integrations.Record{Occurred: at, Source: integrations.SourceDrill, Kind: KindScorecard, Text: strings.TrimRight(b.String(), "\n"), Fields: c.fields()}
}

func (c *Scorecard) fields() map[string]string {
	data, err := json.Marshal(c)
	if err != nil { // a Scorecard is plain data: it always marshals
		panic(err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		panic(err)
	}
	fields := make(map[string]string, len(keys))
	for k, raw := range keys {
		var s string
		switch {
		case string(raw) == "null":
		case json.Unmarshal(raw, &s) == nil:
			fields[k] = s
		default:
			fields[k] = string(raw)
		}
	}
	return fields
}

// KindScorecard is the timeline kind of a drill's scorecard: the export
// gives it a section of its own.
const KindScorecard = export.KindDrillScorecard
