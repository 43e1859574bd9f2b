package timeline

import (
	"fmt"
	"os"

	"github.com/warroomhq/warroom/integrations"
)

// Erasing removes content from the file, the one exception to never
// rewriting it: an erase amendment is appended first, recording which
// bytes of the target's line will be overwritten with '*' and the hash of
// the line so overwritten (Scrub); then those bytes are overwritten in
// place, keeping the line's length and its original hash, so the chain
// still links and no other line moves. A crash between the two steps
// leaves a pending erasure that Verify reports and Open completes.

// lineOf reads the line holding seq and returns it and its offset.
func (s *Store) lineOf(seq int64) (int64, []byte, error) {
	if seq < 1 || seq > int64(len(s.ends)) {
		return 0, nil, fmt.Errorf("no entry with seq %d in %s", seq, s.path)
	}
	var start int64
	if seq > 1 {
		start = s.ends[seq-2] + 1
	}
	line := make([]byte, s.ends[seq-1]-start)
	if _, err := s.file.ReadAt(line, start); err != nil {
		return 0, nil, fmt.Errorf("reading timeline %s: %w", s.path, err)
	}
	return start, line, nil
}

// planScrub works out how erasing the entry with ID target overwrites its
// line. The entry must already be in the file.
func (s *Store) planScrub(target string) (*Scrub, error) {
	seq, _ := seqOfID(target)
	if seq > s.chain.seq {
		return nil, fmt.Errorf("cannot erase %s in the same append that stores it", target)
	}
	_, line, err := s.lineOf(seq)
	if err != nil {
		return nil, err
	}
	ranges, ok := scrubRanges(line)
	if !ok {
		return nil, fmt.Errorf("cannot erase %s: its line is not laid out as warroom writes it (edited by hand?)", target)
	}
	if ranges == nil {
		ranges = [][2]int{}
	}
	done, _ := scrubbed(line, ranges)
	return &Scrub{Ranges: ranges, Hash: lineHash(done)}, nil
}

// applyScrubs overwrites the content the erase amendments among entries
// record, where it is still there, syncs, and returns the erased entries
// as they now read.
func (s *Store) applyScrubs(entries []Entry) ([]Entry, error) {
	var out []Entry
	wrote := false
	for _, a := range entries {
		if a.Op != integrations.OpErase || a.Scrub == nil {
			continue
		}
		seq, _ := seqOfID(a.Target)
		start, line, err := s.lineOf(seq)
		if err != nil {
			return nil, err
		}
		switch scrubState(line, a.Scrub) {
		case scrubMismatch:
			return nil, fmt.Errorf("%s: %s does not match the record of its erasure (%s)", s.path, a.Target, a.ID)
		case scrubPending:
			line, _ = scrubbed(line, a.Scrub.Ranges)
			if err := s.overwrite(start, line); err != nil {
				return nil, err
			}
			wrote = true
		}
		var e Entry
		if st := decodeLine(line, &e); st.err != "" {
			return nil, fmt.Errorf("%s: erased entry %s: %s", s.path, a.Target, st.err)
		}
		out = append(out, e)
	}
	if wrote {
		if err := s.scrubber.Sync(); err != nil {
			return nil, fmt.Errorf("syncing timeline %s after erasing: %w", s.path, err)
		}
	}
	return out, nil
}

// overwrite writes b at offset off, through a descriptor opened without
// O_APPEND (which would send every write to the end).
func (s *Store) overwrite(off int64, b []byte) error {
	if s.scrubber == nil {
		f, err := os.OpenFile(s.path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("opening timeline %s to erase: %w", s.path, err)
		}
		s.scrubber = f
	}
	if _, err := s.scrubber.WriteAt(b, off); err != nil {
		return fmt.Errorf("erasing in timeline %s: %w", s.path, err)
	}
	return nil
}
