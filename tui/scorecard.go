package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
)

// scorecardDialog shows a drill's scorecard, the text of its
// drill.scorecard record as the application recorded it, in the footer
// until closed.
type scorecardDialog struct {
	text  string
	close key.Binding
}

func (d *scorecardDialog) update(msg tea.Msg, _ *dialogEnv) (intent, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, d.close) {
		return closeDialog{}, nil
	}
	return nil, nil
}

// view is the card under its heading, each line cut to width.
func (d *scorecardDialog) view(st Styles, width int) []string {
	lines := []string{fit(st.Title.Render("Drill scorecard")+st.Dim.Render("  (your actions replayed on the same seed)"), width)}
	for _, l := range strings.Split(d.text, "\n") {
		lines = append(lines, fit("  "+l, width))
	}
	return lines
}

// scorecardOpen is the scorecard on the stack, nil when it is not.
func (m *Model) scorecardOpen() *scorecardDialog {
	for _, d := range m.dialogs {
		if c, ok := d.(*scorecardDialog); ok {
			return c
		}
	}
	return nil
}

// takeScorecards keeps the newest scorecard among recs and shows it, unless
// the user is typing or answering a question: then a toast says where it
// is.
func (m *Model) takeScorecards(recs []integrations.Record) tea.Cmd {
	found := false
	for _, r := range recs {
		if r.Kind == integrations.KindDrillScorecard {
			m.scorecard, found = r.Text, true
		}
	}
	if !found {
		return nil
	}
	if m.inputLine() != nil || m.confirming() != nil {
		return m.raise("the drill is scored: "+m.keys.Scorecard.Help().Key+" shows the scorecard", false)
	}
	m.showScorecard()
	return nil
}

// showScorecard opens the newest scorecard, in place of one shown before.
func (m *Model) showScorecard() {
	if open := m.scorecardOpen(); open != nil {
		m.remove(open)
	}
	m.push(&scorecardDialog{text: m.scorecard, close: m.keys.Back})
}
