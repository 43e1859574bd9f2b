package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/config"
)

func configCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check and show the configuration",
		Long: "The configuration names the live sources (PagerDuty, Slack, AWS, HAProxy), the limits\n" +
			"runbooks obey and the runbook folder. Tokens come from the environment or owner-only files.",
	}
	cmd.AddCommand(configCheckCommand(g), configShowCommand(g))
	return cmd
}

func configCheckCommand(g *globalFlags) *cobra.Command {
	var timeout time.Duration
	cmd := quiet(&cobra.Command{
		Use:   "check",
		Short: "Validate the configuration, then try each source once",
		Long: "check reports every problem in the file as file:line:column, then contacts each\n" +
			"configured source once and prints what it found. It exits non-zero on any problem.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if cfg.NamesNoSource() {
				fmt.Fprintf(out, "%s: valid; it names no source, so warroom opens the drill world\n", cfg.Path)
				return nil
			}
			fmt.Fprintf(out, "%s: valid\n\n", cfg.Path)
			results := probeSources(cmd.Context(), cfg, timeout)
			printProbes(out, results, cfg.Secrets())
			rollErr := checkRolling(cmd.Context(), out, cfg, timeout)
			failed := 0
			for _, r := range results {
				if r.err != nil {
					failed++
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d sources failed", failed, len(results))
			}
			return rollErr
		},
	})
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long each source may take to answer")
	return cmd
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

// loadConfig loads the configuration, writing each problem in the file to
// stderr as file:line:column so editors can jump to it; the returned error
// only counts them.
func loadConfig(g *globalFlags, stderr io.Writer) (*config.Config, error) {
	path, err := g.configPath()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path)
	var ce *config.Error
	if errors.As(err, &ce) {
		fmt.Fprintln(stderr, ce.Error())
		return nil, fmt.Errorf("%s: %s", path, plural(len(ce.Problems), "problem"))
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
	builders := sourceBuilders(cfg)
	results := make([]probeResult, len(builders))
	var wg sync.WaitGroup
	for i, b := range builders {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			r := probeResult{source: b.name}
			src, err := b.build(pctx)
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

// printProbes writes the check table. Each adapter keeps tokens out of its
// errors; masking the loaded secrets here as well costs nothing.
func printProbes(w io.Writer, results []probeResult, secrets []string) {
	mask := func(s string) string {
		for _, secret := range secrets {
			s = strings.ReplaceAll(s, secret, "******")
		}
		return s
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSTATUS\tLATENCY\tFOUND")
	for _, r := range results {
		status, latency, found := "ok", r.latency.Round(time.Millisecond).String(), r.found
		if r.err != nil {
			status, found = "error", oneLine(r.err.Error())
		}
		switch {
		case r.latency == 0:
			latency = "-" // the source could not be built
		case r.latency < time.Millisecond:
			latency = "<1ms"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.source, status, latency, mask(found))
	}
	tw.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
