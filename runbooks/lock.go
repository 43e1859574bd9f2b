package runbooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"time"
)

// DefaultLease is how long a run's lock lasts without renewal; a live run
// renews it every third of that, so a holder that dies frees its targets
// within one lease.
const DefaultLease = 2 * time.Minute

// Holder says who holds a target's lock.
type Holder struct {
	Who      string    `json:"who"` // user@host, or what RunOptions.Holder says
	Host     string    `json:"host,omitempty"`
	PID      int       `json:"pid"`
	RunID    string    `json:"run_id"`
	Runbook  string    `json:"runbook"`
	Target   string    `json:"target"`
	Acquired time.Time `json:"acquired"`
	Expires  time.Time `json:"expires"`
}

// HeldError refuses a run because another run holds one of its targets.
type HeldError struct {
	Holder Holder
}

func (e *HeldError) Error() string {
	h := e.Holder
	return fmt.Sprintf("%s is locked by %s (pid %d, run %s of %s) since %s; the lease runs until %s unless renewed",
		h.Target, h.Who, h.PID, h.RunID, h.Runbook, h.Acquired.Format(time.TimeOnly), h.Expires.Format(time.TimeOnly))
}

// Locker keeps one lock file per target in Dir. A guard file, locked with
// flock while a lock file is inspected or changed, makes check-and-take
// atomic across processes; flock itself is released by the kernel when a
// process dies, so only the leases can go stale, and they expire.
type Locker struct {
	Dir   string
	Lease time.Duration    // default DefaultLease
	Now   func() time.Time // default time.Now
}

// Lease is a set of held target locks.
type Lease struct {
	l       *Locker
	holder  Holder
	targets []string
}

func (l *Locker) lease() time.Duration {
	if l.Lease > 0 {
		return l.Lease
	}
	return DefaultLease
}

func (l *Locker) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

func (l *Locker) file(target string) string {
	return filepath.Join(l.Dir, unsafeFileChars.ReplaceAllString(target, "_")+".lock")
}

// guarded runs fn while holding the directory's guard lock.
func (l *Locker) guarded(fn func() error) error {
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return fmt.Errorf("lock directory: %w", err)
	}
	g, err := os.OpenFile(filepath.Join(l.Dir, ".guard"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("lock guard: %w", err)
	}
	defer g.Close()
	if err := syscall.Flock(int(g.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock guard: %w", err)
	}
	defer syscall.Flock(int(g.Fd()), syscall.LOCK_UN)
	return fn()
}

// read returns the holder of target, or ok=false when it is free (no file,
// or an expired lease).
func (l *Locker) read(target string) (Holder, bool, error) {
	data, err := os.ReadFile(l.file(target))
	if errors.Is(err, os.ErrNotExist) {
		return Holder{}, false, nil
	}
	if err != nil {
		return Holder{}, false, err
	}
	var h Holder
	if err := json.Unmarshal(data, &h); err != nil {
		return Holder{}, false, fmt.Errorf("lock file %s is unreadable (%v); remove it if no run holds it", l.file(target), err)
	}
	if !l.now().Before(h.Expires) {
		return h, false, nil
	}
	return h, true, nil
}

func (l *Locker) write(h Holder) error {
	data, err := json.Marshal(h)
	if err != nil {
		return err
	}
	tmp := l.file(h.Target) + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, l.file(h.Target))
}

// Acquire takes every target for holder (Who, PID, RunID, Runbook), or
// none: a target held by another run under a live lease is refused with a
// *HeldError naming the holder.
func (l *Locker) Acquire(targets []string, holder Holder) (*Lease, error) {
	ls := &Lease{l: l, holder: holder, targets: append([]string(nil), targets...)}
	err := l.guarded(func() error {
		for _, t := range targets {
			h, held, err := l.read(t)
			if err != nil {
				return err
			}
			if held && h.RunID != holder.RunID {
				return &HeldError{Holder: h}
			}
		}
		now := l.now()
		for _, t := range targets {
			h := holder
			h.Target, h.Acquired, h.Expires = t, now, now.Add(l.lease())
			if err := l.write(h); err != nil {
				return fmt.Errorf("take lock on %s: %w", t, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ls, nil
}

// Gone reports whether the holder of a lock is gone: its lease ran out
// unrenewed, or it was taken on this host by a process that no longer
// runs (a crash, a kill, a dropped connection that outlived the grace).
func (h Holder) Gone(now time.Time) bool {
	if !now.Before(h.Expires) {
		return true
	}
	host, _ := os.Hostname()
	if h.Host == "" || h.Host != host || h.PID <= 0 {
		return false
	}
	err := syscall.Kill(h.PID, 0)
	return errors.Is(err, syscall.ESRCH)
}

// Holders lists the holder of every lock file, live or gone, in file name
// order.
func (l *Locker) Holders() ([]Holder, error) {
	files, err := filepath.Glob(filepath.Join(l.Dir, "*.lock"))
	if err != nil || len(files) == 0 {
		return nil, err
	}
	var out []Holder
	err = l.guarded(func() error {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			var h Holder
			if err := json.Unmarshal(data, &h); err != nil {
				return fmt.Errorf("lock file %s is unreadable (%v); remove it if no run holds it", f, err)
			}
			out = append(out, h)
		}
		return nil
	})
	return out, err
}

// Clear removes the lock of a holder that is gone, if the lock file still
// names its run; a live holder's lock, or one another run took since, is
// left alone.
func (l *Locker) Clear(h Holder) error {
	return l.guarded(func() error {
		cur, _, err := l.read(h.Target)
		if err != nil || cur.RunID != h.RunID || !cur.Gone(l.now()) {
			return err
		}
		if err := os.Remove(l.file(h.Target)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
}

// Renew extends the lease. It fails when a target has been taken over (the
// lease expired and another run took it), and then the run must stop.
func (ls *Lease) Renew() error {
	return ls.l.guarded(func() error {
		now := ls.l.now()
		for _, t := range ls.targets {
			h, _, err := ls.l.read(t)
			if err != nil {
				return err
			}
			if h.RunID != ls.holder.RunID {
				return fmt.Errorf("lost the lock on %s: its lease expired and run %s of %s by %s took it", t, h.RunID, h.Runbook, h.Who)
			}
			h.Expires = now.Add(ls.l.lease())
			if err := ls.l.write(h); err != nil {
				return err
			}
		}
		return nil
	})
}

// Release frees the targets this lease still holds.
func (ls *Lease) Release() error {
	return ls.l.guarded(func() error {
		var errs []error
		for _, t := range ls.targets {
			h, _, err := ls.l.read(t)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if h.RunID == ls.holder.RunID {
				if err := os.Remove(ls.l.file(t)); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
				}
			}
		}
		return errors.Join(errs...)
	})
}
