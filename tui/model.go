package tui

import (
	"context"
	"errors"
	"maps"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// Options configure the screen. Everything the screen shows comes from
// App: the session's facts (App.Info) once, and the rest in the batches
// the program is sent; everything it does goes through App, from
// commands.
type Options struct {
	App      api.App
	Readonly bool // refuse every mutating key
	// Observer says why it is read-only: the team server lets these
	// credentials only read (the header says so).
	Observer bool
	Bell     bool // ring the terminal bell with each toast that is bad news
	NoColor  bool
}

type pane int

const (
	paneAlerts pane = iota
	paneFleet
	paneChat
	paneTimeline
	paneCount
	paneRunbook // the runbook panel, drawn over the body while open
)

// tickInterval is how often the clock and badges redraw: often enough for
// a drill running at ten times real speed to read smoothly.
const tickInterval = 250 * time.Millisecond

// toastTicks is how long a toast stays up, in ticks (5 s).
const toastTicks = 20

// actionTimeout bounds every call the screen makes to a service.
const actionTimeout = 15 * time.Second

// tickMsg refreshes the clock and the freshness badges. now is the
// incident's clock, the one every time on screen is read from.
type tickMsg struct{ now time.Time }

// savedMsg reports the outcome of recording an entry typed at the screen.
type savedMsg struct {
	from inputKind
	rec  integrations.Record
	err  error
}

// chatPostedMsg reports the outcome of posting to the incident channel;
// since is when the post was sent, where reading the channel back starts.
type chatPostedMsg struct {
	text  string
	since time.Time
	err   error
}

type toast struct {
	text  string
	bad   bool
	ticks int
}

// Model is the root model.
type Model struct {
	opts   Options
	app    api.App
	info   api.Info        // the session's facts, read once
	books  api.RunbookInfo // the loaded runbooks, read once
	styles Styles
	keys   keyMap
	help   help.Model

	width, height int
	lay           screenLayout // where the panes are, kept by relayout
	now           time.Time
	focus         pane
	lastSide      pane // the last non-timeline pane focused, for the columns layout
	zoomed        bool

	alerts   alertsPane
	fleet    fleetPane
	chat     chatPane
	timeline timelinePane
	sources  map[string]integrations.SourceStatus
	series   seriesStore // the main figures' recent series, bounded
	chart    chartView

	// dialogs is the overlay stack: the input line and the questions;
	// the one on top takes the keys.
	dialogs    []dialog
	field      textinput.Model         // the input line's model, sized and styled for the terminal
	drafts     map[inputKind]string    // unsent text of notes, decisions and chat, kept across esc and failures
	editTarget string                  // the entry an edit amends
	saving     int                     // entries typed here still on their way to the store
	flow       *runbookFlow            // the runbook panel, while open
	runs       map[string]*runProgress // runs' states from the batches, by run ID, until their flow takes them
	frame      int                     // ticks so far, for spinners
	toast      toast
	storeErr   string                   // the last failure to persist pumped records
	teamStatus *integrations.TeamStatus // the team's war-room, when the incident is shared
	teamApp    api.Team                 // what this responder changes in it; nil alone
	teamLocks  *locksMsg                // the team's locks, read as the palette opened
	awaiting   map[string]bool          // runs waiting for another responder's approval, by run ID
	refuseRun  string                   // the run a refusal's reason is typed for
	lastKey    int                      // the tick of the last key, for idle on the roster
	idle       bool                     // the roster says idle

	ledger  *ledger.Ledger // what warroom changed, folded from records as they arrive
	inForce []ledger.Item  // what of it is still in force

	scorecard     string             // the drill's newest scorecard, as recorded
	statusTargets []string           // where the status update being edited goes
	due           api.StatusReminder // when the next status update is due
	dueAsked      int                // reminders asked for since Init's, to order their answers
	dueGot        int                // the newest reminder's asking
}

// New builds the root model.
func New(opts Options) Model {
	app := opts.App
	if app == nil {
		app = noApp{}
	}
	info := app.Info()
	if info.Clock == nil {
		info.Clock = time.Now
	}
	st := NewStyles(true)
	if opts.NoColor {
		st = PlainStyles()
	}
	ti := textinput.New()
	ti.CharLimit = 4000
	h := help.New()
	if opts.NoColor {
		h.Styles = help.Styles{}
	}
	m := Model{
		opts: opts, app: app, info: info, books: app.Runbooks(), styles: st, keys: newKeyMap(opts, app, app.Runbooks()), help: h,
		width: 80, height: 24, now: info.IncidentStart,
		alerts: alertsPane{}, fleet: newFleetPane(), chat: newChatPane(app.Can("", integrations.CanPost)), timeline: newTimelinePane(),
		sources: map[string]integrations.SourceStatus{}, field: ti, drafts: map[inputKind]string{},
		ledger: ledger.New(), toast: unfinishedToast(info.Unfinished),
		series: newSeriesStore(info.History), chart: chartView{zoom: defaultChartWindow},
		teamApp: app.Team(), awaiting: map[string]bool{},
	}
	m.relayout()
	return m
}

// Init starts the clock and asks the terminal for its background colour.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.tick(0), tea.RequestBackgroundColor, m.statusDueCmd(0))
}

