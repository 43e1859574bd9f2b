package haproxy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// InstanceOptions configures one HAProxy process.
type InstanceOptions struct {
	Name        string
	RuntimeAddr string   // Runtime API (stats socket): unix:/path or host:port
	MasterAddr  string   // master CLI (-S): needed for Reload and Process
	ConfigPath  string   // the configuration the master reloads; checked with -c first
	Backends    []string // to watch; empty = all
	Upstream    *integrations.UpstreamRef
	// ThrottleMap is the path of the map file the configuration reads
	// (see ThrottleSnippet). It must be writable from here: SetThrottle
	// writes it so the setting survives a reload.
	ThrottleMap string
	// StateFile is the server-state-file the configuration loads on
	// start; Reload saves `show servers state` there just before reloading.
	StateFile string
	// ShedMap is the path of the map file the shed rule reads (see
	// ShedSnippet), writable from here like ThrottleMap; ShedFeatures are
	// the optional features it may shed, and ShedStatus what the rule
	// answers them (DefaultShedStatus when 0).
	ShedMap      string
	ShedFeatures []string
	ShedStatus   int
}

// Options configures a Fleet.
type Options struct {
	Instances []InstanceOptions // in rolling order
	Poll      integrations.PollConfig
	Binary    string // haproxy, for `-c` checks; default "haproxy"
}

// Fleet is a set of HAProxy instances. It is an integrations.Source
// (publishing BackendsSnapshot) and an integrations.LoadBalancer. Methods
// are safe for concurrent use.
type Fleet struct {
	opts      Options
	instances []*instance
	byName    map[string]*instance
	meter     integrations.Meter
	now       func() time.Time
}

type instance struct {
	InstanceOptions
	runtime socket
	master  *socket // nil when no master CLI is configured
	// changing (capacity 1) serialises the changes to one instance: two
	// overlapping reloads would each take the other's worker for their
	// own; a throttle set during a reload would be "restored" away by it;
	// two throttle changes would each write the map file without the other.
	changing chan struct{}
}

// lock takes the instance's change lock, or gives up when ctx ends.
func (inst *instance) lock(ctx context.Context) (unlock func(), err error) {
	select {
	case inst.changing <- struct{}{}:
		return func() { <-inst.changing }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("haproxy %s: waiting for another change to finish: %w", inst.Name, ctx.Err())
	}
}

// lockInstance finds the named instance and takes its change lock, as
// every change to an instance must; the caller calls unlock when done.
func (f *Fleet) lockInstance(ctx context.Context, name string) (inst *instance, unlock func(), err error) {
	if inst, err = f.instance(name); err != nil {
		return nil, nil, err
	}
	if unlock, err = inst.lock(ctx); err != nil {
		return nil, nil, err
	}
	return inst, unlock, nil
}

var (
	_ integrations.Source       = (*Fleet)(nil)
	_ integrations.LoadBalancer = (*Fleet)(nil)
)

// New validates opts; it does not contact any instance (see Probe).
func New(opts Options) (*Fleet, error) {
	if len(opts.Instances) == 0 {
		return nil, errors.New("haproxy: no instances configured")
	}
	if opts.Binary == "" {
		opts.Binary = "haproxy"
	}
	if opts.Poll.Source == "" {
		opts.Poll.Source = integrations.SourceHAProxy
	}
	f := &Fleet{opts: opts, byName: map[string]*instance{}, now: opts.Poll.Now}
	if f.now == nil {
		f.now = time.Now
	}
	for _, o := range opts.Instances {
		if o.Name == "" {
			return nil, errors.New("haproxy: an instance has no name")
		}
		if _, dup := f.byName[o.Name]; dup {
			return nil, fmt.Errorf("haproxy: instance %q configured twice", o.Name)
		}
		inst := &instance{InstanceOptions: o, changing: make(chan struct{}, 1)}
		var err error
		if inst.runtime, err = parseAddr(o.Name, "runtime API", o.RuntimeAddr); err != nil {
			return nil, err
		}
		if o.MasterAddr != "" {
			m, err := parseAddr(o.Name, "master CLI", o.MasterAddr)
			if err != nil {
				return nil, err
			}
			inst.master = &m
		}
		for _, b := range o.Backends {
			if err := checkName("backend", b); err != nil {
				return nil, fmt.Errorf("haproxy %s: %w", o.Name, err)
			}
		}
		if err := o.checkShed(); err != nil {
			return nil, fmt.Errorf("haproxy %s: %w", o.Name, err)
		}
		f.instances = append(f.instances, inst)
		f.byName[o.Name] = inst
	}
	for _, inst := range f.instances {
		if up := inst.Upstream; up != nil {
			if _, ok := f.byName[up.Instance]; !ok {
				return nil, fmt.Errorf("haproxy %s: upstream instance %q is not configured", inst.Name, up.Instance)
			}
			if up.Instance == inst.Name {
				return nil, fmt.Errorf("haproxy %s: an instance cannot be its own upstream", inst.Name)
			}
		}
	}
	return f, nil
}

// Name is the source name.
func (f *Fleet) Name() string { return f.opts.Poll.Source }

// Instances names the instances in rolling order.
func (f *Fleet) Instances() []string {
	names := make([]string, len(f.instances))
	for i, inst := range f.instances {
		names[i] = inst.Name
	}
	return names
}

// Throttling names the instances configured with a throttle map.
func (f *Fleet) Throttling() []string {
	var names []string
	for _, inst := range f.instances {
		if inst.ThrottleMap != "" {
			names = append(names, inst.Name)
		}
	}
	return names
}

