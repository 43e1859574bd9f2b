package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// keyIn sends one key through the root model's Update, as the program
// does on the UI goroutine.
func keyIn(m Model, k tea.KeyPressMsg) Model {
	next, _ := m.Update(k)
	return next.(Model)
}

func letter(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

var backspace = tea.KeyPressMsg{Code: tea.KeyBackspace}

// timelineScreen is the large data set's screen with the Timeline pane
// focused: 100,000 entries.
func timelineScreen() Model {
	m := loadedModel(bigData(), 200, 60)
	m.setFocus(paneTimeline)
	m.relayout()
	return m
}

// BenchmarkTimelineFilterKeystroke is one key press typed into the
// Timeline's filter over 100,000 entries, on the UI goroutine (Update):
// "type" types a query a letter at a time and takes it back with
// backspace, as a responder does; "rescan" is the worst key: the filtering
// one does when the query narrows no earlier one, so every entry is
// searched (it alternates two such queries, without the input line).
func BenchmarkTimelineFilterKeystroke(b *testing.B) {
	b.Run("type", func(b *testing.B) {
		m := keyIn(timelineScreen(), letter('/'))
		var script []tea.KeyPressMsg
		for _, r := range "entry 42 text" {
			script = append(script, letter(r))
		}
		for range len("entry 42 text") {
			script = append(script, backspace)
		}
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			m = keyIn(m, script[i%len(script)])
			i++
		}
	})
	b.Run("rescan", func(b *testing.B) {
		m := keyIn(timelineScreen(), letter('/'))
		queries := []string{"9", "x"} // 40% and all of the entries
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			m.setFocusedFilter(queries[i%len(queries)])
			i++
		}
	})
}

// BenchmarkScrollKey is one ↑/↓ in the Timeline pane of 100,000 entries:
// it moves a cursor and draws nothing (the frame that follows draws).
func BenchmarkScrollKey(b *testing.B) {
	m := timelineScreen()
	up, down := tea.KeyPressMsg{Code: tea.KeyUp}, tea.KeyPressMsg{Code: tea.KeyDown}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		k := up
		if i%40 >= 20 {
			k = down
		}
		m = keyIn(m, k)
		i++
	}
}
