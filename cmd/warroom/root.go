package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

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
	root.Flags().BoolVar(&readonly, "readonly", false, "observe only: refuse every mutating action")
	root.Flags().BoolVar(&bell, "bell", false, "ring the terminal bell with a new critical alert or a failed action")
	root.AddCommand(drillCommand(g), versionCommand(), runbookCommand(g), timelineCommand(g), configCommand(g))
	root.AddCommand(serveCommand())
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

func drillCommand(g *globalFlags) *cobra.Command {
	var (
		list, readonly, bell bool
		speed                float64
		seed                 uint64
	)
	cmd := &cobra.Command{
		Use:   "drill [SCENARIO]",
		Short: "Open the war-room on a simulated incident, to rehearse on-call",
		Long: `drill opens the war-room on the built-in simulated world, replaying a scripted
incident. Alerts, fleet and chat are simulated; your actions change the outcome.
Drill mode is labelled DRILL on screen at all times.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				for _, s := range drill.Scenarios() {
					fmt.Fprintf(cmd.OutOrStdout(), "%-16s %s\n", s.Name, s.Description)
				}
				return nil
			}
			name := drill.DefaultScenario
			if len(args) == 1 {
				name = args[0]
			}
			return runWarRoom(cmd.Context(), g, sessionOptions{ForceDrill: true, Scenario: name, Speed: speed, Seed: seed, Readonly: readonly, Bell: bell})
		},
	}
	cmd.Flags().BoolVar(&list, "list", false, "list the scenarios")
	cmd.Flags().Float64Var(&speed, "speed", defaultDrillSpeed, "scenario seconds per real second")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed: the same seed replays the same drill")
	cmd.Flags().BoolVar(&readonly, "readonly", false, "observe only: refuse every mutating action")
	cmd.Flags().BoolVar(&bell, "bell", false, "ring the terminal bell with a new critical alert or a failed action")
	return cmd
}
