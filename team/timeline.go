package team

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// TimelineOptions configure a shared timeline.
type TimelineOptions struct {
	// StateDir holds the local journal, beside the incident's own
	// timeline file.
	StateDir string
	// Redactor scrubs every entry before it leaves this process; nil
	// means the built-in patterns only.
	Redactor *timeline.Redactor
	// Now is the clock for Recorded; nil means time.Now.
	Now func() time.Time
	// OnForeign receives, in timeline order, the entries other writers
	// appended, as they arrive. It is called from one goroutine, without
	// any lock held.
	OnForeign func([]timeline.Entry)
	// AppendTimeout is how long Append waits for the server before it
	// reports the entries queued (default 2 s).
	AppendTimeout time.Duration
	// ReadOnly refuses Append here (observers); the server refuses an
	// observer's writes in any case.
	ReadOnly bool
	// Admit, when set, is the replay filter, as for a timeline file: at
	// each Append, after catching up with the server, it is called first
	// with the other writers' entries applied since the last call
	// (entries nil), then with the entries to append (foreign nil), and
	// returns those to keep. A poller that takes over re-reports what the
	// timeline already holds; Admit leaves it out.
	Admit func(foreign, entries []timeline.Entry) []timeline.Entry
}

// ErrReadOnly refuses an append on a read-only (observer) timeline.
var ErrReadOnly = errors.New("this team timeline is open read-only (observer)")

// QueuedError reports entries saved in the local journal but not yet on
// the team server: they are published, once each, when it is reachable.
type QueuedError struct {
	Queued int   // entries of the journal waiting for the server, these included
	Cause  error // why they could not be published now
}

func (e *QueuedError) Error() string {
	return fmt.Sprintf("team server not reached (%v): saved in the local journal, %d queued for publishing", e.Cause, e.Queued)
}

func (e *QueuedError) Unwrap() error { return e.Cause }

// Is makes a queued append integrations.ErrQueued to those who do not
// know this package (the application and the screen).
func (e *QueuedError) Is(target error) bool { return target == integrations.ErrQueued }

// Status is what the screen shows of the team connection.
type Status struct {
	Online     bool  // connected, and the last exchange with the server worked
	Queued     int   // journal entries the server does not have yet
	Duplicates int   // entries seen twice on the server and shown once
	Err        error // the last problem, if any
}

func (s Status) String() string {
	return integrations.TeamStatus{Online: s.Online, Queued: s.Queued}.Line()
}

// Timeline is one incident's timeline shared by every responder: a
// subject of the server's timeline stream holding the entries' lines, one
// hash chain in one order. Appends are conditional on the subject's last
// sequence, so a writer that lost a race re-reads the head, re-chains its
// entry and tries again: the chain stays linear with any number of
// writers. It has the methods of timeline.Store the application uses.
type Timeline struct {
	c         *Client
	incident  string
	subject   string
	dir       string
	journal   *timeline.Store
	writer    string
	redact    *timeline.Redactor
	now       func() time.Time
	onForeign func([]timeline.Entry)
	timeout   time.Duration
	readOnly  bool
	admit     func(foreign, entries []timeline.Entry) []timeline.Entry

	kick    chan struct{}
	done    chan struct{}
	notify  chan struct{}
	workers sync.WaitGroup

	// register is held from writing entries to the journal until their
	// waiters are registered, so the publisher never publishes an entry
	// its Append is not yet waiting for.
	register sync.Mutex

	mu         sync.Mutex
	stream     jetstream.Stream // nil until bound
	entries    []timeline.Entry // the shared timeline, each entry once
	head       timeline.Link    // the chain's last link on the server, as applied
	headSeq    uint64           // its stream sequence
	origins    map[string]int   // message IDs applied → 1 + their index in entries
	published  int64            // journal entries known to be on the server
	marked     int64            // what the published file says
	waiters    map[string]chan result
	ours       map[string]bool    // appended by this Timeline: not foreign
	refused    error              // the server refuses this writer's appends
	cancelPub  context.CancelFunc // ends the publish in flight
	foreign    []timeline.Entry   // waiting for OnForeign
	unadmitted []timeline.Entry   // other writers' entries Admit has not seen
	changed    chan struct{}      // closed and replaced at each applied message
	dups       int
	lastErr    error
	broken     error // the chain on the server does not verify
	closed     bool
}

