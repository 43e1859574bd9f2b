package tui

import (
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/runbooks"
)

// dialog is a layer on the screen's overlay stack: the one on top takes
// the keys (and its text field's blinks). Its update changes only the
// dialog itself and returns an intent, what the root is to do about it
// (nil: nothing), with the dialog's own command; the root acts on the
// intent (act), which is where recording, posting and opening other
// dialogs happen.
type dialog interface {
	update(msg tea.Msg, env *dialogEnv) (intent, tea.Cmd)
}

// dialogEnv is what dialogs read of the rest of the screen, built by the
// root for each message and frame: read only.
type dialogEnv struct {
	st      Styles
	keys    keyMap
	now     time.Time
	frame   int // ticks so far, for spinners
	width   int
	fleet   *fleetPane // its selection fills parameters, its names complete them, its counts are a scale step's progress
	onFleet bool       // the Fleet pane has the focus
	catalog *runbooks.Catalog
	skipped []string // runbooks that failed to load, and why
	drill   bool
	inForce []string // the palette's lines on the changes in force
	// inForceItems is how many changes are in force, the list's length.
	inForceItems int
	redact       func(string) string
	locks        []string        // the palette's lines on the team's locks
	awaiting     map[string]bool // runs waiting for another responder's approval
}

// scrub removes secrets from text a run shows.
func (e *dialogEnv) scrub(s string) string { return e.redact(s) }

// dialogEnv is the dialogs' environment now.
func (m *Model) dialogEnv() *dialogEnv {
	return &dialogEnv{st: m.styles, keys: m.keys, now: m.now, frame: m.frame, width: m.width, fleet: &m.fleet,
		onFleet: m.focus == paneFleet, catalog: m.books.Catalog, skipped: m.books.Skipped, drill: m.info.Drill,
		inForce: m.paletteInForce(), inForceItems: len(m.inForce), redact: m.app.Redact,
		locks: lockLines(m.styles, m.teamLocks), awaiting: m.awaiting}
}

// intent is what a dialog asks of the root: one of the types below.
type intent any

// Intents.
type (
	// closeDialog closes the dialog on top, with nothing more to do.
	closeDialog struct{}
	// confirmed is a yes: close the question and run what it asked about.
	confirmed struct{ run tea.Cmd }
	// declined is any other key: close the question and say what stays.
	declined struct{ kept string }
	// inputTyped is the input line's text as it changes (a filter follows it).
	inputTyped struct {
		kind inputKind
		text string
	}
	// inputCancelled is esc on the input line, with the text to keep as a draft.
	inputCancelled struct {
		kind inputKind
		text string
	}
	// inputSubmitted is enter on the input line: the root acts on the text,
	// and closes the line unless the text is refused.
	inputSubmitted struct {
		kind inputKind
		text string
	}
	// planRequested asks the application to plan the runbook panel's
	// runbook with its parameters.
	planRequested struct{}
	// runRequested is the plan confirmed: the application runs it.
	runRequested struct{}
	// abortAsked is the abort key on a run: the root asks first; again is
	// the key that asked, which confirms when pressed again.
	abortAsked struct{ again string }
	// hideRun shrinks the running panel to a footer line: the run goes on.
	hideRun struct{}
	// openLedger opens the changes in force in the panel's place.
	openLedger struct{}
)

// push opens a dialog over the others. The stack is never appended to in
// place: a model copied before (Update's value receiver) keeps its own.
func (m *Model) push(d dialog) { m.dialogs = append(slices.Clip(m.dialogs), d) }

// pop closes the dialog on top: the runbook panel when it is the only one.
func (m *Model) pop() {
	if n := len(m.dialogs); n > 0 {
		m.dialogs = slices.Delete(slices.Clone(m.dialogs), n-1, n)
		return
	}
	m.flow = nil
}

// top is the dialog that takes the keys, nil when none is open. The
// runbook panel, while open and not shrunk to its footer line, is the
// bottom of the stack: questions and the input line open over it.
func (m *Model) top() dialog {
	if n := len(m.dialogs); n > 0 {
		return m.dialogs[n-1]
	}
	if m.flow != nil && !m.flow.hidden {
		return m.flow
	}
	return nil
}

