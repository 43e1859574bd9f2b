// Package tui is the war-room screen: a Bubble Tea program whose root
// model owns focus, layout and key routing, and whose panes are plain
// structs rendered from the data they hold. No network or disk I/O happens
// here: recording a note goes through a tea.Cmd calling Options.Record.
package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
)

// Options configure the screen.
type Options struct {
	Title         string
	IncidentStart time.Time
	Drill         bool
	Notice        string // one line under the header in drill mode
	User          string // who is at the keyboard, for notes
	// Clock is the incident's clock: the drill's scenario time, or the
	// wall clock. It is read only inside commands.
	Clock func() time.Time
	// Record makes a record durable and returns it as stored. It is
	// called from a command, never from Update or View.
	Record  func(ctx context.Context, r integrations.Record) (integrations.Record, error)
	NoColor bool
}

type pane int

const (
	paneAlerts pane = iota
	paneFleet
	paneChat
	paneTimeline
	paneCount
)

// tickInterval is how often the clock and badges redraw: often enough for
// a drill running at ten times real speed to read smoothly.
const tickInterval = 250 * time.Millisecond

// tickMsg refreshes the clock and the freshness badges.
type tickMsg struct{ now time.Time }

// noteSavedMsg reports the outcome of recording a note.
type noteSavedMsg struct {
	rec integrations.Record
	err error
}

// Model is the root model.
type Model struct {
	opts   Options
	styles Styles
	keys   keyMap
	help   help.Model

	width, height int
	now           time.Time
	focus         pane

	alerts   alertsPane
	fleet    fleetPane
	chat     chatPane
	timeline timelinePane
	sources  map[string]integrations.SourceStatus

	noting   bool
	note     textinput.Model
	saving   bool
	noteErr  string
	storeErr string // the last failure to persist pumped records
}

// New builds the root model.
func New(opts Options) Model {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	ti := textinput.New()
	ti.Prompt = "note ▸ "
	ti.Placeholder = "what happened, what you decided, why"
	ti.CharLimit = 2000
	st := NewStyles(true)
	if opts.NoColor {
		st = PlainStyles()
	}
	return Model{
		opts: opts, styles: st, keys: newKeyMap(), help: help.New(),
		width: 80, height: 24, now: opts.IncidentStart,
		sources: map[string]integrations.SourceStatus{}, note: ti,
	}
}

// Init starts the clock and asks the terminal for its background colour.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.tick(0), tea.RequestBackgroundColor)
}

func (m Model) tick(after time.Duration) tea.Cmd {
	clock := m.opts.Clock
	if after == 0 {
		return func() tea.Msg { return tickMsg{now: clock()} }
	}
	return tea.Tick(after, func(time.Time) tea.Msg { return tickMsg{now: clock()} })
}

// Update routes messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.note.SetWidth(max(10, msg.Width-12))
		return m, nil
	case tea.BackgroundColorMsg:
		if !m.opts.NoColor {
			m.styles = NewStyles(msg.IsDark())
		}
		return m, nil
	case tickMsg:
		m.now = msg.now
		return m, m.tick(tickInterval)
	case integrations.Batch:
		m.apply(msg)
		return m, nil
	case noteSavedMsg:
		m.saving = false
		if msg.err != nil {
			// Keep the text so nothing typed is lost; say why loudly.
			m.noteErr = "note NOT saved: " + msg.err.Error()
			m.noting = true
			return m, m.note.Focus()
		}
		m.noteErr = ""
		m.timeline.add([]integrations.Record{msg.rec}, false)
		return m, nil
	case tea.KeyPressMsg:
		if m.noting {
			return m.updateNote(msg)
		}
		return m.updateKeys(msg)
	}
	if m.noting {
		var cmd tea.Cmd
		m.note, cmd = m.note.Update(msg)
		return m, cmd
	}
	return m, nil
}

// apply folds a pump batch into the panes.
func (m *Model) apply(b integrations.Batch) {
	for src, alerts := range b.Alerts {
		m.alerts.set(src, alerts)
	}
	for src, groups := range b.Fleet {
		m.fleet.setGroups(src, groups)
	}
	for src, snap := range b.Backends {
		m.fleet.setBackends(src, snap)
	}
	for name, st := range b.Status {
		m.sources[name] = st
		// No source reports from the future: keep the clock at least as
		// new as the newest report, so ages never read negative.
		if st.LastAttempt.After(m.now) {
			m.now = st.LastAttempt
		}
	}
	m.chat.add(b.Chat)
	m.timeline.add(b.Records, b.PersistErr != nil)
	if b.PersistErr != nil {
		m.storeErr = "timeline NOT saved: " + b.PersistErr.Error()
	}
}

func (m Model) updateKeys(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
	case key.Matches(msg, k.NextPane):
		m.focus = (m.focus + 1) % paneCount
	case key.Matches(msg, k.PrevPane):
		m.focus = (m.focus + paneCount - 1) % paneCount
	case key.Matches(msg, k.Up):
		m.scroll(-1)
	case key.Matches(msg, k.Down):
		m.scroll(1)
	case key.Matches(msg, k.Top):
		m.scroll(-1 << 30)
	case key.Matches(msg, k.Bottom):
		m.scroll(1 << 30)
	case key.Matches(msg, k.Note):
		m.noting, m.noteErr = true, ""
		m.note.Reset()
		return m, m.note.Focus()
	}
	return m, nil
}

// scroll moves the focused pane: negative is up (older), positive down.
func (m *Model) scroll(delta int) {
	switch m.focus {
	case paneAlerts:
		m.alerts.move(delta, m.layout().alerts.h-2)
	case paneFleet:
		m.fleet.scroll(delta)
	case paneChat:
		m.chat.scroll(delta)
	case paneTimeline:
		m.timeline.scroll(delta)
	}
}

func (m Model) updateNote(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.noting, m.noteErr = false, ""
		m.note.Blur()
		return m, nil
	case key.Matches(msg, m.keys.Submit):
		text := strings.TrimSpace(m.note.Value())
		if text == "" || m.saving {
			return m, nil
		}
		m.noting, m.saving = false, true
		m.note.Blur()
		return m, m.saveNote(text)
	}
	var cmd tea.Cmd
	m.note, cmd = m.note.Update(msg)
	return m, cmd
}

// saveNote records a note from a command: the store's fsync happens off
// the UI goroutine, and the note shows on the timeline only once durable.
func (m Model) saveNote(text string) tea.Cmd {
	record, clock, user := m.opts.Record, m.opts.Clock, m.opts.User
	return func() tea.Msg {
		rec := integrations.Record{Occurred: clock(), Source: "warroom", Kind: "note", Actor: user, Text: text}
		if record == nil {
			return noteSavedMsg{err: errNoStore}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		saved, err := record(ctx, rec)
		return noteSavedMsg{rec: saved, err: err}
	}
}
