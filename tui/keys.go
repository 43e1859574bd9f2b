package tui

import (
	"charm.land/bubbles/v2/key"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
)

// keyMap is every key the war-room answers to. It is built per model, never
// shared as mutable package state.
type keyMap struct {
	NextPane, PrevPane key.Binding
	GoPane             key.Binding
	Up, Down           key.Binding
	PageUp, PageDown   key.Binding
	Top, Bottom        key.Binding
	Open, Back         key.Binding
	Esc                key.Binding // what esc does now: the footer names it (footerKeys)
	Zoom, Filter       key.Binding
	Note, Decision     key.Binding
	Mark               key.Binding // record a key time (started … resolved)
	Star, Edit, Jump   key.Binding // timeline pane
	FollowUp           key.Binding // Timeline and Chat panes: the selected line becomes a follow-up
	KeyEvents          key.Binding // Timeline pane: key events only, or every entry
	Ack, Resolve, Chat key.Binding // mutating: disabled when read-only
	Runbook            key.Binding
	Abort, Hide        key.Binding // a run: abort it (asks first), dismiss its finished footer line
	DryRun             key.Binding // a plan: run it without sending anything
	InForce            key.Binding // the changes still in force
	Status             key.Binding // mutating: draft, edit and post a stakeholder status update
	Scorecard          key.Binding // a drill's scorecard, once scored
	Chart              key.Binding // Fleet pane: the main target's chart
	ZoomIn, ZoomOut    key.Binding // the chart's window: shorter, longer
	Commander          key.Binding // the team: take the incident commander role, or hand it over
	Approvals          key.Binding // the team: runs waiting for another responder's approval
	Help, Quit         key.Binding
	Submit, Cancel     key.Binding
}

func newKeyMap(opts Options, app api.App, books api.RunbookInfo) keyMap {
	k := keyMap{
		NextPane:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane:  key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		GoPane:    key.NewBinding(key.WithKeys("1", "2", "3", "4"), key.WithHelp("1-4", "go to pane")),
		Up:        key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		PageUp:    key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Top:       key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first")),
		Bottom:    key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last / follow")),
		Open:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Zoom:      key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "zoom")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Note:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "note")),
		Decision:  key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "decision")),
		Mark:      key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mark key time")),
		Star:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "star entry")),
		Edit:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit entry")),
		Jump:      key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "jump to time")),
		FollowUp:  key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "follow-up from line")),
		KeyEvents: key.NewBinding(key.WithKeys("K"), key.WithHelp("K", "timeline: key events only")),
		Ack:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "acknowledge")),
		Resolve:   key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "resolve")),
		Chat:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "chat")),
		Runbook:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "runbook")),
		Abort:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "abort the run (asks first)")),
		Hide:      key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "dismiss a finished run's line")),
		DryRun:    key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "dry run (plan only, nothing sent)")),
		InForce:   key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "changes in force")),
		Status:    key.NewBinding(key.WithKeys("U"), key.WithHelp("U", "status update (draft, edit, post)")),
		Scorecard: key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "drill scorecard")),
		Chart:     key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "chart (Fleet pane)")),
		ZoomIn:    key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "chart: shorter window")),
		ZoomOut:   key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "chart: longer window")),
		Commander: key.NewBinding(key.WithKeys("I"), key.WithHelp("I", "team: take / hand over incident commander")),
		Approvals: key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "team: runs waiting for approval")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Submit:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		Cancel:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
	// Read-only hides every mutating key; so does a missing capability.
	k.Ack.SetEnabled(!opts.Readonly && app.Can("", integrations.CanAcknowledge))
	k.Resolve.SetEnabled(!opts.Readonly && app.Can("", integrations.CanResolve))
	k.Chat.SetEnabled(!opts.Readonly && app.Can("", integrations.CanPost))
	k.Status.SetEnabled(!opts.Readonly && app.Can("", integrations.CanPost))
	k.Scorecard.SetEnabled(app.Info().Drill)
	k.Runbook.SetEnabled(!opts.Readonly && books.Catalog != nil)
	k.Abort.SetEnabled(k.Runbook.Enabled())
	k.Hide.SetEnabled(k.Runbook.Enabled())
	k.DryRun.SetEnabled(k.Runbook.Enabled())
	k.Commander.SetEnabled(!opts.Readonly && app.Team() != nil)
	k.Approvals.SetEnabled(app.Team() != nil)
	k.Esc.SetEnabled(false)
	return k
}

// ShortHelp implements help.KeyMap.
func (k keyMap) ShortHelp() []key.Binding {
	// The footer puts the most important first (footerKeys): at 80
	// columns the tail of the line is cut.
	return []key.Binding{k.Help, k.Quit, k.Esc, k.NextPane, k.Open, k.Zoom, k.Filter, k.Note, k.Runbook, k.Chat}
}

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.NextPane, k.PrevPane, k.GoPane, k.Zoom},
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Back, k.Filter, k.Star, k.Edit, k.Jump, k.FollowUp, k.KeyEvents, k.Chart, k.ZoomIn, k.ZoomOut},
		{k.Note, k.Decision, k.Mark, k.Runbook, k.DryRun, k.Abort, k.Hide, k.InForce, k.Ack, k.Resolve, k.Chat, k.Status},
		{k.Scorecard, k.Commander, k.Approvals, k.Help, k.Quit},
	}
}

// inputKeys is the help shown while the bottom line takes text.
type inputKeys struct{ keyMap }

func (k inputKeys) ShortHelp() []key.Binding  { return []key.Binding{k.Submit, k.Cancel} }
func (k inputKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }
