package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // --tz works on hosts without a zone database

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/team"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
)

// timelineCommand is `warroom timeline`: list, show, append to, verify and
// export incident timelines.
func timelineCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "timeline",
		Short: "List, show, append to, verify and export incident timelines",
		Long: `Every incident's timeline is an append-only, hash-chained file:
<state-dir>/incidents/<ID>/timeline.jsonl. Corrections are amendments, never
rewrites; secrets are scrubbed before anything is written.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(timelineListCommand(g), timelineShowCommand(g), timelineAppendCommand(g),
		timelineVerifyCommand(g), timelineExportCommand(g))
	return cmd
}

// incidentJSON is one incident in `warroom timeline list --format json`.
type incidentJSON struct {
	ID      string     `json:"id"`
	Entries int        `json:"entries"`
	First   *time.Time `json:"first"` // null for an empty timeline
	Last    *time.Time `json:"last"`
	OK      bool       `json:"ok"`                // the hash chain verifies
	Problem string     `json:"problem,omitempty"` // why it does not
}

func timelineListCommand(g *globalFlags) *cobra.Command {
	var tz string
	var format *choiceValue
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the incidents in the state directory, with entry counts and first and last times",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loc, err := loadZone(cmd, tz)
			if err != nil {
				return err
			}
			dir, err := g.stateDir()
			if err != nil {
				return err
			}
			ts, _, err := verbTeam(g)
			if err != nil {
				return err
			}
			var incidents []timeline.Incident
			if ts != nil {
				dir = team.RedactURL(ts.opts.URL)
				incidents, err = listShared(ts)
			} else {
				incidents, err = timeline.ListIncidents(dir)
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format.json() {
				doc := struct {
					StateDir  string         `json:"state_dir"`
					Incidents []incidentJSON `json:"incidents"`
				}{dir, []incidentJSON{}}
				for _, inc := range incidents {
					ij := incidentJSON{ID: inc.ID, Entries: inc.Entries, First: optionalTime(inc.First, loc), Last: optionalTime(inc.Last, loc), OK: inc.Err == nil}
					if inc.Err != nil {
						ij.Problem = inc.Err.Error()
					}
					doc.Incidents = append(doc.Incidents, ij)
				}
				return writeJSON(out, doc)
			}
			if len(incidents) == 0 {
				fmt.Fprintf(out, "no incidents in %s\n", dir)
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "INCIDENT\tENTRIES\tFIRST\tLAST\tSTATUS")
			for _, inc := range incidents {
				status := "ok"
				if inc.Err != nil {
					status = "FAILS VERIFY (warroom timeline verify --incident " + inc.ID + ")"
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", inc.ID, inc.Entries, formatOptional(inc.First, loc), formatOptional(inc.Last, loc), status)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&tz, "tz", "Local", "time zone for times shown (IANA name, UTC or Local)")
	format = formatFlag(cmd, "table")
	return cmd
}

// optionalTime is t in loc for JSON (RFC 3339 with the zone's offset), or
// nil when unset.
func optionalTime(t time.Time, loc *time.Location) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.In(loc)
	return &t
}

func formatOptional(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

func timelineShowCommand(g *globalFlags) *cobra.Command {
	var (
		incident, entry, tz string
		window              exportWindow
	)
	cmd := &cobra.Command{
		Use:   "show --incident ID [--entry ID]",
		Short: "Show an incident's timeline as amended, or one entry's history",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries, opts, err := readIncident(cmd, g, incident, tz, window)
			if err != nil {
				return err
			}
			if entry != "" {
				return export.History(cmd.OutOrStdout(), entries, entry, opts)
			}
			return export.Text(cmd.OutOrStdout(), entries, opts)
		},
	}
	incidentFlag(cmd, &incident)
	cmd.Flags().StringVar(&entry, "entry", "", "show the history of this entry (its amendments) instead")
	cmd.Flags().StringVar(&tz, "tz", "Local", "time zone for times shown (IANA name, UTC or Local)")
	window.flags(cmd)
	return cmd
}

func timelineAppendCommand(g *globalFlags) *cobra.Command {
	var (
		incident, text, kind, actor, source, occurred, tz string
		target, op, to                                    string
		fields, links                                     []string
	)
	cmd := &cobra.Command{
		Use:   "append --incident ID (--text TEXT [--kind note] | --amend ENTRY --op OP) [--actor NAME]",
		Short: "Append an entry to an incident's timeline (for scripts and other tools)",
		Long: `append records one entry, durably, and prints its ID. Configured secrets and
