// Package timeline is the incident's durable record: an append-only,
// hash-chained JSON Lines file per incident, amendments that change how an
// entry reads without rewriting it, redaction of secrets before anything is
// written, and the amended view the screen and the exports are built from.
package timeline

import (
	"fmt"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/record"
)

// The entry and its view live in the store-free package record, so the
// screen can fold with them without importing the store.
type (
	Entry = record.Entry
	Scrub = record.Scrub
	View  = record.View
	Row   = record.Row
)

// ErasedText replaces erased content in views and exports.
const ErasedText = record.ErasedText

// NewView returns a view of entries (see record.View).
func NewView(entries []Entry) *View { return record.NewView(entries) }

// Amend returns an amendment of target; fill in Text (OpText) or To
// (OpTime), Source and Actor before appending it.
func Amend(target Entry, op string) Entry { return record.Amend(target, op) }

// Erased returns e with its text, fields and links replaced by the
// placeholder, as an erase amendment leaves it.
func Erased(e Entry) Entry { return record.Erased(e) }

// entryID is the ID the store gives the entry with sequence number seq.
func entryID(seq int64) string { return fmt.Sprintf("e%d", seq) }

// seqOfID is the inverse of entryID; ok is false for anything else.
func seqOfID(id string) (seq int64, ok bool) {
	if len(id) < 2 || id[0] != 'e' {
		return 0, false
	}
	for _, c := range id[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		seq = seq*10 + int64(c-'0')
		if seq > 1<<53 {
			return 0, false
		}
	}
	return seq, id[1] != '0'
}

// checkEntry reports what makes e unfit to be appended, before the store
// assigns its identity. Times must fit the file's RFC 3339 encoding.
func checkEntry(e *Entry) error {
	if e.Kind == "" {
		return fmt.Errorf("timeline entry has no kind (source %q)", e.Source)
	}
	for _, t := range []time.Time{e.Occurred, e.To} {
		if y := t.Year(); !t.IsZero() && (y < 1 || y > 9999) {
			return fmt.Errorf("timeline entry of kind %q has a time outside years 1-9999", e.Kind)
		}
	}
	isAmend := e.Kind == integrations.KindAmend
	if isAmend != (e.Target != "" || e.Op != "") {
		return fmt.Errorf("timeline entry of kind %q: target and op are for amendments (kind %q) only, and amendments need both", e.Kind, integrations.KindAmend)
	}
	if !isAmend {
		return nil
	}
	switch e.Op {
	case integrations.OpText, integrations.OpHide, integrations.OpUnhide, integrations.OpStar, integrations.OpUnstar, integrations.OpErase:
	case integrations.OpTime:
		if e.To.IsZero() {
			return fmt.Errorf("time amendment of %s has no new time (To)", e.Target)
		}
	default:
		return fmt.Errorf("amendment of %s has unknown op %q (want text, time, hide, unhide, star, unstar or erase)", e.Target, e.Op)
	}
	if _, ok := seqOfID(e.Target); !ok {
		return fmt.Errorf("amendment targets %q, which is not an entry ID", e.Target)
	}
	return nil
}
