package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/tui"
)

// defaultDrillSpeed compresses the drill so its story unfolds in minutes.
const defaultDrillSpeed = 10

// sessionOptions say what the war-room opens on.
type sessionOptions struct {
	ForceDrill bool
	Scenario   string
	Speed      float64
	Seed       uint64
	Readonly   bool
}

// world is what a session watches and acts on: the drill, or live sources.
type world struct {
	title     string
	incident  string
	started   time.Time
	drill     bool
	notice    string
	clock     func() time.Time
	sources   []integrations.Source
	actions   integrations.Actions
	secrets   []string
	redaction []string
}

// openDrill builds the drill world for a scenario.
func openDrill(o sessionOptions) (*world, error) {
	name := o.Scenario
	if name == "" {
		name = drill.DefaultScenario
	}
	sc, ok := drill.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("no drill scenario %q (see warroom drill --list)", name)
	}
	speed := o.Speed
	if speed <= 0 {
		speed = defaultDrillSpeed
	}
	w := drill.New(sc, drill.Options{Seed: o.Seed, Speed: speed})
	return &world{
		title:    sc.Title,
		incident: fmt.Sprintf("drill-%s-%s", sc.Name, time.Now().UTC().Format("20060102-150405")),
		started:  sc.Start,
		drill:    true,
		notice: fmt.Sprintf("simulated world replaying %q at %gx speed. For real sources: warroom --config FILE (see README).",
			sc.Name, speed),
		clock:   w.Now,
		sources: []integrations.Source{w},
		actions: w.Actions(),
	}, nil
}

// chooseWorld opens the drill unless a configuration names real sources.
func chooseWorld(g *globalFlags, o sessionOptions) (*world, error) {
	if o.ForceDrill {
		return openDrill(o)
	}
	return openConfigured(g, o)
}

// runWarRoom opens the screen on a world and records to its timeline
// until the user quits.
func runWarRoom(ctx context.Context, g *globalFlags, o sessionOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	w, err := chooseWorld(g, o)
	if err != nil {
		return err
	}
	stateDir, err := g.stateDir()
	if err != nil {
		return err
	}
	redactor, err := timeline.NewRedactor(w.secrets, w.redaction)
	if err != nil {
		return fmt.Errorf("redaction patterns: %w", err)
	}
	store, err := timeline.OpenIncident(stateDir, w.incident, timeline.Options{Redactor: redactor})
	if err != nil {
		return fmt.Errorf("opening the timeline: %w", err)
	}
	defer store.Close()

	model := tui.New(tui.Options{
		Title: w.title, IncidentStart: w.started, Drill: w.drill, Notice: w.notice,
		User: currentUser(), Clock: w.clock, NoColor: os.Getenv("NO_COLOR") != "",
		Record: func(_ context.Context, r integrations.Record) (integrations.Record, error) {
			return recordOne(store, r)
		},
	})
	program := tea.NewProgram(model, tea.WithContext(ctx))
	pump := integrations.NewPump(integrations.PumpOptions{
		Persist: func(recs []integrations.Record) error { return persist(store, recs) },
		Deliver: func(b integrations.Batch) { program.Send(b) },
	})

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { pump.Run(ctx) })
	opened := integrations.Record{Occurred: w.clock(), Source: "warroom", Kind: "session.opened", Actor: currentUser(),
		Text: "war-room opened on " + w.title}
	if w.drill {
		opened.Text = "drill started: " + w.title
	}
	pump.Publish(opened)
	for _, src := range w.sources {
		wg.Go(func() {
			if err := src.Run(ctx, pump); err != nil && !errors.Is(err, context.Canceled) {
				pump.Publish(integrations.Record{Occurred: time.Now(), Source: src.Name(), Kind: "source.status",
					Text: src.Name() + " stopped: " + err.Error()})
			}
		})
	}
	_, runErr := program.Run()
	cancel()
	wg.Wait()
	if runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled) {
		return runErr
	}
	return nil
}

// persist appends pumped records to the store in one group commit and
// gives each its stored ID.
func persist(store *timeline.Store, recs []integrations.Record) error {
	entries := make([]timeline.Entry, len(recs))
	for i, r := range recs {
		entries[i] = toEntry(r)
	}
	stored, err := store.Append(entries...)
	if err != nil {
		return err
	}
	for i := range recs {
		recs[i] = fromEntry(stored[i])
	}
	return nil
}

func recordOne(store *timeline.Store, r integrations.Record) (integrations.Record, error) {
	recs := []integrations.Record{r}
	err := persist(store, recs)
	return recs[0], err
}

func toEntry(r integrations.Record) timeline.Entry {
	return timeline.Entry{Occurred: r.Occurred, Source: r.Source, Kind: r.Kind, Actor: r.Actor,
		Text: r.Text, Fields: r.Fields, Links: r.Links}
}

// fromEntry returns the record as stored: redacted, with its ID.
func fromEntry(e timeline.Entry) integrations.Record {
	return integrations.Record{ID: e.ID, Occurred: e.Occurred, Source: e.Source, Kind: e.Kind, Actor: e.Actor,
		Text: e.Text, Fields: e.Fields, Links: e.Links}
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return "you"
}
