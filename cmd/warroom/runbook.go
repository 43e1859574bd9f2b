package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/runbooks"
)

func runbookCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runbook",
		Short: "List, check, show and run runbooks",
		Long: "Runbooks are YAML files of typed parameters and ordered steps. The built-ins are always\n" +
			"available; add your own in the runbook folder named in the configuration.",
	}
	cmd.AddCommand(runbookListCommand(g), runbookValidateCommand(), runbookShowCommand(g), runbookRunCommand(g),
		runbookApproveCommand(g), runbookPendingCommand(g))
	return cmd
}

func quiet(c *cobra.Command) *cobra.Command {
	c.SilenceUsage, c.SilenceErrors = true, true
	return c
}

// runbookSettings is the user's runbook folder and the configured limits.
// It loads no token: listing, showing and planning runbooks needs none.
func runbookSettings(g *globalFlags) (string, runbooks.Limits, error) {
	cfg, err := loadSettings(g, os.Stderr)
	switch {
	case errors.Is(err, fs.ErrNotExist) && g.ConfigPath == "":
		return "", runbooks.Limits{}, nil // no configuration: built-ins only
	case err != nil:
		return "", runbooks.Limits{}, err
	}
	return cfg.RunbookDir, runbookLimits(cfg), nil
}

// openCatalog loads the built-ins and the user's folder. One broken user
// file must not hide the other runbooks: the catalog holds every valid
// one, and skipped says what did not load (nil when everything did).
func openCatalog(g *globalFlags) (cat *runbooks.Catalog, limits runbooks.Limits, dir string, skipped, err error) {
	dir, limits, err = runbookSettings(g)
	if err != nil {
		return nil, limits, dir, nil, err
	}
	cat, skipped = runbooks.LoadCatalog(dir)
	if cat == nil {
		return nil, limits, dir, nil, skipped
	}
	return cat, limits, dir, skipped, nil
}

// loadRunbooks is openCatalog for verbs that go on past broken files:
// warn is told about them.
func loadRunbooks(g *globalFlags, warn func(string)) (*runbooks.Catalog, runbooks.Limits, error) {
	cat, limits, dir, skipped, err := openCatalog(g)
	if skipped != nil {
		warn(fmt.Sprintf("some runbooks in %s were skipped: %v", dir, skipped))
	}
	return cat, limits, err
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

// runbookJSON is one runbook in `warroom runbook list|show --format json`.
type runbookJSON struct {
	Name           string      `json:"name"`
	Description    string      `json:"description"`
	Source         string      `json:"source"`
	Builtin        bool        `json:"builtin"`
	Dangerous      bool        `json:"dangerous"`
	Approval       bool        `json:"approval_required"` // another responder approves each run
	Mutates        bool        `json:"mutates"`
	Confirm        string      `json:"confirm,omitempty"`
	TimeoutSeconds float64     `json:"timeout_seconds"`
	Params         []paramJSON `json:"params"`
	Preconditions  []stepJSON  `json:"preconditions,omitempty"` // show only
	Steps          []stepJSON  `json:"steps,omitempty"`         // show only
	Plan           *planJSON   `json:"plan,omitempty"`          // show with --param or --drill
}

type paramJSON struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Description string   `json:"description,omitempty"`
	Required    bool     `json:"required"`
	Default     string   `json:"default,omitempty"` // as typed on the command line
	Min         string   `json:"min,omitempty"`
	Max         string   `json:"max,omitempty"`
	Pattern     string   `json:"pattern,omitempty"`
	Values      []string `json:"values,omitempty"`
}

type stepJSON struct {
	Name           string         `json:"name"`
	Action         string         `json:"action"`
	Args           map[string]any `json:"args"` // as written, with ${param} references
	Mutates        bool           `json:"mutates"`
	TimeoutSeconds float64        `json:"timeout_seconds"`
	OnFailure      string         `json:"on_failure"`
}

type planJSON struct {
	OK      bool            `json:"ok"` // every check passed
	Lines   []string        `json:"lines"`
	Checks  []planCheckJSON `json:"checks"`
	Targets []string        `json:"targets"`
	Text    string          `json:"text"` // the plan as the table form prints it
}

