package app

import (
	"context"
	"fmt"
	"time"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/integrations/drill"
)

// DefaultDrillSpeed compresses the drill so its story unfolds in minutes.
const DefaultDrillSpeed = 10

// world is what a session watches and acts on: the drill, or live sources.
type world struct {
	title     string
	incident  string
	started   time.Time
	drill     bool
	scenario  string // the drill scenario
	seed      uint64 // the drill's seed, which its scorecard replays on
	notice    string
	clock     func() time.Time
	speed     float64 // a drill's scenario seconds per real second; 0 on the wall clock
	sources   []integrations.Source
	bindings  []drift.Binding
	secrets   []string
	redaction []string
	metrics   config.Metrics
	status    config.StatusUpdates // the updates' cadence and, live, where they go
	config    *config.Config       // live sources' configuration, for the status updates' targets
	channel   string               // a drill's incident channel
}

// openDrill builds the drill world for a scenario.
func openDrill(o Options) (*world, error) {
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
		speed = DefaultDrillSpeed
	}
	w := drill.New(sc, drill.Options{Seed: o.Seed, Speed: speed, User: o.User})
	return &world{
		title:    sc.Title,
		incident: fmt.Sprintf("drill-%s-%s", sc.Name, time.Now().UTC().Format("20060102-150405")),
		started:  sc.Start,
		drill:    true,
		scenario: sc.Name,
		seed:     o.Seed,
		channel:  sc.Channel,
		notice: fmt.Sprintf("simulated world replaying %q at %gx speed. For real sources: warroom --config FILE (see README).",
			sc.Name, speed),
		clock:    w.Now,
		speed:    speed,
		sources:  []integrations.Source{w},
		bindings: w.Bindings(),
		metrics:  config.DefaultMetrics(),
	}, nil
}

// chooseWorld opens exactly the sources the configuration names, or the
// drill when it names none (or the drill is asked for).
func chooseWorld(o Options) (*world, error) {
	if o.ForceDrill || NamesNoSource(o.Config) {
		w, err := openDrill(o)
		if err == nil && !o.ForceDrill && o.Config != nil {
			w.metrics, w.status = o.Config.Metrics, o.Config.StatusUpdates
		}
		return w, err
	}
	return openLive(o.Config)
}

// openLive builds the world of real sources.
func openLive(cfg *config.Config) (*world, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sources, err := BuildSources(ctx, cfg)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	w := &world{
		title:     cfg.Incident.Title,
		incident:  cfg.Incident.ID,
		started:   now,
		clock:     time.Now,
		bindings:  cfg.DriftBindings(),
		secrets:   cfg.Secrets(),
		redaction: cfg.Redact,
		metrics:   cfg.Metrics,
		status:    cfg.StatusUpdates,
		config:    cfg,
	}
	if w.title == "" {
		w.title = "Incident " + now.Format("2006-01-02")
	}
	if w.incident == "" {
		// A restart on the same day goes on with the same timeline.
		w.incident = "incident-" + now.UTC().Format("20060102")
	}
	for _, s := range sources {
		w.sources = append(w.sources, s)
		// Credentials the SDK resolved itself (AWS) are secrets too.
		if holder, ok := s.(interface {
			Secrets(context.Context) []string
		}); ok {
			w.secrets = append(w.secrets, holder.Secrets(ctx)...)
		}
	}
	return w, nil
}
