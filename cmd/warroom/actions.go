package main

import (
	"context"
	"fmt"
	"io"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/team"
)

// runbookDrillSpeed runs the drill fast under `warroom runbook run --drill`:
// a script waits for instances to come into service in seconds, not minutes.
const runbookDrillSpeed = 30

// openRunbookEnv opens the application for a scripted runbook: on the drill
// (with --drill) or the configured sources, recording to its timeline.
// Without --drill it refuses to act when no configuration names a source:
// a script must never believe it changed production when it changed the
// drill.
func openRunbookEnv(g *globalFlags, drill bool, limits runbooks.Limits, waiting func(r team.Request, url string)) (*app.Session, error) {
	if !drill {
		cfg, err := configured(g)
		if err != nil {
			return nil, err
		}
		if app.NamesNoSource(cfg) {
			path, _ := g.configPath()
			return nil, fmt.Errorf("no configured source to act on (%s names none): pass --drill to act on the drill world, or --config FILE", path)
		}
	}
	s, err := openSession(g, sessionOptions{ForceDrill: drill, Speed: runbookDrillSpeed, Runbooks: api.RunbookInfo{Limits: limits}, Waiting: waiting})
	if err != nil {
		return nil, err
	}
	s.Watch(context.Background(), nil)
	s.Publish(s.Opened("runbook run from the command line on " + s.Info().Title))
	return s, nil
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

// banner says, before anything else, when a run acts on the drill, and
// what runs a crash left unfinished left behind.
func banner(w io.Writer, s *app.Session) {
	if sc := s.Scenario(); sc != "" {
		fmt.Fprintf(w, "DRILL: acting on the simulated world (scenario %s), not on real services.\n", sc)
	}
	for _, line := range s.Info().Unfinished {
		fmt.Fprintf(w, "LEFT UNFINISHED: %s\n", line)
	}
}
