package drill

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/integrations/oddone"
)

// Web is the web tier a scenario composes: Auto Scaling groups, one of
// which serves the traffic, and the HAProxy edges before it (throttles,
// shed features, server-template slots), with an optional front that
// spreads traffic over the edges. It serves each second's demand after
// every other model stepped, so the systems behind the web servers
// (faulters) fail their share of that second; what it passes on is the
// load downstream models see next second. It answers the Scaler,
// LoadBalancer and LoadShedder actions and publishes as the AWS and
// HAProxy adapters do.
//
// The built-in scenarios list their Web first, so each second's launches
// and demand are drawn before the other models step; any order is
// deterministic, the order only decides which draws come first.
type Web struct {
	// Demand is the offered load in requests per second, seconds after
	// the scenario's start.
	Demand func(elapsed float64) float64
	// FreeShare is the fraction of traffic from the free tier.
	FreeShare float64
	// PerInstance is what one web instance serves before it overloads.
	PerInstance float64
	// Meltdown, when set, is the share of its capacity a web instance
	// still serves once offered over 120% of it: workers forked past
	// memory, the OOM killer taking masters, processes restarting cold.
	Meltdown float64
	// LaunchSeconds is the range new instances take to come into service,
	// unless a launch model (a provisioner) says otherwise.
	LaunchSeconds [2]int
	Groups        []GroupSpec
	WebGroup      string // the group that serves the traffic
	Edges         []string
	// Front, when set, names a front HAProxy instance that spreads traffic
	// over the edges (each a server of its backend "edges"): a rolling
	// reload drains each edge there first.
	Front string
	// Slots, when set, gives each edge that many server-template slots,
	// filled once at the start and re-resolved only by a reload: the slot
	// sync is broken. Zero: the edges follow the group.
	Slots int
	// TerminateOldest makes a scale-in remove the oldest instances first.
	TerminateOldest bool
	// Schedule lists capacity changes that happen by themselves.
	Schedule []Scheduled
	// FailingEdge, when set, names an edge that fails FailingShare of the
	// requests it receives by itself (it ran out of ephemeral ports, say)
	// until it is reloaded: an odd one out among the edges.
	FailingEdge  string
	FailingShare float64
	// Optional names the optional features the edges can shed, each with
	// the share of traffic it carries.
	Optional map[string]float64

	w      *World
	groups []*group
	edges  []*edge
	front  *edge // the front instance before the edges, when there is one
	// demand is this second's offered load.
	demand float64
	// live are the web group's in-service instances, as of the last
	// launch; liveIDs the same as a set.
	live    []integrations.Instance
	liveIDs map[string]bool
	// The models behind the web servers and those its launches wait on.
	faulters  []faulter
	launchers []launchModel
	// The drill measures its edges as warroom measures HAProxy: cumulative
	// counters read every measureEvery, rates from their deltas.
	meter   integrations.Meter
	sampler integrations.BackendSampler
}

// Milestones the web tier reaches.
const (
	MilestoneScaleUp  = "scale-up"        // the web group's desired first rises by hand
	MilestoneThrottle = "throttle"        // a throttle is first set above 0
	MilestoneLifted   = "throttle-lifted" // every throttle is back at 0 following one
	MilestoneReload   = "reload"          // the first HAProxy reload
	MilestoneShed     = "shed"            // optional load first shed
)

// webPort is where the drill's web servers listen.
const webPort = 8080

// Row keys of an edge's counters besides its servers (by server name).
const (
	frontendName = "http"
	backendName  = "web"
	frontendKey  = "frontend:" + frontendName
	backendKey   = "backend:" + backendName
)

type group struct {
	integrations.Group
	ready map[string]time.Time // pending instance id → when it comes into service
}

type edge struct {
	name      string
	throttles map[string]int
	shed      map[string]bool // optional features answered 503 at this edge
	reloads   int
	pid       int
	servers   map[string]integrations.ServerState // admin state set by hand, by server name
	// counts are the edge's cumulative counters by row (a server's name,
	// frontendKey, backendKey) since its worker started; rates are what
	// the last reading measured.
	counts map[string]*tally
	rates  map[string]integrations.Rates
	// failing is the share of its requests the edge fails by itself, with
	// no server involved, until it is reloaded.
	failing float64
	// sessions are a front's open sessions on each edge (nil on an edge).
	sessions map[string]float64
	// slots are the edge's fixed server-template slots when the scenario
	// has them (nil: the edge follows the group, as a working service
	// discovery sync would). Only a reload re-resolves them.
	slots []slot
}

