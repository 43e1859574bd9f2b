package team

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/warroomhq/warroom/runbooks"
)

// Locker takes runbook target locks for the whole team, with the
// semantics of runbooks.Locker: one key per target in the locks bucket,
// created to acquire (only if absent), updated at its revision to renew,
// deleted at its revision to release; the bucket's TTL is the lease, so a
// holder that dies frees its targets within one lease. A target's
// revision is the lease's fencing token: it grows with every renewal and
// every new holder.
type Locker struct {
	c     *Client
	kv    jetstream.KeyValue
	lease time.Duration
	now   func() time.Time
}

// Locker binds to the team's locks bucket, creating it with lease as its
// TTL (default runbooks.DefaultLease) if needed. An existing bucket's TTL
// wins: every responder must use the same lease.
func (c *Client) Locker(lease time.Duration) (*Locker, error) {
	kv, lease, err := c.leaseBucket("locks", LocksBucket, lease, runbooks.DefaultLease)
	if err != nil {
		return nil, err
	}
	return &Locker{c: c, kv: kv, lease: lease, now: time.Now}, nil
}

// Lease is how long a lock lasts without renewal.
func (l *Locker) Lease() time.Duration { return l.lease }

// TeamLease is a set of target locks held on the team server.
type TeamLease struct {
	l        *Locker
	holder   runbooks.Holder
	targets  []string
	acquired time.Time

	mu   sync.Mutex
	revs map[string]uint64
}

// LostError reports a lease that could not be renewed: the run must stop.
type LostError struct {
	Target string
	Holder *runbooks.Holder // who holds it now, if anyone
	Cause  error
}

func (e *LostError) Error() string {
	switch {
	case e.Holder != nil:
		h := e.Holder
		return fmt.Sprintf("lost the lock on %s: run %s of %s by %s holds it since %s", e.Target, h.RunID, h.Runbook, h.Who, h.Acquired.Format(time.TimeOnly))
	case e.Cause != nil:
		return fmt.Sprintf("could not renew the lock on %s (%v): stop before its lease lapses", e.Target, e.Cause)
	default:
		return fmt.Sprintf("lost the lock on %s: its lease lapsed", e.Target)
	}
}

func (e *LostError) Unwrap() error { return e.Cause }

func lockKey(target string) string { return token(target) }

func (l *Locker) value(h runbooks.Holder, target string, acquired time.Time) []byte {
	h.Target, h.Acquired, h.Expires = target, acquired, l.now().Add(l.lease)
	data, _ := json.Marshal(h) // a struct of strings, ints and times
	return data
}

// read returns the current holder of target, if any.
func (l *Locker) read(ctx context.Context, target string) (runbooks.Holder, uint64, bool, error) {
	e, err := l.kv.Get(ctx, lockKey(target))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return runbooks.Holder{}, 0, false, nil
	}
	if err != nil {
		return runbooks.Holder{}, 0, false, err
	}
	var h runbooks.Holder
	if err := json.Unmarshal(e.Value(), &h); err != nil {
		return runbooks.Holder{}, 0, false, fmt.Errorf("team lock on %s is unreadable: %w", target, err)
	}
	return h, e.Revision(), true, nil
}

// Acquire takes every target for holder, or none: a target another run
// holds is refused with a *runbooks.HeldError naming the holder, since
// when, and when its lease lapses unless renewed. A target this run
// already holds (same RunID) is taken over. An observer's attempt fails
// at once with the server's *RefusedError.
func (l *Locker) Acquire(targets []string, holder runbooks.Holder) (*TeamLease, error) {
	subjects := make([]string, len(targets))
	for i, t := range targets {
		subjects[i] = "$KV." + LocksBucket + "." + lockKey(t)
	}
	var ls *TeamLease
	err := l.c.guard(func(ctx context.Context) (err error) {
		ls, err = l.acquire(ctx, targets, holder)
		return err
	}, subjects...)
	return ls, err
}

