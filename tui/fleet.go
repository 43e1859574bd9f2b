package tui

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/oddone"
)

// shortOfDesiredAfter is how long a group may sit below its desired
// capacity before the pane warns: launches normally take a few minutes.
const shortOfDesiredAfter = 5 * time.Minute

// trendSamples is how many readings each row keeps for its trend: one per
// refresh, a few minutes' worth.
const trendSamples = 40

// fleetPane shows Auto Scaling groups, one summary row per HAProxy
// instance with its request rate, 5xx rate, error ratio and a trend, and
// slot drift between the two. Enter on a group lists its instances; on an
// HAProxy instance, its frontends, backends and servers, each with its own
// figures.
type fleetPane struct {
	groups   map[string][]integrations.Group
	backends map[string]integrations.BackendsSnapshot

	// Derived once per batch, never per frame.
	allGroups []integrations.Group
	haproxy   []instanceSummary
	servers   map[string][]integrations.Backend  // HAProxy instance → its servers
	proxies   map[string][]integrations.Proxy    // HAProxy instance → its frontends and backends
	findings  []integrations.DriftFinding        // as the pump found them (Batch.Drift)
	trends    map[string]map[string][]trendPoint // source → instance, proxy or server target → its recent readings
	busiest   string                             // the backend with the most requests/s, for the chart and the header

	tables tableSet // laid out for one width when the width changes, not per frame

	list   listView // over the selectable rows: groups, then HAProxy instances
	beyond int      // lines scrolled past the last selectable row (the drift findings)
	zoomIn string   // the group or HAProxy instance drilled into; "" for the overview
	inner  listView // over the drilled-into rows
}

