package timeline

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// FileName is the timeline file inside an incident's directory.
const FileName = "timeline.jsonl"

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("timeline store is closed")

// Options configure a Store.
type Options struct {
	// Redactor scrubs every entry before it is written; nil means the
	// built-in patterns only.
	Redactor *Redactor
	// Now is the clock for Recorded; nil means time.Now.
	Now func() time.Time
	// OnForeign, when set, receives the entries other processes appended
	// (`warroom timeline append` from a script) as soon as a commit or a
	// Refresh takes them in, so a running screen can show them. It is
	// called without the store's lock held.
	OnForeign func([]Entry)
	// Admit, when set, runs under the file lock at every commit: first
	// with the entries other processes appended since the last one (in
	// file order, entries nil), then with each request's entries (foreign
	// nil), returning those to write. Checking and writing are then one
	// step, so two processes that see the same happening can record it
	// once (a replay filter); what it leaves out is simply not stored.
	Admit func(foreign, entries []Entry) []Entry
}

// Store is one incident's timeline file, open for appending. Several
// processes may append to the same file (the screen, `warroom timeline
// append` from a script): each batch is written under an exclusive file
// lock after taking in what the others wrote.
type Store struct {
	path      string
	file      *os.File
	redact    *Redactor
	now       func() time.Time
	onForeign func([]Entry)
	admit     func(foreign, entries []Entry) []Entry

	mu       sync.Mutex
	cond     sync.Cond // signals the end of a commit
	entries  []Entry   // every durable entry, in file order; appended to, or copied to replace an erased entry, never changed in place
	queue    []*request
	flushing bool  // a goroutine is committing a batch
	failed   error // a write or sync failed: the file's tail is unknown
	closed   bool

	// Owned by the committing goroutine (see flushing).
	chain    chainState // the last durable entry
	size     int64      // bytes of the file this store has accounted for
	ends     []int64    // where each line ends (its newline); line i holds seq i+1
	enc      *lineEncoder
	scrubber *os.File // opened without O_APPEND to overwrite erased content
}

// request is one Append (or Refresh) call waiting for its batch to be
// durable.
type request struct {
	entries []Entry
	stored  []Entry
	foreign []Entry // other processes' entries the batch's commit read
	err     error
	done    bool
}

// OpenIncident opens (creating if needed)
// <stateDir>/incidents/<incidentID>/timeline.jsonl.
func OpenIncident(stateDir, incidentID string, opts Options) (*Store, error) {
	path, err := IncidentPath(stateDir, incidentID)
	if err != nil {
		return nil, err
	}
	return Open(path, opts)
}

// IncidentPath is the timeline file of an incident. Incident IDs name a
// directory, so they are limited to letters, digits, dots, dashes and
// underscores, and do not start with a dot.
func IncidentPath(stateDir, incidentID string) (string, error) {
	valid := incidentID != "" && incidentID[0] != '.' && len(incidentID) <= 200 &&
		strings.Trim(incidentID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
	if !valid {
		return "", fmt.Errorf("invalid incident ID %q: use letters, digits, dots, dashes and underscores, not starting with a dot", incidentID)
	}
	return filepath.Join(stateDir, "incidents", incidentID, FileName), nil
}

// Open opens the timeline file at path, creating it and its directory if
// needed, and verifies it. A torn last line left by a crash is truncated
// and the recovery is recorded as an entry of kind integrations.KindTimelineRecovered; any
// other problem is returned as a *CorruptError and the file is left as it
// is.
func Open(path string, opts Options) (*Store, error) {
	if opts.Redactor == nil {
		opts.Redactor = &Redactor{patterns: builtinPatterns}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	created, err := ensureFile(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("opening timeline: %w", err)
	}
	s := &Store{path: path, file: f, redact: opts.Redactor, now: opts.Now, onForeign: opts.OnForeign,
		admit: opts.Admit, chain: startOfFile, enc: newLineEncoder()}
	s.cond.L = &s.mu
	if created {
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, err
		}
	}
	var entries, scrubbed []Entry
	err = s.locked(func() error {
		var err error
		entries, scrubbed, err = s.catchUp()
		return err
	})
	if err != nil {
		s.closeFiles()
		return nil, err
	}
	s.entries = entries
	s.replace(scrubbed)
	return s, nil
}

// ensureFile creates path and its directory, private to the user, if
// they do not exist, and reports whether it did.
func ensureFile(path string) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("creating the incident directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("creating timeline: %w", err)
	}
	return true, f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing the incident directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing the incident directory: %w", err)
	}
	return nil
}

// locked runs f holding the exclusive lock on the file, which every
// process appending to it takes.
func (s *Store) locked(f func() error) error {
	if err := flock(s.file, syscall.LOCK_EX); err != nil {
		return err
	}
	err := f()
	if uerr := flock(s.file, syscall.LOCK_UN); err == nil {
		err = uerr
	}
	return err
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			if err != nil {
				return fmt.Errorf("locking %s: %w", f.Name(), err)
			}
			return nil
		}
	}
}

