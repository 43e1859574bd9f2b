package team

import (
	"context"
	"reflect"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

// Room is this warroom's place in the team's war-room: it keeps the
// responder on the roster and reports the team's status — connection and
// queue, who is present and doing what, the incident commander, who polls
// each source — for the header.
type Room struct {
	tl       *Timeline
	presence *Presence
	here     *Here
	roles    *Roles
	shared   []*Shared
	locks    func() ([]runbooks.Holder, error)
	last     integrations.TeamStatus // what the server last said of members, commander and pollers
}

// JoinRoom puts who on incident's roster. Role changes are recorded on
// tl; shared are the sources whose pollers the status names.
func (c *Client) JoinRoom(incident, who string, tl *Timeline, shared []*Shared) (*Room, error) {
	p, err := c.Presence(incident, 0)
	if err != nil {
		return nil, err
	}
	roles, err := c.Roles(incident, tl)
	if err != nil {
		return nil, err
	}
	locker, err := c.Locker(0)
	if err != nil {
		return nil, err
	}
	here, err := p.Join(who)
	if err != nil {
		return nil, err
	}
	return &Room{tl: tl, presence: p, here: here, roles: roles, shared: shared, locks: locker.Holders}, nil
}

// Here is this warroom on the roster: Set says what it is doing.
func (r *Room) Here() *Here { return r.here }

// Roles are the incident's roles, such as the incident commander.
func (r *Room) Roles() *Roles { return r.roles }

// Leave takes this warroom off the roster.
func (r *Room) Leave() error { return r.here.Leave() }

// Status reads the team's status now. Offline, it keeps what the server
// said last of the members, commander and pollers.
func (r *Room) Status() integrations.TeamStatus {
	st := r.tl.Status()
	out := r.last
	out.Online, out.Queued, out.Problem = st.Online, st.Queued, ""
	if st.Err != nil {
		out.Problem = st.Err.Error()
	}
	if !st.Online {
		return out
	}
	if members, err := r.presence.Roster(); err == nil {
		out.Members = out.Members[:0:0]
		for _, m := range members {
			out.Members = append(out.Members, integrations.TeamMember{Who: m.Who, State: m.State, Runbook: m.Runbook, Joined: m.Joined, Seen: m.Seen})
		}
	}
	if h, ok, err := r.roles.Holder(RoleCommander); err == nil {
		out.Commander = ""
		if ok {
			out.Commander = h.Who
		}
	}
	if holders, err := r.locks(); err == nil {
		running(out.Members, holders)
	}
	out.Pollers = map[string]string{}
	for _, s := range r.shared {
		if p, ok, err := s.Poller(); err == nil && ok {
			out.Pollers[s.Name()] = p.Who
		}
	}
	r.last = out
	return out
}

// Run publishes the team's status as an integrations.TeamChanged event
// whenever it changes, looking every interval, until ctx ends.
func (r *Room) Run(ctx context.Context, every time.Duration, pub integrations.Publisher) {
	t := time.NewTicker(every)
	defer t.Stop()
	var shown *integrations.TeamStatus
	for {
		st := r.Status()
		if shown == nil || !reflect.DeepEqual(*shown, st) {
			pub.Publish(integrations.TeamChanged{Status: st})
			shown = &st
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// running marks the members whose runs hold team locks as running them:
// a run's holder is its responder, or user@host for one started where
// no name was given.
func running(members []integrations.TeamMember, holders []runbooks.Holder) {
	for _, h := range holders {
		for i := range members {
			if m := &members[i]; h.Who == m.Who || strings.HasPrefix(h.Who, m.Who+"@") {
				m.State, m.Runbook = StateRunning, h.Runbook
			}
		}
	}
}
