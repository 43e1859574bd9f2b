// Package record is the timeline's entry, a domain record plus its place
// in the hash chain, and the view that folds amendments into rows. It
// knows no file or store, so the screen may fold its timeline pane with
// the very view the exports use.
package record

import (
	"encoding/json"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Entry is one line of the timeline file: a Record, plus what the store
// assigns (Seq, Recorded, Prev, Hash and an erase's Scrub); the store also
// sets Record.ID. Callers fill in the Record.
//
// An amendment is an entry of kind integrations.KindAmend whose Target
// names an earlier entry and whose Op says what changes (see the Op
// constants of the integrations package). Only erase may target an
// amendment (a correction that itself leaked a secret); views ignore other
// amendments of amendments.
type Entry struct {
	integrations.Record
	Seq      int64
	Recorded time.Time // when warroom stored it
	Scrub    *Scrub    // OpErase: set by the store

	// Prev is the previous entry's Hash (all zeros for the first entry);
	// Hash is the SHA-256 of this entry's line up to and including Prev.
	Prev string
	Hash string
}

// line is an Entry as its line in the file spells it. The order of the
// fields is the line format (the hash covers the bytes as written): Prev
// and Hash must stay last, and nothing may move, or existing timelines
// would no longer verify.
type line struct {
	ID       string            `json:"id"`
	Seq      int64             `json:"seq"`
	Occurred time.Time         `json:"occurred"` // the source's own time
	Recorded time.Time         `json:"recorded"`
	Source   string            `json:"source"`
	Kind     string            `json:"kind"`
	Actor    string            `json:"actor,omitempty"`
	Text     string            `json:"text"`
	Fields   map[string]string `json:"fields,omitempty"`
	Links    []string          `json:"links,omitempty"`
	Target   string            `json:"target,omitempty"`
	Op       string            `json:"op,omitempty"`
	To       time.Time         `json:"to,omitzero"`
	Scrub    *Scrub            `json:"scrub,omitempty"`
	Prev     string            `json:"prev"`
	Hash     string            `json:"hash"`
}

// MarshalJSON writes e in the line format.
func (e Entry) MarshalJSON() ([]byte, error) {
	r := e.Record
	return json.Marshal(line{
		ID: r.ID, Seq: e.Seq, Occurred: r.Occurred, Recorded: e.Recorded, Source: r.Source, Kind: r.Kind,
		Actor: r.Actor, Text: r.Text, Fields: r.Fields, Links: r.Links, Target: r.Target, Op: r.Op, To: r.To,
		Scrub: e.Scrub, Prev: e.Prev, Hash: e.Hash,
	})
}

// UnmarshalJSON reads e from the line format.
func (e *Entry) UnmarshalJSON(data []byte) error {
	var l line
	if err := json.Unmarshal(data, &l); err != nil {
		return err
	}
	*e = Entry{
		Record: integrations.Record{ID: l.ID, Occurred: l.Occurred, Source: l.Source, Kind: l.Kind, Actor: l.Actor,
			Text: l.Text, Fields: l.Fields, Links: l.Links, Target: l.Target, Op: l.Op, To: l.To},
		Seq: l.Seq, Recorded: l.Recorded, Scrub: l.Scrub, Prev: l.Prev, Hash: l.Hash,
	}
	return nil
}

// Scrub records how an erase amendment removed its target's content from
// the file: the byte ranges of the target's line (its text, and its
// fields' and links' strings) that were overwritten with '*', and the hash
// of the line so overwritten. The line keeps its length and its original
// Hash, so the chain still links; Verify accepts the scrubbed line because
// this chained record says exactly what was overwritten.
type Scrub struct {
	Ranges [][2]int `json:"ranges"`
	Hash   string   `json:"hash"`
}

// ErasedText replaces erased content in views and exports.
const ErasedText = "[erased]"

// Amend returns an amendment of target; fill in Text (OpText) or To
// (OpTime), Source and Actor before appending it.
func Amend(target Entry, op string) Entry {
	return Entry{Record: integrations.Amend(target.ID, op)}
}

// Entries wraps records as entries to append.
func Entries(recs []integrations.Record) []Entry {
	out := make([]Entry, len(recs))
	for i, r := range recs {
		out[i] = Entry{Record: r}
	}
	return out
}

// Records returns the records of entries, as stored.
func Records(entries []Entry) []integrations.Record {
	out := make([]integrations.Record, len(entries))
	for i, e := range entries {
		out[i] = e.Record
	}
	return out
}
