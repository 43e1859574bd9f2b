package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
)

// runbookDrillSpeed runs the drill fast under `warroom runbook run --drill`:
// a script waits for instances to come into service in seconds, not minutes.
const runbookDrillSpeed = 30

// runbookEnv is the world a scripted runbook acts on, recording to its
// timeline.
type runbookEnv struct {
	actions integrations.Actions
	sink    func(integrations.Record)
	close   func()
	clock   func() time.Time
	drill   string // the scenario, when acting on the drill world
	// redact scrubs secrets from what the command prints: a command's
	// output or a server's error may quote a token.
	redact func(string) string
	// unfinished says what runs a crash left unfinished left behind.
	unfinished []string
}

// openRunbookEnv opens the drill (with --drill) or the configured sources.
// Without --drill it refuses to act when no configuration names a source:
// a script must never believe it changed production when it changed the
// drill.
func openRunbookEnv(g *globalFlags, drill bool) (runbookEnv, error) {
	if !drill {
		cfg, err := configured(g)
		if err != nil {
			return runbookEnv{}, err
		}
		if cfg == nil || cfg.NamesNoSource() {
			path, _ := g.configPath()
			return runbookEnv{}, fmt.Errorf("no configured source to act on (%s names none): pass --drill to act on the drill world, or --config FILE", path)
		}
	}
	s, err := openSession(g, sessionOptions{ForceDrill: drill, Speed: runbookDrillSpeed})
	if err != nil {
		return runbookEnv{}, err
	}
	s.start(context.Background(), nil)
	s.pump.Publish(s.world.opened("runbook run from the command line on " + s.world.title))
	env := runbookEnv{actions: s.world.actions, sink: func(r integrations.Record) { s.pump.Publish(r) },
		close: func() { _ = s.close() }, clock: s.world.clock, redact: s.redactor.Redact, unfinished: s.unfinishedLines()}
	if s.world.drill {
		env.drill = s.world.scenario
	}
	return env, nil
}

// redactingWriter scrubs secrets from each write; the runbook printer
// writes whole lines, so a token is never split across two writes.
type redactingWriter struct {
	w      io.Writer
	redact func(string) string
}

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redactedError keeps an error's identity but scrubs its message.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string        { return e.msg }
func (e redactedError) Is(target error) bool { return errors.Is(e.err, target) }

func (e runbookEnv) scrubError(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{msg: e.redact(err.Error()), err: err}
}

// banner says, before anything else, when a run acts on the drill.
func (e runbookEnv) banner(w io.Writer) {
	if e.drill != "" {
		fmt.Fprintf(w, "DRILL: acting on the simulated world (scenario %s), not on real services.\n", e.drill)
	}
	for _, line := range e.unfinished {
		fmt.Fprintf(w, "LEFT UNFINISHED: %s\n", line)
	}
}

// driftRecords watches fleet and HAProxy snapshots as they pass through the
// pump and records slot drift when it appears, changes and clears. It runs
// on the pump's goroutine only.
func driftRecords(bindings []drift.Binding, clock func() time.Time) func(integrations.Batch) []integrations.Record {
	if len(bindings) == 0 {
		return nil
	}
	groups := map[string][]integrations.Group{}
	backends := map[string][]integrations.Backend{}
	var tracker drift.Tracker
	return func(b integrations.Batch) []integrations.Record {
		for src, gs := range b.Fleet {
			groups[src] = gs
		}
		for src, snap := range b.Backends {
			backends[src] = snap.Backends
		}
		var allGroups []integrations.Group
		for _, gs := range groups {
			allGroups = append(allGroups, gs...)
		}
		var allBackends []integrations.Backend
		for _, bs := range backends {
			allBackends = append(allBackends, bs...)
		}
		return tracker.Update(drift.Compare(allGroups, allBackends, bindings), clock())
	}
}