func newFleetPane() fleetPane {
	return fleetPane{trends: map[string]map[string][]trendPoint{},
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
	// Rows come and go (slots are re-pointed): keep the trends of the rows
	// this snapshot has, and only theirs.
	old := p.trends[source]
	trends := make(map[string][]trendPoint, len(snap.Backends)+len(snap.Proxies))
	add := func(key string, r integrations.Rates) {
		ratio, ok := r.ErrorRatio()
		h := append(old[key], trendPoint{ratio: ratio, ok: ok, measured: r.Measured(), window: r.Window})
		trends[key] = h[max(0, len(h)-trendSamples):]
	}
	for _, s := range summarise(snap) {
		add(s.name, s.rates)
	}
	for _, x := range snap.Proxies {
		add(x.Target(), x.Rates)
	}
	for _, b := range snap.Backends {
		add(b.Target(), b.Rates)
	}
	p.trends[source] = trends
	p.derive()
}

func (p *fleetPane) derive() {
	p.servers = map[string][]integrations.Backend{}
	p.proxies = map[string][]integrations.Proxy{}
	p.busiest = ""
	busiest := -1.0
	for _, src := range slices.Sorted(maps.Keys(p.backends)) {
		for _, b := range p.backends[src].Backends {
			p.servers[b.Instance] = append(p.servers[b.Instance], b)
		}
		for _, x := range p.backends[src].Proxies {
			p.proxies[x.Instance] = append(p.proxies[x.Instance], x)
			if x.Kind == integrations.ProxyBackend && x.Rates.Measured() && x.Rates.ReqPerS() > busiest {
				p.busiest, busiest = x.Target(), x.Rates.ReqPerS()
			}
		}
	}
	p.list.clamp(p.selectable())
	if p.zoomIn != "" {
		p.inner.refilter(fleetRows{p})
	}
}

// trend is the recent readings of one row (an instance, a proxy or a
// server), oldest first.
func (p *fleetPane) trend(key string) []trendPoint {
	for _, src := range slices.Sorted(maps.Keys(p.trends)) {
		if h, ok := p.trends[src][key]; ok {
			return h
		}
	}
	return nil
}

// fleetRows are the rows of a drill-in, for its filter.
type fleetRows struct{ p *fleetPane }

func (r fleetRows) count() int { return r.p.innerLen() }

// match is the drill-in filter's match over a row's text.
func (r fleetRows) match(i int, q []string) bool {
	return contains(strings.Join(r.p.innerCells(i, 0), " "), q)
}

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

// innerLen and innerCells give the drilled-into group's instances or
// HAProxy instance's servers one row at a time, so only visible rows are
// formatted. trendW is the width of the trend cell (0: none).
func (p *fleetPane) innerLen() int {
	kind, name, _ := strings.Cut(p.zoomIn, ":")
	if kind == "group" {
		return len(p.group(name).Instances)
	}
	return len(p.servers[name])
}

func (p *fleetPane) innerCells(i, trendW int) []string {
	kind, name, _ := strings.Cut(p.zoomIn, ":")
	if kind == "group" {
		in := p.group(name).Instances[i]
		return []string{in.ID, in.Zone, in.Lifecycle, in.Health, in.PrivateIP, launched(in.LaunchedAt)}
	}
	b := p.servers[name][i]
	addr := "-" // a free slot points nowhere
	if b.Address != "" {
		addr = fmt.Sprintf("%s:%d", b.Address, b.Port)
	}
	return []string{b.Backend, b.Server, string(b.State), addr, strconv.Itoa(b.Weight),
		strconv.Itoa(b.Sessions), limitCell(b.SessionLimit), strconv.Itoa(b.Queue),
		reqCell(b.Rates), fiveCell(b.Rates), errCell(b.Rates), trendCell(p.trend(b.Target()), trendW), oddCell(b.OddOneOut)}
}

// proxyCells are a frontend's or backend's own figures as a drill-in row.
func (p *fleetPane) proxyCells(x integrations.Proxy, trendW int) []string {
	name := x.Name
	if x.Kind == integrations.ProxyFrontend {
		name = "fe:" + x.Name
	}
	return []string{name, "(total)", x.Status, "", "", strconv.Itoa(x.Sessions), limitCell(x.SessionLimit), strconv.Itoa(x.Queue),
		reqCell(x.Rates), fiveCell(x.Rates), errCell(x.Rates), trendCell(p.trend(x.Target()), trendW), oddCell(x.OddOneOut)}
}

// launched is an instance's launch time; an instance whose source gave none
// shows a dash, not the zero time's Mon 00:00.
func launched(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("Mon 15:04")
}

func (p *fleetPane) group(name string) integrations.Group {
	for _, g := range p.allGroups {
		if g.Name == name {
			return g
		}
	}
	return integrations.Group{}
}

// oddLines say, in full and in the timeline's words, which of an HAProxy
// instance's frontends, backends and servers is the odd one out and why.
func (p *fleetPane) oddLines(st Styles, instance, indent string) []string {
	var out []string
	say := func(target, reason string) {
		if reason != "" {
			out = append(out, indent+st.Bad.Render("⚠ odd one out "+target+": "+reason))
		}
	}
	for _, x := range p.proxies[instance] {
		say(x.Target(), x.OddOneOut)
	}
	for _, b := range p.servers[instance] {
		say(b.Target(), b.OddOneOut)
	}
	return out
}

// The columns of the pane's tables, most useful kept longest (see
// layoutTable): names, states and warnings always; then the
// measurements; then counts and limits; addresses, zones and weights go
// first.
var (
	groupColumns = []column{
		{title: "GROUP", width: 10, priority: prioKey},
		{title: "DESIRED", width: 7, right: true, priority: prioNumber},
		{title: "IN-SVC", width: 6, right: true, priority: prioNumber},
		{title: "PEND", width: 4, right: true, priority: prioUseful},
		{title: "MAX", width: 4, right: true, priority: prioDetail},
		{title: "", width: 18, priority: prioKey, flex: true}, // "⚠ short 8 for 10m" whole
	}
	haproxyColumns = []column{
		{title: "HAPROXY", width: 10, priority: prioKey},
		{title: "UP", width: 3, right: true, priority: prioUseful},
		{title: "DRAIN", width: 5, right: true, priority: prioUseful},
		{title: "MAINT", width: 5, right: true, priority: prioDetail},
		{title: "DOWN", width: 4, right: true, priority: prioUseful},
		{title: "REQ/S", width: 7, right: true, priority: prioNumber},
		{title: "5XX/S", width: 6, right: true, priority: prioNumber},
		{title: "ERR", width: 5, right: true, priority: prioNumber},
		{title: "SESS", width: 5, right: true, priority: prioNumber},
		{title: "ERR TREND", width: trendMinWidth, priority: prioNumber, flex: true},
		{title: "", width: 10, priority: prioKey},
	}
	drillColumns = []column{
		{title: "BACKEND", width: 8, priority: prioKey},
		{title: "SERVER", width: 10, priority: prioKey},
		{title: "STATE", width: 5, priority: prioKey},
		{title: "ADDRESS", width: 21, priority: prioDetail},
		{title: "WEIGHT", width: 6, right: true, priority: prioDetail},
		{title: "SESS", width: 5, right: true, priority: prioNumber},
		{title: "LIMIT", width: 5, right: true, priority: prioUseful},
		{title: "QUEUE", width: 5, right: true, priority: prioUseful},
		{title: "REQ/S", width: 7, right: true, priority: prioNumber},
		{title: "5XX/S", width: 6, right: true, priority: prioNumber},
		{title: "ERR", width: 5, right: true, priority: prioNumber},
		{title: "ERR TREND", width: trendMinWidth, priority: prioNumber, flex: true},
		{title: "", width: 5, priority: prioKey},
	}
	instanceColumns = []column{
		{title: "INSTANCE", width: 20, priority: prioKey},
		{title: "ZONE", width: 11, priority: prioDetail},
		{title: "LIFECYCLE", width: 12, priority: prioKey},
		{title: "HEALTH", width: 9, priority: prioKey},
		{title: "ADDRESS", width: 15, priority: prioDetail},
		{title: "LAUNCHED", width: 9, priority: prioUseful},
	}
)

// tableSet is the pane's tables laid out for one width.
type tableSet struct {
	width                               int
	groups, haproxy, servers, instances table
}

func layoutTables(width int) tableSet {
	return tableSet{width: width, groups: layoutTable(groupColumns, width), haproxy: layoutTable(haproxyColumns, width),
		servers: layoutTable(drillColumns, width), instances: layoutTable(instanceColumns, width)}
}

// layout lays the tables out for the pane's inner width; the screen calls
// it when the pane's size changes, so frames reuse it.
func (p *fleetPane) layout(paneWidth int) {
	if w := paneWidth - 4; p.tables.width != w || p.tables.groups.cols == nil {
		p.tables = layoutTables(w)
	}
}

// tablesAt is the layout for a pane width: the one laid out already, or
// (for a size never laid out) a fresh one.
func (p *fleetPane) tablesAt(paneWidth int) tableSet {
	if w := paneWidth - 4; p.tables.width != w || p.tables.groups.cols == nil {
		return layoutTables(w)
	}
	return p.tables
}

// naturalWidth is the pane width that shows every column of the table now
// on screen; needWidth the narrowest that keeps its names, states and
// numbers (the trend and the details may go).
func (p *fleetPane) naturalWidth() int { return p.paneWidthFor(func(column) bool { return true }) }

func (p *fleetPane) needWidth() int {
	return p.paneWidthFor(func(c column) bool { return c.priority >= prioNumber && !c.flex })
}

func (p *fleetPane) paneWidthFor(keep func(column) bool) int {
	cols := haproxyColumns
	switch kind, _, _ := strings.Cut(p.zoomIn, ":"); kind {
	case "group":
		cols = instanceColumns
	case "haproxy":
		cols = drillColumns
	}
	w := 4 - columnGap
	for _, c := range cols {
		if keep(c) {
			w += c.width + columnGap
		}
	}
	return w
}

// overview builds the summary rows and notes which line each selectable
// row sits on. Groups and HAProxy instances number in the tens.
func (p *fleetPane) overview(st Styles, now time.Time, focused bool, paneWidth int) (lines []string, cursorLine int) {
	ts := p.tablesAt(paneWidth)
	lines = append(lines, st.Dim.Render("  "+ts.groups.header()))
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
		lines = append(lines, mark()+ts.groups.row(g.Name, strconv.Itoa(g.Desired), strconv.Itoa(g.InService),
			strconv.Itoa(g.Pending), strconv.Itoa(g.Max), groupHealth(st, g, now)))
		if a, ok := lastFailed(g); ok {
			lines = append(lines, "    "+st.Bad.Render("✗ launch failed "+clockLabel(a.Start, now)+": "+a.Message))
		}
	}
	if len(p.allGroups) == 0 {
		lines = append(lines, st.Dim.Render("  no groups reported"))
	}
	lines = append(lines, "", st.Dim.Render("  "+ts.haproxy.header()))
	for _, s := range p.haproxy {
		note := ""
		if s.down > 0 {
			note = st.Bad.Render(fmt.Sprintf("✗ %d down", s.down))
		}
		lines = append(lines, mark()+ts.haproxy.row(s.name, strconv.Itoa(s.up), strconv.Itoa(s.drain), strconv.Itoa(s.maint),
			strconv.Itoa(s.down), reqCell(s.rates), fiveCell(s.rates), errCell(s.rates), strconv.Itoa(s.sessions),
			trendCell(p.trend(s.name), ts.haproxy.flexW), note))
		lines = append(lines, p.oddLines(st, s.name, "    ")...)
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
	integrations.DriftFinding
	where string
}

func mergeFindings(findings []integrations.DriftFinding) []mergedFinding {
	var out []mergedFinding
	index := map[string]int{}
	for _, f := range findings {
		key := fmt.Sprint(f.Binding.Group, f.Binding.Backend, f.DeadSlots, f.Missing, f.FreeSlots)
		if i, ok := index[key]; ok {
			out[i].where += ", " + f.Binding.Instance + "/" + f.Binding.Backend
			continue
		}
		index[key] = len(out)
		out = append(out, mergedFinding{DriftFinding: f, where: f.Binding.String()})
	}
	return out
}

func orNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
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

// trendPoint is one reading of a row's error ratio.
type trendPoint struct {
	ratio    float64
	ok       bool // there is a ratio: measured, with responses
	measured bool
	window   time.Duration
}

// trendMinWidth fits a few bars and the longest scale, "peak 100% 59m".
const trendMinWidth = 17

var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// trendCell draws the last readings of a row's error ratio in width
// cells: bars on a scale from 0 to the peak of the readings drawn, the
// peak, and the time the readings cover, as in "▁▃█ peak 12% 5m". A
// reading with no ratio is a gap, never a zero; a row with no measured
// reading says so.
func trendCell(h []trendPoint, width int) string {
	if width <= 0 {
		return ""
	}
	n := max(1, width-len("peak 100% 59m")-1)
	h = h[max(0, len(h)-n):]
	peak, measured, ratios := 0.0, time.Duration(0), 0
	for _, pt := range h {
		if pt.ok {
			peak = max(peak, pt.ratio)
			ratios++
		}
		if pt.measured {
			measured += pt.window
		}
	}
	switch {
	case measured == 0:
		return "measuring"
	case ratios == 0:
		return "no responses " + shortDuration(measured)
	}
	bars := make([]rune, len(h))
	for i, pt := range h {
		switch {
		case !pt.ok:
			bars[i] = ' '
		case peak > 0:
			bars[i] = sparkLevels[int(math.Round(pt.ratio/peak*float64(len(sparkLevels)-1)))]
		default:
			bars[i] = sparkLevels[0]
		}
	}
	return string(bars) + " peak " + oddone.Percent(peak) + " " + shortDuration(measured)
}

// The figure cells: "…" while a row is still measuring (its first reading,
// or the first after a restart of its counters), never a made-up 0; "-"
// for a figure that does not apply (no HTTP, no response).
func reqCell(r integrations.Rates) string {
	if !r.Measured() {
		return "…"
	}
	return strconv.FormatFloat(r.ReqPerS(), 'f', 1, 64)
}

func fiveCell(r integrations.Rates) string {
	switch {
	case !r.Measured():
		return "…"
	case !r.HTTP:
		return "-"
	}
	return strconv.FormatFloat(r.HTTP5xxPerS(), 'f', 1, 64)
}

func errCell(r integrations.Rates) string {
	if !r.Measured() {
		return "…"
	}
	ratio, ok := r.ErrorRatio()
	if !ok {
		return "-"
	}
	return oddone.Percent(ratio)
}

func limitCell(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// oddCell marks an odd one out's row; the full reason is on its own line.
func oddCell(reason string) string {
	if reason == "" {
		return ""
	}
	return "⚠ odd"
}

type instanceSummary struct {
	name                   string
	up, drain, maint, down int
	sessions               int
	rates                  integrations.Rates // the instance's own: its frontends'
	throttles              []string
}

// summarise folds an HAProxy snapshot into one row per instance, in the
// order the instances first appear. An instance's rates are its
// frontends' own counters added up (every request enters by exactly one
// frontend; adding backends too would count it twice); with no frontend
// row, its backends'; with neither, its servers'.
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
	byKind := map[string]map[integrations.ProxyKind][]integrations.Rates{}
	var servers = map[string][]integrations.Rates{}
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
		servers[b.Instance] = append(servers[b.Instance], b.Rates)
	}
	for _, x := range snap.Proxies {
		get(x.Instance)
		if byKind[x.Instance] == nil {
			byKind[x.Instance] = map[integrations.ProxyKind][]integrations.Rates{}
		}
		byKind[x.Instance][x.Kind] = append(byKind[x.Instance][x.Kind], x.Rates)
	}
	for i := range out {
		s := &out[i]
		switch k := byKind[s.name]; {
		case len(k[integrations.ProxyFrontend]) > 0:
			s.rates = sumRates(k[integrations.ProxyFrontend])
		case len(k[integrations.ProxyBackend]) > 0:
			s.rates = sumRates(k[integrations.ProxyBackend])
		default:
			s.rates = sumRates(servers[s.name])
		}
	}
	for _, t := range snap.Throttles {
		s := get(t.Instance)
		s.throttles = append(s.throttles, fmt.Sprintf("%s %d%%", t.Tier, t.Percent))
	}
	return out
}

