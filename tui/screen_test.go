package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/runbooks"
)

// screenModel is a model holding the fixtures, sized and ready to draw.
func screenModel(width, height int, opts testOpts) Model {
	opts.Title, opts.Drill, opts.Notice = "Monday surge", true, "simulated world"
	opts.IncidentStart, opts.NoColor = at("07:15"), true
	m := newScreen(opts)
	m.width, m.height, m.now = width, height, fixtureNow
	m.apply(integrations.Batch{
		Alerts:   map[string][]integrations.Alert{"pagerduty": fixtureAlerts()},
		Fleet:    map[string][]integrations.Group{"aws": fixtureGroups()},
		Backends: map[string]integrations.BackendsSnapshot{"haproxy": fixtureBackends()},
		Chat:     fixtureChat(),
		Records:  fixtureRecords(40),
		Samples: []integrations.Sample{
			{Time: fixtureNow.Add(-20 * time.Second), Source: "haproxy", Target: "edge-1/web", Metric: integrations.MetricErrorRatio, Value: 0.012},
			{Time: fixtureNow.Add(-10 * time.Second), Source: "haproxy", Target: "edge-1/web", Metric: integrations.MetricErrorRatio, Value: 0.005},
		},
		Status: map[string]integrations.SourceStatus{
			"aws":   {Source: "aws", State: integrations.SourceOK, LastSuccess: fixtureNow, LastAttempt: fixtureNow, Budget: time.Minute},
			"slack": {Source: "slack", State: integrations.SourceOK, LastSuccess: fixtureNow, LastAttempt: fixtureNow, Budget: time.Minute},
		},
	})
	m.toast = toast{}
	return m
}

func screen(m Model) string { return ansi.Strip(m.View().Content) }

func TestScreenAtEachSize(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := screen(screenModel(size[0], size[1], testOpts{}))
			lines := strings.Split(s, "\n")
			if len(lines) != size[1] {
				t.Errorf("%d lines on a %d-line terminal", len(lines), size[1])
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("line %d is %d wide on a %d-column terminal", i, w, size[0])
				}
			}
			if !strings.Contains(s, "DRILL") {
				t.Error("DRILL is not on screen")
			}
			golden.RequireEqual(t, s)
		})
	}
}

func TestScreenShowsStaleAndFailingSourcesLoudly(t *testing.T) {
	m := screenModel(120, 40, testOpts{})
	m.sources = fixtureStatuses()
	s := screen(m)
	for _, want := range []string{"haproxy STALE 8h00m", "pagerduty DEGRADED 20s", "slack DOWN never"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q", want)
		}
	}
	golden.RequireEqual(t, s)
}

// TestScreenShowsSlotDrift is the stale-slot incident's shape: group web
// has A, B and C in service; edge-1's slots hold A and two dead addresses,
// and no slot is free.
func TestScreenShowsSlotDrift(t *testing.T) {
	m := screenModel(120, 40, testOpts{})
	bindings := []drift.Binding{{Group: "web", Instance: "edge-1", Backend: "web", Port: 8080}}
	inService := func(id, ip string) integrations.Instance {
		return integrations.Instance{ID: id, Group: "web", Lifecycle: integrations.LifecycleInService, PrivateIP: ip}
	}
	slot := func(name, ip string) integrations.Backend {
		return integrations.Backend{Instance: "edge-1", Backend: "web", Server: name, Address: ip, Port: 8080, State: integrations.ServerUp}
	}
	groups := []integrations.Group{{Name: "web", Desired: 3, Max: 10, InService: 3,
		Instances: []integrations.Instance{inService("i-a", "10.0.0.1"), inService("i-b", "10.0.0.2"), inService("i-c", "10.0.0.3")}}}
	slots := []integrations.Backend{slot("web1", "10.0.0.1"), slot("web2", "10.0.9.9"), slot("web3", "10.0.9.8")}
	// The pump derives the drift once and the batch carries it: the pane
	// shows what it is given.
	m.apply(integrations.Batch{
		Fleet:    map[string][]integrations.Group{"aws": groups},
		Backends: map[string]integrations.BackendsSnapshot{"haproxy": {Source: "haproxy", Backends: slots}},
		Drift:    drift.Compare(groups, slots, bindings), DriftChecked: true,
	})
	m.setFocus(paneFleet)
	m.zoomed = true
	s := screen(m)
	for _, want := range []string{"DRIFT web ↔ edge-1/web", "web2 10.0.9.9:8080", "web3 10.0.9.8:8080", "i-b", "i-c", "0 free slots"} {
		if !strings.Contains(s, want) {
			t.Errorf("fleet pane lacks %q:\n%s", want, s)
		}
	}
	golden.RequireEqual(t, s)
}

// TestFooterKeepsTheMostImportantKeysWhenNarrow: the footer line is cut at
// the terminal's width; at 80x24 and narrower it still offers r runbook,
// c chat, ? help and q quit, the keys a responder needs first.
func TestFooterKeepsTheMostImportantKeysWhenNarrow(t *testing.T) {
	sc, _ := drill.Lookup(drill.DefaultScenario)
	cat, err := runbooks.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	opts := testOpts{Actions: drill.New(sc, drill.Options{Seed: 1}).Actions(), Runbooks: testRunbooks{Catalog: cat}}
	for _, width := range []int{80, 60, 40} {
		lines := strings.Split(screen(resized(screenModel(width, 24, opts))), "\n")
		footer := lines[len(lines)-1]
		for _, want := range []string{"r runbook", "c chat", "? help", "q quit"} {
			if !strings.Contains(footer, want) {
				t.Errorf("at %d columns the footer lacks %q: %q", width, want, footer)
			}
		}
	}
	// Read-only hides the mutating keys; help and quit stay first.
	opts.Readonly = true
	lines := strings.Split(screen(resized(screenModel(80, 24, opts))), "\n")
	if footer := lines[len(lines)-1]; !strings.HasPrefix(footer, "? help • q quit") || strings.Contains(footer, "c chat") {
		t.Errorf("read-only footer: %q", footer)
	}
}

// resized gives the model its size as the terminal does, so the help line
// is cut at the width.
func resized(m Model) Model {
	next, _ := m.Update(tea.WindowSizeMsg{Width: m.width, Height: m.height})
	return next.(Model)
}

// TestReadOnlyShowsInTheHeader: --readonly is said on screen, in words,
// beside DRILL, at every width and with or without the drill.
func TestReadOnlyShowsInTheHeader(t *testing.T) {
	for _, width := range []int{200, 120, 80, 60} {
		s := screen(screenModel(width, 24, testOpts{Readonly: true}))
		if top := strings.Split(s, "\n")[0]; !strings.Contains(top, "DRILL   READ-ONLY") {
			t.Errorf("at %d columns the header's first line lacks READ-ONLY beside DRILL: %q", width, top)
		}
	}
	live := newScreen(testOpts{Title: "Monday surge", Readonly: true, NoColor: true})
	if top := live.header(80)[0]; !strings.Contains(top, "READ-ONLY") {
		t.Errorf("live read-only header: %q", top)
	}
	if s := screen(screenModel(80, 24, testOpts{})); strings.Contains(s, "READ-ONLY") {
		t.Error("READ-ONLY shows without --readonly")
	}
	m := screenModel(80, 24, testOpts{Readonly: true})
	m.sources = fixtureStatuses()
	golden.RequireEqual(t, strings.Join(m.header(80), "\n"))
}
