package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// The ledger of changes still in force: folded from the records as they
// arrive (the timeline so far, this screen's runs, other processes' runs),
// shown as a count in the header and as a list in the runbook panel, from
// which each item is reverted through its runbook.

// ledgerKey opens the list of changes in force from the runbook palette.
const ledgerKey = "ctrl+l"

// ledgerDialog is the list while it is open, a dialog in the runbook
// panel's place: it moves its cursor, and asks the root to revert the
// item under it or to close it.
type ledgerDialog struct{ cursor int }

// revertAsked is enter on an item of the list: the root opens its
// runbook at the plan.
type revertAsked struct{}

func (d *ledgerDialog) update(msg tea.Msg, env *dialogEnv) (intent, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	switch k.String() {
	case "esc", "q", "f", "ctrl+c":
		return closeDialog{}, nil
	case "up", "k":
		d.cursor = max(0, d.cursor-1)
	case "down", "j":
		d.cursor = min(max(0, env.inForceItems-1), d.cursor+1)
	case "enter":
		return revertAsked{}, nil
	}
	return nil, nil
}

// ledgerList is the open list, nil when it is closed.
func (m *Model) ledgerList() *ledgerDialog {
	for _, d := range m.dialogs {
		if l, ok := d.(*ledgerDialog); ok {
			return l
		}
	}
	return nil
}

// foldLedger takes in a batch's records; the items are recomputed only
// when something in force changed.
func (m *Model) foldLedger(recs []integrations.Record) {
	changed := false
	for _, r := range recs {
		if m.ledger.Add(ledger.Event{Occurred: r.Occurred, Kind: r.Kind, Actor: r.Actor, Text: r.Text, Fields: r.Fields}) {
			changed = true
		}
	}
	if changed {
		m.inForce = m.ledger.Items()
		if l := m.ledgerList(); l != nil {
			l.cursor = min(l.cursor, max(0, len(m.inForce)-1))
		}
	}
}

// inForceBadge is the header's count, "" when nothing is in force.
func (m Model) inForceBadge() string {
	if len(m.inForce) == 0 {
		return ""
	}
	return "  " + m.styles.Warn.Render(fmt.Sprintf("⚑ %d in force", len(m.inForce)))
}

// inForceCount is "2 changes still in force".
func (m Model) inForceCount() string {
	if len(m.inForce) == 1 {
		return "1 change still in force"
	}
	return fmt.Sprintf("%d changes still in force", len(m.inForce))
}

// inForceList names what is in force, last on a warning line so the
// line's instructions survive a narrow terminal.
func (m Model) inForceList() string {
	whats := make([]string, len(m.inForce))
	for i, it := range m.inForce {
		whats[i] = it.What
	}
	return strings.Join(whats, "; ")
}

// quitWarning asks before quitting with changes in force, which nobody
// would then see.
func (m Model) quitWarning() *confirmDialog {
	if len(m.inForce) == 0 {
		return nil
	}
	verb := " stay"
	if len(m.inForce) == 1 {
		verb = " stays"
	}
	return &confirmDialog{
		prompt: "⚑ " + m.inForceCount() + verb + " in place if you quit: y quits, any other key stays — " + m.inForceList(),
		run:    tea.Quit,
	}
}

// resolvedWarning is the toast after the incident is marked resolved while
// changes are still in force.
func (m *Model) resolvedWarning(saved string) tea.Cmd {
	return m.raise(saved+" — but "+m.inForceCount()+" (f lists them): "+m.inForceList(), true)
}

// unfinishedToast says, on start, that runs were left unfinished.
func unfinishedToast(lines []string) toast {
	if len(lines) == 0 {
		return toast{}
	}
	text := lines[0]
	if len(lines) > 1 {
		text = fmt.Sprintf("%d runs were left unfinished (f lists them): %s", len(lines), text)
	}
	return toast{text: text, bad: true, ticks: 3 * toastTicks}
}

