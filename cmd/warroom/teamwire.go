package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/team"
)

// teamStatusEvery is how often the session looks at the team's roster,
// roles and pollers for the header.
const teamStatusEvery = 2 * time.Second

// teamSession is what a session shares through the team server: its
// timeline (with the local journal), the run locks, the approvals of the
// two-person rule, one poller per source, and its place on the roster.
// It is itself a source feeding no pane: it publishes the team's status
// (integrations.TeamChanged) for the header.
type teamSession struct {
	ts        *teamSettings
	client    *team.Client
	approvals *team.Approvals
	elector   *team.Elector
	locker    *team.Locker
	who       string
	// observer: the server lets these credentials only read; the
	// session watches the room from no roster and the screen is
	// read-only.
	observer bool

	mu       sync.Mutex
	timeline *team.Timeline
	incident string
	shared   []*team.Shared
	room     *team.Room // once on the roster
}

// wireTeam connects to the team server and sets the session's store,
// locks, approver and source sharing to the team's. An unreachable server
// is not an error: entries queue in the journal until it is back; the
// locks, approvals and elections then fail safe (a run is refused, a
// source keeps its own poller's feed).
func wireTeam(ts *teamSettings, opts *app.Options) (*teamSession, error) {
	c, err := ts.dial()
	if err != nil {
		return nil, err
	}
	// On a team the responder is who the server authenticated (the
	// name given, on a server without --auth): approvals, locks and the
	// roster all say so.
	opts.User = c.Identity()
	opts.Holder = opts.User
	t := &teamSession{ts: ts, client: c, who: opts.User}
	fail := func(err error) (*teamSession, error) {
		c.Close()
		return nil, ts.scrub(err)
	}
	if !c.Connected() {
		return fail(fmt.Errorf("team server %s not reached within %s; the war-room needs it to take locks and elect pollers (timeline verbs queue offline)",
			team.RedactURL(ts.opts.URL), teamReach))
	}
	if may, err := c.MayWrite(); err == nil && !may {
		t.observer = true
	}
	locker, err := c.Locker(0)
	if err != nil {
		return fail(err)
	}
	t.locker = locker
	if t.approvals, err = c.Approvals(""); err != nil {
		return fail(err)
	}
	if t.elector, err = c.Elector(0); err != nil {
		return fail(err)
	}
	opts.Locks, opts.Approver = locker.Locks(), t.approvals
	opts.Store = t.openStore(opts.StateDir)
	opts.Share = t.share
	opts.Extra = append(opts.Extra, t)
	opts.Team = t
	return t, nil
}

// openStore opens the incident's shared timeline, with the application's
// hooks: it is the session's Store.
func (t *teamSession) openStore(stateDir string) app.OpenStore {
	return func(incident string, h app.StoreHooks) (app.Store, error) {
		tl, err := t.client.OpenTimeline(incident, team.TimelineOptions{StateDir: stateDir, Redactor: h.Redactor,
			OnForeign: h.OnForeign, Admit: h.Admit, AppendTimeout: teamReach, ReadOnly: t.observer})
		if err != nil {
			return nil, t.ts.scrub(err)
		}
		t.mu.Lock()
		t.timeline, t.incident = tl, incident
		t.approvals.Incident = incident
		t.mu.Unlock()
		return teamStore{tl, t.client}, nil
	}
}

// teamStore is the shared timeline as the session's store: the last
// thing the session closes, so the connection goes with it.
type teamStore struct {
	*team.Timeline
	client *team.Client
}

func (s teamStore) Close() error {
	err := s.Timeline.Close()
	s.client.Close()
	return err
}

// share makes a live source one the team polls once.
func (t *teamSession) share(incident string, src integrations.Source) integrations.Source {
	s := t.client.Share(t.elector, incident, t.who, src)
	t.mu.Lock()
	t.shared = append(t.shared, s)
	t.mu.Unlock()
	return s.Wrapped()
}

// Name is the team's, as a source.
func (t *teamSession) Name() string { return "team" }

// Run puts this responder on the roster and publishes the team's status
// whenever it changes, until ctx ends; then it leaves the roster.
func (t *teamSession) Run(ctx context.Context, pub integrations.Publisher) error {
	t.mu.Lock()
	tl, incident, shared := t.timeline, t.incident, t.shared
	t.mu.Unlock()
	if tl == nil {
		return nil // the session's store is not the team's
	}
	who := t.who
	if t.observer {
		who = "" // watching, on no roster
	}
	room, err := t.client.JoinRoom(incident, who, tl, shared)
	if err != nil {
		pub.Publish(integrations.TeamChanged{Status: integrations.TeamStatus{Problem: t.ts.scrub(err).Error()}})
		return nil
	}
	t.mu.Lock()
	t.room = room
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.room = nil
		t.mu.Unlock()
		room.Leave()
	}()
	room.Run(ctx, teamStatusEvery, pub)
	return nil
}

// inRoom is the roster place, or why there is none yet.
func (t *teamSession) inRoom() (*team.Room, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.room == nil {
		return nil, errors.New("not on the team's roster (the team server was not reached when the war-room opened)")
	}
	return t.room, nil
}

// The screen's side of the team (api.Team). The team package bounds
// each call by its own operation timeout; ctx is the screen's.

var _ api.Team = (*teamSession)(nil)

func (t *teamSession) SetIdle(_ context.Context, idle bool) error {
	if t.observer {
		return nil // on no roster
	}
	r, err := t.inRoom()
	if err != nil {
		return err
	}
	state := team.StateActive
	if idle {
		state = team.StateIdle
	}
	return t.ts.scrub(r.Here().Set(state, ""))
}

func (t *teamSession) TakeCommand(context.Context) (integrations.Record, error) {
	r, err := t.inRoom()
	if err != nil {
		return integrations.Record{}, err
	}
	e, err := r.Roles().Take(team.RoleCommander, t.who)
	return e.Record, t.ts.scrub(err)
}

func (t *teamSession) HandCommand(_ context.Context, to string) (integrations.Record, error) {
	r, err := t.inRoom()
	if err != nil {
		return integrations.Record{}, err
	}
	e, err := r.Roles().HandOver(team.RoleCommander, t.who, to)
	return e.Record, t.ts.scrub(err)
}

func (t *teamSession) Pending(context.Context) ([]runbooks.ApprovalRequest, error) {
	reqs, err := t.approvals.Pending()
	if err != nil {
		return nil, t.ts.scrub(err)
	}
	out := make([]runbooks.ApprovalRequest, 0, len(reqs))
	for _, r := range reqs {
		if r.Incident == "" || r.Incident == t.approvals.Incident {
			out = append(out, r.ApprovalRequest)
		}
	}
	return out, nil
}

func (t *teamSession) Approve(_ context.Context, run string) error {
	_, err := t.approvals.Answer(run, true, "")
	return t.ts.scrub(err)
}

func (t *teamSession) Refuse(_ context.Context, run, why string) error {
	_, err := t.approvals.Answer(run, false, why)
	return t.ts.scrub(err)
}

func (t *teamSession) Locks(context.Context) ([]runbooks.Holder, error) {
	h, err := t.locker.Holders()
	return h, t.ts.scrub(err)
}

// close ends the connection, once the session is closed.
func (t *teamSession) close() { t.client.Close() }
