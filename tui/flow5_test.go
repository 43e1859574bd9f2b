package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
)

func press(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		case "tab":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
		case "down":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
		default:
			r := []rune(k)[0]
			tm.Send(tea.KeyPressMsg{Code: r, Text: k})
		}
	}
}

func loaded(t *testing.T, opts testOpts) *teatest.TestModel {
	t.Helper()
	opts.Title, opts.Drill, opts.NoColor = "Monday surge", true, true
	opts.IncidentStart, opts.Clock = fixtureNow, func() time.Time { return fixtureNow }
	tm := opts.program(t, 120, 40)
	tm.Send(integrations.Batch{
		Alerts:   map[string][]integrations.Alert{"pagerduty": fixtureAlerts()},
		Fleet:    map[string][]integrations.Group{"aws": withInstances(fixtureGroups(), 2000)},
		Backends: map[string]integrations.BackendsSnapshot{"haproxy": fixtureBackends()},
		Chat:     fixtureChat(),
		Records:  fixtureRecords(200),
	})
	waitFor(t, tm, "triggered")
	return tm
}

func withInstances(groups []integrations.Group, n int) []integrations.Group {
	for i := range n {
		groups[0].Instances = append(groups[0].Instances, integrations.Instance{
			ID: "i-" + strings.Repeat("0", 6) + string(rune('a'+i%26)), Zone: "us-east-1a", Lifecycle: integrations.LifecycleInService})
	}
	return groups
}

func finish(t *testing.T, tm *teatest.TestModel) Model {
	t.Helper()
	// In the runbook panel the first ctrl+c closes the panel; the next quits.
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
}

func TestFilterNarrowsTheFocusedPane(t *testing.T) {
	tm := loaded(t, testOpts{})
	press(tm, "/")
	tm.Type("cpu")
	press(tm, "enter")
	final := finish(t, tm)
	if got := final.alerts.list.count(len(final.alerts.sorted)); got != 1 {
		t.Fatalf("filter cpu leaves %d alerts, want 1", got)
	}
	if a, _ := final.alerts.selected(); a.ID != "A3" {
		t.Fatalf("selected %s, want the CPU alert A3", a.ID)
	}
}

func TestZoomAndBack(t *testing.T) {
	tm := loaded(t, testOpts{})
	press(tm, "4", "z")
	waitFor(t, tm, "zoomed (z)")
	m := finish(t, tm)
	if !m.zoomed || m.focus != paneTimeline {
		t.Fatalf("zoomed=%v focus=%d, want the timeline zoomed", m.zoomed, m.focus)
	}
	ps := m.lay.panes // the layout Update kept
	if len(ps) != 1 || ps[0].w != 120 {
		t.Fatalf("zoomed layout %+v, want one full-width pane", ps)
	}
}

func TestDrillIntoAGroupListsItsInstances(t *testing.T) {
	tm := loaded(t, testOpts{})
	press(tm, "2", "enter")
	waitFor(t, tm, "2000 rows")
	press(tm, "G")
	final := finish(t, tm)
	if final.fleet.zoomIn != "group:web" {
		t.Fatalf("drilled into %q", final.fleet.zoomIn)
	}
	if final.fleet.innerLen() != 2000 || final.fleet.inner.cursor != 1999 {
		t.Fatalf("instances %d, cursor %d; want 2000 with the cursor on the last", final.fleet.innerLen(), final.fleet.inner.cursor)
	}
}

func TestFilterTheInstancesOfAGroup(t *testing.T) {
	tm := loaded(t, testOpts{})
	press(tm, "2", "enter", "/")
	tm.Type("000000q")
	press(tm, "enter")
	final := finish(t, tm)
	n := final.fleet.innerLen()
	if got := final.fleet.inner.count(n); got != 2000/26+1 {
		t.Fatalf("filter left %d of %d instances, want the %d ending in q", got, n, 2000/26+1)
	}
}

// TestComposeChatInDrill posts through the drill world's chat, the same
// interface the Slack adapter implements.
func TestComposeChatInDrill(t *testing.T) {
	sc, _ := drill.Lookup(drill.DefaultScenario)
	world := drill.New(sc, drill.Options{Seed: 1})
	tm := loaded(t, testOpts{Actions: world.Actions()})
	press(tm, "c")
	waitFor(t, tm, "chat ▸")
	tm.Type("scaling web to 12 now")
	press(tm, "enter")
	// The post reaches the world's channel: the next step publishes it.
	var posted []integrations.Message
	teatest.WaitFor(t, tm.Output(), func([]byte) bool {
		world.Step(world.Now(), integrations.PublisherFunc(func(e integrations.Event) {
			if c, ok := e.(integrations.ChatPosted); ok {
				posted = append(posted, c.Messages...)
			}
		}))
		return len(posted) > 0
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	finish(t, tm)
	if len(posted) != 1 || posted[0].Text != "scaling web to 12 now" || posted[0].User != "you" {
		t.Fatalf("the drill channel got %+v", posted)
	}
}

func TestReadonlyRefusesMutatingKeys(t *testing.T) {
	sc, _ := drill.Lookup(drill.DefaultScenario)
	world := drill.New(sc, drill.Options{Seed: 1})
	tm := loaded(t, testOpts{Actions: world.Actions(), Readonly: true})
	press(tm, "a")
	waitFor(t, tm, "read-only: acknowledge refused")
	press(tm, "c")
	waitFor(t, tm, "posting to chat refused")
	final := finish(t, tm)
	if final.inputLine() != nil {
		t.Fatal("read-only mode opened the chat composer")
	}
	if strings.Contains(screen(final), "acknowledge") && final.help.ShowAll {
		t.Fatal("read-only help still offers acknowledge")
	}
	for _, a := range final.alerts.sorted {
		if a.ID == "A2" && a.Status != integrations.AlertTriggered {
			t.Fatal("read-only mode changed an alert")
		}
	}
}

func TestResolveAsksFirst(t *testing.T) {
	actor := &recordingActor{}
	tm := loaded(t, testOpts{Actions: integrations.Actions{Alerts: actor}})
	press(tm, "R")
	waitFor(t, tm, "y to confirm")
	press(tm, "x") // anything but y cancels
	waitFor(t, tm, "cancelled")
	press(tm, "R", "y")
	waitFor(t, tm, "resolve A2 done")
	finish(t, tm)
	if len(actor.resolved) != 1 || actor.resolved[0] != "A2" {
		t.Fatalf("resolved %v, want only A2 after the confirmed attempt", actor.resolved)
	}
}
