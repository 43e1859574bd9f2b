package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/config"
)

func configCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check and show the configuration, or print an example to start one",
		Long: "The configuration names the live sources (PagerDuty, Slack, AWS, HAProxy), the limits\n" +
			"runbooks obey and the runbook folder. Tokens come from the environment or owner-only files.\n" +
			"Without a configuration file warroom opens the drill world.",
	}
	cmd.AddCommand(configCheckCommand(g), configShowCommand(g), configExampleCommand())
	return cmd
}

// checkJSON is `warroom config check --format json`.
type checkJSON struct {
	File     string        `json:"file"`
	Exists   bool          `json:"exists"`
	Valid    bool          `json:"valid"`
	Drill    bool          `json:"drill"` // warroom opens the drill world with it
	Problems []problemJSON `json:"problems"`
	Sources  []sourceJSON  `json:"sources"`
	Rolling  *rollingJSON  `json:"rolling_restart,omitempty"` // with HAProxy configured
}

// problemJSON is one mistake in a file, at its position.
type problemJSON struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

func configCheckCommand(g *globalFlags) *cobra.Command {
	var timeout time.Duration
	var format *choiceValue
	cmd := quiet(&cobra.Command{
		Use:   "check",
		Short: "Validate the configuration, then try each source once",
		Long: "check reports every problem in the file as file:line:column, then contacts each\n" +
			"configured source once and prints what it found. It exits non-zero on any problem.\n" +
			"With no file at the default place it says so and exits 0: warroom opens the drill.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := g.configPath()
			if err != nil {
				return err
			}
			report := checkJSON{File: path, Exists: true, Problems: []problemJSON{}, Sources: []sourceJSON{}}
			out := cmd.OutOrStdout()
			// show prints the report: as JSON, or by text, the table form.
			show := func(text func()) error {
				if format.json() {
					return writeJSON(out, report)
				}
				text()
				return nil
			}
			cfg, err := loadConfig(g, cmd.ErrOrStderr())
			var ce *config.Error
			switch {
			case errors.Is(err, fs.ErrNotExist) && g.ConfigPath == "":
				report.Exists, report.Valid, report.Drill = false, true, true
				return show(func() {
					fmt.Fprintf(out, "%s: no configuration file, so warroom opens the drill world (simulated sources).\n%s\n", path, startHint(path))
				})
			case errors.As(err, &ce):
				for _, p := range ce.Problems {
					report.Problems = append(report.Problems, problemJSON{File: p.File, Line: p.Line, Column: p.Column, Message: p.Message})
				}
				_ = show(func() {}) // the problems are on stderr already
				return err
			case err != nil:
				return err
			}
			report.Valid, report.Drill = true, cfg.NamesNoSource()
			teamRows, err := probeTeam(cmd.Context(), g, cfg, timeout)
			if err != nil {
				return err
			}
			if cfg.NamesNoSource() {
				report.Sources = teamRows
				if err := show(func() {
					fmt.Fprintf(out, "%s: valid; it names no source, so warroom opens the drill world\n", cfg.Path)
					if len(teamRows) > 0 {
						fmt.Fprintln(out)
						printProbes(out, teamRows)
					}
				}); err != nil {
					return err
				}
				if len(teamRows) > 0 && !teamRows[0].OK {
					return errors.New("the team server failed")
				}
				return nil
			}
			report.Sources = append(probeRows(probeSources(cmd.Context(), cfg, timeout), cfg.Secrets()), teamRows...)
			var rollErr error
			report.Rolling, rollErr = checkRolling(cmd.Context(), cfg, timeout)
			if err := show(func() {
				fmt.Fprintf(out, "%s: valid\n\n", cfg.Path)
				printProbes(out, report.Sources)
				printRolling(out, report.Rolling)
			}); err != nil {
				return err
			}
			failed := 0
			for _, r := range report.Sources {
				if !r.OK {
					failed++
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d sources failed", failed, len(report.Sources))
			}
			return rollErr
		},
	})
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long each source may take to answer")
	format = formatFlag(cmd, "table")
	return cmd
}

// startHint says how to start a configuration at path.
func startHint(path string) string {
	return fmt.Sprintf("To watch real sources, start from the commented example:\n"+
		"  mkdir -p %s && warroom config example > %s\n"+
		"then edit it and run warroom config check (README's \"Configuration\" section explains each setting).",
		filepath.Dir(path), path)
}

