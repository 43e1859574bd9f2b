package tui

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// TestTypedFilterMatchesAFreshOne: narrowing the previous matches as a
// query is typed, and restoring them on backspace, lists exactly what
// filtering every entry afresh lists, including after entries arrive
// and an entry's text is amended mid-query.
func TestTypedFilterMatchesAFreshOne(t *testing.T) {
	var all []integrations.Record
	typed := newTimelinePane()
	add := func(recs ...integrations.Record) {
		all = append(all, recs...)
		typed.add(recs, false)
	}
	entries := func(from, n int) []integrations.Record {
		var out []integrations.Record
		for i := from; i < from+n; i++ {
			// Out of time order now and then, as entries from several
			// sources arrive.
			at := fixtureNow.Add(time.Duration((i*37)%600) * time.Second)
			out = append(out, integrations.Record{ID: fmt.Sprint("e", i), Occurred: at,
				Source: "pagerduty", Kind: integrations.KindAlertTriggered, Text: fmt.Sprintf("Entry %d on web-%d", i, i%7)})
		}
		return out
	}
	add(entries(0, 500)...)
	fresh := func() []int {
		p := newTimelinePane()
		p.add(slices.Clone(all), false)
		p.list.setFilter(typed.list.filter, &p)
		return p.list.matches
	}
	check := func(step string) {
		t.Helper()
		if got, want := typed.list.matches, fresh(); !slices.Equal(got, want) {
			t.Fatalf("%s /%s: %d matches, a fresh filter %d", step, typed.list.filter, len(got), len(want))
		}
	}
	query := "entry 1 web-3"
	for i := 1; i <= len(query); i++ {
		typed.list.setFilter(query[:i], &typed)
		check("typing")
		if i == 8 {
			add(entries(500, 50)...) // arrive while filtered
			check("arrived")
		}
	}
	add(integrations.Record{ID: "a1", Occurred: fixtureNow, Kind: integrations.KindAmend, Text: "Entry 13 on web-3 (edited)", Target: "e20", Op: integrations.OpText})
	for i := len(query) - 1; i >= 0; i-- {
		typed.list.setFilter(query[:i], &typed)
		check("backspace")
	}
}