// OpenTimeline opens incident's shared timeline and its local journal,
// and starts following the server. If the server is reachable it returns
// once the timeline is loaded (or after a few seconds); if not, it works
// from the journal and catches up when the server comes back.
func (c *Client) OpenTimeline(incident string, o TimelineOptions) (*Timeline, error) {
	path, err := timeline.IncidentPath(o.StateDir, incident)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	journal, err := timeline.Open(filepath.Join(dir, JournalFile), timeline.Options{Redactor: o.Redactor, Now: o.Now})
	if err != nil {
		return nil, fmt.Errorf("team journal: %w", err)
	}
	writer, err := writerID(dir)
	if err != nil {
		journal.Close()
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AppendTimeout <= 0 {
		o.AppendTimeout = opTimeout
	}
	published := min(readPublished(dir), int64(len(journal.Entries())))
	t := &Timeline{
		c: c, incident: incident, subject: timelineSubject + token(incident), dir: dir,
		journal: journal, writer: writer, redact: o.Redactor, now: o.Now, onForeign: o.OnForeign,
		timeout: o.AppendTimeout, readOnly: o.ReadOnly, admit: o.Admit,
		kick: make(chan struct{}, 1), done: make(chan struct{}), notify: make(chan struct{}, 1),
		origins: map[string]int{}, published: published, marked: published,
		waiters: map[string]chan result{}, ours: map[string]bool{}, changed: make(chan struct{}),
	}
	c.onRefused(t.subject, t.refuse)
	t.workers.Add(3)
	go t.readLoop()
	go t.notifyLoop()
	t.load()
	go t.publishLoop()
	return t, nil
}

// load waits, for a bounded time, until the timeline holds what the
// server had when it was opened.
func (t *Timeline) load() {
	if !t.c.Connected() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*opTimeout)
	defer cancel()
	s, err := t.bind(ctx)
	if err != nil {
		t.setErr(err)
		return
	}
	last, err := s.GetLastMsgForSubject(ctx, t.subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return
	}
	if err != nil {
		t.setErr(err)
		return
	}
	for {
		t.mu.Lock()
		reached, changed := t.headSeq >= last.Sequence || t.broken != nil, t.changed
		t.mu.Unlock()
		if reached {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// bind returns the timeline stream, creating it if needed.
func (t *Timeline) bind(ctx context.Context) (jetstream.Stream, error) {
	t.mu.Lock()
	s := t.stream
	t.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := t.c.ensureStream(ctx)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.stream = s
	t.mu.Unlock()
	return s, nil
}

// apply takes in the message at stream sequence seq if it is the next one
// on the subject, checking that it continues the chain, and reports
// whether it was new and another writer's.
func (t *Timeline) apply(seq uint64, data []byte, msgID string) (timeline.Entry, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if seq <= t.headSeq || t.broken != nil {
		return timeline.Entry{}, false
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		data = append(data[:len(data):len(data)], '\n')
	}
	got, err := timeline.ReadLines(t.name(), data, t.head)
	if err == nil && len(got) != 1 {
		err = fmt.Errorf("message %d holds %d entries, not one", seq, len(got))
	}
	if err != nil {
		t.broken = fmt.Errorf("the shared timeline of %s does not verify at stream message %d: %w", t.incident, seq, err)
		close(t.changed)
		t.changed = make(chan struct{})
		return timeline.Entry{}, false
	}
	e := got[0]
	t.head, t.headSeq = timeline.Link{Seq: e.Seq, Hash: e.Hash}, seq
	close(t.changed)
	t.changed = make(chan struct{})
	if msgID != "" && t.origins[msgID] > 0 {
		t.dups++ // a link of the chain all the same, but shown once
		return timeline.Entry{}, false
	}
	if msgID != "" {
		t.origins[msgID] = len(t.entries) + 1
	}
	if n, ok := journalSeq(t.writer, msgID); ok && n > t.published {
		t.published = n
	}
	t.entries = append(t.entries, e)
	if ch, ok := t.waiters[msgID]; ok {
		ch <- result{entry: e}
		delete(t.waiters, msgID)
	}
	if t.ours[msgID] {
		return e, false
	}
	t.foreign = append(t.foreign, e)
	if t.admit != nil {
		t.unadmitted = append(t.unadmitted, e)
	}
	select {
	case t.notify <- struct{}{}:
	default:
	}
	return e, true
}

func (t *Timeline) name() string { return "team timeline " + t.incident }

// readLoop follows the subject with an ordered consumer, resuming after
// the last applied message whenever the consumer has to be recreated.
func (t *Timeline) readLoop() {
	defer t.workers.Done()
	for {
		if t.stopped(0) {
			return
		}
		cc, err := t.consume()
		if err != nil {
			t.setErr(err)
			if t.stopped(500 * time.Millisecond) {
				return
			}
			continue
		}
		select {
		case <-t.done:
			cc.Stop()
			<-cc.Closed()
			return
		case <-cc.Closed():
		}
	}
}

func (t *Timeline) consume() (jetstream.ConsumeContext, error) {
	ctx, cancel := opContext()
	defer cancel()
	s, err := t.bind(ctx)
	if err != nil {
		return nil, err
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{t.subject}}
	t.mu.Lock()
	if t.headSeq > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, t.headSeq+1
	}
	t.mu.Unlock()
	cons, err := s.OrderedConsumer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return cons.Consume(func(m jetstream.Msg) {
		if md, err := m.Metadata(); err == nil {
			t.apply(md.Sequence.Stream, m.Data(), m.Headers().Get(jetstream.MsgIDHeader))
		}
	})
}

// stopped waits for d and reports whether the timeline was closed.
func (t *Timeline) stopped(d time.Duration) bool {
	if d == 0 {
		select {
		case <-t.done:
			return true
		default:
			return false
		}
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-t.done:
		return true
	case <-tm.C:
		return false
	}
}

// notifyLoop hands other writers' entries to OnForeign, in order.
func (t *Timeline) notifyLoop() {
	defer t.workers.Done()
	for {
		select {
		case <-t.done:
			return
		case <-t.notify:
		}
		t.mu.Lock()
		batch := t.foreign
		t.foreign = nil
		t.mu.Unlock()
		if len(batch) > 0 && t.onForeign != nil {
			t.onForeign(batch)
		}
	}
}

// catchUp reads, one by one, the subject's messages after the last one
// applied, and returns the other writers' entries it took in.
func (t *Timeline) catchUp(ctx context.Context) ([]timeline.Entry, error) {
	s, err := t.bind(ctx)
	if err != nil {
		return nil, err
	}
	var took []timeline.Entry
	for {
		t.mu.Lock()
		from, broken := t.headSeq+1, t.broken
		t.mu.Unlock()
		if broken != nil {
			return took, broken
		}
		m, err := s.GetMsg(ctx, from, jetstream.WithGetMsgSubject(t.subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return took, nil
		}
		if err != nil {
			return took, err
		}
		if e, ok := t.apply(m.Sequence, m.Data, m.Header.Get(jetstream.MsgIDHeader)); ok {
			took = append(took, e)
		}
	}
}

// publishLoop publishes the journal's queued entries, in order, whenever
// there are some and the server is reachable.
func (t *Timeline) publishLoop() {
	defer t.workers.Done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-t.done:
			return
		case <-t.kick:
		case <-tick.C:
		}
		t.publishQueued()
	}
}

func (t *Timeline) publishQueued() {
	t.mu.Lock()
	refused := t.refused != nil
	t.mu.Unlock()
	if t.readOnly || refused {
		return
	}
	// Take in what other processes (a verb from a script) queued in the
	// same journal: this process publishes it too.
	if _, err := t.journal.Refresh(); err != nil {
		t.setErr(err)
		return
	}
	for !t.stopped(0) {
		t.register.Lock()
		t.mu.Lock()
		next, all := t.published, t.journal.Entries()
		t.mu.Unlock()
		t.register.Unlock()
		if next >= int64(len(all)) {
			t.mark()
			return
		}
		if !t.c.Connected() {
			t.setErr(errors.New("not connected"))
			return
		}
		je := all[next]
		if err := t.publish(origin(t.writer, je.ID), fromJournal(je)); err != nil {
			t.setErr(err)
			return
		}
		t.setErr(nil)
	}
}

// publish appends one entry unless the server already has it: chained
// after the head this writer knows, on condition that it is still the
// subject's head; otherwise it reads the new head and tries again.
// Publishing only after every message up to the head was applied, and
// only if that head is still current, is what makes a re-publish land
// once: the server deduplicates by message ID as well.
func (t *Timeline) publish(msgID string, e timeline.Entry) error {
	ctx, cancel := opContext()
	defer cancel()
	t.mu.Lock()
	t.cancelPub = cancel
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.cancelPub = nil
		t.mu.Unlock()
	}()
	if _, err := t.bind(ctx); err != nil {
		return err
	}
	for {
		t.mu.Lock()
		have, head, headSeq, broken := t.origins[msgID] > 0, t.head, t.headSeq, t.broken
		t.mu.Unlock()
		if broken != nil {
			return broken
		}
		if have {
			return nil
		}
		_, line, err := timeline.Seal(e, head, t.now())
		if err != nil {
			return err
		}
		ack, err := t.c.js.Publish(ctx, t.subject, line,
			jetstream.WithMsgID(msgID), jetstream.WithExpectLastSequencePerSubject(headSeq))
		switch {
		case err == nil && !ack.Duplicate:
			t.apply(ack.Sequence, line, msgID)
			return nil
		case err == nil, isWrongLastSeq(err): // already there, or the head moved
			if _, err := t.catchUp(ctx); err != nil {
				return err
			}
		default:
			// A timed-out publish may or may not have been stored: the
			// next attempt reads the subject first and finds out.
			return err
		}
	}
}