// catchUp reads what was appended to the file beyond s.size (everything,
// on open; another process's entries, later), checks it continues the
// chain, repairs a torn tail and completes erasures a crash interrupted.
// It runs under the file lock and returns the entries it read, including
// a recovery entry if it truncated, and the entries erasures scrubbed.
func (s *Store) catchUp() (entries, scrubbed []Entry, err error) {
	info, err := s.file.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("reading timeline: %w", err)
	}
	if info.Size() == s.size {
		return nil, nil, nil
	}
	if info.Size() < s.size {
		return nil, nil, fmt.Errorf("%s shrank from %d to %d bytes while open: another program truncated it", s.path, s.size, info.Size())
	}
	data := make([]byte, info.Size()-s.size)
	if _, err := s.file.ReadAt(data, s.size); err != nil && err != io.EOF {
		return nil, nil, fmt.Errorf("reading timeline: %w", err)
	}
	res := scanLines(data, s.chain)
	var problems []Problem
	for _, p := range res.problems {
		if p.Kind != ProblemTorn && p.Kind != ProblemErasePending { // both repaired below
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return nil, nil, &CorruptError{Path: s.path, Problems: problems}
	}
	for _, end := range res.ends {
		s.ends = append(s.ends, s.size+int64(end))
	}
	s.size += int64(res.whole)
	s.chain = res.end
	switch {
	case res.needsNewline:
		if _, err := s.file.Write([]byte{'\n'}); err != nil {
			return nil, nil, fmt.Errorf("repairing timeline: %w", err)
		}
		s.size++
		if err := s.file.Sync(); err != nil {
			return nil, nil, fmt.Errorf("repairing timeline: %w", err)
		}
	case res.tornBytes > 0:
		rec, err := s.truncateTorn(res.tornBytes)
		if err != nil {
			return nil, nil, err
		}
		res.entries = append(res.entries, rec)
	}
	scrubbed, err = s.applyScrubs(res.entries)
	return res.entries, scrubbed, err
}

// truncateTorn cuts the incomplete last line at s.size and records that it
// did so.
func (s *Store) truncateTorn(tornBytes int) (Entry, error) {
	if err := s.file.Truncate(s.size); err != nil {
		return Entry{}, fmt.Errorf("truncating the torn last line of %s: %w", s.path, err)
	}
	now := s.now().UTC()
	rec := Entry{Record: integrations.Record{Source: integrations.SourceWarroom, Kind: integrations.KindTimelineRecovered, Occurred: now, Text: fmt.Sprintf("Recovered after a crash: discarded an incomplete last line of %d bytes after line %d; every whole entry was kept.", tornBytes, s.chain.line), Fields: map[string]string{"discarded_bytes": fmt.Sprint(tornBytes), "after_line": fmt.Sprint(s.chain.line)}}}
	stored, _, err := s.write([]*request{{entries: []Entry{rec}}}, now)
	if err != nil {
		return Entry{}, err
	}
	return stored[0], nil
}

// Append assigns each entry its ID, Seq, Recorded time (and Occurred, if
// zero) and place in the hash chain, redacts it, writes it and syncs the
// file. It returns once the entries are durable, as stored. Concurrent
// calls share one write and one sync (group commit). The entries of one
// call are stored together or not at all.
func (s *Store) Append(entries ...Entry) ([]Entry, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	req := &request{entries: make([]Entry, len(entries))}
	for i, e := range entries {
		var err error
		if req.entries[i], err = s.redact.Prepare(e); err != nil { // outside the lock: it is the costly part
			return nil, err
		}
	}

	if err := s.wait(req); err != nil {
		return nil, err
	}
	return req.stored, req.err
}

// Refresh takes in the entries other processes appended since this
// store's last commit (`warroom timeline append` from a script while the
// war-room runs) and returns them; Entries includes them afterwards.
func (s *Store) Refresh() ([]Entry, error) {
	req := &request{}
	if err := s.wait(req); err != nil {
		return nil, err
	}
	return req.foreign, req.err
}

