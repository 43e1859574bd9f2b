package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/integrations"
)

// fixtureScorecard is a drill.scorecard record as the application
// records it: the card's text, several lines.
func fixtureScorecard() integrations.Record {
	return integrations.Record{ID: "e90", Occurred: at("07:35"), Source: integrations.SourceDrill, Kind: integrations.KindDrillScorecard,
		Text: "scenario disk-full (seed 5): score 91/100\nmitigated after 0h17m (the real incident: 0h19m)\n" +
			"impact: 5210 of 48000 requests failed (10.9%), 0 turned away on purpose; 14.0 min above 5% errors\n" +
			"  3m0s     host-disk-check instance=i-0f3a9e51c2d4b7a60              done     none"}
}

// TestScorecardDialogGolden: a scorecard arriving in a batch opens over
// the footer, under its heading, with how to close it.
func TestScorecardDialogGolden(t *testing.T) {
	m := newScreen(testOpts{Title: "Disk full", Drill: true, IncidentStart: at("07:15"), NoColor: true})
	m.width, m.height = 100, 30
	m.apply(integrations.Batch{Records: []integrations.Record{fixtureScorecard()}})
	if _, ok := m.top().(*scorecardDialog); !ok {
		t.Fatalf("the top dialog is %T, want the scorecard", m.top())
	}
	golden.RequireEqual(t, m.footer())
}

// TestScorecardShowsClosesAndReopens: the scorecard shows when recorded,
// esc closes it, C shows it again; one arriving while a note is typed
// waits behind a toast instead of taking the keys.
func TestScorecardShowsClosesAndReopens(t *testing.T) {
	store := &memoryStore{}
	tm := newTestModel(t, store)
	waitFor(t, tm, "DRILL")
	tm.Send(tea.KeyPressMsg{Code: 'C', Text: "C"})
	waitFor(t, tm, "no scorecard yet")
	tm.Send(integrations.Batch{Records: []integrations.Record{fixtureScorecard()}})
	waitFor(t, tm, "mitigated after 0h17m (the real incident: 0h19m)")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Send(tea.KeyPressMsg{Code: 'n', Text: "n"})
	waitFor(t, tm, "note ▸")
	again := fixtureScorecard()
	again.Text = strings.Replace(again.Text, "score 91/100", "score 88/100", 1)
	tm.Send(integrations.Batch{Records: []integrations.Record{again}})
	waitFor(t, tm, "the drill is scored: C shows the scorecard")
	tm.Type("typed on")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Send(tea.KeyPressMsg{Code: 'C', Text: "C"})
	waitFor(t, tm, "score 88/100")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if final.scorecardOpen() != nil || final.inputLine() != nil {
		t.Errorf("dialogs left open: %v", final.dialogs)
	}
	if final.drafts[inputNote] != "typed on" {
		t.Errorf("the note typed when the card arrived is %q, want it kept", final.drafts[inputNote])
	}
	if !strings.Contains(final.scorecard, "score 88/100") {
		t.Errorf("the newest scorecard is not the one kept: %q", final.scorecard)
	}
}