// mark records how much of the journal the server has, for the queued
// count before the server is reached next time.
func (t *Timeline) mark() {
	t.mu.Lock()
	n, marked := t.published, t.marked
	t.mu.Unlock()
	if n == marked {
		return
	}
	if err := writePublished(t.dir, n); err == nil {
		t.mu.Lock()
		t.marked = n
		t.mu.Unlock()
	}
}

// result is what an Append waits for, for each entry.
type result struct {
	entry timeline.Entry
	err   error
}

// refuse records that the server refuses this writer's appends (observer
// credentials): the publish in flight ends, the appends waiting fail, and
// later ones fail at once. What the journal holds stays there.
func (t *Timeline) refuse(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.refused == nil {
		t.refused = fmt.Errorf("%w; the entry is kept in the local journal %s", err, t.journal.Path())
	}
	t.lastErr = t.refused
	if t.cancelPub != nil {
		t.cancelPub()
	}
	for id, ch := range t.waiters {
		ch <- result{err: t.refused}
		delete(t.waiters, id)
	}
}

func (t *Timeline) setErr(err error) {
	t.mu.Lock()
	t.lastErr = err
	t.mu.Unlock()
}

// Append writes the entries to the local journal, then publishes them
// and returns them as the shared timeline stores them, once the server
// acknowledged them. Entries the server does not acknowledge within the
// append timeout stay queued: the returned error is then a *QueuedError,
// and the slice holds those already published. Erasing is refused
// (timeline.ErrEraseUnsupported): the shared timeline is never rewritten.
func (t *Timeline) Append(entries ...timeline.Entry) ([]timeline.Entry, error) {
	if t.readOnly {
		return nil, ErrReadOnly
	}
	if len(entries) == 0 {
		return nil, nil
	}
	t.mu.Lock()
	refused := t.refused
	t.mu.Unlock()
	if refused != nil {
		return nil, refused
	}
	deadline := time.Now().Add(t.timeout)
	prepared := make([]timeline.Entry, len(entries))
	for i, e := range entries {
		p, err := t.redact.Prepare(e)
		if err != nil {
			return nil, err
		}
		if p.Op == integrations.OpErase {
			return nil, timeline.ErrEraseUnsupported
		}
		if p.Kind == amendKind {
			return nil, fmt.Errorf("timeline entry kind %q is reserved for the team journal", amendKind)
		}
		prepared[i] = p
	}
	t.register.Lock()
	if t.admit != nil {
		if prepared = t.admitted(prepared); len(prepared) == 0 {
			t.register.Unlock()
			return nil, nil
		}
	}
	journaled := make([]timeline.Entry, len(prepared))
	for i, p := range prepared {
		journaled[i] = toJournal(p)
	}
	stored, err := t.journal.Append(journaled...)
	if err != nil {
		t.register.Unlock()
		return nil, fmt.Errorf("team journal: %w", err)
	}
	ids := make([]string, len(stored))
	chans := make([]chan result, len(stored))
	t.mu.Lock()
	for i, je := range stored {
		ids[i] = origin(t.writer, je.ID)
		chans[i] = make(chan result, 1)
		t.ours[ids[i]] = true
		if at := t.origins[ids[i]]; at > 0 { // another process sharing the journal published it already
			chans[i] <- result{entry: t.entries[at-1]}
		} else {
			t.waiters[ids[i]] = chans[i]
		}
	}
	t.mu.Unlock()
	t.register.Unlock()
	select {
	case t.kick <- struct{}{}:
	default:
	}

	out := make([]timeline.Entry, 0, len(stored))
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for i, ch := range chans {
		select {
		case r := <-ch:
			if r.err != nil {
				return out, r.err
			}
			out = append(out, r.entry)
		case <-timer.C:
			return out, t.queued(ids[i:])
		case <-t.done:
			return out, timeline.ErrClosed
		}
	}
	return out, nil
}

