package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// shortOfDesiredAfter is how long a group may sit below its desired
// capacity before the pane warns: launches normally take a few minutes.
const shortOfDesiredAfter = 5 * time.Minute

// fleetPane shows Auto Scaling groups and a per-instance HAProxy summary.
type fleetPane struct {
	groups   map[string][]integrations.Group
	backends map[string]integrations.BackendsSnapshot
	offset   int
}

func (p *fleetPane) setGroups(source string, groups []integrations.Group) {
	if p.groups == nil {
		p.groups = map[string][]integrations.Group{}
	}
	p.groups[source] = groups
}

func (p *fleetPane) setBackends(source string, snap integrations.BackendsSnapshot) {
	if p.backends == nil {
		p.backends = map[string]integrations.BackendsSnapshot{}
	}
	p.backends[source] = snap
}

func (p *fleetPane) scroll(delta int) { p.offset = max(0, p.offset+delta) }

// lines builds the pane's rows. The fleet is small next to the timeline
// (tens of groups and HAProxy instances), so it is built whole per frame.
func (p *fleetPane) lines(st Styles, now time.Time) []string {
	var out []string
	out = append(out, st.Dim.Render(fmt.Sprintf("%-14s %7s %6s %5s %4s", "GROUP", "DESIRED", "IN-SVC", "PEND", "MAX")))
	n := 0
	for _, src := range slices.Sorted(maps.Keys(p.groups)) {
		for _, g := range p.groups[src] {
			n++
			row := fmt.Sprintf("%-14s %7d %6d %5d %4d  ", g.Name, g.Desired, g.InService, g.Pending, g.Max)
			out = append(out, row+groupHealth(st, g, now))
			if a, ok := lastFailed(g); ok {
				out = append(out, "  "+st.Bad.Render("✗ launch failed "+clockLabel(a.Start, now)+": "+a.Message))
			}
		}
	}
	if n == 0 {
		out = append(out, st.Dim.Render("no groups reported yet"))
	}
	out = append(out, "", st.Dim.Render(fmt.Sprintf("%-14s %4s %5s %5s %4s %6s %7s", "HAPROXY", "UP", "DRAIN", "MAINT", "DOWN", "SESS", "5XX/S")))
	instances := 0
	for _, src := range slices.Sorted(maps.Keys(p.backends)) {
		snap := p.backends[src]
		for _, s := range summarise(snap) {
			instances++
			row := fmt.Sprintf("%-14s %4d %5d %5d %4d %6d %7.1f", s.name, s.up, s.drain, s.maint, s.down, s.sessions, s.rate5xx)
			if s.down > 0 {
				row += "  " + st.Bad.Render(fmt.Sprintf("✗ %d down", s.down))
			}
			out = append(out, row)
			if len(s.throttles) > 0 {
				out = append(out, "  "+st.Warn.Render("⚑ throttling "+strings.Join(s.throttles, ", ")))
			}
		}
	}
	if instances == 0 {
		out = append(out, st.Dim.Render("no HAProxy instances reported yet"))
	}
	return out
}

// groupHealth is a word and a symbol for the group's state.
func groupHealth(st Styles, g integrations.Group, now time.Time) string {
	switch {
	case g.InService >= g.Desired:
		return st.OK.Render("✓ at desired")
	case !g.DesiredSince.IsZero() && now.Sub(g.DesiredSince) > shortOfDesiredAfter:
		return st.Bad.Render(fmt.Sprintf("⚠ short %d for %s", g.Desired-g.InService, shortDuration(now.Sub(g.DesiredSince))))
	default:
		return st.Warn.Render(fmt.Sprintf("… launching %d", g.Desired-g.InService))
	}
}

// lastFailed is the newest activity when it failed.
func lastFailed(g integrations.Group) (integrations.ScalingActivity, bool) {
	if len(g.Activities) == 0 {
		return integrations.ScalingActivity{}, false
	}
	for _, a := range g.Activities {
		if a.Status == integrations.ActivityFailed {
			return a, true
		}
		if a.Status == integrations.ActivitySuccessful {
			return integrations.ScalingActivity{}, false
		}
	}
	return integrations.ScalingActivity{}, false
}

type instanceSummary struct {
	name                   string
	up, drain, maint, down int
	sessions               int
	rate5xx                float64
	throttles              []string
}

// summarise folds an HAProxy snapshot into one row per instance, in the
// order the instances first appear.
func summarise(snap integrations.BackendsSnapshot) []instanceSummary {
	var out []instanceSummary
	index := map[string]int{}
	get := func(name string) *instanceSummary {
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, instanceSummary{name: name})
		}
		return &out[i]
	}
	for _, b := range snap.Backends {
		s := get(b.Instance)
		switch b.State {
		case integrations.ServerUp:
			s.up++
		case integrations.ServerDrain:
			s.drain++
		case integrations.ServerMaint:
			s.maint++
		default:
			s.down++
		}
		s.sessions += b.Sessions
		s.rate5xx += b.Rate5xx
	}
	for _, t := range snap.Throttles {
		s := get(t.Instance)
		s.throttles = append(s.throttles, fmt.Sprintf("%s %d%%", t.Tier, t.Percent))
	}
	return out
}

func (p *fleetPane) render(st Styles, width, height int, focused bool, now time.Time) string {
	all := p.lines(st, now)
	start := min(p.offset, max(0, len(all)-(height-2)))
	return frame(st, "Fleet", all[start:], width, height, focused)
}