// tally counts one row's traffic; fractions of a request add up.
type tally struct {
	requests, ok, throttled, shed, failed float64
}

// counters are the row's figures as HAProxy counts them: a throttled
// request is denied with a 429, a shed one answered 503 by the edge.
func (t *tally) counters() integrations.Counters {
	return integrations.Counters{Requests: uint64(t.requests), Denied: uint64(t.throttled), HTTP: true,
		Responses: [5]uint64{0, uint64(t.ok), 0, uint64(t.throttled), uint64(t.failed + t.shed)}}
}

func (e *edge) tally(key string) *tally {
	t, ok := e.counts[key]
	if !ok {
		t = &tally{}
		e.counts[key] = t
	}
	return t
}

// slot is one server-template slot: the instance it was last pointed at
// ("" when free) and that instance's address, kept after it is gone.
type slot struct {
	name, instance, addr string
}

// server is one server line of an edge as traffic sees it.
type server struct {
	name, addr, instance string
	state                integrations.ServerState
}

// attach builds the starting fleet and edges on the world's clock and
// seed, and finds the models the tier asks: those behind its servers and
// those its launches wait on.
func (m *Web) attach(w *World) {
	m.w = w
	m.faulters, m.launchers = modelsOf[faulter](w), modelsOf[launchModel](w)
	start := w.sc.Start
	for _, gs := range m.Groups {
		g := &group{Group: integrations.Group{
			Name: gs.Name, Desired: gs.Desired, Min: gs.Min, Max: gs.Max,
			Activities: slices.Clone(gs.Activities), DesiredSince: start.Add(-61 * time.Hour),
		}, ready: map[string]time.Time{}}
		for i := range gs.Desired {
			in := m.newInstance(gs.Name, integrations.LifecycleInService, start.Add(-72*time.Hour))
			if i < len(gs.IDs) {
				in.ID = gs.IDs[i]
			}
			g.Instances = append(g.Instances, in)
		}
		g.recount()
		m.groups = append(m.groups, g)
	}
	for i, name := range m.Edges {
		e := &edge{name: name, throttles: map[string]int{}, shed: map[string]bool{}, pid: 1000 + 10*i,
			servers: map[string]integrations.ServerState{}, counts: map[string]*tally{}}
		if name == m.FailingEdge {
			e.failing = m.FailingShare
		}
		if m.Slots > 0 {
			e.slots = make([]slot, m.Slots)
			e.resolve(inService(m.group(m.WebGroup)))
		}
		m.edges = append(m.edges, e)
	}
	if m.Front != "" {
		m.front = newFront(m.Front, m.Edges)
	}
	m.relive()
	m.readCounters() // the first reading: rates from the first interval on
}

// second launches and retires instances, applies the scheduled capacity
// changes and draws the second's demand.
func (m *Web) second(w *World) []integrations.Event {
	var out []integrations.Event
	for _, g := range m.groups {
		out = append(out, m.launch(g)...)
	}
	if len(out) > 0 { // an instance came into service or went
		m.relive()
	}
	out = append(out, m.schedule()...)
	m.demand = m.Demand(w.elapsed()) * (0.97 + 0.06*w.rng.Float64())
	return out
}

// throttleFraction is the mean free-tier throttle across edges, 0..1.
func (m *Web) throttleFraction() float64 {
	if len(m.edges) == 0 {
		return 0
	}
	sum := 0
	for _, e := range m.edges {
		sum += e.throttles["free"]
	}
	return float64(sum) / float64(len(m.edges)) / 100
}

// serve spreads the offered load evenly over the edges. Each edge denies
// its throttled share of free-tier requests (429), answers its shed
// optional features 503, fails its own failing share (503, no server
// involved), and sends the rest evenly to its UP servers; each server
// serves up to an equal part of its instance's capacity per edge and fails
// the excess (5xx, counted on that server), and fails whatever share of
// what it served the systems behind it fail (a datastore rejecting
// writes, a proxy out of ports). With no UP server every request fails at
// the backend. Shed and throttled requests are turned away on purpose:
// they are not in the error rate.
func (m *Web) serve(w *World) {
	m.serveDemand(w, m.demand)
	if _, ok := w.milestones[MilestoneThrottle]; ok && m.throttleFraction() == 0 {
		w.mark(MilestoneLifted)
	}
}

