package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/aws"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/oddone"
)

// fleetReading is one read of the fleet sources over a window.
type fleetReading struct {
	window   time.Duration
	groups   []integrations.Group
	backends integrations.BackendsSnapshot
}

func fleetCommand(g *globalFlags) *cobra.Command {
	var (
		useDrill bool
		scenario string
		seed     uint64
		at       time.Duration
		window   time.Duration
		format   *choiceValue
	)
	cmd := &cobra.Command{
		Use:   "fleet [--config FILE | --drill] [--window 10s] [--format table|json] [-o FILE]",
		Short: "Read every fleet source once and print capacity, rates and the odd one out",
		Long: `fleet reads every configured fleet source once — Auto Scaling groups, and each
HAProxy instance twice, --window apart, so rates come from counter deltas —
and prints the groups (desired, in service, pending, recent scaling
activities) and every HAProxy frontend, backend and server with its state,
sessions, requests/s, 5xx/s, error ratio and, where it applies, why it is
the odd one out. It records nothing on any timeline.

--drill reads the simulated world instead: the scenario (default
monday-surge) advanced to --at plus --window of its own time, at once. The
drill measures every 10 s of its clock.

--format json prints only JSON on standard output:
{"window", "groups": [{name, desired, in_service, pending, min, max,
activities: [{status, start, end, reason}]}], "haproxy": {"instances":
[{name, frontends: [ROW], backends: [ROW + servers: [ROW + address,
weight]]}]}} where ROW is {name, state, sessions, session_limit (absent
when none), queue, req_per_s, http_5xx_per_s, error_ratio (a fraction
0–1), shed_per_s, odd_one_out (absent when it does not apply)}; the rates
are null while a row is still measuring (measuring: true), and
error_ratio is null with no response.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if window <= 0 {
				return errors.New("--window must be positive")
			}
			if useDrill && g.ConfigPath != "" {
				return errors.New("use --config or --drill, not both")
			}
			var (
				r   fleetReading
				err error
			)
			if useDrill {
				r, err = readDrillFleet(scenario, seed, at, window)
			} else {
				r, err = readLiveFleet(cmd.Context(), g, window)
			}
			if r.groups == nil && r.backends.Backends == nil && err != nil {
				return err
			}
			if format.json() {
				if werr := writeFleetJSON(cmd.OutOrStdout(), r); werr != nil {
					return werr
				}
			} else {
				writeFleetTable(cmd.OutOrStdout(), r)
			}
			return err // what did not answer, after what did
		},
	}
	cmd.Flags().BoolVar(&useDrill, "drill", false, "read the simulated world instead of the configured sources")
	cmd.Flags().StringVar(&scenario, "scenario", drill.DefaultScenario, "with --drill: the scenario")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "with --drill: the random seed")
	cmd.Flags().DurationVar(&at, "at", 2*time.Minute, "with --drill: scenario time to read at (before the window)")
	cmd.Flags().DurationVar(&window, "window", 10*time.Second, "time between the two readings rates are measured over")
	format = formatFlag(cmd, "table")
	return cmd
}

// readDrillFleet advances a fresh drill world to at+window and takes its
// fleet and HAProxy snapshots.
func readDrillFleet(name string, seed uint64, at, window time.Duration) (fleetReading, error) {
	sc, ok := drill.Lookup(name)
	if !ok {
		return fleetReading{}, fmt.Errorf("no drill scenario %q (see warroom drill --list)", name)
	}
	w := drill.New(sc, drill.Options{Seed: seed})
	r := fleetReading{window: window}
	w.Step(sc.Start.Add(at+window), integrations.PublisherFunc(func(e integrations.Event) {
		switch e := e.(type) {
		case integrations.FleetSnapshot:
			r.groups = e.Groups
		case integrations.BackendsSnapshot:
			r.backends = e
		}
	}))
	return r, nil
}

// readLiveFleet reads the configured AWS groups once and every HAProxy
// instance twice, window apart.
func readLiveFleet(ctx context.Context, g *globalFlags, window time.Duration) (fleetReading, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	r := fleetReading{window: window}
	cfg, err := configured(g)
	if err != nil {
		return r, err
	}
	if cfg == nil || (cfg.AWS == nil && cfg.HAProxy == nil) {
		return r, errors.New("no fleet source configured (aws or haproxy): name one in the configuration, or use --drill")
	}
	var fleet *haproxy.Fleet
	var groups *aws.Source
	for _, a := range app.ConfiguredAdapters(cfg) {
		if a.Name != aws.SourceName && a.Name != integrations.SourceHAProxy {
			continue
		}
		src, err := a.Build(ctx, cfg)
		if err != nil {
			return r, fmt.Errorf("%s: %w", a.Name, err)
		}
		switch s := src.(type) {
		case *haproxy.Fleet:
			fleet = s
		case *aws.Source:
			groups = s
		}
	}
	var errs []error
	read := func() {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		snap, err := fleet.Read(rctx)
		r.backends = snap
		if err != nil {
			errs = append(errs, err)
		}
	}
	if fleet != nil {
		read()
		errs = nil // the first reading is the baseline; the second says what answered
		if !integrations.Sleep(ctx, window) {
			return r, ctx.Err()
		}
		read()
	}
	if groups != nil {
		gctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if r.groups, err = groups.Groups(gctx); err != nil {
			errs = append(errs, err)
		}
		if r.groups == nil && err == nil {
			r.groups = []integrations.Group{}
		}
	}
	return r, errors.Join(errs...)
}

// The JSON shape of `warroom fleet --format json`: documented in README,
// stable for scripts.
type fleetJSON struct {
	Window  string      `json:"window"`
	Groups  []groupJSON `json:"groups"`
	HAProxy haproxyJSON `json:"haproxy"`
}

type groupJSON struct {
	Name       string         `json:"name"`
	Desired    int            `json:"desired"`
	InService  int            `json:"in_service"`
	Pending    int            `json:"pending"`
	Min        int            `json:"min"`
	Max        int            `json:"max"`
	Activities []activityJSON `json:"activities"`
}

type activityJSON struct {
	Status string     `json:"status"`
	Start  time.Time  `json:"start"`
	End    *time.Time `json:"end,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

type haproxyJSON struct {
	Instances []instanceJSON `json:"instances"`
}

type instanceJSON struct {
	Name      string        `json:"name"`
	Frontends []rowJSON     `json:"frontends"`
	Backends  []backendJSON `json:"backends"`
}

type rowJSON struct {
	Name         string   `json:"name"`
	State        string   `json:"state"`
	Sessions     int      `json:"sessions"`
	SessionLimit int      `json:"session_limit,omitempty"`
	Queue        int      `json:"queue"`
	ReqPerS      *float64 `json:"req_per_s"`
	HTTP5xxPerS  *float64 `json:"http_5xx_per_s"`
	ErrorRatio   *float64 `json:"error_ratio"`
	ShedPerS     *float64 `json:"shed_per_s"`
	Measuring    bool     `json:"measuring,omitempty"`
	OddOneOut    string   `json:"odd_one_out,omitempty"`
}

type backendJSON struct {
	rowJSON
	Servers []serverJSON `json:"servers"`
}

type serverJSON struct {
	rowJSON
	Address string `json:"address,omitempty"`
	Weight  int    `json:"weight"`
}

// rounded keeps four decimals: enough to check a screen's figures by.
func rounded(v float64) *float64 {
	v = math.Round(v*1e4) / 1e4
	return &v
}

// gauges are a row's instantaneous figures: sessions, their limit, queue.
type gauges struct{ sessions, limit, queue int }

func row(name, state string, g gauges, r integrations.Rates, odd string) rowJSON {
	out := rowJSON{Name: name, State: state, Sessions: g.sessions, SessionLimit: g.limit, Queue: g.queue,
		OddOneOut: odd, Measuring: !r.Measured()}
	if r.Measured() {
		out.ReqPerS, out.ShedPerS = rounded(r.ReqPerS()), rounded(r.ShedPerS())
		if r.HTTP { // a TCP proxy has no HTTP responses: null
			out.HTTP5xxPerS = rounded(r.HTTP5xxPerS())
		}
		if ratio, ok := r.ErrorRatio(); ok {
			out.ErrorRatio = rounded(ratio)
		}
	}
	return out
}

func fleetReport(r fleetReading) fleetJSON {
	out := fleetJSON{Window: r.window.String(), Groups: []groupJSON{}, HAProxy: haproxyJSON{Instances: []instanceJSON{}}}
	for _, g := range r.groups {
		gj := groupJSON{Name: g.Name, Desired: g.Desired, InService: g.InService, Pending: g.Pending, Min: g.Min, Max: g.Max,
			Activities: []activityJSON{}}
		for _, a := range g.Activities {
			aj := activityJSON{Status: string(a.Status), Start: a.Start, Reason: a.Reason()}
			if !a.End.IsZero() {
				aj.End = &a.End
			}
			gj.Activities = append(gj.Activities, aj)
		}
		out.Groups = append(out.Groups, gj)
	}
	index := map[string]int{}
	instance := func(name string) *instanceJSON {
		i, ok := index[name]
		if !ok {
			i = len(out.HAProxy.Instances)
			index[name] = i
			out.HAProxy.Instances = append(out.HAProxy.Instances, instanceJSON{Name: name, Frontends: []rowJSON{}, Backends: []backendJSON{}})
		}
		return &out.HAProxy.Instances[i]
	}
	backend := func(in *instanceJSON, name string) *backendJSON {
		for i := range in.Backends {
			if in.Backends[i].Name == name {
				return &in.Backends[i]
			}
		}
		in.Backends = append(in.Backends, backendJSON{rowJSON: rowJSON{Name: name}, Servers: []serverJSON{}})
		return &in.Backends[len(in.Backends)-1]
	}
	for _, p := range r.backends.Proxies {
		in := instance(p.Instance)
		rj := row(p.Name, p.Status, gauges{p.Sessions, p.SessionLimit, p.Queue}, p.Rates, p.OddOneOut)
		if p.Kind == integrations.ProxyFrontend {
			in.Frontends = append(in.Frontends, rj)
		} else {
			backend(in, p.Name).rowJSON = rj
		}
	}
	for _, b := range r.backends.Backends {
		be := backend(instance(b.Instance), b.Backend)
		addr := b.Address
		if addr != "" && b.Port != 0 {
			addr = fmt.Sprintf("%s:%d", addr, b.Port)
		}
		be.Servers = append(be.Servers, serverJSON{rowJSON: row(b.Server, string(b.State), gauges{b.Sessions, b.SessionLimit, b.Queue}, b.Rates, b.OddOneOut),
			Address: addr, Weight: b.Weight})
	}
	return out
}

func writeFleetJSON(w io.Writer, r fleetReading) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(fleetReport(r))
}

// tableActivities is how many scaling activities per group the table shows.
const tableActivities = 5

func writeFleetTable(w io.Writer, r fleetReading) {
	rep := fleetReport(r)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(rep.Groups) > 0 {
		fmt.Fprintln(tw, "GROUP\tDESIRED\tIN SERVICE\tPENDING\tMIN\tMAX")
		for _, g := range rep.Groups {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", g.Name, g.Desired, g.InService, g.Pending, g.Min, g.Max)
		}
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "GROUP\tACTIVITY\tSTARTED (UTC)\tREASON")
		for _, g := range rep.Groups {
			for _, a := range g.Activities[:min(len(g.Activities), tableActivities)] {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Name, a.Status, a.Start.UTC().Format("Mon 15:04"), a.Reason)
			}
		}
		fmt.Fprintln(tw)
	}
	if len(rep.HAProxy.Instances) > 0 {
		fmt.Fprintf(tw, "HAPROXY (rates over %s)\tSTATE\tSESSIONS\tQUEUE\tREQ/S\t5XX/S\tERROR\tSHED/S\tODD ONE OUT\n", rep.Window)
		line := func(indent, name string, r rowJSON) {
			sessions := fmt.Sprint(r.Sessions)
			if r.SessionLimit > 0 {
				sessions += fmt.Sprintf("/%d", r.SessionLimit)
			}
			fmt.Fprintf(tw, "%s%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", indent, name, r.State, sessions, r.Queue,
				figure(r.ReqPerS, r.Measuring, "%.1f"), figure(r.HTTP5xxPerS, r.Measuring, "%.1f"),
				ratioText(r), figure(r.ShedPerS, r.Measuring, "%.1f"), r.OddOneOut)
		}
		for _, in := range rep.HAProxy.Instances {
			for _, fe := range in.Frontends {
				line("", in.Name+" fe:"+fe.Name, fe)
			}
			for _, be := range in.Backends {
				line("", in.Name+"/"+be.Name, be.rowJSON)
				for _, s := range be.Servers {
					line("  ", s.Name, s.rowJSON)
				}
			}
		}
	}
	tw.Flush()
}

// figure prints a rate, "measuring" while there is none yet.
func figure(v *float64, measuring bool, format string) string {
	switch {
	case measuring:
		return "measuring"
	case v == nil:
		return "-"
	}
	return fmt.Sprintf(format, *v)
}

func ratioText(r rowJSON) string {
	if r.Measuring || r.ErrorRatio == nil {
		return figure(r.ErrorRatio, r.Measuring, "")
	}
	return oddone.Percent(*r.ErrorRatio)
}
