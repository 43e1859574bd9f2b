package record

import (
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Row is one entry as its amendments leave it. Entry is the entry as
// recorded, except that erased content is replaced there too.
type Row struct {
	Entry    Entry
	Text     string    // the amended text
	Occurred time.Time // the amended time
	Fields   map[string]string
	Links    []string
	Starred  bool
	Hidden   bool
	Erased   bool
	Amended  bool // its text or time was amended, or it was erased

	textFrom string // ID of the amendment that set Text, "" if the original
}

// View folds entries, amendments included, into rows: one per entry that
// is not an amendment, in the order they were added, with their amended
// state. Adding costs O(1) amortised, so a view can follow a store as
// entries arrive. A View is not safe for concurrent use.
type View struct {
	rows    []Row
	index   map[string]int      // entry ID → row
	amends  map[string]Entry    // amendment ID → amendment (erase may target one)
	history map[string][]string // entry ID → IDs of its amendments
	erased  map[string]bool     // IDs of erased amendments
}

// NewView returns a view of entries.
func NewView(entries []Entry) *View {
	v := &View{
		rows:    make([]Row, 0, len(entries)),
		index:   make(map[string]int, len(entries)),
		amends:  map[string]Entry{},
		history: map[string][]string{},
		erased:  map[string]bool{},
	}
	for _, e := range entries {
		v.Add(e)
	}
	return v
}

// Add folds e into the view and returns the index of the row it created
// or changed, or -1 if it changed none (an amendment of an unknown entry).
func (v *View) Add(e Entry) int {
	if e.Kind != integrations.KindAmend {
		v.index[e.ID] = len(v.rows)
		v.rows = append(v.rows, Row{Entry: e, Text: e.Text, Occurred: e.Occurred, Fields: e.Fields, Links: e.Links})
		return len(v.rows) - 1
	}
	v.amends[e.ID] = e
	if e.Op == integrations.OpErase {
		if target, ok := v.amends[e.Target]; ok {
			return v.eraseAmendment(target, e)
		}
	}
	i, ok := v.index[e.Target]
	if !ok {
		return -1
	}
	v.history[e.Target] = append(v.history[e.Target], e.ID)
	r := &v.rows[i]
	switch e.Op {
	case integrations.OpText:
		r.Text, r.textFrom, r.Amended = e.Text, e.ID, true
	case integrations.OpTime:
		r.Occurred, r.Amended = e.To, true
	case integrations.OpHide:
		r.Hidden = true
	case integrations.OpUnhide:
		r.Hidden = false
	case integrations.OpStar:
		r.Starred = true
	case integrations.OpUnstar:
		r.Starred = false
	case integrations.OpErase:
		r.Erased, r.Amended = true, true
		r.Text, r.Fields, r.Links = ErasedText, nil, nil
		r.Entry = Erased(r.Entry)
	}
	return i
}

// eraseAmendment erases the text an amendment carried (a correction that
// itself leaked a secret); if that text is what its target shows, the
// target shows the placeholder.
func (v *View) eraseAmendment(target, erase Entry) int {
	v.amends[target.ID] = Erased(target)
	v.erased[target.ID] = true
	v.history[target.Target] = append(v.history[target.Target], erase.ID)
	i, ok := v.index[target.Target]
	if !ok {
		return -1
	}
	if r := &v.rows[i]; r.textFrom == target.ID {
		r.Text = ErasedText
	}
	return i
}

// Erased returns e with its text, fields and links replaced by the
// placeholder, as an erase amendment leaves it.
func Erased(e Entry) Entry {
	e.Text, e.Fields, e.Links = ErasedText, nil, nil
	return e
}

// Len is the number of rows, hidden ones included.
func (v *View) Len() int { return len(v.rows) }

// Row returns row i (0 ≤ i < Len()).
func (v *View) Row(i int) Row { return v.rows[i] }

// Rows returns every row in the order added. The slice is shared with the
// view: read it before the next Add and do not modify it.
func (v *View) Rows() []Row { return v.rows }

// Index returns the row of the entry with the given ID.
func (v *View) Index(id string) (int, bool) {
	i, ok := v.index[id]
	return i, ok
}

// History returns the audit trail of an entry: the entry as recorded,
// then every amendment of it in order (erased content replaced by the
// placeholder). It is empty for an unknown ID.
func (v *View) History(id string) []Entry {
	i, ok := v.index[id]
	if !ok {
		return nil
	}
	out := []Entry{v.rows[i].Entry}
	for _, aid := range v.history[id] {
		out = append(out, v.amends[aid])
	}
	return out
}

// RowOf returns the row an entry belongs to: its own, or for an
// amendment the row it amends (through an amendment it erases).
func (v *View) RowOf(id string) (int, bool) {
	if a, ok := v.amends[id]; ok {
		if b, ok := v.amends[a.Target]; ok {
			a = b
		}
		id = a.Target
	}
	i, ok := v.index[id]
	return i, ok
}

// IsErased reports whether the entry or amendment with this ID was erased.
func (v *View) IsErased(id string) bool {
	if v.erased[id] {
		return true
	}
	i, ok := v.index[id]
	return ok && v.rows[i].Erased
}
