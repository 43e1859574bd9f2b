package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
)

// Stakeholder status updates: the status key drafts one from the record
// (the application's draft), the input line edits it, a question confirms
// it, and the application posts it to every target; the header says when
// the next is due.

// statusPostTimeout bounds posting an update: each target has its own
// timeout in the application, and a timed-out post is read back.
const statusPostTimeout = 2 * time.Minute

// statusSoon is how close a due update must be for the header to name it.
const statusSoon = 10 * time.Minute

// lineBreak stands for a line break of the update in the one-line input.
const lineBreak = " · "

type (
	// statusDraftMsg is the application's draft, to edit.
	statusDraftMsg struct {
		draft api.StatusDraft
		err   error
	}
	// statusPostedMsg is how posting text went.
	statusPostedMsg struct {
		text   string
		posted api.StatusPosted
		err    error
	}
	// statusDueMsg is the reminder as of the timeline when asked; asked
	// orders the answers, which may arrive out of turn.
	statusDueMsg struct {
		asked    int
		reminder api.StatusReminder
	}
)

// draftStatus asks the application for a draft, unless an edited one is
// kept from before.
func (m *Model) draftStatus() tea.Cmd {
	if !m.keys.Status.Enabled() {
		return m.refused("a status update")
	}
	app, now := m.app, m.now
	return func() tea.Msg {
		d, err := app.DraftStatus(now)
		return statusDraftMsg{draft: d, err: err}
	}
}

// statusDrafted opens the input line on the draft: a kept edit first, else
// the application's, its lines joined by lineBreak.
func (m Model) statusDrafted(msg statusDraftMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.raise("status update: "+msg.err.Error(), true)
	}
	m.statusTargets = msg.draft.Targets
	text := m.drafts[inputStatus]
	if text == "" {
		text = strings.Join(strings.Split(msg.draft.Text, "\n"), lineBreak)
	}
	return m, m.openInput(inputStatus, text)
}

// confirmStatus asks before text leaves for the stakeholders.
func (m *Model) confirmStatus(text string) tea.Cmd {
	m.drafts[inputStatus] = text // kept until it is posted
	m.push(&confirmDialog{
		prompt: fmt.Sprintf("Post this status update (%d characters) to %s? y posts, any other key keeps it as a draft (%s to edit)",
			len([]rune(text)), strings.Join(m.statusTargets, ", "), m.keys.Status.Help().Key),
		run:  m.postStatus(text),
		kept: "status update kept as a draft",
	})
	return nil
}

// postStatus posts text, its line-break marks made line breaks again.
func (m *Model) postStatus(text string) tea.Cmd {
	app := m.app
	update := strings.ReplaceAll(text, lineBreak, "\n")
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), statusPostTimeout)
		defer cancel()
		posted, err := app.PostStatus(ctx, update)
		return statusPostedMsg{text: text, posted: posted, err: err}
	}
}

// statusPosted says how each target took the update; the draft is kept
// unless it landed somewhere.
func (m Model) statusPosted(msg statusPostedMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil && msg.posted.Record.ID == "" && len(msg.posted.Outcomes) == 0 {
		return m, m.raise("status update NOT posted: "+msg.err.Error()+" (your text is kept)", true)
	}
	var parts []string
	bad := msg.err != nil
	for _, o := range msg.posted.Outcomes {
		part := o.Target + " " + o.Status
		switch o.Status {
		case api.StatusLanded:
		case "unknown":
			bad = true
		default:
			bad, part = true, o.Target+" NOT posted"
		}
		if o.Status != api.StatusLanded && o.Detail != "" {
			part += " (" + oneLine(o.Detail) + ")"
		}
		parts = append(parts, part)
	}
	text := "status update: " + strings.Join(parts, "; ")
	if msg.err != nil {
		text += "; " + msg.err.Error()
	}
	if r := msg.posted.Record; r.ID != "" {
		delete(m.drafts, inputStatus)
		m.timeline.add([]integrations.Record{r}, false)
		text += " (" + r.ID + ")"
	} else {
		text += " (your text is kept)"
	}
	cmd := tea.Batch(m.raise(text, bad), m.askStatusDue()) // before m is copied out
	return m, cmd
}

// askStatusDue asks the application when the next update is due.
func (m *Model) askStatusDue() tea.Cmd {
	m.dueAsked++
	return m.statusDueCmd(m.dueAsked)
}

// statusDueCmd asks for the reminder as asking number asked.
func (m *Model) statusDueCmd(asked int) tea.Cmd {
	app, now := m.app, m.now
	return func() tea.Msg { return statusDueMsg{asked: asked, reminder: app.StatusDue(now)} }
}

// dueChanges reports whether recs may move the next update's time: an
// update posted, a key time marked, an alert's change of severity or
// state.
func dueChanges(recs []integrations.Record) bool {
	for _, r := range recs {
		if r.Kind == integrations.KindStatusUpdate || strings.HasPrefix(r.Kind, integrations.KindIncidentPrefix) ||
			strings.HasPrefix(r.Kind, integrations.KindAlertPrefix) {
			return true
		}
	}
	return false
}

// statusReminder is the header's word on the next update: when it is due
// within statusSoon, or how long it is overdue; "" otherwise.
func (m *Model) statusReminder() string {
	r := m.due
	if r.Done || r.Next.IsZero() {
		return ""
	}
	switch left := r.Next.Sub(m.now); {
	case left < 0:
		return m.styles.Bad.Render("status update OVERDUE " + shortDuration(-left))
	case left <= statusSoon:
		return m.styles.Warn.Render("status update due " + r.Next.In(m.now.Location()).Format("15:04"))
	}
	return ""
}