type planCheckJSON struct {
	OK   bool   `json:"ok"`
	Text string `json:"text"`
}

func describeJSON(rb *runbooks.Runbook, full bool) runbookJSON {
	text := func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	out := runbookJSON{Name: rb.Name, Description: strings.Join(strings.Fields(rb.Description), " "), Source: rb.Source,
		Builtin: rb.Builtin, Dangerous: rb.Dangerous, Approval: rb.Approval, TimeoutSeconds: rb.Timeout.Seconds(), Params: []paramJSON{}}
	if rb.Dangerous {
		out.Confirm = rb.Confirm
	}
	for _, p := range rb.Params {
		pj := paramJSON{Name: p.Name, Type: string(p.Type), Description: p.Description, Required: p.Required(),
			Default: text(p.Default), Min: text(p.Min), Max: text(p.Max), Values: p.Values}
		if p.Pattern != nil {
			pj.Pattern = p.Pattern.String()
		}
		out.Params = append(out.Params, pj)
	}
	steps := func(ss []runbooks.Step) []stepJSON {
		out := []stepJSON{}
		for _, s := range ss {
			out = append(out, stepJSON{Name: s.Name, Action: s.Action, Args: s.Args, Mutates: s.Mutates,
				TimeoutSeconds: s.Timeout.Seconds(), OnFailure: string(s.OnFailure)})
		}
		return out
	}
	for _, s := range rb.Steps {
		out.Mutates = out.Mutates || s.Mutates
	}
	if full {
		out.Preconditions, out.Steps = steps(rb.Preconditions), steps(rb.Steps)
	}
	return out
}

func planToJSON(p *runbooks.Plan) *planJSON {
	out := &planJSON{OK: p.Err() == nil, Lines: p.Lines(), Checks: []planCheckJSON{}, Targets: p.Targets, Text: p.String()}
	if out.Lines == nil {
		out.Lines = []string{}
	}
	if out.Targets == nil {
		out.Targets = []string{}
	}
	for _, c := range p.Checks() {
		out.Checks = append(out.Checks, planCheckJSON{OK: c.OK, Text: c.Text})
	}
	return out
}

// loadProblems flattens what LoadCatalog could not load into positioned
// problems, in the order it found them.
func loadProblems(err error) []problemJSON {
	var out []problemJSON
	var walk func(error)
	walk = func(err error) {
		var es runbooks.Errors
		var one *runbooks.Error
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				walk(e)
			}
			return
		}
		switch {
		case errors.As(err, &es):
			for _, e := range es {
				out = append(out, problemJSON{File: e.File, Line: e.Line, Column: e.Column, Message: e.Msg})
			}
		case errors.As(err, &one):
			out = append(out, problemJSON{File: one.File, Line: one.Line, Column: one.Column, Message: one.Msg})
		default:
			out = append(out, problemJSON{Message: err.Error()})
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

func (p problemJSON) String() string {
	if p.File == "" {
		return p.Message
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
}

func runbookListCommand(g *globalFlags) *cobra.Command {
	var format *choiceValue
	cmd := quiet(&cobra.Command{
		Use:   "list",
		Short: "List the runbooks; a runbook file that does not load is reported and the exit status is 1",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat, _, dir, skipped, err := openCatalog(g)
			if err != nil {
				return err
			}
			problems := loadProblems(skipped)
			out := cmd.OutOrStdout()
			if format.json() {
				doc := struct {
					Runbooks []runbookJSON `json:"runbooks"`
					Problems []problemJSON `json:"problems"`
				}{[]runbookJSON{}, problems}
				if doc.Problems == nil {
					doc.Problems = []problemJSON{}
				}
				for _, rb := range cat.List() {
					doc.Runbooks = append(doc.Runbooks, describeJSON(rb, false))
				}
				if err := writeJSON(out, doc); err != nil {
					return err
				}
			} else {
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
			}
			if len(problems) == 0 {
				return nil
			}
			stderr := cmd.ErrOrStderr()
			fmt.Fprintf(stderr, "warroom: these runbooks in %s did not load and are not listed:\n", dir)
			for _, p := range problems {
				fmt.Fprintln(stderr, p)
			}
			return fmt.Errorf("%s in %s (fix them, then check with warroom runbook validate)", plural(len(problems), "runbook problem"), dir)
		},
	})
	format = formatFlag(cmd, "table")
	return cmd
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
	var format *choiceValue
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
			doc := describeJSON(rb, true)
			if len(params) == 0 && !drill {
				if format.json() {
					return writeJSON(out, doc)
				}
				describeRunbook(out, rb)
				return nil
			}
			plan, closeAll, err := planRunbook(cmd.Context(), g, rb, params, drill, limits)
			if err != nil {
				return err
			}
			defer closeAll()
			if format.json() {
				doc.Plan = planToJSON(plan)
				if err := writeJSON(out, doc); err != nil {
					return err
				}
			} else {
				describeRunbook(out, rb)
				fmt.Fprintf(out, "\nplan:\n%s", plan)
			}
			return plan.Err()
		},
	})
	cmd.Flags().StringArrayVar(&params, "param", nil, "parameter as name=value (repeatable)")
	cmd.Flags().BoolVar(&drill, "drill", false, "plan against the drill world")
	format = formatFlag(cmd, "text")
	return cmd
}

