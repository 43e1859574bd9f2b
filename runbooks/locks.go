package runbooks

import "time"

// Locks is where runs lock their targets: one lock file per target in the
// state directory (FileLocks, the default), or a shared backend when
// several responders act on one incident (the team server). The
// application is given one and hands it to every run, from the screen or
// the command line alike.
type Locks interface {
	// Acquire takes every target for holder, or none: a target held by
	// another run under a live lease is refused with an error naming the
	// holder (*HeldError for lock files).
	Acquire(targets []string, holder Holder) (Held, error)
	// RenewEvery is how often a live run renews what it holds (a third of
	// the lease), so a holder that dies frees its targets within a lease.
	RenewEvery() time.Duration
	// Holders lists the holder of every lock, live or gone; Clear removes
	// the lock of a holder that is gone and leaves any other alone. A run
	// left unfinished by a crash is found with them.
	Holders() ([]Holder, error)
	Clear(h Holder) error
}

// Held is a set of target locks a run holds. Renew fails when a target
// was taken over (the lease expired and another run took it): the run must
// stop. Release frees what is still held.
type Held interface {
	Renew() error
	Release() error
}

// FileLocks keeps run locks as lock files in dir (see Locker).
func FileLocks(dir string, lease time.Duration) Locks {
	return fileLocks{&Locker{Dir: dir, Lease: lease}}
}

type fileLocks struct{ *Locker }

func (f fileLocks) Acquire(targets []string, holder Holder) (Held, error) {
	l, err := f.Locker.Acquire(targets, holder)
	if err != nil {
		return nil, err // a nil *Lease must not pass as a live Held
	}
	return l, nil
}

func (f fileLocks) RenewEvery() time.Duration { return f.lease() / 3 }
