package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
)

// shortOfDesiredAfter is how long a group may sit below its desired
// capacity before the pane warns: launches normally take a few minutes.
const shortOfDesiredAfter = 5 * time.Minute

// sparkSamples is how many 5xx-rate samples each HAProxy instance keeps
// for its sparkline: one per refresh, a few minutes' worth.
const sparkSamples = 40

// fleetPane shows Auto Scaling groups, one summary row per HAProxy
// instance with a 5xx sparkline, and slot drift between the two. Enter on
// a group lists its instances; on an HAProxy instance, its servers.
type fleetPane struct {
	groups   map[string][]integrations.Group
	backends map[string]integrations.BackendsSnapshot
	bindings []drift.Binding

	// Derived once per batch, never per frame.
	allGroups []integrations.Group
	haproxy   []instanceSummary
	servers   map[string][]integrations.Backend // HAProxy instance → its servers
	findings  []drift.Finding
	history   map[string][]float64 // HAProxy instance → recent 5xx/s
	perServer map[string][]float64 // "instance/backend/server" → recent 5xx/s

	list   listView // over the selectable rows: groups, then HAProxy instances
	beyond int      // lines scrolled past the last selectable row (the drift findings)
	zoomIn string   // the group or HAProxy instance drilled into; "" for the overview
	inner  listView // over the drilled-into rows
}

func newFleetPane(bindings []drift.Binding) fleetPane {
	return fleetPane{bindings: bindings, history: map[string][]float64{},
		groups: map[string][]integrations.Group{}, backends: map[string]integrations.BackendsSnapshot{}}
}

func (p *fleetPane) setGroups(source string, groups []integrations.Group) {
	p.groups[source] = groups
	p.allGroups = p.allGroups[:0]
	for _, src := range slices.Sorted(maps.Keys(p.groups)) {
		p.allGroups = append(p.allGroups, p.groups[src]...)
	}
	p.derive()
}

func (p *fleetPane) setBackends(source string, snap integrations.BackendsSnapshot) {
	p.backends[source] = snap
	p.haproxy = p.haproxy[:0]
	for _, src := range slices.Sorted(maps.Keys(p.backends)) {
		p.haproxy = append(p.haproxy, summarise(p.backends[src])...)
	}
	for _, s := range summarise(snap) {
		h := append(p.history[s.name], s.rate5xx)
		p.history[s.name] = h[max(0, len(h)-sparkSamples):]
	}
	// Servers come and go (slots are re-pointed): keep the history of the
	// servers this snapshot has, and only theirs.
	perServer := make(map[string][]float64, len(snap.Backends))
	for _, b := range snap.Backends {
		key := serverKey(b)
		h := append(p.perServer[key], b.Rate5xx)
		perServer[key] = h[max(0, len(h)-sparkSamples):]
	}
	p.perServer = perServer
	p.derive()
}

func (p *fleetPane) derive() {
	var backends []integrations.Backend
	p.servers = map[string][]integrations.Backend{}
	for _, src := range slices.Sorted(maps.Keys(p.backends)) {
		for _, b := range p.backends[src].Backends {
			backends = append(backends, b)
			p.servers[b.Instance] = append(p.servers[b.Instance], b)
		}
	}
	p.findings = drift.Compare(p.allGroups, backends, p.bindings)
	p.list.clamp(p.selectable())
	if p.zoomIn != "" {
		p.inner.setFilter(p.inner.filter, p.innerLen(), p.innerMatch)
	}
}

// innerMatch is the drill-in filter's match over a row's text.
func (p *fleetPane) innerMatch(i int, q string) bool { return contains(p.innerRow(i), q) }

func (p *fleetPane) selectable() int { return len(p.allGroups) + len(p.haproxy) }

// enter drills into the selected row.
func (p *fleetPane) enter() {
	if p.zoomIn != "" || p.selectable() == 0 {
		return
	}
	if c := p.list.cursor; c < len(p.allGroups) {
		p.zoomIn = "group:" + p.allGroups[c].Name
	} else {
		p.zoomIn = "haproxy:" + p.haproxy[c-len(p.allGroups)].name
	}
	p.inner = listView{}
}

// back leaves a drill-in.
func (p *fleetPane) back() { p.zoomIn = "" }

func (p *fleetPane) move(delta int) {
	if p.zoomIn != "" {
		p.inner.move(delta, p.innerLen(), false)
		return
	}
	n := p.selectable()
	switch {
	case delta > 0 && p.list.cursor >= n-1:
		// Past the last row, keep scrolling: the drift findings are below.
		lines, _ := p.overview(PlainStyles(), time.Time{}, false, 80)
		p.beyond = min(p.beyond+delta, len(lines))
	case delta < 0 && p.beyond > 0:
		p.beyond = max(0, p.beyond+delta)
	default:
		p.list.move(delta, n, false)
	}
}