known token shapes are scrubbed first. Kinds with a meaning in the postmortem:
note, decision, incident.started, incident.detected, incident.acknowledged,
incident.mitigated, incident.resolved (set --occurred when recording after the fact).
Without --occurred an entry takes the incident's clock: in a drill, its
scenario time.

With --amend ENTRY --op OP it records an amendment instead: text (--text is the
new text), time (--to is the new time), hide, unhide, star, unstar, or erase
(for content that slipped past redaction; --text says why).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loc, err := loadZone(cmd, tz)
			if err != nil {
				return err
			}
			e := timeline.Entry{Record: integrations.Record{Kind: kind, Source: source, Actor: actor, Text: text, Links: links}}
			if target != "" {
				e.Kind, e.Target, e.Op = integrations.KindAmend, target, op
			}
			if to != "" {
				if e.To, err = export.ParseTime(to, loc); err != nil {
					return usageErrorf(cmd, "--to: %w", err)
				}
			}
			if occurred != "" {
				if e.Occurred, err = export.ParseTime(occurred, loc); err != nil {
					return usageErrorf(cmd, "--occurred: %w", err)
				}
			}
			if e.Fields, err = parseFields(fields); err != nil {
				return &usageError{err: err, cmd: cmd}
			}
			ts, redactor, err := verbTeam(g)
			if err != nil {
				return err
			}
			dir, err := g.stateDir()
			if err != nil {
				return err
			}
			if ts != nil {
				return appendShared(cmd.OutOrStdout(), ts, dir, incident, e, redactor)
			}
			if redactor, err = configuredRedactor(g); err != nil {
				return err
			}
			store, err := timeline.OpenIncident(dir, incident, timeline.Options{Redactor: redactor})
			if err != nil {
				return err
			}
			if e.Occurred.IsZero() {
				e.Occurred = app.IncidentNow(store.Entries(), time.Now()) // a drill's clock, not the wall's
			}
			stored, err := store.Append(e)
			if cerr := store.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s recorded in %s\n", stored[0].ID, incident)
			return nil
		},
	}
	incidentFlag(cmd, &incident)
	cmd.Flags().StringVar(&text, "text", "", "what happened (required)")
	cmd.Flags().StringVar(&kind, "kind", integrations.KindNote, "entry kind")
	cmd.Flags().StringVar(&actor, "actor", currentUser(), "who")
	cmd.Flags().StringVar(&source, "source", "cli", "where the entry comes from")
	cmd.Flags().StringVar(&occurred, "occurred", "", "when it happened, if not now (RFC 3339, or 2006-01-02 15:04[:05] in --tz)")
	cmd.Flags().StringVar(&tz, "tz", "Local", "time zone for --occurred")
	cmd.Flags().StringArrayVar(&fields, "field", nil, "structured field KEY=VALUE (repeatable)")
	cmd.Flags().StringArrayVar(&links, "link", nil, "related URL (repeatable)")
	cmd.Flags().StringVar(&target, "amend", "", "amend this entry (an ID from warroom timeline show)")
	cmd.Flags().StringVar(&op, "op", "", "amendment: text, time, hide, unhide, star, unstar or erase")
	cmd.Flags().StringVar(&to, "to", "", "the corrected time, for --op time")
	cmd.MarkFlagsOneRequired("text", "amend")
	cmd.MarkFlagsRequiredTogether("amend", "op")
	return cmd
}