func (m *Web) serveDemand(w *World, demand float64) {
	w.passed = 0
	if len(m.edges) == 0 || demand <= 0 {
		w.signal = Signal{Gauges: w.signal.Gauges}
		return
	}
	rotating := m.inRotation()
	if len(rotating) == 0 { // every edge drained at the front: nothing serves
		m.drainFront(0, nil)
		w.signal = Signal{Utilisation: 1, ErrorRate: 1, Offered: demand, Failed: demand, Gauges: w.signal.Gauges}
		return
	}
	perEdge := demand / float64(len(rotating))
	perServer := m.PerInstance / float64(len(m.edges))
	m.drainFront(perEdge, rotating)
	var failing, load, capacity, turnedAway float64
	for _, e := range rotating {
		throttled := perEdge * m.FreeShare * float64(e.throttles["free"]) / 100
		shed := (perEdge - throttled) * e.shedShare(m.Optional)
		in := perEdge - throttled - shed
		lost := in * e.failing
		var up []server
		for _, s := range m.serversOf(e) {
			if s.state == integrations.ServerUp {
				up = append(up, s)
			}
		}
		if len(up) == 0 {
			lost = in
		} else {
			each := (in - lost) / float64(len(up))
			served := min(each, perServer)
			if m.Meltdown > 0 && each > 1.2*perServer {
				served = perServer * m.Meltdown
			}
			w.passed += served * float64(len(up))
			for _, s := range up {
				bad := served * m.failShare(s.instance)
				t := e.tally(s.name)
				t.requests += each
				t.ok += served - bad
				t.failed += each - served + bad
				lost += each - served + bad
			}
		}
		m.countFront(e.name, perEdge, throttled, shed, in-lost, lost)
		fe, be := e.tally(frontendKey), e.tally(backendKey)
		fe.requests += perEdge
		fe.throttled += throttled
		fe.shed += shed
		be.requests += in
		for _, t := range []*tally{fe, be} {
			t.ok += in - lost
			t.failed += lost
		}
		failing += lost
		load += in
		turnedAway += throttled + shed
		capacity += float64(len(up)) * perServer
	}
	w.signal = Signal{Utilisation: load / max(capacity, 1), Offered: demand, Failed: failing, TurnedAway: turnedAway, Gauges: w.signal.Gauges}
	if load > 0 { // every request shed: nothing failed
		w.signal.ErrorRate = failing / load
	}
}

// shedShare is the share of an edge's traffic its shed features carry.
func (e *edge) shedShare(optional map[string]float64) float64 {
	var share float64
	for f, on := range e.shed {
		if on {
			share += optional[f]
		}
	}
	return min(share, 1)
}

func (m *Web) hostDown(instance string) bool {
	for _, f := range m.faulters {
		if f.down(m.w, instance) {
			return true
		}
	}
	return false
}

// failShare combines the shares every model behind the servers fails.
func (m *Web) failShare(instance string) float64 {
	ok := 1.0
	for _, f := range m.faulters {
		ok *= 1 - f.failShare(m.w, instance)
	}
	return 1 - ok
}

func (m *Web) launchSeconds(group string) (int, int) {
	for _, l := range m.launchers {
		if lo, hi, ok := l.launchSeconds(m.w, group); ok {
			return lo, hi
		}
	}
	return m.LaunchSeconds[0], m.LaunchSeconds[1]
}

// readCounters takes one reading of every edge's counters. A reload's new
// worker shows as a new pid, so its first reading is "measuring".
func (m *Web) readCounters() {
	now := m.w.now
	for _, e := range m.edges {
		servers := m.serversOf(e)
		rows := make(map[string]integrations.Counters, len(servers)+2)
		for _, s := range servers {
			rows[s.name] = e.tally(s.name).counters()
		}
		for _, k := range []string{frontendKey, backendKey} {
			rows[k] = e.tally(k).counters()
		}
		e.rates = m.meter.Read(e.name, strconv.Itoa(e.pid), now, rows)
	}
	if f := m.front; f != nil {
		rows := make(map[string]integrations.Counters, len(m.edges)+2)
		for _, k := range append(slices.Clone(m.Edges), frontFrontendKey, frontBackendKey) {
			rows[k] = f.tally(k).counters()
		}
		f.rates = m.meter.Read(f.name, strconv.Itoa(f.pid), now, rows)
	}
}