// admitted catches up with the server (briefly: offline, the journal's
// view is what there is), hands Admit what other writers appended, and
// returns the entries it keeps.
func (t *Timeline) admitted(entries []timeline.Entry) []timeline.Entry {
	if t.c.Connected() {
		ctx, cancel := context.WithTimeout(context.Background(), t.timeout/4)
		t.catchUp(ctx)
		cancel()
	}
	t.mu.Lock()
	foreign := t.unadmitted
	t.unadmitted = nil
	t.mu.Unlock()
	if len(foreign) > 0 {
		t.admit(foreign, nil)
	}
	return t.admit(nil, entries)
}

// queued gives up waiting for the entries of ids and reports them queued.
func (t *Timeline) queued(ids []string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		delete(t.waiters, id)
		// Nobody waits for its answer any more: when it is published it
		// reaches this writer's screen as other writers' entries do.
		delete(t.ours, id)
	}
	cause := t.lastErr
	if cause == nil {
		cause = fmt.Errorf("no acknowledgement within %s", t.timeout)
	}
	return &QueuedError{Queued: t.queuedLocked(), Cause: cause}
}

func (t *Timeline) queuedLocked() int {
	return max(len(t.journal.Entries())-int(t.published), 0)
}

// Status is the connection's state and the journal's queue, for the
// screen; it does no I/O.
func (t *Timeline) Status() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := t.lastErr
	if t.refused != nil {
		err = t.refused
	}
	if t.broken != nil {
		err = t.broken
	}
	return Status{Online: t.c.Connected() && err == nil, Queued: t.queuedLocked(), Duplicates: t.dups, Err: err}
}

