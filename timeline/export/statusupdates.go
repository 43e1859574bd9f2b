package export

import (
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// KindStatusUpdate is the kind of a stakeholder status update posted
// during the incident (package statusupdate writes them):
//
//	fields["channels"] where it landed, comma-separated
//	fields["unknown"]  where the outcome is unknown (no answer in time)
//	fields["next_due"] when the next update is due, RFC 3339
//	fields["author"]   who posted it
//
// Text is the update as posted.
const KindStatusUpdate = integrations.KindStatusUpdate

// Rows are the rows an export shows of entries: amended, hidden ones left
// out, in time order.
func Rows(entries []timeline.Entry) []timeline.Row { return shownRows(timeline.NewView(entries)) }

// statusUpdates lists every status update posted: when, by whom, where,
// when the next was due, and what it said.
func (m *docWriter) statusUpdates(rows []timeline.Row) {
	m.heading(2, "Status updates")
	m.kindTable(rows, KindStatusUpdate, "No status update was posted from warroom.", []string{"When", "Who", "Where", "Next due", "Update"}, func(r timeline.Row) {
		m.cell(cmpOr(r.Fields["author"], r.Entry.Actor), 0)
		m.nextCell()
		m.cell(strings.ReplaceAll(r.Fields["channels"], ",", ", "), 0)
		if u := r.Fields["unknown"]; u != "" {
			m.str("; outcome unknown: ")
			m.cell(strings.ReplaceAll(u, ",", ", "), 0)
		}
		m.nextCell()
		if due, err := time.Parse(time.RFC3339, r.Fields["next_due"]); err == nil {
			m.time(due, fullTime)
		}
		m.nextCell()
		m.cell(r.Text, maxCellText)
	})
}
