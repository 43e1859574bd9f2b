package team

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// PresenceTTL is how long a warroom stays on the roster without a sign
// of life; a live one refreshes its key every third of it.
const PresenceTTL = 30 * time.Second

// What a member of the war-room is doing.
const (
	StateActive  = "active"
	StateIdle    = "idle"
	StateRunning = "running" // a runbook: see Member.Runbook
)

// Member is one warroom in an incident's war-room.
type Member struct {
	ID      string    `json:"id"` // one warroom session
	Who     string    `json:"who"`
	State   string    `json:"state"`
	Runbook string    `json:"runbook,omitempty"`
	Joined  time.Time `json:"joined"`
	Seen    time.Time `json:"seen"`
}

// Presence is who is in an incident's war-room now: one short-lived key
// per warroom in the presence bucket, <incident>.<session>.
type Presence struct {
	kv       jetstream.KeyValue
	incident string
	ttl      time.Duration
}

// Presence binds to the presence bucket for incident, creating it with
// ttl (default PresenceTTL) if needed; an existing bucket's TTL wins.
func (c *Client) Presence(incident string, ttl time.Duration) (*Presence, error) {
	kv, ttl, err := c.leaseBucket("presence", PresenceBucket, ttl, PresenceTTL)
	if err != nil {
		return nil, err
	}
	return &Presence{kv: kv, incident: token(incident), ttl: ttl}, nil
}

// Here is this warroom on the roster, kept there until Leave.
type Here struct {
	p    *Presence
	key  string
	stop chan struct{}
	done chan struct{}

	mu sync.Mutex
	m  Member
}

// Join puts who on the roster as active and keeps them there.
func (p *Presence) Join(who string) (*Here, error) {
	now := time.Now().UTC()
	h := &Here{p: p, m: Member{ID: newID(), Who: who, State: StateActive, Joined: now},
		stop: make(chan struct{}), done: make(chan struct{})}
	h.key = p.incident + "." + h.m.ID
	if err := h.put(); err != nil {
		return nil, fmt.Errorf("team presence: %w", err)
	}
	go h.refresh()
	return h, nil
}

func (h *Here) put() error {
	h.mu.Lock()
	h.m.Seen = time.Now().UTC()
	data, _ := json.Marshal(h.m) // strings and times
	h.mu.Unlock()
	ctx, cancel := opContext()
	defer cancel()
	_, err := h.p.kv.Put(ctx, h.key, data)
	return err
}

func (h *Here) refresh() {
	defer close(h.done)
	t := time.NewTicker(h.p.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			h.put() // a missed refresh is retried at the next tick, well within the TTL
		}
	}
}

// Set says what this warroom is doing: StateActive, StateIdle, or
// StateRunning with the runbook's name.
func (h *Here) Set(state, runbook string) error {
	h.mu.Lock()
	h.m.State, h.m.Runbook = state, runbook
	h.mu.Unlock()
	return h.put()
}

// Leave takes this warroom off the roster.
func (h *Here) Leave() error {
	close(h.stop)
	<-h.done
	ctx, cancel := opContext()
	defer cancel()
	return h.p.kv.Delete(ctx, h.key)
}

// Roster is everyone in the war-room now, in the order they joined.
func (p *Presence) Roster() ([]Member, error) {
	ctx, cancel := opContext()
	defer cancel()
	w, err := p.kv.Watch(ctx, p.incident+".*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("team presence: %w", err)
	}
	defer w.Stop()
	var out []Member
	for {
		select {
		case e := <-w.Updates():
			if e == nil { // the current values are all in
				slices.SortFunc(out, func(a, b Member) int { return a.Joined.Compare(b.Joined) })
				return out, nil
			}
			var m Member
			if json.Unmarshal(e.Value(), &m) == nil {
				out = append(out, m)
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("team presence: %w", ctx.Err())
		}
	}
}

// RoleCommander is the incident commander's role.
const RoleCommander = "commander"

// Timeline entry kinds for roles: the record vocabulary's.
const (
	KindRoleTaken      = integrations.KindRoleTaken
	KindRoleHandedOver = integrations.KindRoleHandedOver
	KindRoleReleased   = integrations.KindRoleReleased
)

// Recorder is where role changes are recorded: the incident's timeline.
type Recorder interface {
	Append(entries ...timeline.Entry) ([]timeline.Entry, error)
}

// RoleHolder is who holds a role.
type RoleHolder struct {
	Who   string    `json:"who"`
	Since time.Time `json:"since"`
	From  string    `json:"from,omitempty"` // who handed it over
}

// RoleHeldError refuses a role someone else holds.
type RoleHeldError struct {
	Role   string
	Holder RoleHolder
}

func (e *RoleHeldError) Error() string {
	return fmt.Sprintf("%s is %s's since %s; they can hand it over", e.Role, e.Holder.Who, e.Holder.Since.Format(time.TimeOnly))
}

// Roles are an incident's roles, such as the incident commander: one key
// per role in the roles bucket, without expiry (a role belongs to a
// person, not to a running warroom). Every change is recorded on rec.
type Roles struct {
	kv       jetstream.KeyValue
	incident string
	rec      Recorder
}

// Roles binds to the roles bucket for incident; changes are recorded on
// rec.
func (c *Client) Roles(incident string, rec Recorder) (*Roles, error) {
	ctx, cancel := opContext()
	defer cancel()
	kv, err := c.ensureBucket(ctx, RolesBucket, 0)
	if err != nil {
		return nil, fmt.Errorf("team roles: %w", err)
	}
	return &Roles{kv: kv, incident: token(incident), rec: rec}, nil
}

func (r *Roles) key(role string) string { return r.incident + "." + token(role) }

// Holder returns who holds role, if anyone.
func (r *Roles) Holder(role string) (RoleHolder, bool, error) {
	ctx, cancel := opContext()
	defer cancel()
	h, _, ok, err := r.get(ctx, role)
	return h, ok, err
}

func (r *Roles) get(ctx context.Context, role string) (RoleHolder, uint64, bool, error) {
	e, err := r.kv.Get(ctx, r.key(role))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return RoleHolder{}, 0, false, nil
	}
	if err != nil {
		return RoleHolder{}, 0, false, fmt.Errorf("team roles: %w", err)
	}
	var h RoleHolder
	if err := json.Unmarshal(e.Value(), &h); err != nil {
		return RoleHolder{}, 0, false, fmt.Errorf("team role %s is unreadable: %w", role, err)
	}
	return h, e.Revision(), true, nil
}

