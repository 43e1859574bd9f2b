package drill

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
)

// Model is one system of a scenario: the web tier and its HAProxy edges,
// a provisioner and its lock, a datastore cluster, hosts with disks and a
// process manager, a proxy layer. A scenario composes the models it needs
// (Scenario.Models); each steps on the scenario clock, answers the actions
// that concern it and publishes through the optional interfaces below,
// and reaches milestones of its own names (World.mark). The world holds
// its lock while it calls a model, and knows no model by its type.
type Model interface {
	// second advances the model by one second of the scenario, in the
	// order the scenario lists the models, before the serving model
	// serves that second's demand.
	second(w *World) []integrations.Event
}

// attacher is a model that builds its starting state on the world (its
// clock, its seed, the other models) once they are all made, in order.
type attacher interface {
	attach(w *World)
}

// servingModel is the model that serves each second's demand once every
// model stepped (the web tier): it sets the signal's error rate, load and
// what it turned away, and w.passed, what the systems behind it see.
type servingModel interface {
	serve(w *World)
}

// measurer is a model that reads its counters every measureEvery seconds
// and publishes the samples, as a configured source does each refresh.
type measurer interface {
	measure(w *World) []integrations.Event
}

// reporter is a model that stands in for adapters (sources, one badge
// each on the header) and publishes their snapshots at each step.
type reporter interface {
	sources() []string
	snapshots(w *World) []integrations.Event
}

// actor is a model that answers actions: it fills in its part of them.
type actor interface {
	actions(a *integrations.Actions)
}

// binder is a model that ties groups to load balancer backends.
type binder interface {
	bindings() []drift.Binding
}

// fleetModel is a model with instances: hosts models make a host for each
// instance of a group, and commands reach any instance.
type fleetModel interface {
	instances(group string) []integrations.Instance
	owns(id string) bool
}

// gauger is a model that publishes figures of its own to the signal the
// alerts, chat and scorecard watch, after the web tier served.
type gauger interface {
	gauges(w *World, into map[string]float64)
}

// faulter is a model behind the web servers: down says an instance's
// application does not answer (its health check fails), failShare what
// share of the requests it serves fail in the systems behind it.
type faulter interface {
	down(w *World, instance string) bool
	failShare(w *World, instance string) float64
}

// hostModel is a model whose hosts answer commands.
type hostModel interface {
	owns(w *World, target string) bool
	// run answers one command line on the host: its output and exit code.
	run(w *World, target string, cmd command) (string, int)
}

// launchModel is a model the web group's launches wait on (a provisioner).
type launchModel interface {
	// launchSeconds is how long a launch takes now; ok false: not this model's say.
	launchSeconds(w *World, group string) (lo, hi int, ok bool)
}

// Gauge names the models publish.
const (
	GaugeRejected    = "events.rejected"    // share of inbound events the pipeline did not accept
	GaugeLate        = "notifications.late" // share of notifications more than five minutes late
	GaugeReadErrors  = "db.read_errors"     // share of database reads that failed
	GaugeDiskUsed    = "disk.used"          // the fullest watched disk's used share
	GaugeLockSeconds = "lock.wait_s"        // how long a provisioner lock has been held
)

// Gauge reads one of the figures the models publish (0 when none does).
func (s Signal) Gauge(name string) float64 { return s.Gauges[name] }

func modelsOf[T any](w *World) []T {
	var out []T
	for _, m := range w.models {
		if t, ok := m.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// instances lists a group's instances, from the model that has it.
func (w *World) instances(group string) []integrations.Instance {
	for _, f := range w.fleets {
		if ins := f.instances(group); len(ins) > 0 {
			return ins
		}
	}
	return nil
}

// runOn answers a command line on one host: segments joined by && run
// while each succeeds, by || while each fails, by ; regardless; a pipe's
// later stages only shape the output (head keeps its first lines).
func (w *World) runOn(target, line string) (string, int) {
	var h hostModel
	for _, m := range w.hosts {
		if m.owns(w, target) {
			h = m
			break
		}
	}
	if hm, ok := h.(*hosts); ok {
		if m := stuckJobScript.FindStringSubmatch(line); m != nil {
			lock := ""
			if l := lockRemoval.FindStringSubmatch(line); l != nil {
				lock = l[1]
			}
			return hm.host(w, target).clearJob(w, m[1], lock)
		}
	}
	var out strings.Builder
	code := 0
	saved := map[string]int{} // NAME=$? keeps an exit code for exit $NAME
	for i, seg := range splitCommand(line) {
		if i > 0 && (seg.join == "&&" && code != 0 || seg.join == "||" && code == 0) {
			continue
		}
		if name, ok := strings.CutSuffix(seg.cmd[0], "=$?"); ok && len(seg.cmd) == 1 {
			saved[name] = code
			continue
		}
		if seg.cmd.name() == "exit" {
			if v, ok := saved[strings.TrimPrefix(seg.cmd.lastArg(), "$")]; ok {
				code = v
			} else {
				code, _ = strconv.Atoi(seg.cmd.lastArg())
			}
			break
		}
		var text string
		switch {
		case h != nil:
			text, code = h.run(w, target, seg.cmd)
		default:
			text, code = quietHost(seg.cmd)
		}
		out.WriteString(seg.shape(text))
	}
	return out.String(), code
}

// A stuck-job script: find a process by its exact name and kill it, then
// remove its lock file (the shape clear-stuck-job sends).
var (
	stuckJobScript = regexp.MustCompile(`pgrep -x -- '?([A-Za-z0-9_.-]+)'?[\s\S]*\bkill\b`)
	lockRemoval    = regexp.MustCompile(`rm -f (?:-- )?'?(/[A-Za-z0-9_./-]+?)'?(?:\s|;|&|$)`)
)

// quietHost is a host no model owns: a root disk at 95% (a web host whose
// logs want a look), nothing hung.
func quietHost(c command) (string, int) {
	if c.name() == "df" {
		return (&Host{}).df(), 0
	}
	return "", 0
}

// spend makes a call cost scenario time in lockstep (headless) mode: the
// world advances before it answers, recording what happened meanwhile.
func (w *World) spend() {
	if w.lockstep <= 0 {
		return
	}
	to := w.now.Add(w.lockstep)
	for w.now.Before(to) {
		w.now = w.now.Add(time.Second)
		w.pending = append(w.pending, w.second()...)
	}
}

// SetLockstep makes every call an action makes advance the scenario by d
// before it is answered (0: calls are instant and only Step or Run move
// the clock). A headless drill uses it: a runbook that waits for
// instances polls a world that moves under it, with no wall clock.
func (w *World) SetLockstep(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lockstep = d
}

// waitUntil returns once the scenario clock reaches t. In lockstep
// (headless) mode nobody else moves the clock while a runbook waits, so the
// wait itself advances the world, recording what happens meanwhile, as any
// call does there; otherwise the world runs on its own and this watches.
func (w *World) waitUntil(ctx context.Context, t time.Time) error {
	w.mu.Lock()
	if w.lockstep > 0 {
		for w.now.Before(t) {
			w.now = w.now.Add(time.Second)
			w.pending = append(w.pending, w.second()...)
		}
	}
	w.mu.Unlock()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for w.Now().Before(t) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}