func (l *Locker) acquire(ctx context.Context, targets []string, holder runbooks.Holder) (*TeamLease, error) {
	now := l.now()
	ls := &TeamLease{l: l, holder: holder, targets: append([]string(nil), targets...), acquired: now, revs: map[string]uint64{}}
	for _, t := range targets {
		val := l.value(holder, t, now)
		rev, err := l.kv.Create(ctx, lockKey(t), val)
		if errors.Is(err, jetstream.ErrKeyExists) {
			h, cur, held, rerr := l.read(ctx, t)
			switch {
			case rerr != nil:
				err = rerr
			case !held: // released meanwhile: try once more
				rev, err = l.kv.Create(ctx, lockKey(t), val)
			case h.RunID == holder.RunID:
				rev, err = l.kv.Update(ctx, lockKey(t), val, cur)
			default:
				err = &runbooks.HeldError{Holder: h}
			}
		}
		if err != nil {
			ls.release(ctx)
			var held *runbooks.HeldError
			if errors.As(err, &held) || errors.Is(err, jetstream.ErrKeyExists) {
				if !errors.As(err, &held) {
					err = fmt.Errorf("%s was taken by another run at the same moment; try again", t)
				}
				return nil, err
			}
			return nil, fmt.Errorf("take team lock on %s: %w", t, err)
		}
		ls.revs[t] = rev
	}
	return ls, nil
}

// Token is the fencing token of target: its lock's current revision.
// Stamp it on every action of the run; a larger one means a later holder.
func (ls *TeamLease) Token(target string) uint64 {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.revs[target]
}

// Renew extends the lease on every target. It fails with a *LostError
// when a target was taken over or lapsed, or could not be renewed in
// time; then the run must stop.
func (ls *TeamLease) Renew() error {
	ctx, cancel := opContext()
	defer cancel()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, t := range ls.targets {
		val := ls.l.value(ls.holder, t, ls.acquired)
		rev, err := ls.l.kv.Update(ctx, lockKey(t), val, ls.revs[t])
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			lost := &LostError{Target: t}
			if now, _, held, _ := ls.l.read(ctx, t); held && now.RunID != ls.holder.RunID {
				lost.Holder = &now
			}
			return lost
		}
		if err != nil {
			return &LostError{Target: t, Cause: err}
		}
		ls.revs[t] = rev
	}
	return nil
}

// Release frees the targets this lease still holds; a target since taken
// by another run is left alone.
func (ls *TeamLease) Release() error {
	ctx, cancel := opContext()
	defer cancel()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.release(ctx)
}

func (ls *TeamLease) release(ctx context.Context) error {
	var errs []error
	for t, rev := range ls.revs {
		err := ls.l.kv.Delete(ctx, lockKey(t), jetstream.LastRevision(rev))
		if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			errs = append(errs, fmt.Errorf("release team lock on %s: %w", t, err))
		}
		delete(ls.revs, t)
	}
	return errors.Join(errs...)
}

// Locks is the team's locks as a run takes them (runbooks.Locks): give
// it to RunOptions.Locks so a run's targets are locked for every
// responder.
func (l *Locker) Locks() runbooks.Locks { return teamLocks{l} }

type teamLocks struct{ *Locker }

func (t teamLocks) Acquire(targets []string, holder runbooks.Holder) (runbooks.Held, error) {
	ls, err := t.Locker.Acquire(targets, holder)
	if err != nil {
		return nil, err // a nil *TeamLease must not pass as a live Held
	}
	return ls, nil
}

// RenewEvery is a third of the lease: a live run renews well before it
// lapses.
func (l *Locker) RenewEvery() time.Duration { return l.lease / 3 }

// Holders lists who holds every team lock now. Keys expire with their
// lease, so a holder that is gone is gone from the list within one.
func (l *Locker) Holders() ([]runbooks.Holder, error) {
	ctx, cancel := opContext()
	defer cancel()
	w, err := l.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("team locks: %w", err)
	}
	defer w.Stop()
	var out []runbooks.Holder
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("team locks: %w", ctx.Err())
		case e := <-w.Updates():
			if e == nil {
				return out, nil
			}
			var h runbooks.Holder
			if json.Unmarshal(e.Value(), &h) == nil {
				out = append(out, h)
			}
		}
	}
}

// Clear removes h's lock on h.Target if h's run still holds it; a lock
// another run has taken since is left alone.
func (l *Locker) Clear(h runbooks.Holder) error {
	ctx, cancel := opContext()
	defer cancel()
	cur, rev, held, err := l.read(ctx, h.Target)
	if err != nil || !held || cur.RunID != h.RunID {
		return err
	}
	err = l.kv.Delete(ctx, lockKey(h.Target), jetstream.LastRevision(rev))
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return nil
	}
	return err
}