// configuredRedactor scrubs the secrets of the configuration, if there is
// one, as the war-room does; without one, the built-in patterns.
func configuredRedactor(g *globalFlags) (*timeline.Redactor, error) {
	cfg, err := configured(g)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return timeline.NewRedactor(nil, nil)
	}
	return timeline.NewRedactor(cfg.Secrets(), cfg.Redact)
}

func parseFields(kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	fields := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--field %q: want KEY=VALUE", kv)
		}
		fields[k] = v
	}
	return fields, nil
}

func timelineVerifyCommand(g *globalFlags) *cobra.Command {
	var incident string
	cmd := &cobra.Command{
		Use:   "verify --incident ID",
		Short: "Check that no entry was changed, removed or reordered; exits non-zero and says where if one was",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ts, redactor, err := verbTeam(g)
			if err != nil {
				return err
			}
			if ts != nil {
				return verifyShared(cmd.OutOrStdout(), cmd.ErrOrStderr(), g, ts, incident, redactor)
			}
			path, err := incidentPath(g, incident)
			if err != nil {
				return err
			}
			n, err := timeline.Verify(path)
			var ce *timeline.CorruptError
			if errors.As(err, &ce) {
				for _, p := range ce.Problems {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s:%d: %s\n", path, p.Line, p.Summary())
				}
				return fmt.Errorf("timeline of %s failed verification: %d problem(s), listed above", incident, len(ce.Problems))
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d entries, hash chain intact\n", path, n)
			return nil
		},
	}
	incidentFlag(cmd, &incident)
	return cmd
}

