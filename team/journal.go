package team

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
)

// The journal is a local timeline file beside the incident's own: every
// entry for the team timeline is written there first, so an entry the
// server has not acknowledged yet survives a network cut or a crash. Its
// entries are published in journal order, each under the message ID
// <writer>-<journal entry ID>; the entries of one journal on the server
// are therefore always a prefix of it, which is how a writer knows what
// is still queued.
const (
	JournalFile   = "team-journal.jsonl"
	writerFile    = "team-writer"    // this journal's writer ID
	publishedFile = "team-published" // how much of the journal the server had, last seen
	amendKind     = "team.amend"     // an amendment, as the journal keeps it
	fieldTarget   = "team.amend.target"
	fieldOp       = "team.amend.op"
	fieldTo       = "team.amend.to"
)

// toJournal is e as the journal keeps it. An amendment names an entry of
// the shared timeline, not of the journal, so it is kept under a kind of
// its own; the journal file never amends (or erases) its own entries.
func toJournal(e timeline.Entry) timeline.Entry {
	if e.Kind != integrations.KindAmend {
		return e
	}
	fields := make(map[string]string, len(e.Fields)+3)
	for k, v := range e.Fields {
		fields[k] = v
	}
	fields[fieldTarget], fields[fieldOp] = e.Target, e.Op
	if !e.To.IsZero() {
		fields[fieldTo] = e.To.Format(time.RFC3339Nano)
	}
	e.Kind, e.Fields, e.Target, e.Op, e.To = amendKind, fields, "", "", time.Time{}
	return e
}

// fromJournal is the entry to publish for journal entry je: what was
// appended, with the journal's Occurred time and without the journal's
// own place in its chain.
func fromJournal(je timeline.Entry) timeline.Entry {
	e := je
	e.ID, e.Seq, e.Prev, e.Hash, e.Recorded, e.Scrub = "", 0, "", "", time.Time{}, nil
	if e.Kind != amendKind {
		return e
	}
	fields := make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		switch k {
		case fieldTarget:
			e.Target = v
		case fieldOp:
			e.Op = v
		case fieldTo:
			e.To, _ = time.Parse(time.RFC3339Nano, v)
		default:
			fields[k] = v
		}
	}
	e.Kind, e.Fields = integrations.KindAmend, fields
	if len(fields) == 0 {
		e.Fields = nil
	}
	return e
}

// origin is the message ID of journal entry id of writer.
func origin(writer, id string) string { return writer + "-" + id }

// journalSeq returns the journal sequence of an origin of writer.
func journalSeq(writer, origin string) (int64, bool) {
	rest, ok := strings.CutPrefix(origin, writer+"-e")
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseInt(rest, 10, 64)
	return seq, err == nil && seq > 0
}

// writerID returns the journal's writer ID, creating it on first use.
// Processes sharing the journal (the screen, a verb from a script) share
// the ID, so either can publish what the other queued.
func writerID(dir string) (string, error) {
	path := filepath.Join(dir, writerFile)
	if id, err := readWriterID(path); err == nil {
		return id, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, []byte(newID()+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("team journal writer ID: %w", err)
	}
	defer os.Remove(tmp)
	// Link fails if another process created it first: then use theirs.
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("team journal writer ID: %w", err)
	}
	return readWriterID(path)
}

func readWriterID(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(data))
	if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		return "", fmt.Errorf("team journal writer ID in %s is damaged; remove the file once every queued entry is published", path)
	}
	return id, nil
}

// readPublished returns how much of the journal was on the server when
// last seen (a lower bound: it is written only after seeing it).
func readPublished(dir string) int64 {
	data, err := os.ReadFile(filepath.Join(dir, publishedFile))
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func writePublished(dir string, n int64) error {
	path := filepath.Join(dir, publishedFile)
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, []byte(strconv.FormatInt(n, 10)+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
