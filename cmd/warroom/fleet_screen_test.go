package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/oddone"
	"github.com/warroomhq/warroom/tui"
)

// TestScreenAgreesWithFleetJSON: the war-room's Fleet pane and `warroom
// fleet --drill --format json` show the same figures for the same
// reading: every edge-3 row's requests/s, 5xx/s and error %, and the odd
// one out with the same reason.
func TestScreenAgreesWithFleetJSON(t *testing.T) {
	r, err := readDrillFleet("stale-slots", 1, 20*time.Second, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	report := fleetReport(r)
	var m tea.Model = tui.New(tui.Options{NoColor: true})
	press := func(msgs ...tea.Msg) {
		for _, msg := range msgs {
			m, _ = m.Update(msg)
		}
	}
	press(tea.WindowSizeMsg{Width: 200, Height: 60},
		integrations.Batch{Fleet: map[string][]integrations.Group{"aws": r.groups}, Backends: map[string]integrations.BackendsSnapshot{"haproxy": r.backends}},
		tea.KeyPressMsg{Code: '2', Text: "2"})
	screen := func() string { return ansi.Strip(m.View().Content) }
	figures := func(x rowJSON) []string {
		if x.Measuring {
			return []string{"…"}
		}
		out := []string{strconv.FormatFloat(*x.ReqPerS, 'f', 1, 64), strconv.FormatFloat(*x.HTTP5xxPerS, 'f', 1, 64)}
		if x.ErrorRatio != nil {
			out = append(out, oddone.Percent(*x.ErrorRatio))
		}
		return out
	}
	var edge3 instanceJSON
	for _, in := range report.HAProxy.Instances {
		if in.Name == "edge-3" {
			edge3 = in
		}
	}
	if len(edge3.Frontends) == 0 || edge3.Frontends[0].OddOneOut == "" {
		t.Fatalf("the reading has no odd frontend on edge-3: %+v", edge3)
	}
	overview := screen()
	line := lineWith(t, overview, "  edge-3 ")
	for _, f := range figures(edge3.Frontends[0]) {
		if !strings.Contains(line, " "+f+" ") {
			t.Errorf("the edge-3 row lacks the JSON's %s: %q", f, line)
		}
	}
	if want := "⚠ odd one out edge-3/fe:http: " + edge3.Frontends[0].OddOneOut; !strings.Contains(overview, want) {
		t.Errorf("the screen lacks %q:\n%s", want, overview)
	}
	// Down to edge-3's row, wherever the instances' order puts it.
	for range len(r.groups) + len(report.HAProxy.Instances) {
		if strings.Contains(screen(), "▸ edge-3 ") {
			break
		}
		press(tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	press(tea.KeyPressMsg{Code: tea.KeyEnter})
	drill := screen()
	if !strings.Contains(drill, "Fleet › edge-3") {
		t.Fatalf("not in edge-3's drill-in:\n%s", drill)
	}
	for _, b := range edge3.Backends {
		line := lineWith(t, drill, fmt.Sprintf("  %-8s (total) ", b.Name))
		for _, f := range figures(b.rowJSON) {
			if !strings.Contains(line, " "+f+" ") {
				t.Errorf("backend %s lacks the JSON's %s: %q", b.Name, f, line)
			}
		}
		for _, s := range b.Servers {
			line := lineWith(t, drill, fmt.Sprintf(" %-8s %-10s %-5s ", b.Name, s.Name, s.State))
			for _, f := range figures(s.rowJSON) {
				if !strings.Contains(line, " "+f+" ") {
					t.Errorf("server %s lacks the JSON's %s: %q", s.Name, f, line)
				}
			}
		}
	}
}

// lineWith is the screen line holding text.
func lineWith(t *testing.T, screen, text string) string {
	t.Helper()
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, text) {
			return l
		}
	}
	t.Fatalf("no line with %q:\n%s", text, screen)
	return ""
}