// openLedger shows the list in the runbook panel's place; an open palette
// gives way to it.
func (m *Model) openLedger() {
	if m.flow != nil && !m.flow.hidden && m.flow.stage == stagePalette {
		m.flow = nil
	}
	if m.ledgerList() == nil {
		m.push(&ledgerDialog{})
	}
}

// revert opens the selected item's runbook with its parameters filled in,
// at the plan: confirmation follows as for any run.
func (m *Model) revert() tea.Cmd {
	if len(m.inForce) == 0 {
		return nil
	}
	l := m.ledgerList()
	it := m.inForce[min(l.cursor, len(m.inForce)-1)]
	switch {
	case it.Revert.Runbook == "":
		return m.raise("no runbook reverts this: "+it.Revert.How, false)
	case m.opts.Readonly || m.books.Catalog == nil:
		return m.refused("reverting through a runbook")
	case m.flow != nil && m.flow.stage == stageRunning:
		return m.raise("runbook "+m.flow.rb.Name+" is running: revert once it has ended (r shows it)", true)
	}
	rb, err := m.books.Catalog.Lookup(it.Revert.Runbook)
	if err != nil {
		return m.raise("cannot revert: "+err.Error(), true)
	}
	m.remove(l)
	m.flow = &runbookFlow{search: newField(m.width, "runbook ▸ ", "type to filter")}
	m.flow.choose(m.dialogEnv(), rb)
	for i, p := range rb.Params {
		if v, ok := it.Revert.Params[p.Name]; ok {
			m.flow.fields[i].SetValue(v)
		}
	}
	m.flow.stage = stagePlanning
	return m.makePlan()
}

// paletteInForce is the palette's line pointing to the list.
func (m Model) paletteInForce() []string {
	if len(m.inForce) == 0 {
		return nil
	}
	return []string{"", m.styles.Warn.Render(fmt.Sprintf("⚑ %d in force · %s lists and reverts them", len(m.inForce), ledgerKey))}
}

// renderLedger draws the list in the runbook panel's place.
func (m *Model) renderLedger(width, height int) string {
	st := m.styles
	wrap := func(s string, indent string, style func(...string) string) []string {
		var out []string
		for _, l := range strings.Split(ansi.Wrap(s, max(10, width-4-len(indent)), ""), "\n") {
			out = append(out, indent+style(l))
		}
		return out
	}
	var lines []string
	cursor := m.ledgerList().cursor
	if len(m.inForce) == 0 {
		lines = append(lines, "Nothing warroom changed is still in force.")
	}
	for i, it := range m.inForce {
		marker := "  "
		if i == cursor {
			marker = "▸ "
		}
		what := marker + "⚑ " + it.What
		if i == cursor {
			what = st.Selected.Render(fit(what, width-4))
		}
		lines = append(lines, what)
		who := fmt.Sprintf("since %s by %s", it.Since.Format("15:04:05"), orDash(it.By))
		if !it.At.Equal(it.Since) {
			who = fmt.Sprintf("since %s · latest change %s by %s", it.Since.Format("15:04:05"), it.At.Format("15:04:05"), orDash(it.By))
		}
		if it.Runbook != "" {
			who += " · " + it.Runbook
		}
		lines = append(lines, wrap(who, "     ", st.Dim.Render)...)
		if it.Revert.Runbook != "" {
			lines = append(lines, wrap("revert: "+it.Revert.String(), "     ", st.OK.Render)...)
		} else {
			lines = append(lines, wrap("revert by hand: "+it.Revert.How, "     ", st.Warn.Render)...)
		}
	}
	if len(m.info.Unfinished) > 0 {
		lines = append(lines, "", st.PaneTitle.Render("Left unfinished when warroom started:"))
		for _, u := range m.info.Unfinished {
			lines = append(lines, wrap(u, "  ", st.Bad.Render)...)
		}
	}
	return frame(st, fmt.Sprintf("Runbooks › changes still in force (%d)", len(m.inForce)), lines, width, height, true)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