// Take gives role to who, if nobody holds it; otherwise it refuses with a
// *RoleHeldError naming the holder. It returns the change's entry as the
// timeline stored it (see record).
func (r *Roles) Take(role, who string) (timeline.Entry, error) {
	ctx, cancel := opContext()
	defer cancel()
	h := RoleHolder{Who: who, Since: time.Now().UTC()}
	data, _ := json.Marshal(h)
	if _, err := r.kv.Create(ctx, r.key(role), data); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			if cur, _, ok, gerr := r.get(ctx, role); gerr == nil && ok {
				return timeline.Entry{}, &RoleHeldError{Role: role, Holder: cur}
			}
		}
		return timeline.Entry{}, fmt.Errorf("take %s: %w", role, err)
	}
	return r.record(KindRoleTaken, fmt.Sprintf("%s took the role of %s", who, role), map[string]string{"role": role, "who": who})
}

// HandOver passes role from its holder, from, to to. Only the holder can
// hand it over; a change by someone else meanwhile refuses it. It
// returns the change's entry as the timeline stored it (see record).
func (r *Roles) HandOver(role, from, to string) (timeline.Entry, error) {
	ctx, cancel := opContext()
	defer cancel()
	cur, rev, ok, err := r.get(ctx, role)
	if err != nil {
		return timeline.Entry{}, err
	}
	if !ok || cur.Who != from {
		return timeline.Entry{}, fmt.Errorf("%s cannot hand over %s: %s", from, role, holderText(cur, ok))
	}
	data, _ := json.Marshal(RoleHolder{Who: to, Since: time.Now().UTC(), From: from})
	if _, err := r.kv.Update(ctx, r.key(role), data, rev); err != nil {
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return timeline.Entry{}, fmt.Errorf("%s changed hands meanwhile; look again before handing it over", role)
		}
		return timeline.Entry{}, fmt.Errorf("hand over %s: %w", role, err)
	}
	return r.record(KindRoleHandedOver, fmt.Sprintf("%s handed the role of %s over to %s", from, role, to),
		map[string]string{"role": role, "from": from, "to": to})
}

// Release gives up role; only its holder can. It returns the change's
// entry as the timeline stored it (see record).
func (r *Roles) Release(role, who string) (timeline.Entry, error) {
	ctx, cancel := opContext()
	defer cancel()
	cur, rev, ok, err := r.get(ctx, role)
	if err != nil {
		return timeline.Entry{}, err
	}
	if !ok || cur.Who != who {
		return timeline.Entry{}, fmt.Errorf("%s cannot release %s: %s", who, role, holderText(cur, ok))
	}
	if err := r.kv.Delete(ctx, r.key(role), jetstream.LastRevision(rev)); err != nil {
		return timeline.Entry{}, fmt.Errorf("release %s: %w", role, err)
	}
	return r.record(KindRoleReleased, fmt.Sprintf("%s gave up the role of %s", who, role), map[string]string{"role": role, "who": who})
}

func holderText(h RoleHolder, ok bool) string {
	if !ok {
		return "nobody holds it"
	}
	return h.Who + " holds it"
}

// record puts a role change on the timeline and returns its entry as
// stored: the timeline hands a writer's own entries to no one else, so
// whoever made the change shows it from this. A change that could only be
// queued is recorded all the same, and its entry is zero (no ID): it is
// in the journal, not yet on the timeline.
func (r *Roles) record(kind, text string, fields map[string]string) (timeline.Entry, error) {
	if r.rec == nil {
		return timeline.Entry{}, nil
	}
	stored, err := r.rec.Append(timeline.Entry{Record: integrations.Record{Source: integrations.SourceWarroom, Kind: kind, Actor: fields["who"] + fields["from"], Text: text, Fields: fields}})
	var q *QueuedError
	switch {
	case err != nil && !errors.As(err, &q):
		return timeline.Entry{}, fmt.Errorf("%s, but recording it on the timeline failed: %w", strings.TrimSuffix(text, "."), err)
	case err != nil || len(stored) == 0:
		return timeline.Entry{}, nil
	}
	return stored[0], nil
}