// innerLen and innerRow give the drilled-into group's instances or HAProxy
// instance's servers one row at a time, so only visible rows are formatted.
func (p *fleetPane) innerLen() int {
	kind, name, _ := strings.Cut(p.zoomIn, ":")
	if kind == "group" {
		return len(p.group(name).Instances)
	}
	return len(p.servers[name])
}

func (p *fleetPane) innerRow(i int) string {
	kind, name, _ := strings.Cut(p.zoomIn, ":")
	if kind == "group" {
		in := p.group(name).Instances[i]
		return fmt.Sprintf("%-20s %-11s %-12s %-9s %-15s %s", in.ID, in.Zone, in.Lifecycle, in.Health, in.PrivateIP, launched(in.LaunchedAt))
	}
	b := p.servers[name][i]
	h := p.perServer[serverKey(b)]
	addr := "-" // a free slot points nowhere
	if b.Address != "" {
		addr = fmt.Sprintf("%s:%d", b.Address, b.Port)
	}
	return fmt.Sprintf("%-10s %-14s %-5s %-21s %6d %6d %7.1f  %s", b.Backend, b.Server, b.State,
		addr, b.Weight, b.Sessions, b.Rate5xx, sparkline(h[max(0, len(h)-20):]))
}

// launched is an instance's launch time; an instance whose source gave none
// shows a dash, not the zero time's Mon 00:00.
func launched(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("Mon 15:04")
}

func serverKey(b integrations.Backend) string { return b.Instance + "/" + b.Backend + "/" + b.Server }

func (p *fleetPane) group(name string) integrations.Group {
	for _, g := range p.allGroups {
		if g.Name == name {
			return g
		}
	}
	return integrations.Group{}
}

func (p *fleetPane) innerHeader() string {
	if strings.HasPrefix(p.zoomIn, "group:") {
		return fmt.Sprintf("%-20s %-11s %-12s %-9s %-15s %s", "INSTANCE", "ZONE", "LIFECYCLE", "HEALTH", "ADDRESS", "LAUNCHED")
	}
	return fmt.Sprintf("%-10s %-14s %-5s %-21s %6s %6s %7s  %s", "BACKEND", "SERVER", "STATE", "ADDRESS", "WEIGHT", "SESS", "5XX/S", "5XX TREND")
}

// overview builds the summary rows and notes which line each selectable
// row sits on. Groups and HAProxy instances number in the tens.
func (p *fleetPane) overview(st Styles, now time.Time, focused bool, width int) (lines []string, cursorLine int) {
	lines = append(lines, st.Dim.Render(fmt.Sprintf("  %-12s %7s %6s %4s %4s", "GROUP", "DESIRED", "IN-SVC", "PEND", "MAX")))
	row := 0
	mark := func() string {
		defer func() { row++ }()
		if focused && row == p.list.cursor {
			cursorLine = len(lines)
			return "▸ "
		}
		return "  "
	}
	for _, g := range p.allGroups {
		lines = append(lines, fmt.Sprintf("%s%-12s %7d %6d %4d %4d  %s", mark(), g.Name, g.Desired, g.InService, g.Pending, g.Max, groupHealth(st, g, now)))
		if a, ok := lastFailed(g); ok {
			lines = append(lines, "    "+st.Bad.Render("✗ launch failed "+clockLabel(a.Start, now)+": "+a.Message))
		}
	}
	if len(p.allGroups) == 0 {
		lines = append(lines, st.Dim.Render("  no groups reported"))
	}
	lines = append(lines, "", st.Dim.Render(fmt.Sprintf("  %-12s %3s %5s %5s %4s %5s %6s  %s", "HAPROXY", "UP", "DRAIN", "MAINT", "DOWN", "SESS", "5XX/S", "5XX TREND")))
	// The trend gets what width is left, keeping room for a "down" flag.
	const rowWidth = 2 + 12 + 4 + 6 + 6 + 5 + 6 + 7 + 2
	trend := max(4, min(sparkSamples, width-rowWidth-12))
	for _, s := range p.haproxy {
		h := p.history[s.name]
		line := fmt.Sprintf("%s%-12s %3d %5d %5d %4d %5d %6.1f  %s", mark(), s.name, s.up, s.drain, s.maint, s.down, s.sessions, s.rate5xx, sparkline(h[max(0, len(h)-trend):]))
		if s.down > 0 {
			line += "  " + st.Bad.Render(fmt.Sprintf("✗ %d down", s.down))
		}
		lines = append(lines, line)
		if len(s.throttles) > 0 {
			lines = append(lines, "    "+st.Warn.Render("⚑ throttling "+strings.Join(s.throttles, ", ")))
		}
	}
	if len(p.haproxy) == 0 {
		lines = append(lines, st.Dim.Render("  no HAProxy instances reported"))
	}
	for _, f := range mergeFindings(p.findings) {
		lines = append(lines, "", st.Bad.Render("⚠ DRIFT "+f.where))
		lines = append(lines, st.Bad.Render(fmt.Sprintf("  %d dead slots: %s", len(f.DeadSlots), orNone(f.DeadSlots))))
		lines = append(lines, st.Bad.Render(fmt.Sprintf("  %d missing:    %s", len(f.Missing), orNone(f.Missing))))
		lines = append(lines, st.Bad.Render(fmt.Sprintf("  %d free slots", f.FreeSlots)))
	}
	return lines, cursorLine
}

