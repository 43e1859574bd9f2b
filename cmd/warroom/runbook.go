package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/runbooks"
)

func runbookCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runbook",
		Short: "List, check, show and run runbooks",
		Long: "Runbooks are YAML files of typed parameters and ordered steps. The built-ins are always\n" +
			"available; add your own in the runbook folder named in the configuration.",
	}
	cmd.AddCommand(runbookListCommand(g), runbookValidateCommand(), runbookShowCommand(g), runbookRunCommand(g))
	return cmd
}

func quiet(c *cobra.Command) *cobra.Command {
	c.SilenceUsage, c.SilenceErrors = true, true
	return c
}

// loadRunbooks loads the built-ins and the user's folder. One broken user
// file must not hide the other runbooks: it is skipped, and warn is told.
func loadRunbooks(g *globalFlags, warn func(string)) (*runbooks.Catalog, runbooks.Limits, error) {
	dir, limits, err := runbookSettings(g)
	if err != nil {
		return nil, limits, err
	}
	cat, err := runbooks.LoadCatalog(dir)
	if cat == nil {
		return nil, limits, err
	}
	if err != nil {
		warn(fmt.Sprintf("some runbooks in %s were skipped: %v", dir, err))
	}
	return cat, limits, nil
}

// warnOn prints loading warnings for a command-line verb.
func warnOn(cmd *cobra.Command) func(string) {
	return func(s string) { fmt.Fprintln(cmd.ErrOrStderr(), "warroom:", s) }
}

// lookupRunbook loads the runbooks and finds one by name.
func lookupRunbook(cmd *cobra.Command, g *globalFlags, name string) (*runbooks.Runbook, runbooks.Limits, error) {
	cat, limits, err := loadRunbooks(g, warnOn(cmd))
	if err != nil {
		return nil, limits, err
	}
	rb, err := cat.Lookup(name)
	return rb, limits, err
}

func runbookListCommand(g *globalFlags) *cobra.Command {
	return quiet(&cobra.Command{
		Use:   "list",
		Short: "List the runbooks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, _, err := loadRunbooks(g, warnOn(cmd))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, rb := range cat.List() {
				flags := ""
				if rb.Dangerous {
					flags = " [dangerous]"
				}
				if !rb.Builtin {
					flags += " [" + rb.Source + "]"
				}
				fmt.Fprintf(out, "%-26s %s%s\n", rb.Name, firstSentence(rb.Description), flags)
			}
			return nil
		},
	})
}

// firstSentence is the description's first sentence, cut to fit a line.
func firstSentence(s string) string {
	const width = 90
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if r := []rune(s); len(r) > width {
		s = string(r[:width-1]) + "…"
	}
	return s
}

func runbookValidateCommand() *cobra.Command {
	return quiet(&cobra.Command{
		Use:   "validate FILE...",
		Short: "Check runbook files; each problem is printed as file:line:column",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			bad := 0
			for _, f := range files {
				rb, err := runbooks.ParseFile(f)
				if err != nil {
					bad++
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%s, %d steps)\n", f, rb.Name, len(rb.Steps))
			}
			if bad > 0 {
				return fmt.Errorf("%d of %d runbook files are invalid", bad, len(files))
			}
			return nil
		},
	})
}

func runbookShowCommand(g *globalFlags) *cobra.Command {
	var params []string
	var drill bool
	cmd := quiet(&cobra.Command{
		Use:   "show NAME",
		Short: "Show a runbook; with --param or --drill, also its plan",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rb, limits, err := lookupRunbook(cmd, g, args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			describeRunbook(out, rb)
			if len(params) == 0 && !drill {
				return nil
			}
			plan, closeAll, err := planRunbook(cmd.Context(), g, rb, params, drill, limits)
			if err != nil {
				return err
			}
			defer closeAll()
			fmt.Fprintf(out, "\nplan:\n%s", plan)
			return plan.Err()
		},
	})
	cmd.Flags().StringArrayVar(&params, "param", nil, "parameter as name=value (repeatable)")
	cmd.Flags().BoolVar(&drill, "drill", false, "plan against the drill world")
	return cmd
}

