package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// The header shows the state the source's poller recorded and nothing it
// works out for itself: a source the poller still calls ok reads ok
// however old its last success (the poller turns it stale, on the
// timeline, when its budget runs out), and one it recorded stale reads
// stale on the badge and on its panes.
func TestHeaderShowsOnlyTheRecordedState(t *testing.T) {
	m := screenModel(120, 40, testOpts{})
	old := fixtureNow.Add(-10 * time.Minute)
	m.sources = map[string]integrations.SourceStatus{
		"aws": {Source: "aws", State: integrations.SourceOK, LastSuccess: old, LastAttempt: old, Budget: 30 * time.Second},
	}
	s := screen(m)
	if strings.Contains(s, "STALE") || !strings.Contains(s, "✓ aws 10m") {
		t.Fatalf("an ok source reads other than ok:\n%s", s)
	}
	m.sources["aws"] = integrations.SourceStatus{Source: "aws", State: integrations.SourceStale, LastSuccess: old, LastAttempt: old,
		Budget: 30 * time.Second, LastError: "no successful refresh within 30s"}
	s = screen(m)
	for _, want := range []string{"aws STALE 10m", "Fleet  ⚠ aws STALE, 10m old", "aws: no successful refresh within 30s"} {
		if !strings.Contains(s, want) {
			t.Errorf("a recorded stale source: screen lacks %q\n%s", want, s)
		}
	}
}
