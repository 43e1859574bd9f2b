package timeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/warroomhq/warroom/integrations"
)

// The line format: one JSON object per line, as encoding/json writes an
// Entry, so that it always ends with
//
//	,"prev":"<64 hex>","hash":"<64 hex>"}
//
// Hash is the SHA-256 of the line's bytes before `,"hash":`; those bytes
// include Prev, the previous entry's Hash, which chains the entries. The
// hash covers the bytes as written, so verifying never re-encodes.
const (
	hashHexLen     = 2 * sha256.Size
	hashSuffix     = `,"hash":"`
	prevSuffix     = `,"prev":"`
	hashSuffixLen  = len(hashSuffix) + hashHexLen + len(`"}`)
	chainSuffixLen = len(prevSuffix) + hashHexLen + len(`"`) + hashSuffixLen
)

// genesisHash is the Prev of the first entry.
var genesisHash = strings.Repeat("0", hashHexLen)

// lineEncoder writes entries in the line format into one buffer, so a
// batch costs one write.
type lineEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newLineEncoder() *lineEncoder {
	le := &lineEncoder{}
	le.enc = json.NewEncoder(&le.buf)
	return le
}

// encode appends e's line to the buffer, setting e.Hash. e.Prev must be
// set. On error the buffer is unchanged.
func (le *lineEncoder) encode(e *Entry) error {
	start := le.buf.Len()
	e.Hash = genesisHash // a placeholder of the right length
	if err := le.enc.Encode(e); err != nil {
		le.buf.Truncate(start)
		return fmt.Errorf("encoding timeline entry of kind %q: %w", e.Kind, err)
	}
	b := le.buf.Bytes()
	line := b[start : len(b)-1] // Encode adds the newline
	sum := sha256.Sum256(line[:len(line)-hashSuffixLen])
	hashHex := line[len(line)-hashHexLen-2 : len(line)-2]
	hex.Encode(hashHex, sum[:])
	e.Hash = string(hashHex)
	return nil
}

// Problem kinds.
const (
	ProblemMalformed = "malformed" // the line is not an entry in the timeline format
	ProblemChanged   = "changed"   // the entry's content no longer matches its hash, or the one before it was rehashed
	ProblemRemoved   = "removed"   // entries are missing
	ProblemReordered = "reordered" // an entry is out of sequence or duplicated
	ProblemTorn      = "torn"      // the last line is incomplete (a write interrupted by a crash)
	// ProblemErasePending: an entry was erased but its content is still in
	// the file (a crash came between recording the erase and overwriting
	// the content); opening the incident completes the erase.
	ProblemErasePending = "erase pending"
)

// Problem is one thing wrong with a timeline file.
type Problem struct {
	Line   int    // 1-based line number in the file
	Seq    int64  // the entry's sequence number, 0 if the line is not an entry
	Kind   string // one of the Problem constants
	Detail string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Summary()) }

// Summary is the problem without its line number, for "file:line: ..."
// messages.
func (p Problem) Summary() string {
	if p.Seq > 0 {
		return fmt.Sprintf("%s (seq %d): %s", p.Kind, p.Seq, p.Detail)
	}
	return fmt.Sprintf("%s: %s", p.Kind, p.Detail)
}

// chainState is where a scan starts: the sequence number and hash of the
// entry before the first line, and that line's number.
type chainState struct {
	seq  int64
	hash string
	line int // number of lines before the scanned data
}

var startOfFile = chainState{hash: genesisHash}

// scanResult is what a scan found in a file's bytes.
type scanResult struct {
	entries  []Entry
	problems []Problem
	// whole is the length of the data made of whole entries: a torn tail
	// starts there. needsNewline means the last entry is whole but lacks
	// its final newline.
	whole        int
	tornBytes    int
	needsNewline bool
	end          chainState // the chain after the last entry
	ends         []int      // where each entry's line ends (its newline), in data
}

// lineStatus is what decoding found about one line, beside its entry.
type lineStatus struct {
	err    string // why the line is malformed, "" if it is an entry
	hashOK bool
}