func describeRunbook(w io.Writer, rb *runbooks.Runbook) {
	fmt.Fprintf(w, "%s (%s)\n  %s\n", rb.Name, rb.Source, strings.Join(strings.Fields(rb.Description), " "))
	if rb.Dangerous {
		fmt.Fprintf(w, "  dangerous: confirm by typing %q\n", rb.Confirm)
	}
	fmt.Fprintf(w, "  timeout: %s\n", rb.Timeout)
	if len(rb.Params) > 0 {
		fmt.Fprintln(w, "parameters:")
		for _, p := range rb.Params {
			fmt.Fprintf(w, "  %s\n", p.Usage())
		}
	}
	if len(rb.Preconditions) > 0 {
		fmt.Fprintln(w, "preconditions:")
		for _, s := range rb.Preconditions {
			fmt.Fprintf(w, "  %s: %s %s\n", s.Name, s.Action, argsText(s.Args))
		}
	}
	fmt.Fprintln(w, "steps:")
	for i, s := range rb.Steps {
		effect := "reads"
		if s.Mutates {
			effect = "changes"
		}
		fmt.Fprintf(w, "  %d. %s: %s %s [%s, timeout %s, on failure %s]\n", i+1, s.Name, s.Action, argsText(s.Args), effect, s.Timeout, s.OnFailure)
	}
}

func argsText(args map[string]any) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, args[k])
	}
	return strings.Join(parts, " ")
}

// planRunbook opens the actions and plans rb; the returned function closes
// the actions.
func planRunbook(ctx context.Context, g *globalFlags, rb *runbooks.Runbook, params []string, drill bool, limits runbooks.Limits) (*runbooks.Plan, func(), error) {
	env, err := openRunbookEnv(g, drill)
	if err != nil {
		return nil, nil, err
	}
	raw, err := runbooks.ParseParams(params)
	if err != nil {
		env.close()
		return nil, nil, err
	}
	plan, err := runbooks.NewPlan(ctx, rb, raw, env.actions, limits)
	if err != nil {
		env.close()
		return nil, nil, err
	}
	return plan, env.close, nil
}

func runbookRunCommand(g *globalFlags) *cobra.Command {
	var (
		params      []string
		dryRun, yes bool
		drill       bool
	)
	cmd := quiet(&cobra.Command{
		Use:   "run NAME [--param k=v ...]",
		Short: "Plan, confirm and run a runbook, printing each step's progress",
		Long: "Prints the plan and its checks, asks for confirmation (or takes --yes), then runs the\n" +
			"steps, printing each one's progress and result. Ctrl-C aborts: the running step is\n" +
			"cancelled and no other starts. The exit status is non-zero when the run does not finish.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rb, limits, err := lookupRunbook(cmd, g, args[0])
			if err != nil {
				return err
			}
			raw, err := runbooks.ParseParams(params)
			if err != nil {
				return err
			}
			stateDir, err := g.stateDir()
			if err != nil {
				return err
			}
			// Parameter mistakes are caught before anything is opened or
			// contacted.
			if _, err := rb.Resolve(raw); err != nil {
				return err
			}
			env, err := openRunbookEnv(g, drill)
			if err != nil {
				return err
			}
			defer env.close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer stop()
			out := redactingWriter{w: cmd.OutOrStdout(), redact: env.redact}
			env.banner(out)
			plan, err := runbooks.NewPlan(ctx, rb, raw, env.actions, limits)
			if err != nil {
				return env.scrubError(err)
			}
			fmt.Fprint(out, plan)
			opts := runbooks.RunOptions{DryRun: dryRun, StateDir: stateDir, Progress: progressPrinter(out), Now: env.clock, Actor: currentUser()}
			// A plan whose checks fail is still handed to Run, which records
			// the refusal on the timeline; there is nothing to confirm.
			if plan.Mutates && !dryRun && plan.Err() == nil {
				if opts.Confirmed, opts.Typed, err = confirmRun(cmd, plan, yes); err != nil {
					return err
				}
			}
			report, err := runbooks.Run(ctx, plan, env.actions, env.sink, opts)
			fmt.Fprintf(out, "run %s %s: %s in %s\n", report.RunID, rb.Name, report.Status, report.Elapsed.Round(time.Millisecond))
			return env.scrubError(err)
		},
	})
	f := cmd.Flags()
	f.StringArrayVar(&params, "param", nil, "parameter as name=value (repeatable)")
	f.BoolVar(&dryRun, "dry-run", false, "do every read and check, send no write")
	f.BoolVar(&yes, "yes", false, "confirm without asking (for scripts; types a dangerous runbook's confirmation)")
	f.BoolVar(&drill, "drill", false, "act on the drill world instead of the configured services")
	return cmd
}