// Upstream names the front server that sends traffic to instance.
func (f *Fleet) Upstream(name string) (integrations.UpstreamRef, bool) {
	inst, ok := f.byName[name]
	if !ok || inst.Upstream == nil {
		return integrations.UpstreamRef{}, false
	}
	return *inst.Upstream, true
}

func (f *Fleet) instance(name string) (*instance, error) {
	inst, ok := f.byName[name]
	if !ok {
		return nil, fmt.Errorf("haproxy: unknown instance %q (configured: %s)", name, strings.Join(f.Instances(), ", "))
	}
	return inst, nil
}

// Servers lists the watched backends' servers of one instance, with state,
// weight, sessions and cumulative counters. Rates are left unmeasured: a
// rate needs two readings, which only the poller (or Read) keeps.
func (f *Fleet) Servers(ctx context.Context, name string) ([]integrations.Backend, error) {
	inst, err := f.instance(name)
	if err != nil {
		return nil, err
	}
	r, err := inst.read(ctx)
	return r.servers, err
}

// reading is one instance's servers and proxies with their cumulative
// counters, and the pid of the worker that counted them.
type reading struct {
	servers []integrations.Backend
	proxies []integrations.Proxy
	pid     string
	// uncounted are the servers (backend/server) `show stat` did not
	// list, such as one added between the two commands: their zero
	// counters are no reading.
	uncounted map[string]bool
}

func (inst *instance) read(ctx context.Context) (reading, error) {
	states, err := inst.serversState(ctx)
	if err != nil {
		return reading{}, err
	}
	answer, err := inst.runtime.run(ctx, infoStatCommand)
	if err != nil {
		return reading{}, err
	}
	pid, stats, err := parseInfoStat(answer)
	if err != nil {
		return reading{}, inst.runtime.fail(infoStatCommand, err)
	}
	return inst.assemble(states, pid, stats), nil
}

// assemble joins the servers' states with their counters, and picks the
// watched backends' and every frontend's aggregate rows.
func (inst *instance) assemble(states []serverState, pid string, stats map[string]statRow) reading {
	r := reading{pid: pid, servers: make([]integrations.Backend, 0, len(states))}
	for _, s := range states {
		if !inst.watches(s.Backend) {
			continue
		}
		st, ok := stats[s.Backend+"/"+s.Server]
		if !ok {
			if r.uncounted == nil {
				r.uncounted = map[string]bool{}
			}
			r.uncounted[s.Backend+"/"+s.Server] = true
		}
		r.servers = append(r.servers, integrations.Backend{
			Instance:     inst.Name,
			Backend:      s.Backend,
			Server:       s.Server,
			Address:      s.Addr,
			Port:         s.Port,
			State:        s.State(),
			Weight:       s.Weight,
			Sessions:     st.Sessions,
			SessionLimit: st.SessionLimit,
			Queue:        st.Queue,
			Total5xx:     st.Counters.Responses[4],
			Counters:     st.Counters,
		})
	}
	for _, key := range slices.Sorted(maps.Keys(stats)) {
		st := stats[key]
		p := integrations.Proxy{Instance: inst.Name, Name: st.Proxy, Status: st.Status, Sessions: st.Sessions,
			SessionLimit: st.SessionLimit, Queue: st.Queue, Counters: st.Counters}
		switch {
		case st.Server == statFrontend:
			p.Kind = integrations.ProxyFrontend
		case st.Server == statBackend && inst.watches(st.Proxy):
			p.Kind = integrations.ProxyBackend
		default:
			continue
		}
		r.proxies = append(r.proxies, p)
	}
	// Frontends first, then backends, each by name.
	slices.SortStableFunc(r.proxies, func(a, b integrations.Proxy) int { return strings.Compare(string(b.Kind), string(a.Kind)) })
	return r
}

func (inst *instance) serversState(ctx context.Context) ([]serverState, error) {
	const cmd = "show servers state"
	answer, err := inst.runtime.run(ctx, cmd)
	if err != nil {
		return nil, err
	}
	states, err := parseServersState(answer)
	if err != nil {
		return nil, inst.runtime.fail(cmd, err)
	}
	return states, nil
}

func (inst *instance) watches(backend string) bool {
	if len(inst.Backends) == 0 {
		return true
	}
	for _, b := range inst.Backends {
		if b == backend {
			return true
		}
	}
	return false
}

// SetServerState sets a server ready (UP), drain or maint. DOWN is a
// health result, not something an operator sets.
func (f *Fleet) SetServerState(ctx context.Context, name, backend, server string, state integrations.ServerState) error {
	inst, unlock, err := f.lockInstance(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	return inst.setServerState(ctx, backend, server, state)
}

func (inst *instance) setServerState(ctx context.Context, backend, server string, state integrations.ServerState) error {
	if err := checkName("backend", backend); err != nil {
		return fmt.Errorf("haproxy %s: %w", inst.Name, err)
	}
	if err := checkName("server", server); err != nil {
		return fmt.Errorf("haproxy %s: %w", inst.Name, err)
	}
	var word string
	switch state {
	case integrations.ServerUp:
		word = "ready"
	case integrations.ServerDrain:
		word = "drain"
	case integrations.ServerMaint:
		word = "maint"
	default:
		return fmt.Errorf("haproxy %s: cannot set %s/%s to %q: use UP, DRAIN or MAINT", inst.Name, backend, server, state)
	}
	return inst.runtime.change(ctx, fmt.Sprintf("set server %s/%s state %s", backend, server, word))
}
