package export

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/warroomhq/warroom/timeline"
)

var csvHeader = []string{"time", "utc_offset", "id", "source", "kind", "actor", "text", "starred", "amended", "fields", "links", "recorded_utc"}

// CSV writes one row per shown entry, in time order, for a spreadsheet:
// the time in the chosen zone without its offset (spreadsheets read
// "2006-01-02 15:04:05" as a date), the offset in its own column, fields
// as "key=value" lines, links one per line.
func CSV(w io.Writer, entries []timeline.Entry, opts Options) error {
	loc := opts.location()
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, r := range shownRows(timeline.NewView(entries)) {
		if !opts.keep(r) {
			continue
		}
		t := r.Occurred.In(loc)
		record := []string{
			t.Format("2006-01-02 15:04:05"),
			t.Format("-07:00"),
			r.Entry.ID,
			cellText(r.Entry.Source),
			cellText(r.Entry.Kind),
			cellText(r.Entry.Actor),
			cellText(r.Text),
			strconv.FormatBool(r.Starred),
			strconv.FormatBool(r.Amended),
			cellText(joinFields(r.Fields)),
			cellText(strings.Join(r.Links, "\n")),
			r.Entry.Recorded.UTC().Format("2006-01-02 15:04:05"),
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func joinFields(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(k + "=" + fields[k])
	}
	return b.String()
}

// cellText keeps a spreadsheet from running text as a formula: a cell
// starting with =, +, -, @, tab or carriage return gets a leading quote
// (OWASP's advice against CSV injection; chat text is untrusted).
func cellText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
