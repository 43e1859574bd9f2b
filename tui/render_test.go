package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
)

func TestAlertsPaneGolden(t *testing.T) {
	var p alertsPane
	p.set("pagerduty", fixtureAlerts())
	t.Run("list", func(t *testing.T) {
		golden.RequireEqual(t, p.draw(PlainStyles(), 72, 8, true, fixtureNow, nil, ""))
	})
	p.detail = true
	t.Run("detail", func(t *testing.T) {
		related := []integrations.Record{{Occurred: at("07:16"), Kind: "alert.triggered", Text: "[critical] web: HTTP 5xx above 5%"}}
		golden.RequireEqual(t, p.draw(PlainStyles(), 72, 16, true, fixtureNow, related, ""))
	})
}

func TestFleetPaneGolden(t *testing.T) {
	p := newFleetPane()
	p.setGroups("aws", fixtureGroups())
	p.setBackends("haproxy", fixtureBackends())
	golden.RequireEqual(t, p.render(PlainStyles(), 80, 12, false, fixtureNow, ""))
}

func TestChatPaneGolden(t *testing.T) {
	p := newChatPane(true)
	p.add(fixtureChat())
	t.Run("newest", func(t *testing.T) {
		golden.RequireEqual(t, p.draw(PlainStyles(), 40, 8, false, fixtureNow, ""))
	})
	p.list.move(-1, len(p.messages), true)
	t.Run("scrolled", func(t *testing.T) {
		golden.RequireEqual(t, p.draw(PlainStyles(), 40, 8, true, fixtureNow, ""))
	})
}

func TestTimelinePaneGolden(t *testing.T) {
	p := newTimelinePane()
	p.add(fixtureRecords(30), false)
	unsaved := fixtureRecords(1)
	unsaved[0].ID, unsaved[0].Occurred = "u1", at("07:15").Add(30*time.Second)
	p.add(unsaved, true)
	golden.RequireEqual(t, p.draw(PlainStyles(), 70, 8, false, fixtureNow))
}

func TestHeaderShowsEverySourceStateInWords(t *testing.T) {
	m := newScreen(testOpts{Title: "Monday surge", Drill: true, Notice: "simulated", IncidentStart: at("07:15"), NoColor: true})
	m.now = fixtureNow
	m.sources = fixtureStatuses()
	got := strings.Join(m.header(160), "\n")
	golden.RequireEqual(t, got)
	for _, want := range []string{"DRILL", "0:25:00", "✓ aws 3s", "haproxy STALE 8h00m", "pagerduty DEGRADED 20s", "slack DOWN never"} {
		if !strings.Contains(got, want) {
			t.Errorf("header lacks %q:\n%s", want, got)
		}
	}
	// At 80 columns the badges and DRILL still show; the title gives way.
	narrow := strings.Join(m.header(80), "\n")
	if !strings.Contains(narrow, "DRILL") || !strings.Contains(narrow, "slack DOWN") {
		t.Errorf("narrow header lost the badges: %q", narrow)
	}
}

func TestPanesRenderExactSize(t *testing.T) {
	var a alertsPane
	a.set("pd", fixtureAlerts())
	c := newChatPane(true)
	c.add(fixtureChat())
	for _, size := range [][2]int{{20, 4}, {40, 10}, {100, 30}} {
		w, h := size[0], size[1]
		for name, out := range map[string]string{
			"alerts": a.draw(NewStyles(true), w, h, true, fixtureNow, nil, ""),
			"chat":   c.draw(NewStyles(true), w, h, false, fixtureNow, ""),
		} {
			lines := strings.Split(out, "\n")
			if len(lines) != h {
				t.Errorf("%s at %dx%d: %d lines", name, w, h, len(lines))
			}
			for i, l := range lines {
				if got := ansi.StringWidth(l); got != w {
					t.Errorf("%s at %dx%d: line %d is %d wide", name, w, h, i, got)
				}
			}
		}
	}
}