// confirmRun asks on stdin, unless --yes: "yes" for a mutating runbook,
// the confirmation text for a dangerous one.
func confirmRun(cmd *cobra.Command, plan *runbooks.Plan, yes bool) (bool, string, error) {
	if yes {
		return true, plan.ConfirmText, nil
	}
	prompt, want := "Run it? Type yes: ", "yes"
	if plan.Dangerous {
		prompt, want = fmt.Sprintf("Dangerous. Type %q to run it: ", plan.ConfirmText), plan.ConfirmText
	}
	fmt.Fprint(cmd.OutOrStdout(), prompt)
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return false, "", errors.New("not confirmed (no answer on stdin; use --yes in scripts)")
	}
	if typed := strings.TrimSpace(line); typed != want {
		return false, "", fmt.Errorf("not confirmed: got %q, want %q", typed, want)
	}
	return true, strings.TrimSpace(line), nil
}

// progressPrinter prints a step's status changes and progress messages,
// once each.
func progressPrinter(w io.Writer) func(runbooks.StepState) {
	var mu sync.Mutex
	last := map[int]string{}
	return func(s runbooks.StepState) {
		mu.Lock()
		defer mu.Unlock()
		key := string(s.Status) + "\x00" + s.Message
		if last[s.Index] == key {
			return
		}
		last[s.Index] = key
		switch s.Status {
		case runbooks.StepRunning:
			if s.Message == "" {
				fmt.Fprintf(w, "[%d] %s (%s) running\n", s.Index, s.Name, s.Action)
			} else {
				fmt.Fprintf(w, "[%d] %s  %s  (%s)\n", s.Index, s.Name, s.Message, s.Elapsed.Round(time.Second))
			}
		case runbooks.StepDone:
			fmt.Fprintf(w, "[%d] %s done in %s %s\n", s.Index, s.Name, s.Elapsed.Round(time.Millisecond), s.Result.Summary)
			printOutput(w, s.Result.Output)
		case runbooks.StepFailed:
			fmt.Fprintf(w, "[%d] %s FAILED after %s: %s\n", s.Index, s.Name, s.Elapsed.Round(time.Millisecond), s.Err)
			printOutput(w, s.Result.Output)
		case runbooks.StepAborted:
			fmt.Fprintf(w, "[%d] %s ABORTED after %s: %s\n", s.Index, s.Name, s.Elapsed.Round(time.Millisecond), s.Err)
			printOutput(w, s.Result.Output)
		case runbooks.StepSkipped:
			fmt.Fprintf(w, "[%d] %s skipped: %s\n", s.Index, s.Name, s.Message)
		}
	}
}

func printOutput(w io.Writer, out string) {
	if out == "" {
		return
	}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		fmt.Fprintf(w, "    | %s\n", line)
	}
}