// measure reads the counters and publishes what was measured, as a
// configured fleet's sources do each refresh.
func (m *Web) measure(w *World) []integrations.Event {
	m.readCounters()
	return []integrations.Event{
		integrations.SamplesTaken{Source: integrations.SourceHAProxy, Samples: m.sampler.Samples(m.backendsSnapshot(), w.now)},
		integrations.SamplesTaken{Source: integrations.SourceAWS, Samples: integrations.GroupSamples(integrations.SourceAWS, m.groupsSnapshot(), w.now)},
	}
}

// sources are the adapters the web tier stands in for.
func (m *Web) sources() []string { return []string{"aws", "haproxy"} }

// snapshots are the fleet and the edges as their adapters report them.
func (m *Web) snapshots(*World) []integrations.Event {
	return []integrations.Event{integrations.FleetSnapshot{Source: integrations.SourceAWS, Groups: m.groupsSnapshot()}, m.backendsSnapshot()}
}

// serversOf lists an edge's servers: its slots when it has them, else one
// per in-service web instance; states set by hand win.
func (m *Web) serversOf(e *edge) []server {
	var out []server
	if e.slots == nil {
		for _, in := range m.live {
			out = append(out, server{name: serverName(in), addr: in.PrivateIP, instance: in.ID, state: integrations.ServerUp})
		}
	} else {
		live := m.liveIDs
		for _, sl := range e.slots {
			st := integrations.ServerUp
			switch {
			case sl.instance == "":
				st = integrations.ServerMaint // a free slot
			case !live[sl.instance]:
				st = integrations.ServerDown // its host is gone: the health check fails
			}
			out = append(out, server{name: sl.name, addr: sl.addr, instance: sl.instance, state: st})
		}
	}
	for i := range out {
		if out[i].state == integrations.ServerUp && m.hostDown(out[i].instance) {
			out[i].state = integrations.ServerDown // its application is not answering: the health check fails
		}
	}
	for i := range out {
		if s, ok := e.servers[out[i].name]; ok {
			out[i].state = s
		}
	}
	return out
}

// resolve points the slots at the given instances, in order, and frees the
// rest: what a reload's fresh DNS resolution of the slots does.
func (e *edge) resolve(instances []integrations.Instance) {
	for i := range e.slots {
		e.slots[i] = slot{name: fmt.Sprintf("web%d", i+1)}
		if i < len(instances) {
			e.slots[i].instance, e.slots[i].addr = instances[i].ID, instances[i].PrivateIP
		}
	}
}

// schedule applies the scheduled capacity changes due now.
func (m *Web) schedule() []integrations.Event {
	w := m.w
	var out []integrations.Event
	for _, c := range m.Schedule {
		if int(w.elapsed()) != c.At {
			continue
		}
		if g := m.findGroup(c.Group); g != nil {
			from := g.Desired
			g.Desired, g.DesiredSince = c.Desired, w.now
			out = append(out, fleetRecord(w.now, fmt.Sprintf("%s: desired capacity %d → %d (%s)", c.Group, from, c.Desired, c.Cause),
				map[string]string{"group": c.Group, "from": fmt.Sprint(from), "to": fmt.Sprint(c.Desired)}))
		}
	}
	return out
}

func (m *Web) groupsSnapshot() []integrations.Group {
	groups := make([]integrations.Group, 0, len(m.groups))
	for _, g := range m.groups {
		c := g.Group
		c.Instances = slices.Clone(g.Instances)
		c.Activities = slices.Clone(g.Activities)
		groups = append(groups, c)
	}
	return groups
}

// backendsSnapshot is every edge as HAProxy would report it, with the odd
// one out marked.
func (m *Web) backendsSnapshot() integrations.BackendsSnapshot {
	snap := integrations.BackendsSnapshot{Source: integrations.SourceHAProxy, Throttles: m.throttles()}
	if m.front != nil {
		servers, proxies := m.frontRows()
		snap.Backends = append(snap.Backends, servers...)
		snap.Proxies = append(snap.Proxies, proxies...)
	}
	for _, e := range m.edges {
		servers, proxies := m.rows(e)
		snap.Backends = append(snap.Backends, servers...)
		snap.Proxies = append(snap.Proxies, proxies...)
	}
	oddone.Default.Mark(&snap, nil)
	return snap
}

