package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/integrations/drill"
)

// version is set at build time with -ldflags "-X main.version=…"; builds
// without it report the module version Go recorded, or "dev".
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

func rootCommand() *cobra.Command {
	g := &globalFlags{}
	var readonly, bell bool
	root := &cobra.Command{
		Use:   "warroom",
		Short: "A terminal war-room for the engineer on call",
		Long: `warroom puts an incident's alerts (PagerDuty), fleet (AWS Auto Scaling, HAProxy)
and chat (Slack) on one screen, runs guarded runbook actions, and records
everything on a durable timeline that exports as the postmortem's first draft.

With no configuration it opens the built-in drill world, replaying the
"monday-surge" scenario.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWarRoom(cmd.Context(), g, sessionOptions{Readonly: readonly, Bell: bell})
		},
	}
	root.PersistentFlags().StringVar(&g.ConfigPath, "config", "", "configuration file (default $XDG_CONFIG_HOME/warroom/config.yaml)")
	root.PersistentFlags().StringVar(&g.StateDir, "state-dir", "", "where timelines and locks are kept (env WARROOM_STATE_DIR, default $XDG_STATE_HOME/warroom)")
	root.PersistentFlags().StringVar(&g.Team, "team", "", "share the incident through this team server (nats://host:4222; see warroom serve), over the configuration's team.url")
	root.Flags().BoolVar(&readonly, "readonly", false, "observe only: refuse every mutating action")
	root.Flags().BoolVar(&bell, "bell", false, "ring the terminal bell with a new critical alert or a failed action")
	root.AddCommand(drillCommand(g), versionCommand(), runbookCommand(g), timelineCommand(g), configCommand(g), fleetCommand(g), metricsCommand(g), statusCommand(g), serveCommand())
	guardUsage(root)
	return root
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print warroom's version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "warroom", versionString())
		},
	}
}

// The drill's speed range. Above the maximum, one tick of the simulation
// (a tenth of a second) would cover more scenario time than a source's
// freshness budget, and every source would read STALE.
const (
	minDrillSpeed = 0.1
	maxDrillSpeed = 100
)

func drillCommand(g *globalFlags) *cobra.Command {
	var (
		list, readonly, bell bool
		headless, showRef    bool
		planFile             string
		seed                 uint64
	)
	format := &choiceValue{value: "table", allowed: []string{"table", "text", "json"}}
	speed := &rangeValue{value: app.DefaultDrillSpeed, min: minDrillSpeed, max: maxDrillSpeed, unit: "scenario seconds per real second"}
	cmd := &cobra.Command{
		Use:   "drill [SCENARIO]",
		Short: "Open the war-room on a simulated incident, to rehearse on-call",
		Long: `drill opens the war-room on the built-in simulated world, replaying a scripted
incident. Alerts, fleet and chat are simulated; your actions change the outcome.
Drill mode is labelled DRILL on screen at all times.

With --headless it runs with no screen, as fast as it can, applying the
actions of --plan at their scenario times through the runbooks, and prints
a scorecard: time to mitigate against the real incident's, the impact,
and each action's effect, measured against a replay of the same seed
without it. The same seed and plan give the same JSON.

  warroom drill holiday-db --show-plan > plan.yaml
  warroom drill holiday-db --headless --plan plan.yaml --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				return listScenarios(cmd.OutOrStdout(), format.json())
			}
			reads := list || headless || showRef
			for _, flag := range []string{"format", "output"} {
				if cmd.Flags().Changed(flag) && !reads {
					return usageErrorf(cmd, "--%s is for --list, --headless and --show-plan: the drill itself is a screen", flag)
				}
			}
			if cmd.Flags().Changed("plan") && !headless {
				return usageErrorf(cmd, "--plan is for --headless: on screen, you are the plan")
			}
			name := drill.DefaultScenario
			if len(args) == 1 {
				name = args[0]
			}
			sc, ok := drill.Lookup(name)
			if !ok {
				return usageErrorf(cmd, "no drill scenario %q (scenarios: %s)", name, strings.Join(scenarioNames(), ", "))
			}
			if showRef {
				showPlan(cmd.OutOrStdout(), sc)
				return nil
			}
			if headless {
				return runHeadless(g, headlessDrill{scenario: sc, planFile: planFile, seed: seed, asJSON: format.json()}, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			return runWarRoom(cmd.Context(), g, sessionOptions{ForceDrill: true, Scenario: name, Speed: speed.value, Seed: seed, Readonly: readonly, Bell: bell})
		},
	}
	cmd.Flags().BoolVar(&list, "list", false, "list the scenarios")
	cmd.Flags().Var(format, "format", "output format of --list (table) and --headless (text); with json, standard output holds only the JSON document")
	cmd.Flags().BoolVar(&headless, "headless", false, "run with no screen, as fast as it goes, applying --plan, and print the scorecard")
	cmd.Flags().StringVar(&planFile, "plan", "", "with --headless: a YAML plan of actions at scenario times (see --show-plan)")
	cmd.Flags().BoolVar(&showRef, "show-plan", false, "print the scenario's reference plan (the real recovery) in the plan format")
	outputFlag(cmd)
	cmd.Flags().Var(speed, "speed", fmt.Sprintf("scenario seconds per real second, %g to %g", minDrillSpeed, float64(maxDrillSpeed)))
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed: the same seed replays the same drill")
	cmd.Flags().BoolVar(&readonly, "readonly", false, "observe only: refuse every mutating action")
	cmd.Flags().BoolVar(&bell, "bell", false, "ring the terminal bell with a new critical alert or a failed action")
	return cmd
}

func scenarioNames() []string {
	var names []string
	for _, s := range drill.Scenarios() {
		names = append(names, s.Name)
	}
	return names
}

// scenarioJSON is one scenario in `warroom drill --list --format json`.
type scenarioJSON struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Default     bool   `json:"default"`
}

func listScenarios(w io.Writer, asJSON bool) error {
	var out []scenarioJSON
	for _, s := range drill.Scenarios() {
		out = append(out, scenarioJSON{Name: s.Name, Title: s.Title, Description: s.Description, Default: s.Name == drill.DefaultScenario})
	}
	if asJSON {
		return writeJSON(w, struct {
			Scenarios []scenarioJSON `json:"scenarios"`
		}{out})
	}
	for _, s := range out {
		fmt.Fprintf(w, "%-16s %s\n", s.Name, s.Description)
	}
	return nil
}