// wait queues req and returns once a commit has handled it. The first
// waiter that finds no commit in progress leads the next one, taking
// every queued request: that is the group commit.
func (s *Store) wait(req *request) error {
	var caught []Entry // foreign entries this goroutine's commit took in
	defer func() {
		// Runs after the unlock below: the callback may take its time.
		if len(caught) > 0 && s.onForeign != nil {
			s.onForeign(caught)
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.queue = append(s.queue, req)
	for !req.done {
		if s.flushing {
			s.cond.Wait()
			continue
		}
		if s.closed { // closed while this request waited
			return ErrClosed
		}
		s.flushing = true
		batch := s.queue
		s.queue = nil
		s.mu.Unlock()
		foreign, mine, scrubbed := s.commit(batch)
		caught = append(caught, foreign...)
		s.mu.Lock()
		s.entries = append(append(s.entries, foreign...), mine...)
		s.replace(scrubbed)
		for _, r := range batch {
			r.foreign, r.done = foreign, true
		}
		s.flushing = false
		s.cond.Broadcast()
	}
	return nil
}

// replace puts entries whose lines were scrubbed in place of their
// earlier versions. It copies the slice first: snapshots handed out by
// Entries never change.
func (s *Store) replace(scrubbed []Entry) {
	if len(scrubbed) == 0 {
		return
	}
	s.entries = slices.Clone(s.entries)
	for _, e := range scrubbed {
		s.entries[e.Seq-1] = e
	}
}

// commit makes a batch durable and returns the other processes' entries
// found on the way and the batch's own, in file order, and the entries
// erasures scrubbed.
func (s *Store) commit(batch []*request) (foreign, mine, scrubbed []Entry) {
	fail := func(err error) ([]Entry, []Entry, []Entry) {
		for _, r := range batch {
			if r.err == nil {
				r.err, r.stored = err, nil
			}
		}
		return nil, nil, nil
	}
	if err := s.failedErr(); err != nil {
		return fail(err)
	}
	err := s.locked(func() error {
		var err error
		if foreign, scrubbed, err = s.catchUp(); err != nil {
			return err
		}
		if s.admit != nil {
			s.admit(foreign, nil)
			for _, r := range batch {
				r.entries = s.admit(nil, r.entries)
			}
		}
		var more []Entry
		mine, more, err = s.write(batch, s.now().UTC())
		scrubbed = append(scrubbed, more...)
		return err
	})
	if err != nil {
		s.mu.Lock()
		if s.failed == nil {
			s.failed = err
		}
		s.mu.Unlock()
		return fail(err)
	}
	return foreign, mine, scrubbed
}

func (s *Store) failedErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil {
		return fmt.Errorf("timeline store stopped after an earlier failure (reopen the incident): %w", s.failed)
	}
	return nil
}

// write encodes the requests' entries, chained after s.chain, appends
// them with one write and syncs, then scrubs what they erase. A request
// with an invalid amendment fails alone. It runs under the file lock.
func (s *Store) write(batch []*request, now time.Time) (stored, scrubbed []Entry, err error) {
	s.enc.buf.Reset()
	chain := s.chain
	var ends []int64
	for _, r := range batch {
		mark, start, endsMark := s.enc.buf.Len(), chain, len(ends)
		r.stored = make([]Entry, 0, len(r.entries))
		for _, e := range r.entries {
			if seq, _ := seqOfID(e.Target); e.Target != "" && seq > chain.seq {
				r.err = fmt.Errorf("amendment targets %s, which does not exist yet", e.Target)
				break
			}
			if e.Op == integrations.OpErase {
				if e.Scrub, r.err = s.planScrub(e.Target); r.err != nil {
					break
				}
			}
			e.Seq = chain.seq + 1
			e.ID = entryID(e.Seq)
			e.Recorded = now
			if e.Occurred.IsZero() {
				e.Occurred = now
			}
			e.Prev = chain.hash
			if err := s.enc.encode(&e); err != nil {
				r.err = err
				break
			}
			chain.seq, chain.hash = e.Seq, e.Hash
			chain.line++
			ends = append(ends, s.size+int64(s.enc.buf.Len())-1)
			r.stored = append(r.stored, e)
		}
		if r.err != nil {
			s.enc.buf.Truncate(mark)
			chain, r.stored, ends = start, nil, ends[:endsMark]
			continue
		}
		stored = append(stored, r.stored...)
	}
	if s.enc.buf.Len() == 0 {
		return nil, nil, nil
	}
	if _, err := s.file.Write(s.enc.buf.Bytes()); err != nil {
		return nil, nil, fmt.Errorf("writing timeline %s: %w", s.path, err)
	}
	if err := s.file.Sync(); err != nil {
		return nil, nil, fmt.Errorf("syncing timeline %s: %w", s.path, err)
	}
	s.size += int64(s.enc.buf.Len())
	s.chain = chain
	s.ends = append(s.ends, ends...)
	scrubbed, err = s.applyScrubs(stored)
	return stored, scrubbed, err
}

// Entries returns every durable entry in file order, including those
// other processes appended (as of this store's last commit). The slice
// and the entries' maps and slices are shared and must not be modified;
// taking a snapshot costs nothing.
func (s *Store) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entries[:len(s.entries):len(s.entries)]
}

// Path is the timeline file.
func (s *Store) Path() string { return s.path }

// Verify re-reads the whole file and checks its hash chain.
func (s *Store) Verify() error {
	_, err := Verify(s.path)
	return err
}

// Close waits for a commit in progress and closes the file; later Appends
// fail with ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	for s.flushing {
		s.cond.Wait()
	}
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	return s.closeFiles()
}

func (s *Store) closeFiles() error {
	err := s.file.Close()
	if s.scrubber != nil {
		if serr := s.scrubber.Close(); err == nil {
			err = serr
		}
	}
	return err
}
