package tui

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
)

// TestScrollKeyDrawsNothing: a scroll key moves a cursor in the layout
// kept since the last change; it draws neither the header nor the footer
// (nor anything else) to measure them. Laying the screen out does, so a
// scroll allocating a fraction of what relayout does has drawn nothing.
func TestScrollKeyDrawsNothing(t *testing.T) {
	m := loadedModel(smallData(), 200, 60)
	m.setFocus(paneTimeline)
	m.relayout()
	layout := testing.AllocsPerRun(50, func() { m.relayout() })
	up, down := tea.KeyPressMsg{Code: tea.KeyUp}, tea.KeyPressMsg{Code: tea.KeyDown}
	i := 0
	scroll := testing.AllocsPerRun(50, func() {
		k := up
		if i%2 == 1 {
			k = down
		}
		next, _ := m.Update(k)
		m = next.(Model)
		i++
	})
	// What a scroll allocates is the model passed by value through
	// Update (tea.Model is an interface): a few allocations, whatever the
	// data; drawing a header and footer takes dozens.
	t.Logf("allocations: a scroll key %.0f, a layout %.0f", scroll, layout)
	if layout < 20 || scroll > 6 {
		t.Fatalf("a scroll key allocates %.0f times, laying out %.0f: the scroll draws", scroll, layout)
	}
}

// sourcedApp is a test application that remembers which source each
// acknowledgement was sent to.
type sourcedApp struct {
	*testApp
	acked []string // source/id
}

func (a *sourcedApp) Can(string, integrations.Capability) bool { return true }

func (a *sourcedApp) Acknowledge(_ context.Context, source, id string) error {
	a.acked = append(a.acked, source+"/"+id)
	return nil
}

// TestAcknowledgeGoesToTheAlertsOwnSource: with two alert sources, a
// acknowledges the selected alert at the source it came from.
func TestAcknowledgeGoesToTheAlertsOwnSource(t *testing.T) {
	app := &sourcedApp{testApp: &testApp{}}
	m := New(Options{App: app, NoColor: true})
	m.width, m.height = 120, 40
	crit := func(id string) integrations.Alert {
		return integrations.Alert{ID: id, Title: id, Service: "web", Severity: integrations.SeverityCritical, Status: integrations.AlertTriggered, CreatedAt: fixtureNow}
	}
	m.apply(integrations.Batch{Alerts: map[string][]integrations.Alert{
		integrations.SourcePagerDuty: {crit("P1")},
		"opsgenie":                   {crit("O1")},
	}})
	m.relayout()
	for _, k := range []string{"1", "down"} {
		next, _ := m.Update(keyMsg(k))
		m = next.(Model)
	}
	// O1 sorts first (same severity, service and time; by id), so down
	// selects PagerDuty's P1; then up selects Opsgenie's O1.
	for _, c := range []struct{ key, want string }{{"", "pagerduty/P1"}, {"up", "opsgenie/O1"}} {
		if c.key != "" {
			next, _ := m.Update(keyMsg(c.key))
			m = next.(Model)
		}
		app.acked = nil
		next, cmd := m.Update(keyMsg("a"))
		m = next.(Model)
		run(cmd)
		if len(app.acked) != 1 || app.acked[0] != c.want {
			t.Fatalf("acknowledged %v, want %s (the alert's own source)", app.acked, c.want)
		}
	}
}
