package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

// The team's war-room on screen, when the incident is shared (App.Team):
// the commander role (I), the runs waiting for another responder's
// approval (A), the team's locks in the runbook palette, and idle on the
// roster after a while without a key. Every change is a command on
// api.Team; the header's status comes in the batches.

// idleAfter is how long without a key before the roster says idle.
const idleAfter = 3 * time.Minute

// teamTimeout bounds one call to the team server from the screen.
const teamTimeout = 10 * time.Second

type (
	// teamDoneMsg is a team change's answer; done is what to say when it
	// worked ("" nothing); rec is the change's entry as the timeline
	// stored it, when the change is one (a role's), for this screen's
	// timeline: the team's feed brings only other writers' entries.
	teamDoneMsg struct {
		done string
		rec  integrations.Record
		err  error
	}
	// pendingMsg is the runs waiting for approval, for the dialog.
	pendingMsg struct {
		reqs []runbooks.ApprovalRequest
		err  error
	}
	// locksMsg is the team's locks, for the runbook palette.
	locksMsg struct {
		holders []runbooks.Holder
		err     error
	}
)

// teamCall runs call on the team in a command, bounded by teamTimeout.
func (m *Model) teamCall(done string, call func(context.Context, api.Team) error) tea.Cmd {
	t := m.teamApp
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), teamTimeout)
		defer cancel()
		return teamDoneMsg{done: done, err: call(ctx, t)}
	}
}

// roleCall runs a role change on the team in a command, bounded by
// teamTimeout; its answer carries the change's record, and done says
// where that is: on the timeline, or (no ID) only queued for it.
func (m *Model) roleCall(done string, call func(context.Context, api.Team) (integrations.Record, error)) tea.Cmd {
	t := m.teamApp
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), teamTimeout)
		defer cancel()
		rec, err := call(ctx, t)
		if rec.ID == "" {
			return teamDoneMsg{done: done + " (queued for the timeline: the team server was not reached)", err: err}
		}
		return teamDoneMsg{done: done + " (on the timeline)", rec: rec, err: err}
	}
}

// teamDone says how a team change went, and shows the entry it recorded.
func (m *Model) teamDone(msg teamDoneMsg) tea.Cmd {
	if msg.err == nil && msg.rec.ID != "" {
		m.timeline.add([]integrations.Record{msg.rec}, false)
	}
	switch {
	case msg.err != nil:
		return m.raise(msg.err.Error(), true)
	case msg.done != "":
		return m.raise(msg.done, false)
	}
	return nil
}

// commanderKey takes the incident commander role, or, held here, asks
// whom to hand it over to. Its key is there only on a shared incident,
// and not read-only.
func (m *Model) commanderKey() tea.Cmd {
	if m.teamStatus != nil && m.teamStatus.Commander == m.info.User {
		return m.openInput(inputHandOver, "")
	}
	return m.roleCall("you are the incident commander", func(ctx context.Context, t api.Team) (integrations.Record, error) {
		return t.TakeCommand(ctx)
	})
}

// noteKeyPress keeps the roster's idle mark true: a key after a while
// away says active again.
func (m *Model) noteKeyPress() tea.Cmd {
	m.lastKey = m.frame
	if m.teamApp == nil || !m.idle {
		return nil
	}
	m.idle = false
	return m.teamCall("", func(ctx context.Context, t api.Team) error { return t.SetIdle(ctx, false) })
}

// idleCheck, on a tick, says idle on the roster once no key came for
// idleAfter.
func (m *Model) idleCheck() tea.Cmd {
	if m.teamApp == nil || m.idle || time.Duration(m.frame-m.lastKey)*tickInterval < idleAfter {
		return nil
	}
	m.idle = true
	return m.teamCall("", func(ctx context.Context, t api.Team) error { return t.SetIdle(ctx, true) })
}

// approvalsKey reads the runs waiting for approval, for the dialog (its
// key is there only on a shared incident).
func (m *Model) approvalsKey() tea.Cmd {
	t := m.teamApp
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), teamTimeout)
		defer cancel()
		reqs, err := t.Pending(ctx)
		return pendingMsg{reqs: reqs, err: err}
	}
}

// pending opens the approvals dialog on what waits.
func (m *Model) pending(msg pendingMsg) tea.Cmd {
	switch {
	case msg.err != nil:
		return m.raise("approvals: "+msg.err.Error(), true)
	case len(msg.reqs) == 0:
		return m.raise("no run waits for approval", false)
	}
	if d := m.approvals(); d != nil {
		d.reqs, d.cursor = msg.reqs, min(d.cursor, len(msg.reqs)-1)
		return nil
	}
	m.push(&approvalsDialog{reqs: msg.reqs})
	return nil
}

// approvalsDialog lists the runs waiting for approval in the runbook
// panel's place, the selected one with its plan and checks.
type approvalsDialog struct {
	reqs   []runbooks.ApprovalRequest
	cursor int
}

// Intents of the approvals dialog.
type (
	approveAsked struct{ req runbooks.ApprovalRequest }
	refuseAsked  struct{ req runbooks.ApprovalRequest }
)

func (d *approvalsDialog) update(msg tea.Msg, _ *dialogEnv) (intent, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || len(d.reqs) == 0 {
		return nil, nil
	}
	switch k.String() {
	case "esc", "q", "A", "ctrl+c":
		return closeDialog{}, nil
	case "up", "k":
		d.cursor = max(0, d.cursor-1)
	case "down", "j":
		d.cursor = min(len(d.reqs)-1, d.cursor+1)
	case "y":
		return approveAsked{d.reqs[d.cursor]}, nil
	case "n":
		return refuseAsked{d.reqs[d.cursor]}, nil
	}
	return nil, nil
}