// Refresh reads from the server what other writers appended since the
// last message this timeline took in, and returns what it took in; they
// go to OnForeign as well.
func (t *Timeline) Refresh() ([]timeline.Entry, error) {
	ctx, cancel := opContext()
	defer cancel()
	return t.catchUp(ctx)
}

// Entries returns the shared timeline as taken in so far, in order, each
// entry once. The slice and the entries' maps and slices are shared and
// must not be modified.
func (t *Timeline) Entries() []timeline.Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.entries[:len(t.entries):len(t.entries)]
}

// Journal is the local journal file.
func (t *Timeline) Journal() string { return t.journal.Path() }

// Verify re-reads the whole shared timeline from the server and checks its
// hash chain as timeline verify checks a file.
func (t *Timeline) Verify() error {
	_, err := t.ReadAll(context.Background())
	return err
}

// ReadAll reads every line of the shared timeline from the server, as
// stored (a duplicate, if a writer ever made one, included), and checks
// the chain. Problems are returned as a *timeline.CorruptError along with
// the whole entries.
func (t *Timeline) ReadAll(ctx context.Context) ([]timeline.Entry, error) {
	return t.c.ReadIncident(ctx, t.incident)
}

// ReadIncident reads every line of incident's shared timeline, as
// ReadAll does, without opening it (no journal).
func (c *Client) ReadIncident(ctx context.Context, incident string) ([]timeline.Entry, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	subject := timelineSubject + token(incident)
	s, err := c.ensureStream(ctx)
	if err != nil {
		return nil, err
	}
	last, err := s.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		return nil, err
	}
	it, err := cons.Messages()
	if err != nil {
		return nil, err
	}
	defer it.Stop()
	var data bytes.Buffer
	for seq := uint64(0); seq < last.Sequence; {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return nil, err
		}
		md, err := m.Metadata()
		if err != nil {
			return nil, err
		}
		seq = md.Sequence.Stream
		data.Write(m.Data())
		if !bytes.HasSuffix(m.Data(), []byte("\n")) {
			data.WriteByte('\n')
		}
	}
	return timeline.ReadLines("team timeline "+incident, data.Bytes(), timeline.Link{})
}

// Close stops following the server and closes the journal; entries still
// queued stay in the journal for the next session, or the next verb, to
// publish. The client's connection stays open.
func (t *Timeline) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.mu.Unlock()
	close(t.done)
	t.c.onRefused(t.subject, nil)
	t.workers.Wait()
	t.mark()
	return t.journal.Close()
}