// remove closes dialog d wherever it is on the stack.
func (m *Model) remove(d dialog) {
	m.dialogs = slices.DeleteFunc(slices.Clone(m.dialogs), func(o dialog) bool { return o == d })
}

// confirming is the open question, nil when none is asked.
func (m *Model) confirming() *confirmDialog {
	for _, d := range m.dialogs {
		if c, ok := d.(*confirmDialog); ok {
			return c
		}
	}
	return nil
}

// inputLine is the open input line, nil when it is closed.
func (m *Model) inputLine() *inputDialog {
	for _, d := range m.dialogs {
		if in, ok := d.(*inputDialog); ok {
			return in
		}
	}
	return nil
}

// confirmDialog is an "are you sure?" for a dangerous key, in the footer.
type confirmDialog struct {
	prompt string
	run    tea.Cmd
	yes    []string // the keys that confirm: y when empty
	kept   string   // what any other key leaves as it is: "cancelled" when empty
	// aborts is the run the question would abort: the root draws its
	// prompt from the run's progress (question), and withdraws it when
	// the run ends, so it never quotes stale figures or offers to abort a
	// run that is over.
	aborts *runbookFlow
	tail   string // the abort question's second line, under the live prompt
}

func (c *confirmDialog) update(msg tea.Msg, _ *dialogEnv) (intent, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	yes := c.yes
	if len(yes) == 0 {
		yes = []string{"y"}
	}
	if slices.Contains(yes, k.String()) {
		return confirmed{c.run}, nil
	}
	kept := c.kept
	if kept == "" {
		kept = "cancelled"
	}
	return declined{kept}, nil
}

// inputDialog is the bottom line taking text: a note, a decision, a key
// time, an edit, a time to jump to, a chat message or a filter.
type inputDialog struct {
	kind           inputKind
	field          textinput.Model
	err            string // why the text was refused, or failed to save
	submit, cancel key.Binding
}

func (d *inputDialog) update(msg tea.Msg, _ *dialogEnv) (intent, tea.Cmd) {
	var cmd tea.Cmd
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, d.cancel):
			return inputCancelled{d.kind, d.field.Value()}, nil
		case key.Matches(k, d.submit):
			return inputSubmitted{d.kind, d.field.Value()}, nil
		}
		d.field, cmd = d.field.Update(msg)
		return inputTyped{d.kind, d.field.Value()}, cmd
	}
	d.field, cmd = d.field.Update(msg)
	return nil, cmd
}

// act does what a dialog's intent asks.
func (m *Model) act(in intent) tea.Cmd {
	switch in := in.(type) {
	case closeDialog:
		m.pop()
	case confirmed:
		m.pop()
		return in.run
	case declined:
		m.pop()
		return m.raise(in.kept, false)
	case inputTyped:
		if in.kind == inputFilter {
			m.setFocusedFilter(in.text)
		}
	case inputCancelled:
		switch in.kind {
		case inputFilter:
			m.setFocusedFilter("")
		case inputNote, inputDecision, inputMark, inputChat, inputStatus:
			m.drafts[in.kind] = in.text
		}
		m.closeInput()
	case inputSubmitted:
		return m.submitInput(in.kind, in.text)
	case planRequested:
		return m.makePlan()
	case runRequested:
		return m.startRun()
	case abortAsked:
		m.askAbort(in.again)
	case hideRun:
		m.flow.hidden = true
	case openLedger:
		m.openLedger()
	case revertAsked:
		return m.revert()
	case approveAsked, refuseAsked:
		return m.answer(in)
	}
	return nil
}

// question is the open question's text as it stands now: an abort
// question quotes the run as it is, not as it was when asked.
func (m *Model) question(c *confirmDialog) string {
	if c.aborts != nil && c.aborts == m.flow {
		return m.flow.abortPrompt(m.dialogEnv()) + "\n" + c.tail
	}
	return c.prompt
}