func (m Model) tick(after time.Duration) tea.Cmd {
	clock := m.info.Clock
	if after == 0 {
		return func() tea.Msg { return tickMsg{now: clock()} }
	}
	return tea.Tick(after, func(time.Time) tea.Msg { return tickMsg{now: clock()} })
}

// Update routes messages, and lays the screen out again after any that
// may have changed it: every message but a scroll and a letter typed into
// the input line, which move a cursor and change no size.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var back tea.Cmd // any key, a scroll too, is a sign of life on the roster
	if _, ok := msg.(tea.KeyPressMsg); ok {
		back = m.noteKeyPress()
	}
	if m.scrolls(msg) {
		m.scroll(msg)
		return m, back
	}
	next, cmd := m.update(msg)
	nm := next.(Model)
	if !m.typing(msg) {
		nm.relayout()
	}
	return nm, tea.Batch(back, cmd)
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.field.SetWidth(max(10, msg.Width-16))
		return m, nil
	case tea.BackgroundColorMsg:
		if !m.opts.NoColor {
			m.styles = NewStyles(msg.IsDark())
			m.help.Styles = help.DefaultStyles(msg.IsDark())
			m.field.SetStyles(textinput.DefaultStyles(msg.IsDark()))
		}
		return m, nil
	case tickMsg:
		if msg.now.After(m.now) {
			m.now = msg.now
		}
		m.frame++
		if m.toast.ticks > 0 {
			m.toast.ticks--
		}
		return m, tea.Batch(m.tick(tickInterval), m.idleCheck())
	case teamDoneMsg:
		return m, m.teamDone(msg)
	case pendingMsg:
		return m, m.pending(msg)
	case locksMsg:
		m.teamLocks = &msg
		return m, nil
	case integrations.Batch:
		return m, m.apply(msg)
	case savedMsg:
		return m.saved(msg)
	case chatPostedMsg:
		return m.chatPosted(msg)
	case chatSettledMsg:
		return m.chatSettled(msg)
	case statusDraftMsg:
		return m.statusDrafted(msg)
	case statusPostedMsg:
		return m.statusPosted(msg)
	case statusDueMsg:
		if msg.asked >= m.dueGot {
			m.due, m.dueGot = msg.reminder, msg.asked
		}
		return m, nil
	case alertSentMsg:
		m.alerts.setInflight(msg.alert, inflight{verb: msg.verb})
		return m, nil
	case alertActedMsg:
		return m.alertActed(msg)
	case alertSettledMsg:
		return m.alertSettled(msg)
	case planMsg, runStartedMsg, abortMsg:
		if m.flow != nil {
			return m.updateFlow(msg)
		}
		return m, nil
	case tea.KeyPressMsg:
		switch {
		case m.confirming() != nil: // first: the runbook panel asks too
			return m, m.toTop(msg)
		case m.top() != nil:
			return m, m.toTop(msg)
		}
		return m.updateKeys(msg)
	case tea.MouseClickMsg:
		if p, ok := m.paneAt(msg.X, msg.Y); ok && m.top() == nil && m.panelClosed() {
			m.setFocus(p)
		}
		return m, nil
	}
	return m, m.toTop(msg)
}

// toTop hands msg to the dialog on top and acts on what it asks.
func (m *Model) toTop(msg tea.Msg) tea.Cmd {
	d := m.top()
	if d == nil {
		return nil
	}
	in, cmd := d.update(msg, m.dialogEnv())
	return tea.Batch(cmd, m.act(in))
}

