package export

import (
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// KindDrillScorecard is the kind of a drill's scorecard entry: its text is
// the card for a person, its fields the JSON card's keys.
const KindDrillScorecard = integrations.KindDrillScorecard

// DrillScorecard is the last scorecard the record holds (a drill scored
// again, at quit after its end, says it again), and whether there is one.
func DrillScorecard(rows []timeline.Row) (timeline.Row, bool) {
	for i := len(rows) - 1; i >= 0; i-- {
		if r := rows[i]; !r.Erased && r.Entry.Kind == KindDrillScorecard {
			return r, true
		}
	}
	return timeline.Row{}, false
}

// drillScorecard writes the Drill scorecard section: the card as it was
// recorded, its columns kept in a code block, and when. An incident that
// was no drill has no such section.
func (m *docWriter) drillScorecard(rows []timeline.Row) {
	r, ok := DrillScorecard(rows)
	if !ok {
		return
	}
	m.heading(2, "Drill scorecard")
	m.openPara()
	m.str("Scored ")
	m.time(r.Occurred, fullTime)
	m.str(" on the drill's clock (")
	m.entryRef(r)
	m.str("): the responder's actions replayed on the scenario's seed.")
	m.closePara()
	m.mk.codeBlock(m, r.Text)
}