// scanLines parses data (the file, or its tail after from) and checks the
// hash chain. Parsing and hashing, the costly parts, run on all CPUs.
func scanLines(data []byte, from chainState) scanResult {
	var bounds [][2]int
	for start := 0; start < len(data); {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			bounds = append(bounds, [2]int{start, len(data)})
			break
		}
		bounds = append(bounds, [2]int{start, start + end})
		start += end + 1
	}
	entries := make([]Entry, len(bounds))
	status := make([]lineStatus, len(bounds))
	parallel(len(bounds), func(i int) {
		status[i] = decodeLine(data[bounds[i][0]:bounds[i][1]], &entries[i])
	})

	res := scanResult{whole: len(data)}
	if n := len(bounds); n > 0 && bounds[n-1][1] == len(data) && (len(data) == 0 || data[len(data)-1] != '\n') {
		// The last line has no newline: a crash interrupted its write.
		// If it is nonetheless a whole, intact entry it is kept.
		if last := status[n-1]; last.err == "" && last.hashOK {
			res.needsNewline = true
		} else {
			res.whole = bounds[n-1][0]
			res.tornBytes = len(data) - res.whole
			res.problems = append(res.problems, Problem{Line: from.line + n, Kind: ProblemTorn,
				Detail: fmt.Sprintf("the last line is incomplete (%d bytes, a write interrupted by a crash); opening the incident truncates it", res.tornBytes)})
			entries, status = entries[:n-1], status[:n-1]
		}
	}

	chk := chainChecker{state: from, entries: entries, status: status}
	chk.checkScrubs(func(i int) []byte { return data[bounds[i][0]:bounds[i][1]] })
	for i := range entries {
		chk.check(i)
	}
	// Then drop the malformed lines, in place.
	kept := entries[:0]
	for i := range entries {
		if status[i].err == "" {
			kept = append(kept, entries[i])
			res.ends = append(res.ends, bounds[i][1])
		}
	}
	res.entries = kept
	res.problems = append(chk.problems, res.problems...)
	slices.SortStableFunc(res.problems, func(a, b Problem) int { return a.Line - b.Line })
	res.end = chk.state
	res.end.line = from.line + len(status)
	return res
}

// checkScrubs accepts the lines of erased entries whose content was
// overwritten exactly as their erase amendment records, and reports those
// still holding the content. Each line's own hash no longer matches once
// it is scrubbed; the erase amendment, itself chained, vouches for it.
func (c *chainChecker) checkScrubs(line func(i int) []byte) {
	scrubs := map[string]*Scrub{}
	for i := range c.entries {
		if e := &c.entries[i]; c.status[i].err == "" && e.Op == integrations.OpErase && e.Scrub != nil {
			scrubs[e.Target] = e.Scrub
		}
	}
	if len(scrubs) == 0 {
		return
	}
	for i := range c.entries {
		sc, ok := scrubs[c.entries[i].ID]
		if !ok || c.status[i].err != "" {
			continue
		}
		switch scrubState(line(i), sc) {
		case scrubDone:
			c.status[i].hashOK = true
		case scrubPending:
			c.status[i].hashOK = true
			c.report(i, c.entries[i].Seq, ProblemErasePending, "the entry was erased but its content is still in the file; opening the incident completes the erase")
		case scrubMismatch:
			c.status[i].hashOK = true // reported here, not again as a plain hash mismatch
			c.report(i, c.entries[i].Seq, ProblemChanged, "the entry does not match the record of its erasure: it was edited after it was written or erased")
		}
	}
}

type scrubStatus int

const (
	scrubDone     scrubStatus = iota // the line is overwritten as recorded
	scrubPending                     // overwriting the recorded ranges would give the recorded line
	scrubMismatch                    // neither: the line was changed
)

func scrubState(line []byte, sc *Scrub) scrubStatus {
	if len(line) <= chainSuffixLen || lineHash(line) != sc.Hash {
		if done, ok := scrubbed(line, sc.Ranges); ok && len(line) > chainSuffixLen && lineHash(done) == sc.Hash {
			return scrubPending
		}
		return scrubMismatch
	}
	return scrubDone
}

// lineHash is the hash of a line in the line format, as hex.
func lineHash(line []byte) string {
	sum := sha256.Sum256(line[:len(line)-hashSuffixLen])
	return hex.EncodeToString(sum[:])
}