// apply folds a pump batch into the panes.
func (m *Model) apply(b integrations.Batch) tea.Cmd {
	var cmds []tea.Cmd
	for src, alerts := range b.Alerts {
		m.alerts.set(src, alerts)
	}
	for _, a := range b.NewCritical {
		cmds = append(cmds, m.raise("NEW CRITICAL: "+oneLine(a.Title), true))
	}
	if b.DriftChecked {
		m.fleet.findings = b.Drift
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
	if b.Team != nil {
		m.teamStatus = b.Team
	}
	cmds = append(cmds, m.foldRuns(b.Steps, b.RunsEnded))
	m.series.add(b.Samples)
	m.chat.add(b.Chat)
	// Records include the timeline so far when the session opened and
	// what other processes appended since, already durable, first.
	m.timeline.add(b.Records, b.PersistErr != nil)
	m.foldLedger(b.Records)
	cmds = append(cmds, m.foldApprovals(b.Records))
	cmds = append(cmds, m.takeScorecards(b.Records))
	if dueChanges(b.Records) {
		cmds = append(cmds, m.askStatusDue())
	}
	if b.PersistErr != nil {
		m.storeErr = "timeline NOT saved: " + b.PersistErr.Error()
	}
	return tea.Batch(cmds...)
}

// raise shows a toast; bad news also rings the bell when asked to.
func (m *Model) raise(text string, bad bool) tea.Cmd {
	m.toast = toast{text: text, bad: bad, ticks: toastTicks}
	if bad && m.opts.Bell {
		return tea.Raw("\a")
	}
	return nil
}

// panelClosed reports whether the runbook panel is out of the way: never
// opened, closed, or shrunk to the footer.
func (m *Model) panelClosed() bool {
	return (m.flow == nil || m.flow.hidden) && m.ledgerList() == nil && m.approvals() == nil
}

func (m *Model) setFocus(p pane) {
	m.focus = p
	if p != paneTimeline {
		m.lastSide = p
	}
}

// saved handles the outcome of recording an entry.
func (m Model) saved(msg savedMsg) (tea.Model, tea.Cmd) {
	m.saving--
	if errors.Is(msg.err, integrations.ErrQueued) {
		// Kept in the local journal: it shows on the timeline once the
		// team server has it. Typing it again would record it twice.
		if msg.from != inputNone && msg.from != inputEdit {
			delete(m.drafts, msg.from)
		}
		return m, m.raise(msg.rec.Kind+" queued: the team server was not reached; it is saved in the local journal and shows here once published", true)
	}
	if msg.err != nil {
		problem := msg.rec.Kind + " NOT saved: " + msg.err.Error()
		if msg.from == inputNone || msg.from == inputEdit || m.inputLine() != nil {
			// Nothing to reopen, or the user is typing something else:
			// keep the text as a draft and say so.
			if msg.from != inputNone && msg.from != inputEdit {
				m.drafts[msg.from] = msg.rec.Text
				problem += " (your text is kept)"
			}
			return m, m.raise(problem, true)
		}
		// Reopen the input with the text, so nothing typed is lost.
		return m, m.reopenInput(msg.from, msg.rec.Text, problem)
	}
	m.timeline.add([]integrations.Record{msg.rec}, false)
	if msg.from == inputNone {
		return m, nil // a star: the row shows it
	}
	if msg.rec.Kind == integrations.KindIncidentResolved && len(m.inForce) > 0 {
		return m, m.resolvedWarning(msg.rec.Kind + " saved (" + msg.rec.ID + ")")
	}
	return m, m.raise(msg.rec.Kind+" saved ("+msg.rec.ID+")", false)
}

// saveRecord records a note, decision or amendment from a command: the
// store's fsync happens off the UI goroutine, and the entry shows on the
// timeline only once durable. from is the input it came from, reopened
// with its text if saving fails.
func (m *Model) saveRecord(from inputKind, rec integrations.Record) tea.Cmd {
	m.saving++
	app, clock := m.app, m.info.Clock
	rec.Source, rec.Actor = integrations.SourceWarroom, m.info.User
	return func() tea.Msg {
		if said := clock(); rec.Occurred.IsZero() {
			rec.Occurred = said
		} else { // a time named after the fact: keep when it was said
			rec.Fields = maps.Clone(rec.Fields)
			if rec.Fields == nil {
				rec.Fields = map[string]string{}
			}
			rec.Fields["said"] = said.UTC().Format(time.RFC3339)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		saved, err := app.Record(ctx, rec)
		return savedMsg{from: from, rec: saved, err: err}
	}
}