// approvals is the open dialog, nil when it is closed.
func (m *Model) approvals() *approvalsDialog {
	for _, d := range m.dialogs {
		if a, ok := d.(*approvalsDialog); ok {
			return a
		}
	}
	return nil
}

// answer acts on approve or refuse in the dialog. The requester's own
// run is refused here as the team refuses it: another responder must
// approve it.
func (m *Model) answer(in intent) tea.Cmd {
	switch in := in.(type) {
	case approveAsked:
		if in.req.Requester == m.info.User && in.req.SelfAllowedBy == "" {
			return m.raise(fmt.Sprintf("you requested run %s: another responder must approve it", in.req.RunID), true)
		}
		if m.opts.Readonly {
			return m.refused("approving a run")
		}
		m.remove(m.approvals())
		run := in.req.RunID
		return m.teamCall(fmt.Sprintf("run %s of %s approved: it starts on %s's screen", run, in.req.Runbook, in.req.Requester),
			func(ctx context.Context, t api.Team) error { return t.Approve(ctx, run) })
	case refuseAsked:
		if m.opts.Readonly {
			return m.refused("refusing a run")
		}
		m.remove(m.approvals())
		m.refuseRun = in.req.RunID
		return m.openInput(inputRefuse, "")
	}
	return nil
}

// submitTeam acts on the commander's hand-over and a refusal's reason.
func (m *Model) submitTeam(kind inputKind, text string) tea.Cmd {
	if kind == inputHandOver {
		return m.roleCall("incident commander handed over to "+text, func(ctx context.Context, t api.Team) (integrations.Record, error) {
			return t.HandCommand(ctx, text)
		})
	}
	run := m.refuseRun
	return m.teamCall("run "+run+" refused: nothing is changed", func(ctx context.Context, t api.Team) error {
		return t.Refuse(ctx, run, text)
	})
}

// foldApprovals follows which runs wait for an approval, from their
// records, and tells this responder of another's request.
func (m *Model) foldApprovals(recs []integrations.Record) tea.Cmd {
	var asked []integrations.Record
	for _, r := range recs {
		run := r.Fields[integrations.FieldRun]
		switch r.Kind {
		case integrations.KindRunbookApprovalRequested:
			m.awaiting[run] = true
			if r.Fields["requester"] != m.info.User {
				asked = append(asked, r)
			}
		case integrations.KindRunbookApproved, integrations.KindRunbookApprovalRefused, integrations.KindRunbookApprovalTimeout:
			delete(m.awaiting, run)
		}
	}
	for _, r := range asked {
		if m.awaiting[r.Fields[integrations.FieldRun]] && m.teamApp != nil {
			return m.raise(oneLine(r.Text)+": A to review it", true)
		}
	}
	return nil
}

// renderApprovals draws the approvals dialog in the runbook panel's place.
func (m *Model) renderApprovals(width, height int) string {
	st, d := m.styles, m.approvals()
	var lines []string
	for i, r := range d.reqs {
		marker := "  "
		if i == d.cursor {
			marker = "▸ "
		}
		row := fmt.Sprintf("%s%s %s (%s) by %s · until %s", marker, r.RunID, r.Runbook, r.Params, r.Requester, r.Expires.Local().Format("15:04:05"))
		if r.Requester == m.info.User && r.SelfAllowedBy == "" {
			row += " · yours: another responder must approve it"
		}
		if i == d.cursor {
			row = st.Selected.Render(fit(row, width-4))
		}
		lines = append(lines, row)
	}
	r := d.reqs[d.cursor]
	lines = append(lines, "", "Plan:")
	for _, l := range strings.Split(strings.TrimRight(m.app.Redact(r.Plan), "\n"), "\n") {
		lines = append(lines, "  "+ansi.Truncate(l, max(10, width-6), "…"))
	}
	lines = append(lines, "", "Checks:")
	for _, l := range strings.Split(strings.TrimRight(m.app.Redact(r.Checks), "\n"), "\n") {
		lines = append(lines, "  "+ansi.Truncate(l, max(10, width-6), "…"))
	}
	return frame(st, "Waiting for approval", lines, width, height, true)
}

// approvalsHelp is the dialog's keys.
func approvalsHelp() hints {
	return hints{hint("↑/↓", "choose"), hint("y", "approve"), hint("n", "refuse (with a reason)"), hint("esc", "close")}
}

// readLocks reads the team's locks for the palette, as it opens.
func (m *Model) readLocks() tea.Cmd {
	if m.teamApp == nil {
		return nil
	}
	t := m.teamApp
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), teamTimeout)
		defer cancel()
		h, err := t.Locks(ctx)
		return locksMsg{holders: h, err: err}
	}
}

// lockLines are the team's locks as the palette lists them: who holds
// each target, since when, and when the lease lapses unless renewed.
func lockLines(st Styles, msg *locksMsg) []string {
	switch {
	case msg == nil:
		return nil
	case msg.err != nil:
		return []string{"", st.Bad.Render("✗ the team's locks could not be read: " + oneLine(msg.err.Error()))}
	case len(msg.holders) == 0:
		return []string{"", st.Dim.Render("Team locks: none")}
	}
	lines := []string{"", "Team locks:"}
	for _, h := range msg.holders {
		lines = append(lines, st.Warn.Render(fmt.Sprintf("  🔒 %s — %s (%s) since %s, lapses %s unless renewed", h.Target, h.Who, h.Runbook,
			h.Acquired.Local().Format("15:04:05"), h.Expires.Local().Format("15:04:05"))))
	}
	return lines
}
