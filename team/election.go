package team

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultPollerLease is how long an elected poller holds its source
// without renewing.
const DefaultPollerLease = 15 * time.Second

// Elector elects one poller per source among the team's warrooms: the
// holder of a source's key in the pollers bucket polls it, the others
// consume what it publishes. The key is created to win, updated at its
// revision to renew, and expires with the bucket's TTL, leaving a marker
// the others watch for, so when the poller's warroom dies another takes
// over as soon as its lease lapses.
type Elector struct {
	kv    jetstream.KeyValue
	lease time.Duration
}

// Elector binds to the pollers bucket, creating it with lease as its TTL
// (default DefaultPollerLease) if needed; an existing bucket's TTL wins.
func (c *Client) Elector(lease time.Duration) (*Elector, error) {
	kv, lease, err := c.leaseBucket("pollers", PollersBucket, lease, DefaultPollerLease)
	if err != nil {
		return nil, err
	}
	return &Elector{kv: kv, lease: lease}, nil
}

// Lease is how long a poller holds its source without renewing.
func (e *Elector) Lease() time.Duration { return e.lease }

// Poller is the value of a source's key: who polls it.
type Poller struct {
	Who   string    `json:"who"`
	Since time.Time `json:"since"`
}

// Campaign is one warroom standing for one source's poller until Stop.
type Campaign struct {
	e        *Elector
	key      string
	me       Poller
	onChange func(leading bool)
	stop     chan struct{}
	done     chan struct{}

	mu      sync.Mutex
	leading bool
	rev     uint64
	since   time.Time // when this term began
}

// Campaign stands candidate for source's poller. onChange, if set, is
// called from the campaign's goroutine each time this warroom starts or
// stops being the poller; it must return quickly.
func (e *Elector) Campaign(source, candidate string, onChange func(leading bool)) *Campaign {
	c := &Campaign{e: e, key: token(source), me: Poller{Who: candidate}, onChange: onChange,
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// Leading reports whether this warroom is the source's poller now.
func (c *Campaign) Leading() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leading
}

// Token is the revision of the poller's key while leading: it grows with
// each renewal and each new poller, so consumers can drop a deposed
// poller's late snapshots.
func (c *Campaign) Token() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rev
}

// Leader returns who polls the source now, if anyone.
func (e *Elector) Leader(source string) (Poller, bool, error) {
	ctx, cancel := opContext()
	defer cancel()
	ent, err := e.kv.Get(ctx, token(source))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return Poller{}, false, nil
	}
	if err != nil {
		return Poller{}, false, err
	}
	var p Poller
	if err := json.Unmarshal(ent.Value(), &p); err != nil {
		return Poller{}, false, fmt.Errorf("team poller of %s is unreadable: %w", source, err)
	}
	return p, true, nil
}

// Stop ends the campaign; a poller resigns, so another takes over at once.
func (c *Campaign) Stop() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	<-c.done
}

func (c *Campaign) set(leading bool, rev uint64) {
	c.mu.Lock()
	changed := c.leading != leading
	c.leading, c.rev = leading, rev
	c.mu.Unlock()
	if changed && c.onChange != nil {
		c.onChange(leading)
	}
}

// opTimeout bounded by a third of the lease: a poller that cannot renew
// in time stops polling well before another can take over.
func (c *Campaign) opContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), min(opTimeout, c.e.lease/3))
}

func (c *Campaign) run() {
	defer close(c.done)
	renew := time.NewTicker(c.e.lease / 3)
	defer renew.Stop()
	poll := time.NewTicker(max(c.e.lease/10, 50*time.Millisecond))
	defer poll.Stop()
	var changes <-chan jetstream.KeyValueEntry
	var watcher jetstream.KeyWatcher
	defer func() {
		if watcher != nil {
			watcher.Stop()
		}
	}()
	for {
		if c.Leading() {
			select {
			case <-c.stop:
				c.resign()
				return
			case <-renew.C:
				c.renew()
			}
			continue
		}
		c.stand()
		if c.Leading() {
			renew.Reset(c.e.lease / 3)
			continue
		}
		if watcher == nil {
			if w, err := c.e.kv.Watch(context.Background(), c.key, jetstream.UpdatesOnly()); err == nil {
				watcher, changes = w, w.Updates()
			}
		}
		select {
		case <-c.stop:
			return
		case _, ok := <-changes: // the key changed: expired, released or renewed
			if !ok {
				watcher, changes = nil, nil
			}
		case <-poll.C: // in case a change was missed across a reconnect
		}
	}
}

func (c *Campaign) value(since time.Time) []byte {
	p := c.me
	p.Since = since
	data, _ := json.Marshal(p) // strings and a time
	return data
}

// stand tries to become the poller.
func (c *Campaign) stand() {
	ctx, cancel := c.opContext()
	defer cancel()
	since := time.Now().UTC()
	if rev, err := c.e.kv.Create(ctx, c.key, c.value(since)); err == nil {
		c.mu.Lock()
		c.since = since
		c.mu.Unlock()
		c.set(true, rev)
	}
}

// renew keeps the lease, or gives it up: a poller that cannot renew stops
// polling, since another may soon take over.
func (c *Campaign) renew() {
	ctx, cancel := c.opContext()
	defer cancel()
	c.mu.Lock()
	since, token := c.since, c.rev
	c.mu.Unlock()
	rev, err := c.e.kv.Update(ctx, c.key, c.value(since), token)
	if err != nil {
		c.set(false, 0)
		return
	}
	c.set(true, rev)
}

func (c *Campaign) resign() {
	ctx, cancel := c.opContext()
	defer cancel()
	c.e.kv.Delete(ctx, c.key, jetstream.LastRevision(c.Token())) // if this fails the lease lapses by itself
	c.set(false, 0)
}
