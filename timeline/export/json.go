package export

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/warroomhq/warroom/timeline"
)

// JSONFormat identifies the JSON export's layout.
const JSONFormat = "warroom-timeline/1"

// Document is the JSON export: the incident's entries as recorded,
// amendments included, in file order. Reading it back gives the same
// entries (ReadJSON), from which a timeline.View rebuilds the amended
// state. Erased content is replaced by the placeholder, so an erased
// entry no longer matches its hash; everything else verifies.
//
// Metrics holds every point of the incident's series (within the
// filter's time window), exactly as recorded: see MetricRow.
type Document struct {
	Format   string           `json:"format"`
	Incident string           `json:"incident"`
	Entries  []timeline.Entry `json:"entries"`
	Metrics  []MetricRow      `json:"metrics,omitempty"`
}

// JSON writes the Document of entries. Filters select rows on their
// amended state; a row's amendments go with it. Unlike the other formats
// JSON keeps hidden rows (with the amendments that hide them).
func JSON(w io.Writer, entries []timeline.Entry, opts Options) error {
	v := timeline.NewView(entries)
	doc := Document{Format: JSONFormat, Incident: opts.Incident, Entries: make([]timeline.Entry, 0, len(entries))}
	for _, e := range entries {
		if i, ok := v.RowOf(e.ID); ok && !opts.keep(v.Row(i)) || !ok && opts.filtered() {
			continue
		}
		if v.IsErased(e.ID) {
			e = timeline.Erased(e)
		}
		doc.Entries = append(doc.Entries, e)
	}
	doc.Metrics = MetricRows(within(opts.Metrics, opts.Since, opts.Until), time.UTC)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// ReadJSON reads a JSON export.
func ReadJSON(r io.Reader) (Document, error) {
	var doc Document
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Document{}, fmt.Errorf("reading timeline JSON: %w", err)
	}
	if doc.Format != JSONFormat {
		return Document{}, fmt.Errorf("reading timeline JSON: format %q, want %q", doc.Format, JSONFormat)
	}
	return doc, nil
}