// TestOutsideTextCannotBreakTheScreen feeds the panes what a hostile or
// careless source might send: line breaks, tabs, colour and cursor escape
// sequences. Every line stays inside its frame and no escape survives.
func TestOutsideTextCannotBreakTheScreen(t *testing.T) {
	nasty := "line one\nline two\ttabbed \x1b[31mred\x1b[0m \x1b]0;owned\x07 \x1b[2J end"
	m := screenModel(120, 40, testOpts{})
	m.apply(integrations.Batch{
		Alerts:  map[string][]integrations.Alert{"pagerduty": {{ID: "X", Severity: integrations.SeverityCritical, Status: integrations.AlertTriggered, Title: nasty, Body: nasty}}},
		Chat:    []integrations.Message{{User: "eve\x1b[1m", Text: nasty, At: fixtureNow}},
		Records: []integrations.Record{{ID: "z1", Kind: "runbook.plan", Text: nasty, Occurred: fixtureNow}},
	})
	out := m.View().Content
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\x1b[31m", "\t"} {
		if strings.Contains(out, bad) {
			t.Errorf("the screen passes %q through", bad)
		}
	}
	lines := strings.Split(ansi.Strip(out), "\n")
	if len(lines) != 40 {
		t.Fatalf("%d lines on a 40-line screen: a line break got through", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 120 {
			t.Errorf("line %d is %d wide", i, w)
		}
	}
}

// TestHAProxyDrillInShowsServersWithTrends: enter on an HAProxy instance
// lists its servers with state, sessions and a 5xx trend of their own.
func TestHAProxyDrillInShowsServersWithTrends(t *testing.T) {
	p := newFleetPane()
	p.setGroups("aws", fixtureGroups())
	for i := range 3 {
		snap := fixtureBackends()
		for j := range snap.Backends {
			snap.Backends[j].Rate5xx = float64(i * j)
		}
		p.setBackends("haproxy", snap)
	}
	p.list.cursor = len(p.allGroups) // the first HAProxy instance
	p.enter()
	golden.RequireEqual(t, p.render(PlainStyles(), 100, 8, true, fixtureNow, ""))
}

// TestChatWrapsEachMessageOnce: a message is wrapped once, its first line
// beside the time and name and the rest indented, each at its own width.
// Wrapping the rest a second time, two cells narrower, left stray short
// lines (a cut URL's tail alone on a line, a word pushed out on its own)
// and broke names such as scale-up at their hyphen.
func TestChatWrapsEachMessageOnce(t *testing.T) {
	p := newChatPane(true)
	p.add([]integrations.Message{
		{User: "bob", At: at("07:17"), Text: "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk lllllll mmmm"},
		{User: "cy", At: at("07:18"), Text: "see https://example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/b now"},
		{User: "dee", At: at("07:19"), Text: "run haproxy-rolling-restart after scale-up\nthen check the edges"},
	})
	out := p.draw(PlainStyles(), 40, 14, false, fixtureNow, "")
	golden.RequireEqual(t, out)
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "haproxy-") && !strings.Contains(l, "haproxy-rolling-restart") {
			t.Errorf("a runbook name was broken: %q", l)
		}
	}
}

// TestChatPaneSaysWhenChatIsNotConfigured: with no incident channel the
// pane says chat is not configured and how to configure it; a configured
// channel with nothing in it says that instead.
func TestChatPaneSaysWhenChatIsNotConfigured(t *testing.T) {
	off := newChatPane(false)
	out := off.draw(PlainStyles(), 50, 8, false, fixtureNow, "")
	golden.RequireEqual(t, out)
	for _, want := range []string{"chat not configured", "slack: section"} {
		if !strings.Contains(out, want) {
			t.Errorf("unconfigured chat lacks %q:\n%s", want, out)
		}
	}
	empty := newChatPane(true)
	if out := empty.draw(PlainStyles(), 50, 8, false, fixtureNow, ""); strings.Contains(out, "not configured") || !strings.Contains(out, "no messages") {
		t.Errorf("an empty configured channel reads:\n%s", out)
	}
	// A session with no chat action is one with no channel configured.
	m := newScreen(testOpts{Title: "INC-7", NoColor: true})
	m.setFocus(paneChat)
	if s := screen(m); !strings.Contains(s, "chat not configured") {
		t.Errorf("a session with no chat action does not say chat is not configured:\n%s", s)
	}
	sc, _ := drill.Lookup(drill.DefaultScenario)
	m = newScreen(testOpts{Title: "drill", NoColor: true, Actions: drill.New(sc, drill.Options{}).Actions()})
	m.setFocus(paneChat)
	if s := screen(m); strings.Contains(s, "not configured") {
		t.Errorf("a session with a channel says chat is not configured:\n%s", s)
	}
}

// TestFleetInstanceWithoutLaunchTimeShowsDash: an instance its source gave
// no launch time reads — in LAUNCHED, not the zero time's Mon 00:00.
func TestFleetInstanceWithoutLaunchTimeShowsDash(t *testing.T) {
	p := newFleetPane()
	p.setGroups("aws", []integrations.Group{{Name: "web", Desired: 2, Max: 4, InService: 1, Pending: 1, Instances: []integrations.Instance{
		{ID: "i-0a1", Zone: "eu-west-1a", Lifecycle: integrations.LifecycleInService, Health: "Healthy", PrivateIP: "10.0.0.1", LaunchedAt: at("07:20")},
		{ID: "i-0b2", Zone: "eu-west-1b", Lifecycle: integrations.LifecyclePending, PrivateIP: "10.0.0.2"},
	}}})
	p.enter()
	out := p.render(PlainStyles(), 90, 6, true, fixtureNow, "")
	golden.RequireEqual(t, out)
	if strings.Contains(out, "00:00") {
		t.Errorf("the zero launch time shows:\n%s", out)
	}
}