// sumRates adds up rows of one process measured over the same window; any
// row still measuring leaves the sum measuring.
func sumRates(rs []integrations.Rates) integrations.Rates {
	var out integrations.Rates
	for _, r := range rs {
		if !r.Measured() {
			return integrations.Rates{}
		}
		out.Window = max(out.Window, r.Window)
		out.Requests += r.Requests
		out.Denied += r.Denied
		out.HTTP = out.HTTP || r.HTTP
		for c := range r.Responses {
			out.Responses[c] += r.Responses[c]
		}
	}
	return out
}

func (p *fleetPane) render(st Styles, width, height int, focused bool, now time.Time, mark string) string {
	inner := height - 2
	if p.zoomIn != "" {
		kind, name, _ := strings.Cut(p.zoomIn, ":")
		ts := p.tablesAt(width)
		t := ts.instances
		var lines []string
		if kind == "haproxy" {
			t = ts.servers
			lines = p.oddLines(st, name, "  ")
		}
		lines = append(lines, st.Dim.Render("  "+t.header()))
		if kind == "haproxy" {
			// The frontends' and backends' own figures stay on top.
			for _, x := range p.proxies[name] {
				lines = append(lines, "  "+t.row(p.proxyCells(x, t.flexW)...))
			}
		}
		n := p.innerLen()
		start := p.inner.visible(n, inner-len(lines))
		for pos := start; pos < p.inner.count(n) && len(lines) < inner; pos++ {
			line := "  " + t.row(p.innerCells(p.inner.item(pos), t.flexW)...)
			if focused && pos == p.inner.cursor {
				// The row a runbook's parameters are filled from: marked
				// by a symbol, not by colour alone.
				line = st.Selected.Render(fit("▸ "+line[2:], width-2))
			}
			lines = append(lines, line)
		}
		title := fmt.Sprintf("Fleet › %s  %d rows", name, n)
		if p.inner.filter != "" {
			title += fmt.Sprintf("  /%s (%d)", p.inner.filter, p.inner.count(n))
		}
		return frame(st, title+"  (esc back)"+mark, lines, width, height, focused)
	}
	lines, cursorLine := p.overview(st, now, focused, width)
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