// rows lists an edge's web servers and its frontend and backend rows with
// their own counters and last measured rates.
func (m *Web) rows(e *edge) ([]integrations.Backend, []integrations.Proxy) {
	load := m.Demand(m.w.elapsed()) / float64(len(m.edges)) * (1 - m.FreeShare*float64(e.throttles["free"])/100)
	servers := m.serversOf(e)
	up := 0
	for _, s := range servers {
		if s.state == integrations.ServerUp {
			up++
		}
	}
	counters := func(key string) integrations.Counters { return e.tally(key).counters() }
	var out []integrations.Backend
	sessions := 0
	for _, s := range servers {
		b := integrations.Backend{Instance: e.name, Backend: backendName, Server: s.name, Address: s.addr,
			State: s.state, Weight: 100, Counters: counters(s.name), Rates: e.rates[s.name]}
		b.Total5xx, b.Rate5xx = b.Counters.Responses[4], b.Rates.HTTP5xxPerS()
		if s.addr != "" {
			b.Port = webPort
		}
		if s.state == integrations.ServerUp {
			b.Sessions = int(load / float64(up) / 10)
			sessions += b.Sessions
		}
		out = append(out, b)
	}
	return out, e.proxyRows(frontendName, backendName, up, sessions)
}

// proxyRows are an instance's frontend and backend rows, with their own
// counters and last measured rates.
func (e *edge) proxyRows(frontend, backend string, up, sessions int) []integrations.Proxy {
	status := "UP"
	if up == 0 {
		status = "DOWN"
	}
	fk, bk := "frontend:"+frontend, "backend:"+backend
	return []integrations.Proxy{
		{Instance: e.name, Name: frontend, Kind: integrations.ProxyFrontend, Status: "OPEN", Sessions: sessions,
			Counters: e.tally(fk).counters(), Rates: e.rates[fk]},
		{Instance: e.name, Name: backend, Kind: integrations.ProxyBackend, Status: status, Sessions: sessions,
			Counters: e.tally(bk).counters(), Rates: e.rates[bk]},
	}
}

// throttles lists every edge's throttles in edge order, tiers sorted.
func (m *Web) throttles() []integrations.Throttle {
	var out []integrations.Throttle
	for _, e := range m.edges {
		for _, tier := range slices.Sorted(maps.Keys(e.throttles)) {
			out = append(out, integrations.Throttle{Instance: e.name, Tier: tier, Percent: e.throttles[tier]})
		}
	}
	return out
}

// group finds a group by name; an unknown one is empty.
func (m *Web) group(name string) *group {
	if g := m.findGroup(name); g != nil {
		return g
	}
	return &group{ready: map[string]time.Time{}}
}