func describeRunbook(w io.Writer, rb *runbooks.Runbook) {
	fmt.Fprintf(w, "%s (%s)\n  %s\n", rb.Name, rb.Source, strings.Join(strings.Fields(rb.Description), " "))
	if rb.Dangerous {
		fmt.Fprintf(w, "  dangerous: confirm by typing %q\n", rb.Confirm)
	}
	if rb.Approval {
		fmt.Fprintln(w, "  approval: required (another responder approves each run: warroom runbook approve RUN)")
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
	s, err := openRunbookEnv(g, drill, limits, nil)
	if err != nil {
		return nil, nil, err
	}
	closeSession := func() { _ = s.Close() }
	raw, err := runbooks.ParseParams(params)
	if err != nil {
		closeSession()
		return nil, nil, err
	}
	plan, err := s.Plan(ctx, rb, raw)
	if err != nil {
		closeSession()
		return nil, nil, err
	}
	return plan, closeSession, nil
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
				return &usageError{err: err, cmd: cmd}
			}
			// Parameter mistakes are caught before anything is opened or
			// contacted.
			if _, err := rb.Resolve(raw); err != nil {
				return err
			}
			s, err := openRunbookEnv(g, drill, limits, approvalNotice(cmd.OutOrStdout()))
			if err != nil {
				return err
			}
			defer s.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer stop()
			out := redactingWriter{w: cmd.OutOrStdout(), redact: s.Redact}
			banner(out, s)
			plan, err := s.Plan(ctx, rb, raw)
			if err != nil {
				return err
			}
			fmt.Fprint(out, plan)
			opts := app.RunOptions{StartOptions: api.StartOptions{DryRun: dryRun}, Progress: progressPrinter(out)}
			// A plan whose checks fail is still handed to Run, which records
			// the refusal on the timeline; there is nothing to confirm.
			if plan.Mutates && !dryRun && plan.Err() == nil {
				if opts.Confirmed, opts.Typed, err = confirmRun(cmd, plan, yes); err != nil {
					return err
				}
			}
			report, err := s.Run(ctx, plan, opts)
			fmt.Fprintf(out, "run %s %s: %s in %s\n", report.RunID, rb.Name, report.Status, report.Elapsed.Round(time.Millisecond))
			return err
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
	typed, err := askTyped(cmd, prompt, want)
	return err == nil, typed, err
}

// askTyped asks on stdin for want, and says what was typed.
func askTyped(cmd *cobra.Command, prompt, want string) (string, error) {
	fmt.Fprint(cmd.OutOrStdout(), prompt)
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("not confirmed (no answer on stdin; use --yes in scripts)")
	}
	if typed := strings.TrimSpace(line); typed != want {
		return "", fmt.Errorf("not confirmed: got %q, want %q", typed, want)
	}
	return strings.TrimSpace(line), nil
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