func timelineExportCommand(g *globalFlags) *cobra.Command {
	var (
		incident, output, title, tz string
		noChart                     bool
		window                      exportWindow
	)
	format := &choiceValue{value: "md", allowed: export.Formats}
	cmd := &cobra.Command{
		Use:   "export --incident ID --format md|html|json|csv [-o FILE]",
		Short: "Export a timeline: a postmortem draft (md or html), the lossless record (json) or a spreadsheet (csv)",
		Long: `export writes the postmortem draft (md), the same draft as one self-contained
HTML page (html), the lossless record with the measured series (json), or a
spreadsheet of the entries (csv). The draft's Impact section is computed from
the series; written to NAME.md, it links a chart of the incident written beside
it as NAME-impact.svg and NAME-impact.png; the HTML page holds the chart inline
(--no-chart leaves it out).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries, opts, err := readIncident(cmd, g, incident, tz, window)
			if err != nil {
				return err
			}
			opts.Title, opts.NoChart = title, noChart
			if opts.Title == "" {
				opts.Title = recordedTitle(entries)
			}
			switch format.value {
			case "json": // lossless: every series
				err = readMeasurements(cmd.ErrOrStderr(), g, &opts, nil)
			case "md", "markdown", "html":
				err = readMeasurements(cmd.ErrOrStderr(), g, &opts, export.DraftSeries)
			}
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				return export.Write(cmd.OutOrStdout(), format.value, entries, opts)
			}
			if format.value == "md" && !noChart && export.HasChart(opts) {
				if opts.Chart, err = writeChart(output, entries, opts); err != nil {
					return err
				}
			}
			return writeFileAtomically(output, func(w io.Writer) error {
				return export.Write(w, format.value, entries, opts)
			})
		},
	}
	incidentFlag(cmd, &incident)
	cmd.Flags().Var(format, "format", "md, html, json or csv")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	cmd.Flags().StringVar(&title, "title", "", "postmortem title (default: the title the war-room recorded, else Incident ID)")
	cmd.Flags().StringVar(&tz, "tz", "UTC", "time zone for times in the export (IANA name, UTC or Local)")
	cmd.Flags().BoolVar(&noChart, "no-chart", false, "md: do not write the impact chart beside the draft; html: leave it out of the page")
	window.flags(cmd)
	return cmd
}

// recordedTitle is the incident title the war-room put on its timeline
// when it opened, if any.
func recordedTitle(entries []timeline.Entry) string {
	for _, e := range entries {
		if e.Kind == integrations.KindSessionOpened && e.Fields["title"] != "" {
			return e.Fields["title"]
		}
	}
	return ""
}

// exportWindow holds the filter flags show and export share.
type exportWindow struct {
	starred      bool
	since, until string
}

func (w *exportWindow) flags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&w.starred, "starred", false, "starred entries only")
	cmd.Flags().StringVar(&w.since, "since", "", "entries at or after this time (RFC 3339, or 2006-01-02 15:04[:05] in --tz)")
	cmd.Flags().StringVar(&w.until, "until", "", "entries at or before this time")
}

func incidentFlag(cmd *cobra.Command, id *string) {
	cmd.Flags().StringVar(id, "incident", "", "incident ID (see warroom timeline list)")
	_ = cmd.MarkFlagRequired("incident")
}

func incidentPath(g *globalFlags, incident string) (string, error) {
	dir, err := g.stateDir()
	if err != nil {
		return "", err
	}
	path, err := timeline.IncidentPath(dir, incident)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no timeline for incident %q in %s (see warroom timeline list)", incident, dir)
	}
	return path, nil
}

// readIncident reads a timeline for show and export, and the export
// options the shared flags describe. It reads without repairing. What a
// crash leaves and the next open repairs is accepted with a warning: a
// torn last line (left out) or a pending erase (shown erased). A file
// with any other problem is refused, naming it.
func readIncident(cmd *cobra.Command, g *globalFlags, incident, tz string, w exportWindow) ([]timeline.Entry, export.Options, error) {
	opts := export.Options{Incident: incident, StarredOnly: w.starred}
	loc, err := loadZone(cmd, tz)
	if err != nil {
		return nil, opts, err
	}
	opts.Location = loc
	if w.since != "" {
		if opts.Since, err = export.ParseTime(w.since, loc); err != nil {
			return nil, opts, usageErrorf(cmd, "--since: %w", err)
		}
	}
	if w.until != "" {
		if opts.Until, err = export.ParseTime(w.until, loc); err != nil {
			return nil, opts, usageErrorf(cmd, "--until: %w", err)
		}
	}
	ts, redactor, err := verbTeam(g)
	if err != nil {
		return nil, opts, err
	}
	if ts != nil {
		dir, err := g.stateDir()
		if err != nil {
			return nil, opts, err
		}
		entries, err := readShared(ts, dir, incident, redactor)
		return entries, opts, err
	}
	path, err := incidentPath(g, incident)
	if err != nil {
		return nil, opts, err
	}
	entries, err := timeline.ReadFile(path)
	var ce *timeline.CorruptError
	if errors.As(err, &ce) && !slices.ContainsFunc(ce.Problems, unrepairable) {
		for _, p := range ce.Problems {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s:%d: %s\n", path, p.Line, p.Summary())
		}
		err = nil
	}
	if err != nil {
		return nil, opts, fmt.Errorf("%w (see warroom timeline verify --incident %s)", err, incident)
	}
	return entries, opts, nil
}

// unrepairable reports whether opening the incident cannot repair p.
func unrepairable(p timeline.Problem) bool {
	return p.Kind != timeline.ProblemTorn && p.Kind != timeline.ProblemErasePending
}

func loadZone(cmd *cobra.Command, name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, usageErrorf(cmd, "--tz %q: not a time zone (use an IANA name such as Europe/Paris, UTC or Local)", name)
	}
	return loc, nil
}

// writeFileAtomically writes a file through a temporary sibling, so an
// interrupted export never leaves half a postmortem behind.
func writeFileAtomically(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".warroom-export-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
