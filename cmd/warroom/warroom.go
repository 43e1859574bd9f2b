package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/team"
	"github.com/warroomhq/warroom/tui"
)

// sessionOptions say what the war-room opens on, from the flags.
type sessionOptions struct {
	ForceDrill bool
	Scenario   string
	Speed      float64
	Seed       uint64
	Readonly   bool
	Bell       bool
	Incident   string // --incident: the incident to open or join
	Runbooks   api.RunbookInfo
	// Waiting, with a team, is told when a run asks another responder's
	// approval (the command line says how to give it).
	Waiting func(r team.Request, url string)
}

// openSession opens the application on the world the flags and the
// configuration name; nothing runs yet.
func openSession(g *globalFlags, o sessionOptions) (*app.Session, error) {
	opts := app.Options{ForceDrill: o.ForceDrill, Scenario: o.Scenario, Speed: o.Speed, Seed: o.Seed,
		User: currentUser(), Runbooks: o.Runbooks, Incident: o.Incident}
	if !o.ForceDrill {
		cfg, err := configured(g)
		if err != nil {
			return nil, err
		}
		opts.Config = cfg
	}
	stateDir, err := g.stateDir()
	if err != nil {
		return nil, err
	}
	opts.StateDir = stateDir
	// A drill shares its timeline, locks and approvals too (its world
	// is each responder's own): its team settings come from the file.
	teamCfg := opts.Config
	if o.ForceDrill && teamWanted(g) {
		if teamCfg, err = configured(g); err != nil {
			return nil, err
		}
	}
	ts, err := g.teamSettings(teamCfg)
	if err != nil || ts == nil {
		if err != nil {
			return nil, err
		}
		return app.Open(opts)
	}
	if o.Incident != "" && (o.ForceDrill || app.NamesNoSource(opts.Config)) {
		// A drill's world is a simulation inside this process, with its
		// own clock: a second screen would replay a second world onto the
		// same timeline, and its actions would change a world nobody else
		// sees.
		return nil, fmt.Errorf("a drill cannot be joined with --incident %s on a team: each drill simulates its own world; share a configured incident instead (incident.id or --incident with --config)", o.Incident)
	}
	t, err := wireTeam(ts, &opts)
	if err != nil {
		return nil, err
	}
	if o.Waiting != nil {
		url := team.RedactURL(ts.opts.URL)
		t.approvals.Waiting = func(r team.Request) { o.Waiting(r, url) }
	}
	s, err := app.Open(opts)
	if err != nil {
		t.close()
	}
	return s, err
}

// runWarRoom opens the screen on a world and records to its timeline
// until the user quits.
func runWarRoom(ctx context.Context, g *globalFlags, o sessionOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var warnings []string
	catalog, limits, err := loadRunbooks(g, func(w string) { warnings = append(warnings, w) })
	if err != nil {
		return err
	}
	o.Runbooks = api.RunbookInfo{Catalog: catalog, Limits: limits, Skipped: warnings}
	s, err := openSession(g, o)
	if err != nil {
		return err
	}
	info := s.Info()
	t, _ := s.Team().(*teamSession)
	observer := t != nil && t.observer
	model := tui.New(tui.Options{App: s, Readonly: o.Readonly || observer, Observer: observer, Bell: o.Bell, NoColor: os.Getenv("NO_COLOR") != ""})
	program := tea.NewProgram(model, tea.WithContext(ctx))
	// A dropped SSH connection quits cleanly, like q: runbooks are aborted
	// and wound down, and the timeline closed.
	hangup, done := make(chan os.Signal, 1), make(chan struct{})
	signal.Notify(hangup, syscall.SIGHUP)
	defer func() { signal.Stop(hangup); close(done) }()
	go func() {
		select {
		case <-hangup:
			program.Quit()
		case <-done:
		}
	}()
	s.Watch(ctx, func(b integrations.Batch) { program.Send(b) })
	opened := s.Opened("war-room opened on " + info.Title)
	if info.Drill {
		opened.Text = "drill started: " + info.Title
	}
	// The server refuses an observer's writes: nothing of its screen goes
	// on the timeline.
	if !observer {
		s.Publish(opened)
		for _, warning := range warnings {
			// The screen is about to take the terminal: say it on the timeline.
			s.Publish(integrations.Record{Occurred: info.Clock(), Source: integrations.SourceWarroom, Kind: integrations.KindRunbookLoad, Text: warning})
		}
	}
	_, runErr := program.Run()
	var scored bytes.Buffer
	if info.Drill && runErr == nil {
		if err := scoreAtQuit(s, &scored); err != nil {
			fmt.Fprintln(os.Stderr, "warroom: scoring the drill:", s.Redact(err.Error()))
		}
	}
	closeErr := s.Close()
	os.Stdout.Write(scored.Bytes())
	if runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled) {
		return runErr
	}
	return closeErr
}

func currentUser() string { return app.CurrentUser() }
