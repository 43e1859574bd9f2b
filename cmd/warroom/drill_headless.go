package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/drillscore"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/record"
)

// headlessDrill says how `warroom drill --headless` runs.
type headlessDrill struct {
	scenario drill.Scenario
	planFile string
	seed     uint64
	asJSON   bool
}

// loadPlan reads the plan file; no file means no plan: the scenario runs
// untouched.
func (h headlessDrill) loadPlan() ([]drill.PlanStep, error) {
	if h.planFile == "" {
		return nil, nil
	}
	data, err := os.ReadFile(h.planFile)
	if err != nil {
		return nil, err
	}
	return drill.ParsePlan(h.planFile, data)
}

// runHeadless plays the scenario with no screen, as fast as it goes,
// recording the scored run in an incident of its own, and prints the
// scorecard (stdout) and the incident (stderr).
func runHeadless(g *globalFlags, h headlessDrill, stdout, stderr io.Writer) error {
	plan, err := h.loadPlan()
	if err != nil {
		return err
	}
	cat, limits, dir, skipped, err := openCatalog(g)
	if err != nil {
		return err
	}
	if skipped != nil {
		fmt.Fprintf(stderr, "warroom: some runbooks in %s were skipped: %v\n", dir, skipped)
	}
	stateDir, err := g.stateDir()
	if err != nil {
		return err
	}
	redactor, err := timeline.NewRedactor(nil, nil)
	if err != nil {
		return err
	}
	incident := headlessIncident(h.scenario.Name)
	store, err := timeline.OpenIncident(stateDir, incident, timeline.Options{Redactor: redactor})
	if err != nil {
		return fmt.Errorf("opening the timeline: %w", err)
	}
	defer store.Close()
	var recs []integrations.Record
	card, err := drillscore.Run(h.scenario, plan, drillscore.Options{Seed: h.seed, Catalog: cat, Limits: limits,
		StateDir: stateDir, User: currentUser(), Sink: func(r integrations.Record) { recs = append(recs, r) }})
	if err != nil {
		return err
	}
	recs = append(recs, card.Record(h.scenario.Start.Add(h.scenario.Horizon)))
	if _, err := store.Append(record.Entries(recs)...); err != nil {
		return fmt.Errorf("recording the drill: %w", err)
	}
	fmt.Fprintf(stderr, "warroom: drill recorded as incident %s\n", incident)
	if h.asJSON {
		return writeJSON(stdout, card)
	}
	card.WriteText(stdout)
	return nil
}

// headlessIncident names a headless run's incident: every run its own.
func headlessIncident(scenario string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("drill-%s-%s-%s", scenario, time.Now().UTC().Format("20060102-150405"), hex.EncodeToString(b))
}

// showPlan prints the scenario's reference plan, loadable by --plan.
func showPlan(w io.Writer, sc drill.Scenario) {
	fmt.Fprintf(w, "# %s: the real incident's recovery (seed-independent)\n", sc.Name)
	fmt.Fprint(w, drill.FormatPlan(sc.Reference))
}

// scoreAtQuit prints the scorecard of a drill the responder played on
// screen, once the screen has closed: their actions replayed headless on
// the same seed. The session recorded it on the timeline when the drill
// ended, or records it now when the drill was quit before its end or went
// on after it.
func scoreAtQuit(s *app.Session, out io.Writer) error {
	card, _, err := s.ScoreDrill(context.Background())
	if err != nil || card == nil {
		return err
	}
	fmt.Fprintln(out, "Drill scorecard (your actions replayed on the same seed):")
	card.WriteText(out)
	return nil
}