// mergedFinding is one drift shared by several HAProxy instances: edges
// behind the same sync usually drift the same way, and one block says it
// once.
type mergedFinding struct {
	drift.Finding
	where string
}

func mergeFindings(findings []drift.Finding) []mergedFinding {
	var out []mergedFinding
	index := map[string]int{}
	for _, f := range findings {
		key := fmt.Sprint(f.Binding.Group, f.Binding.Backend, f.DeadSlots, f.Missing, f.FreeSlots)
		if i, ok := index[key]; ok {
			out[i].where += ", " + f.Binding.Instance + "/" + f.Binding.Backend
			continue
		}
		index[key] = len(out)
		out = append(out, mergedFinding{Finding: f, where: f.Binding.String()})
	}
	return out
}

func orNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// sparkline draws samples scaled to their own maximum; all-zero is flat.
func sparkline(samples []float64) string {
	peak := 0.0
	for _, v := range samples {
		peak = max(peak, v)
	}
	out := make([]rune, len(samples))
	for i, v := range samples {
		level := 0
		if peak > 0 {
			level = int(v / peak * float64(len(sparkLevels)-1))
		}
		out[i] = sparkLevels[level]
	}
	return string(out)
}

// groupHealth is a word and a symbol for the group's state.
func groupHealth(st Styles, g integrations.Group, now time.Time) string {
	if _, failed := lastFailed(g); failed && g.InService >= g.Desired {
		return st.Warn.Render("⚠ at desired, last launch failed")
	}
	switch {
	case g.InService >= g.Desired:
		return st.OK.Render("✓ at desired")
	case !g.DesiredSince.IsZero() && now.Sub(g.DesiredSince) > shortOfDesiredAfter:
		return st.Bad.Render(fmt.Sprintf("⚠ short %d for %s", g.Desired-g.InService, shortDuration(now.Sub(g.DesiredSince))))
	default:
		return st.Warn.Render(fmt.Sprintf("… launching %d", g.Desired-g.InService))
	}
}

// lastFailed is the newest finished activity when it failed.
func lastFailed(g integrations.Group) (integrations.ScalingActivity, bool) {
	for _, a := range g.Activities {
		switch a.Status {
		case integrations.ActivityFailed:
			return a, true
		case integrations.ActivitySuccessful:
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

func (p *fleetPane) render(st Styles, width, height int, focused bool, now time.Time, mark string) string {
	inner := height - 2
	if p.zoomIn != "" {
		n := p.innerLen()
		start := p.inner.visible(n, inner-1)
		lines := []string{st.Dim.Render("  " + p.innerHeader())}
		for pos := start; pos < p.inner.count(n) && len(lines) < inner; pos++ {
			line := "  " + p.innerRow(p.inner.item(pos))
			if focused && pos == p.inner.cursor {
				// The row a runbook's parameters are filled from: marked
				// by a symbol, not by colour alone.
				line = st.Selected.Render(fit("▸ "+line[2:], width-2))
			}
			lines = append(lines, line)
		}
		_, name, _ := strings.Cut(p.zoomIn, ":")
		title := fmt.Sprintf("Fleet › %s  %d rows", name, n)
		if p.inner.filter != "" {
			title += fmt.Sprintf("  /%s (%d)", p.inner.filter, p.inner.count(n))
		}
		return frame(st, title+"  (esc back)"+mark, lines, width, height, focused)
	}
	lines, cursorLine := p.overview(st, now, focused, width-2)
	start := 0
	if cursorLine >= inner {
		start = cursorLine - inner + 1
	}
	start = max(0, min(start+p.beyond, len(lines)-inner))
	title := "Fleet"
	if len(p.findings) > 0 {
		title += "  " + st.Bad.Render(fmt.Sprintf("⚠ %d drift", len(p.findings)))
	}
	return frame(st, title+mark, lines[start:], width, height, focused)
}
