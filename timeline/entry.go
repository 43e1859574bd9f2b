// Package timeline is the incident's durable record: an append-only,
// hash-chained JSON Lines file per incident, amendments that change how an
// entry reads without rewriting it, redaction of secrets before anything is
// written, and the amended view the screen and the exports are built from.
package timeline

import (
	"fmt"
	"time"
)

// Entry is one line of the timeline file. The store assigns ID, Seq,
// Recorded, Prev and Hash; callers fill in the rest.
//
// An amendment is an entry of kind KindAmend whose Target names an earlier
// entry and whose Op says what changes:
//
//	OpText   the target now reads Text
//	OpTime   the target now happened at To
//	OpHide   the target is hidden from views and exports (Text: why)
//	OpUnhide the target is shown again
//	OpStar   the target is starred (Text: optional comment)
//	OpUnstar the star is removed
//	OpErase  the target's text, fields and links are removed from the
//	         file (see Scrub) and shown as a placeholder in every view
//	         and export: for content that slipped past redaction; Text: why
//
// Only erase may target an amendment (a correction that itself leaked a
// secret); views ignore other amendments of amendments.
type Entry struct {
	ID       string            `json:"id"`
	Seq      int64             `json:"seq"`
	Occurred time.Time         `json:"occurred"` // the source's own time
	Recorded time.Time         `json:"recorded"` // when warroom stored it
	Source   string            `json:"source"`
	Kind     string            `json:"kind"`
	Actor    string            `json:"actor,omitempty"`
	Text     string            `json:"text"`
	Fields   map[string]string `json:"fields,omitempty"`
	Links    []string          `json:"links,omitempty"`

	Target string    `json:"target,omitempty"` // amendments: the amended entry's ID
	Op     string    `json:"op,omitempty"`     // amendments: one of the Op constants
	To     time.Time `json:"to,omitzero"`      // OpTime: the corrected time
	Scrub  *Scrub    `json:"scrub,omitempty"`  // OpErase: set by the store

	// Prev is the previous entry's Hash (all zeros for the first entry);
	// Hash is the SHA-256 of this entry's line up to and including Prev.
	// They must stay the last two fields: the line format depends on it.
	Prev string `json:"prev"`
	Hash string `json:"hash"`
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

// Entry kinds with a meaning to this package. Sources use their own kinds
// too (chat.message, fleet.change, drift, source.status, ...).
const (
	KindAmend     = "amend"
	KindNote      = "note"
	KindDecision  = "decision"
	KindRecovered = "timeline.recovered" // the store truncated a torn last line

	KindAlertTriggered    = "alert.triggered"
	KindAlertAcknowledged = "alert.acknowledged"
	KindAlertResolved     = "alert.resolved"
	KindChatMessage       = "chat.message"

	// Explicit key times of the incident, recorded by the responder when
	// they are known (often after the fact, with Occurred set accordingly).
	KindIncidentStarted      = "incident.started"
	KindIncidentDetected     = "incident.detected"
	KindIncidentAcknowledged = "incident.acknowledged"
	KindIncidentMitigated    = "incident.mitigated"
	KindIncidentResolved     = "incident.resolved"

	// KindRunbookPrefix starts the kind of every runbook entry
	// (runbook.requested, runbook.step.finished, ...).
	KindRunbookPrefix = "runbook."
)

// Amendment operations (Entry.Op).
const (
	OpText   = "text"
	OpTime   = "time"
	OpHide   = "hide"
	OpUnhide = "unhide"
	OpStar   = "star"
	OpUnstar = "unstar"
	OpErase  = "erase"
)

// ErasedText replaces erased content in views and exports.
const ErasedText = "[erased]"

// Amend returns an amendment of target; fill in Text (OpText) or To
// (OpTime), Source and Actor before appending it.
func Amend(target Entry, op string) Entry {
	return Entry{Kind: KindAmend, Target: target.ID, Op: op}
}

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
	isAmend := e.Kind == KindAmend
	if isAmend != (e.Target != "" || e.Op != "") {
		return fmt.Errorf("timeline entry of kind %q: target and op are for amendments (kind %q) only, and amendments need both", e.Kind, KindAmend)
	}
	if !isAmend {
		return nil
	}
	switch e.Op {
	case OpText, OpHide, OpUnhide, OpStar, OpUnstar, OpErase:
	case OpTime:
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
