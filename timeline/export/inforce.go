package export

import "github.com/warroomhq/warroom/timeline/ledger"

// inForce lists what warroom changed and had not reverted by the end of
// the timeline: throttles, servers out of rotation, raised capacity. The
// items come from the whole timeline, whatever the filter: a filter
// narrows what is shown, not what is in force.
func (m *docWriter) inForce(items []ledger.Item) {
	if len(items) == 0 {
		return
	}
	m.heading(2, "Changes still in force")
	m.para("What warroom changed and had not reverted when this draft was made; each is undone by the runbook named, or as said.")
	m.table("What", "Since", "Latest change", "Revert")
	for _, it := range items {
		m.openRow()
		m.cell(it.What, 0)
		m.nextCell()
		m.time(it.Since, fullTime)
		m.nextCell()
		m.time(it.At, fullTime)
		m.str(" by ")
		m.cell(it.By, 0)
		if it.Runbook != "" {
			m.str(" (")
			m.cell(it.Runbook, 0)
			m.str(")")
		}
		m.nextCell()
		if it.Revert.Runbook != "" {
			m.code(it.Revert.String())
		} else {
			m.cell(it.Revert.How, 0)
		}
		m.closeRow()
	}
	m.endTable()
}
