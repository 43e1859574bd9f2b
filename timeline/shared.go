package timeline

import (
	"errors"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// A timeline can also live outside a file, as a log several writers share
// (the team server's stream). Its entries are prepared, chained and
// checked exactly as the store does it, by the functions below; the log
// only has to keep the lines in order.

// Link is where a hash chain ends: the last entry's Seq and Hash. The
// zero Link is an empty timeline.
type Link struct {
	Seq  int64
	Hash string
}

func (l Link) chain() chainState {
	if l.Seq == 0 && l.Hash == "" {
		return startOfFile
	}
	return chainState{seq: l.Seq, hash: l.Hash}
}

// Prepare checks e and scrubs its secrets with r (nil: the built-in
// patterns) as Append does, and clears what chaining assigns.
func (r *Redactor) Prepare(e Entry) (Entry, error) {
	if r == nil {
		r = &Redactor{patterns: builtinPatterns}
	}
	if err := checkEntry(&e); err != nil {
		return Entry{}, err
	}
	e.ID, e.Seq, e.Prev, e.Hash, e.Scrub = "", 0, "", "", nil
	e.Recorded = time.Time{}
	e.Occurred = e.Occurred.UTC()
	e.To = e.To.UTC()
	return r.redactEntry(e), nil
}

// ErrEraseUnsupported refuses an erase amendment outside a file: erasing
// overwrites the target's line in place, which a shared log cannot do.
var ErrEraseUnsupported = errors.New("erasing an entry needs the local timeline file; a shared timeline keeps every line as written")

// Seal chains a prepared entry after link, recorded at now: it assigns ID,
// Seq, Recorded (and Occurred, if zero), Prev and Hash, and returns the
// entry and its line in the file format, newline included.
func Seal(e Entry, after Link, now time.Time) (Entry, []byte, error) {
	if e.Op == integrations.OpErase {
		return Entry{}, nil, ErrEraseUnsupported
	}
	start := after.chain()
	e.Seq = start.seq + 1
	e.ID = entryID(e.Seq)
	e.Recorded = now.UTC()
	if e.Occurred.IsZero() {
		e.Occurred = e.Recorded
	}
	e.Prev = start.hash
	enc := newLineEncoder()
	if err := enc.encode(&e); err != nil {
		return Entry{}, nil, err
	}
	return e, enc.buf.Bytes(), nil
}

// ReadLines parses lines in the file format (each ending in a newline)
// that continue the chain after link, and checks them as Verify checks a
// file. Any problem is returned as a *CorruptError for name, its line
// numbers counted from the first line of data, along with the whole
// entries.
func ReadLines(name string, data []byte, after Link) ([]Entry, error) {
	res := scanLines(data, after.chain())
	if len(res.problems) > 0 {
		return res.entries, &CorruptError{Path: name, Problems: res.problems}
	}
	return res.entries, nil
}
