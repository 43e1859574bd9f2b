package integrations

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrQueued is what an append reports when the team server did not take
// the entry in time: it is saved in the local journal and will be
// published, once, when the server is reached. It is not a failure, and
// the entry must not be typed again.
var ErrQueued = errors.New("saved in the local journal, queued for the team server")

// TeamStatus is the team's war-room as the header shows it, when the
// session shares its incident through a team server: the connection and
// the local journal's queue, who is present and doing what, who commands
// the incident and who polls each source.
type TeamStatus struct {
	Online  bool
	Queued  int    // entries saved locally, not yet on the server
	Problem string // the last problem with the server, if any; never a secret
	Members []TeamMember
	// Commander holds the incident commander role ("" if nobody does).
	Commander string
	// Pollers maps each shared source to the responder polling it.
	Pollers map[string]string
}

// TeamMember is one responder in the war-room.
type TeamMember struct {
	Who     string
	State   string // active, idle or running
	Runbook string // what they run, when running
	Joined  time.Time
	Seen    time.Time
}

// TeamChanged carries the team's status whenever it changes.
type TeamChanged struct{ Status TeamStatus }

func (TeamChanged) event() {}

// Line is the header's team word: "team: online", "team: online · 2
// queued", "team: offline · 12 queued".
func (s TeamStatus) Line() string {
	state := "online"
	if !s.Online {
		state = "offline"
	}
	if s.Queued > 0 {
		return fmt.Sprintf("team: %s · %d queued", state, s.Queued)
	}
	return "team: " + state
}

// Roster is who is present, in the order they joined: "alice (IC,
// running scale-up) · bob (idle) · carol".
func (s TeamStatus) Roster() string {
	parts := make([]string, len(s.Members))
	for i, m := range s.Members {
		var notes []string
		if m.Who == s.Commander {
			notes = append(notes, "IC")
		}
		switch {
		case m.State == "running" && m.Runbook != "":
			notes = append(notes, "running "+m.Runbook)
		case m.State == "idle":
			notes = append(notes, "idle")
		}
		parts[i] = m.Who
		if len(notes) > 0 {
			parts[i] += " (" + strings.Join(notes, ", ") + ")"
		}
	}
	return strings.Join(parts, " · ")
}
