package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
	"github.com/warroomhq/warroom/timeline/series"
)

// metricsCommand is `warroom metrics`: the incident's measured series.
func metricsCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Export the measurements recorded beside an incident's timeline",
		Long: `While the war-room runs, every measured series (requests/s, 5xx/s, error
ratio, sessions, shed/s per frontend, backend and server; desired, in service
and pending per group; the throttle in force) is recorded every metrics.interval
in <state-dir>/incidents/<ID>/metrics.log, older samples in 5-minute buckets.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(metricsExportCommand(g))
	return cmd
}

func metricsExportCommand(g *globalFlags) *cobra.Command {
	var incident, since, until, tz, output string
	format := &choiceValue{value: "csv", allowed: []string{"csv", "json"}}
	cmd := &cobra.Command{
		Use:   "export --incident ID [--format csv|json] [--since T] [--until T] [-o FILE]",
		Short: "Export an incident's series in long format: time,source,target,metric,value",
		Long: `export writes one row per sample and series, in time order, with the columns
time,source,target,metric,value (time RFC 3339 with milliseconds, in --tz).
Samples older than the full-resolution horizon are 5-minute buckets: CSV holds
their mean; JSON also their min, max, n (samples) and span_s (seconds covered).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loc, err := loadZone(cmd, tz)
			if err != nil {
				return err
			}
			var from, to time.Time
			if since != "" {
				if from, err = export.ParseTime(since, loc); err != nil {
					return fmt.Errorf("--since: %w", err)
				}
			}
			if until != "" {
				if to, err = export.ParseTime(until, loc); err != nil {
					return fmt.Errorf("--until: %w", err)
				}
			}
			write := func(w io.Writer, all []series.Series) error { return export.MetricsCSV(w, all, loc) }
			if format.json() {
				write = func(w io.Writer, all []series.Series) error { return export.MetricsJSON(w, incident, all, loc) }
			}
			all, err := readSeries(g, incident, from, to, nil)
			if err != nil {
				return err
			}
			if len(all) == 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "no measurements recorded for %s in that window\n", incident)
			}
			if output == "" || output == "-" {
				return write(cmd.OutOrStdout(), all)
			}
			return writeFileAtomically(output, func(w io.Writer) error { return write(w, all) })
		},
	}
	incidentFlag(cmd, &incident)
	cmd.Flags().Var(format, "format", "csv or json; with json, standard output holds only the JSON document")
	cmd.Flags().StringVar(&since, "since", "", "samples at or after this time (RFC 3339, or 2006-01-02 15:04[:05] in --tz)")
	cmd.Flags().StringVar(&until, "until", "", "samples at or before this time")
	cmd.Flags().StringVar(&tz, "tz", "UTC", "time zone for the times written (IANA name, UTC or Local)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

// readMeasurements adds the incident's series that filter keeps (nil:
// all) to an export, and the configured main backend and impact
// threshold. A configuration that does not load (a token missing from
// this shell) leaves the defaults, with a warning: an export needs no
// source.
func readMeasurements(warn io.Writer, g *globalFlags, opts *export.Options, filter func(series.Key) bool) error {
	var err error
	if opts.Metrics, err = readSeries(g, opts.Incident, time.Time{}, time.Time{}, filter); err != nil {
		return err
	}
	m := config.DefaultMetrics()
	cfg, err := configured(g)
	switch {
	case err != nil:
		fmt.Fprintf(warn, "warning: %v; the impact uses the default metrics settings\n", err)
	case cfg != nil:
		m = cfg.Metrics
	}
	opts.MainTarget, opts.ImpactErrorRatio = m.Main, m.ImpactErrorRatio
	return nil
}

// writeChart writes NAME-impact.svg and NAME-impact.png beside the
// Markdown file NAME.md and returns the SVG's path relative to it.
func writeChart(markdown string, entries []timeline.Entry, opts export.Options) (string, error) {
	var svg, png bytes.Buffer
	if err := export.Chart(&svg, &png, entries, opts); err != nil {
		return "", err
	}
	base := strings.TrimSuffix(markdown, filepath.Ext(markdown)) + "-impact"
	for ext, data := range map[string][]byte{".svg": svg.Bytes(), ".png": png.Bytes()} {
		if err := writeFileAtomically(base+ext, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return "", err
		}
	}
	return filepath.Base(base) + ".svg", nil
}

// readSeries reads an incident's series in [since, until] that filter
// keeps: the team's shared series with --team (or team.url), else those
// recorded beside the local timeline.
func readSeries(g *globalFlags, incident string, since, until time.Time, filter func(series.Key) bool) ([]series.Series, error) {
	if teamWanted(g) {
		ts, cfg, err := loadTeam(g)
		if err != nil {
			return nil, err
		}
		return sharedSeries(ts, cfg, incident, since, until, filter)
	}
	path, err := incidentPath(g, incident)
	if err != nil {
		return nil, err
	}
	return series.Read(filepath.Dir(path), since, until, filter)
}
