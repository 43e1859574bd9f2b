package tui

import "charm.land/bubbles/v2/key"

// keyMap is every key the war-room answers to. It is built per model, never
// shared as mutable package state.
type keyMap struct {
	NextPane, PrevPane key.Binding
	Up, Down           key.Binding
	Top, Bottom        key.Binding
	Note               key.Binding
	Help               key.Binding
	Quit               key.Binding
	Submit, Cancel     key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		NextPane: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "oldest")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "newest")),
		Note:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "note")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Submit:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "record")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// ShortHelp implements help.KeyMap.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextPane, k.Up, k.Down, k.Note, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.NextPane, k.PrevPane, k.Up, k.Down, k.Top, k.Bottom},
		{k.Note, k.Help, k.Quit},
	}
}

// noteKeys is the help shown while the note input is open.
type noteKeys struct{ keyMap }

func (k noteKeys) ShortHelp() []key.Binding  { return []key.Binding{k.Submit, k.Cancel} }
func (k noteKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
