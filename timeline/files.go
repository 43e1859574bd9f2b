package timeline

import "os"

// Flock takes (or, with syscall.LOCK_UN, releases) a flock on f, retrying
// when a signal interrupts the call: how the timeline locks its file, for
// the files kept beside it.
func Flock(f *os.File, how int) error { return flock(f, how) }

// SyncDir makes a file created or renamed in dir durable.
func SyncDir(dir string) error { return syncDir(dir) }