func (m *Web) findGroup(name string) *group {
	for _, g := range m.groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// instances lists a group's instances (none for a group it does not
// have): hosts models make a host for each.
func (m *Web) instances(group string) []integrations.Instance { return m.group(group).Instances }

// owns says whether any group has the instance.
func (m *Web) owns(id string) bool {
	for _, g := range m.groups {
		for _, in := range g.Instances {
			if in.ID == id {
				return true
			}
		}
	}
	return false
}

// relive takes note of the web group's in-service instances.
func (m *Web) relive() {
	m.live = inService(m.group(m.WebGroup))
	m.liveIDs = make(map[string]bool, len(m.live))
	for _, in := range m.live {
		m.liveIDs[in.ID] = true
	}
}

func inService(g *group) []integrations.Instance {
	var out []integrations.Instance
	for _, in := range g.Instances {
		if in.Lifecycle == integrations.LifecycleInService {
			out = append(out, in)
		}
	}
	return out
}

func serverName(in integrations.Instance) string { return "web-" + in.ID[len(in.ID)-4:] }

// bindings tie the web group to every edge's web backend, so the drill's
// fleet is checked for slot drift like a configured one.
func (m *Web) bindings() []drift.Binding {
	var out []drift.Binding
	for _, e := range m.Edges {
		out = append(out, drift.Binding{Group: m.WebGroup, Instance: e, Backend: "web", Port: webPort})
	}
	return out
}

func (m *Web) newInstance(groupName, lifecycle string, launched time.Time) integrations.Instance {
	rng := m.w.rng
	return integrations.Instance{
		ID:         fmt.Sprintf("i-0%015x", rng.Uint64()>>4),
		Group:      groupName,
		Zone:       "us-east-1" + string(rune('a'+rng.IntN(3))),
		Lifecycle:  lifecycle,
		Health:     "Healthy",
		PrivateIP:  fmt.Sprintf("10.0.%d.%d", 1+rng.IntN(3), 10+rng.IntN(240)),
		LaunchedAt: launched,
	}
}

func (g *group) recount() {
	g.InService, g.Pending, g.Terminating = 0, 0, 0
	for _, in := range g.Instances {
		switch in.Lifecycle {
		case integrations.LifecycleInService:
			g.InService++
		case integrations.LifecyclePending:
			g.Pending++
		case integrations.LifecycleTerminating:
			g.Terminating++
		}
	}
}

// launch brings pending instances into service when their time comes and
// starts or stops instances to meet the desired capacity.
func (m *Web) launch(g *group) []integrations.Event {
	now := m.w.now
	var out []integrations.Event
	for i := range g.Instances {
		in := &g.Instances[i]
		if in.Lifecycle == integrations.LifecyclePending && !now.Before(g.ready[in.ID]) {
			in.Lifecycle = integrations.LifecycleInService
			delete(g.ready, in.ID)
			g.recount()
			g.finishActivity(in.ID, now)
			out = append(out, fleetRecord(now, fmt.Sprintf("%s: %s in service (%d/%d)", g.Name, in.ID, g.InService, g.Desired),
				map[string]string{"group": g.Name, "instance": in.ID}))
		}
	}
	for live := g.InService + g.Pending; live < g.Desired; live++ {
		lo, hi := m.launchSeconds(g.Name)
		in := m.newInstance(g.Name, integrations.LifecyclePending, now)
		g.ready[in.ID] = now.Add(time.Duration(lo+m.w.rng.IntN(hi-lo+1)) * time.Second)
		g.Instances = append(g.Instances, in)
		g.Activities = slices.Insert(g.Activities, 0, integrations.ScalingActivity{
			ID: "act-" + in.ID, Description: "Launching a new EC2 instance: " + in.ID,
			Cause: fmt.Sprintf("desired capacity set to %d", g.Desired), Status: integrations.ActivityInProgress, Start: now})
	}
	for live := g.InService + g.Pending; live > g.Desired; live-- {
		// Instances are kept in launch order: the scenario says whether a
		// scale-in takes the newest or, as in the stale-slot incident, the
		// oldest.
		i := len(g.Instances) - 1
		if m.TerminateOldest {
			i = 0
		}
		out = append(out, fleetRecord(now, fmt.Sprintf("%s: %s terminated", g.Name, g.Instances[i].ID),
			map[string]string{"group": g.Name, "instance": g.Instances[i].ID}))
		delete(g.ready, g.Instances[i].ID)
		g.Instances = slices.Delete(g.Instances, i, i+1)
	}
	g.recount()
	return out
}

func (g *group) finishActivity(instanceID string, at time.Time) {
	for i := range g.Activities {
		if g.Activities[i].ID == "act-"+instanceID {
			g.Activities[i].Status, g.Activities[i].End = integrations.ActivitySuccessful, at
		}
	}
}

func fleetRecord(at time.Time, text string, fields map[string]string) integrations.Record {
	return integrations.Record{Occurred: at, Source: integrations.SourceAWS, Kind: integrations.KindFleetChange, Text: text, Fields: fields}
}

// webAlerts are the alert rules scenarios with a web tier share: its
// error rate and its load.
func webAlerts() []AlertRule {
	return []AlertRule{
		{ID: "PD-5XX", Service: "web", Severity: integrations.SeverityCritical,
			Title: "HTTP 5xx above 5% at the load balancers",
			Body:  "edge HAProxy 5xx ratio over 5% for 30 s.",
			Fire:  func(s Signal) bool { return s.ErrorRate > 0.05 }, FireFor: 30,
			Clear: func(s Signal) bool { return s.ErrorRate < 0.01 }, ClearFor: 60},
		{ID: "PD-CPU", Service: "web", Severity: integrations.SeverityError,
			Title: "CPU above 90% on every web host",
			Body:  "All in-service web hosts above 90% CPU for 20 s.",
			Fire:  func(s Signal) bool { return s.Utilisation > 0.9 }, FireFor: 20,
			Clear: func(s Signal) bool { return s.Utilisation < 0.8 }, ClearFor: 60},
	}
}
