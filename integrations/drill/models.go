package drill

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Model is one system of a scenario beyond the web tier and its edges: a
// provisioner and its lock, a datastore cluster, hosts with disks and a
// process manager, a proxy layer. A scenario composes the models it needs
// (Scenario.Models); each steps on the scenario clock, answers the actions
// that concern it through the optional interfaces below, and reaches
// milestones of its own names (World.mark). The world holds its lock
// while it calls a model.
type Model interface {
	// second advances the model by one second of the scenario, before the
	// web tier serves that second's demand.
	second(w *World) []integrations.Event
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

func (w *World) hostDown(instance string) bool {
	for _, f := range w.faulters {
		if f.down(w, instance) {
			return true
		}
	}
	return false
}

// failShare combines the shares every model behind the servers fails.
func (w *World) failShare(instance string) float64 {
	ok := 1.0
	for _, f := range w.faulters {
		ok *= 1 - f.failShare(w, instance)
	}
	return 1 - ok
}

func (w *World) launchSeconds(group string) (int, int) {
	for _, l := range w.launchers {
		if lo, hi, ok := l.launchSeconds(w, group); ok {
			return lo, hi
		}
	}
	return w.sc.LaunchSeconds[0], w.sc.LaunchSeconds[1]
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
