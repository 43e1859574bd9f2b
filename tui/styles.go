package tui

import "charm.land/lipgloss/v2"

// Styles is every style the screen uses, in one place. State is never
// shown by colour alone: every coloured state also has a word or symbol.
// It is a pointer to a palette that never changes once built (a new
// background builds a new one): the palette is kilobytes, and every pane,
// row and frame is handed the styles.
type Styles struct{ *palette }

// palette is the styles themselves.
type palette struct {
	Title       lipgloss.Style
	Drill       lipgloss.Style // the DRILL badge
	ReadOnly    lipgloss.Style // the READ-ONLY badge
	Notice      lipgloss.Style
	Border      lipgloss.Style
	BorderFocus lipgloss.Style
	PaneTitle   lipgloss.Style
	Dim         lipgloss.Style
	Selected    lipgloss.Style
	OK          lipgloss.Style
	Warn        lipgloss.Style
	Bad         lipgloss.Style // loud: failing, stale, critical
	Error       lipgloss.Style // the note bar's error line
}

// NewStyles builds the palette for a dark or light background.
func NewStyles(dark bool) Styles {
	pick := lipgloss.LightDark(dark)
	var (
		fg     = pick(lipgloss.Color("#1f2328"), lipgloss.Color("#e6edf3"))
		dim    = pick(lipgloss.Color("#6e7781"), lipgloss.Color("#8b949e"))
		accent = pick(lipgloss.Color("#0969da"), lipgloss.Color("#58a6ff"))
		green  = pick(lipgloss.Color("#1a7f37"), lipgloss.Color("#3fb950"))
		yellow = pick(lipgloss.Color("#9a6700"), lipgloss.Color("#d29922"))
		red    = pick(lipgloss.Color("#cf222e"), lipgloss.Color("#f85149"))
	)
	return Styles{&palette{
		Title:       lipgloss.NewStyle().Bold(true).Foreground(fg),
		Drill:       lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#000000")).Background(yellow),
		ReadOnly:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#ffffff")).Background(accent),
		Notice:      lipgloss.NewStyle().Foreground(yellow),
		Border:      lipgloss.NewStyle().Foreground(dim),
		BorderFocus: lipgloss.NewStyle().Foreground(accent).Bold(true),
		PaneTitle:   lipgloss.NewStyle().Bold(true).Foreground(fg),
		Dim:         lipgloss.NewStyle().Foreground(dim),
		Selected:    lipgloss.NewStyle().Reverse(true),
		OK:          lipgloss.NewStyle().Foreground(green),
		Warn:        lipgloss.NewStyle().Foreground(yellow).Bold(true),
		Bad:         lipgloss.NewStyle().Foreground(red).Bold(true),
		Error:       lipgloss.NewStyle().Foreground(red),
	}}
}

// PlainStyles has no colour or emphasis at all: for NO_COLOR, and for
// golden tests that compare text.
func PlainStyles() Styles {
	p := lipgloss.NewStyle()
	return Styles{&palette{Title: p, Drill: p, ReadOnly: p, Notice: p, Border: p, BorderFocus: p, PaneTitle: p,
		Dim: p, Selected: p, OK: p, Warn: p, Bad: p, Error: p}}
}