func configShowCommand(g *globalFlags) *cobra.Command {
	return quiet(&cobra.Command{
		Use:   "show",
		Short: "Print the configuration with defaults filled in and secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "# %s\n%s", cfg.Path, cfg.Redacted())
			return nil
		},
	})
}

func configExampleCommand() *cobra.Command {
	return quiet(&cobra.Command{
		Use:   "example",
		Short: "Print a commented example configuration to start from",
		Long: "example prints a configuration naming every source and setting, each with a comment.\n" +
			"Save it, keep the sections you use, and check it:\n" +
			"  warroom config example > ~/.config/warroom/config.yaml && warroom config check",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(config.Example())
			return err
		},
	})
}

// problemsError counts the problems loadConfig printed; it unwraps to the
// *config.Error holding them.
type problemsError struct {
	path string
	err  *config.Error
}

func (e *problemsError) Error() string {
	return fmt.Sprintf("%s: %s", e.path, plural(len(e.err.Problems), "problem"))
}
func (e *problemsError) Unwrap() error { return e.err }

// loadConfig loads the configuration, writing each problem in the file to
// stderr as file:line:column so editors can jump to it; the returned error
// only counts them. A missing file's error says how to start one and
// still wraps fs.ErrNotExist.
func loadConfig(g *globalFlags, stderr io.Writer) (*config.Config, error) {
	return loadConfigWith(g, stderr, config.Load)
}

// loadSettings is loadConfig without the tokens, for verbs that contact
// no source.
func loadSettings(g *globalFlags, stderr io.Writer) (*config.Config, error) {
	return loadConfigWith(g, stderr, config.LoadSettings)
}

func loadConfigWith(g *globalFlags, stderr io.Writer, load func(string) (*config.Config, error)) (*config.Config, error) {
	path, err := g.configPath()
	if err != nil {
		return nil, err
	}
	cfg, err := load(path)
	var ce *config.Error
	switch {
	case errors.As(err, &ce):
		fmt.Fprintln(stderr, ce.Error())
		return nil, &problemsError{path: path, err: ce}
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no configuration file at %s (%w).\n%s", path, fs.ErrNotExist, startHint(path))
	}
	return cfg, err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// probeResult is one row of the check table.
type probeResult struct {
	source  string
	latency time.Duration
	found   string
	err     error
}

// probeSources builds every configured source and probes it once, all at
// the same time, each within timeout. Rows come in a fixed order.
func probeSources(ctx context.Context, cfg *config.Config, timeout time.Duration) []probeResult {
	adapters := app.ConfiguredAdapters(cfg)
	results := make([]probeResult, len(adapters))
	var wg sync.WaitGroup
	for i, a := range adapters {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			r := probeResult{source: a.Name}
			src, err := a.Build(pctx, cfg)
			if err == nil {
				start := time.Now()
				r.found, err = src.Probe(pctx)
				r.latency = time.Since(start)
			}
			r.err = err
			results[i] = r
		})
	}
	wg.Wait()
	return results
}

// sourceJSON is one source's row of `warroom config check`.
type sourceJSON struct {
	Name      string  `json:"name"`
	OK        bool    `json:"ok"`
	LatencyMS float64 `json:"latency_ms"` // 0 when the source could not be built
	Found     string  `json:"found,omitempty"`
	Error     string  `json:"error,omitempty"`
}

// probeRows turns probe results into the check's rows. Each adapter keeps
// tokens out of its errors; masking the loaded secrets here as well costs
// nothing.
func probeRows(results []probeResult, secrets []string) []sourceJSON {
	mask := func(s string) string {
		for _, secret := range secrets {
			s = strings.ReplaceAll(s, secret, "******")
		}
		return s
	}
	rows := make([]sourceJSON, len(results))
	for i, r := range results {
		rows[i] = sourceJSON{Name: r.source, OK: r.err == nil, LatencyMS: float64(r.latency.Microseconds()) / 1000, Found: mask(r.found)}
		if r.err != nil {
			rows[i].Found, rows[i].Error = "", mask(oneLine(r.err.Error()))
		}
	}
	return rows
}

// printProbes writes the check table.
func printProbes(w io.Writer, rows []sourceJSON) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSTATUS\tLATENCY\tFOUND")
	for _, r := range rows {
		status, latency, found := "ok", (time.Duration(r.LatencyMS*1000) * time.Microsecond).Round(time.Millisecond).String(), r.Found
		if !r.OK {
			status, found = "error", r.Error
		}
		switch {
		case r.LatencyMS == 0:
			latency = "-" // the source could not be built
		case r.LatencyMS < 1:
			latency = "<1ms"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, status, latency, found)
	}
	tw.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