// chainChecker walks decoded lines in order, checking sequence numbers and
// links, and reports each break once: after a problem it continues from
// the entry it found, so one edit does not flag every later line.
type chainChecker struct {
	state    chainState
	entries  []Entry
	status   []lineStatus
	problems []Problem
	lineOf   map[int64]int // seq → line, built on the first gap
}

func (c *chainChecker) report(i int, seq int64, kind, format string, args ...any) {
	c.problems = append(c.problems, Problem{Line: c.state.line + i + 1, Seq: seq, Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// check checks line i.
func (c *chainChecker) check(i int) {
	st, e := c.status[i], &c.entries[i]
	if st.err != "" {
		c.report(i, 0, ProblemMalformed, "%s", st.err)
		return
	}
	if !st.hashOK {
		c.report(i, e.Seq, ProblemChanged, "the entry's content does not match its hash: it was edited after it was written")
	}
	want := c.state.seq + 1
	switch {
	case e.Seq == want:
		if e.Prev != c.state.hash {
			c.report(i, e.Seq, ProblemChanged, "the entry does not link to the one before it (seq %d): that entry was changed and rehashed, or replaced", c.state.seq)
		}
	case e.Seq < want:
		if line, ok := c.linesBySeq()[e.Seq]; ok && line != c.state.line+i+1 {
			c.report(i, e.Seq, ProblemReordered, "seq %d comes after seq %d (seq %d is also on line %d)", e.Seq, c.state.seq, e.Seq, line)
		} else {
			c.report(i, e.Seq, ProblemReordered, "seq %d comes after seq %d: entries are out of order", e.Seq, c.state.seq)
		}
	default:
		if line, ok := c.linesBySeq()[want]; ok {
			c.report(i, e.Seq, ProblemReordered, "seq %d comes before seq %d (line %d): entries are out of order", e.Seq, want, line)
		} else if e.Seq == want+1 {
			c.report(i, e.Seq, ProblemRemoved, "the entry with seq %d before this line was removed", want)
		} else {
			c.report(i, e.Seq, ProblemRemoved, "the entries with seq %d to %d before this line were removed", want, e.Seq-1)
		}
	}
	if e.Seq > c.state.seq {
		c.state.seq, c.state.hash = e.Seq, e.Hash
	}
}

// linesBySeq maps each entry's sequence number to its first line; it is
// built only once something is out of sequence.
func (c *chainChecker) linesBySeq() map[int64]int {
	if c.lineOf == nil {
		c.lineOf = make(map[int64]int, len(c.entries))
		for i := len(c.entries) - 1; i >= 0; i-- {
			if c.status[i].err == "" {
				c.lineOf[c.entries[i].Seq] = c.state.line + i + 1
			}
		}
	}
	return c.lineOf
}

// decodeLine parses one line into e and checks it against its own hash.
// On failure e is left zero.
func decodeLine(line []byte, e *Entry) lineStatus {
	var st lineStatus
	if len(line) == 0 {
		st.err = "empty line"
		return st
	}
	if decodeFast(line, e) {
		// Laid out as this package writes it.
	} else if err := json.Unmarshal(line, e); err != nil {
		*e = Entry{}
		st.err = "not a JSON entry: " + err.Error()
		return st
	}
	n := len(line)
	var want [sha256.Size]byte
	switch {
	case n < chainSuffixLen+1 || string(line[n-2:]) != `"}` ||
		string(line[n-hashSuffixLen:n-hashSuffixLen+len(hashSuffix)]) != hashSuffix ||
		string(line[n-chainSuffixLen:n-chainSuffixLen+len(prevSuffix)]) != prevSuffix:
		st.err = `the line does not end with the "prev" and "hash" fields of the timeline format`
	case e.Seq < 1 || e.ID == "" || e.Kind == "":
		st.err = "the entry has no id, seq or kind"
	default:
		if _, err := hex.Decode(want[:], line[n-hashHexLen-2:n-2]); err != nil {
			st.err = "the hash is not hexadecimal"
		}
	}
	if st.err != "" {
		*e = Entry{}
		return st
	}
	st.hashOK = sha256.Sum256(line[:n-hashSuffixLen]) == want
	return st
}

// parallel calls f(0..n-1) on all CPUs, in contiguous chunks.
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 1024 || workers < 2 {
		for i := range n {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				f(i)
			}
		})
	}
	wg.Wait()
}
