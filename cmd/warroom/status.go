package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/statusupdate"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
	"github.com/warroomhq/warroom/timeline/record"
)

func statusCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Draft, post and time stakeholder status updates for an incident",
		Long: `status drafts a stakeholder update from an incident's timeline (what is
affected and since when, the current figures, what is being done, when the next
update comes), posts it to the incident channel and, when configured
(status_updates in the configuration), to a stakeholder channel and as a
PagerDuty status update, and says when the next one is due by the incident's
severity. Each update posted is recorded on the timeline (kind status.update).`,
	}
	cmd.AddCommand(statusDraftCommand(g), statusPostCommand(g), statusDueCommand(g))
	return cmd
}

// statusFlags are the flags every status verb shares.
type statusFlags struct {
	incident, tz, title, at string
}

func (f *statusFlags) add(cmd *cobra.Command) {
	incidentFlag(cmd, &f.incident)
	cmd.Flags().StringVar(&f.tz, "tz", "UTC", "time zone for times in the update (IANA name, UTC or Local)")
	cmd.Flags().StringVar(&f.title, "title", "", "incident title (default: the title the war-room recorded, else the incident ID)")
}

// addAt adds --at, for the verbs that only read: the moment to draft or
// time the update at, such as a point in a recorded drill.
func (f *statusFlags) addAt(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.at, "at", "", "as of this time (RFC 3339, or 2006-01-02 15:04[:05] in --tz; default now on the incident's clock)")
}

// statusRecord is what a status verb reads: the timeline, its series, the
// configuration (nil: none) and the incident's clock now.
type statusRecord struct {
	entries []timeline.Entry
	cfg     *config.Config
	opts    statusupdate.Options
}

func readStatusRecord(cmd *cobra.Command, g *globalFlags, f statusFlags) (statusRecord, error) {
	entries, eopts, err := readIncident(cmd, g, f.incident, f.tz, exportWindow{})
	if err != nil {
		return statusRecord{}, err
	}
	if err := readMeasurements(cmd.ErrOrStderr(), g, &eopts, nil); err != nil {
		return statusRecord{}, err
	}
	cfg, err := configured(g)
	if err != nil {
		return statusRecord{}, err
	}
	su := config.StatusUpdates{}
	if cfg != nil {
		su = cfg.StatusUpdates
	}
	now := app.IncidentNow(entries, time.Now()) // a drill's clock, not the wall's
	if now.IsZero() {
		now = time.Now()
	}
	if f.at != "" {
		if now, err = export.ParseTime(f.at, eopts.Location); err != nil {
			return statusRecord{}, usageErrorf(cmd, "--at: %w", err)
		}
		entries = slices.DeleteFunc(entries, func(e timeline.Entry) bool { // as the record stood then
			return e.Kind != integrations.KindAmend && e.Occurred.After(now)
		})
	}
	title := f.title
	if title == "" {
		title = recordedTitle(entries)
	}
	return statusRecord{entries: entries, cfg: cfg, opts: statusupdate.Options{
		Title: title, Incident: f.incident, Location: eopts.Location, Now: now,
		Cadence: app.StatusCadence(su),
		Metrics: eopts.Metrics, Main: eopts.MainTarget,
	}}, nil
}

func (r statusRecord) due() statusupdate.Reminder {
	return statusupdate.Due(r.entries, r.opts.Now, r.opts.Cadence)
}

func statusDraftCommand(g *globalFlags) *cobra.Command {
	var f statusFlags
	cmd := &cobra.Command{
		Use:   "draft --incident ID",
		Short: "Print a status update drafted from the timeline, to edit and post",
		Long: `draft prints a status update drafted from the incident's timeline, from facts
only, and says on standard error when the next one is due. Save it, edit it, and
post it with warroom status post --file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rec, err := readStatusRecord(cmd, g, f)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), statusupdate.NewDraft(rec.entries, rec.opts).Text)
			fmt.Fprintln(cmd.ErrOrStderr(), "warroom:", rec.due().Describe(rec.opts.Now, rec.opts.Location))
			return nil
		},
	}
	f.add(cmd)
	f.addAt(cmd)
	return cmd
}

func statusDueCommand(g *globalFlags) *cobra.Command {
	var f statusFlags
	cmd := &cobra.Command{
		Use:   "due --incident ID",
		Short: "Say when the next status update is due, by the incident's severity and the last update",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rec, err := readStatusRecord(cmd, g, f)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), rec.due().Describe(rec.opts.Now, rec.opts.Location))
			return nil
		},
	}
	f.add(cmd)
	f.addAt(cmd)
	return cmd
}

func statusPostCommand(g *globalFlags) *cobra.Command {
	var (
		f             statusFlags
		file, message string
		yes           bool
		timeout       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "post --incident ID [--file F | -m TEXT] [--yes]",
		Short: "Post a status update to the incident channel (and the configured stakeholder channel and PagerDuty) and record it",
		Long: `post prints where the update goes and what it says, asks for confirmation (or
takes --yes), posts it to the slack section's channel, to
status_updates.stakeholder_channel when set, and as a status update on the open
PagerDuty incidents of the timeline when status_updates.pagerduty is true, then
records it on the timeline with where it landed and when the next is due.
Without --file or -m it posts the draft as warroom status draft prints it.

A post with no answer within --timeout may have landed: a Slack channel is read
back to settle it; a PagerDuty status update cannot be, and is reported as
unknown. The command exits non-zero unless every post landed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rec, err := readStatusRecord(cmd, g, f)
			if err != nil {
				return err
			}
			draft := statusupdate.NewDraft(rec.entries, rec.opts)
			text, err := updateText(draft.Text, file, message)
			if err != nil {
				return usageErrorf(cmd, "%w", err)
			}
			redactor, err := configuredRedactor(g)
			if err != nil {
				return err
			}
			text = redactor.Redact(text) // it leaves for other channels: no secret goes with it
			targets, notes, err := app.StatusTargets(rec.cfg, rec.entries)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, n := range notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "warroom:", n)
			}
			fmt.Fprintln(w, "Status update to post:")
			fmt.Fprintln(w, indent(text))
			fmt.Fprint(w, "To:")
			for _, t := range targets {
				fmt.Fprint(w, " ", t.Name())
			}
			fmt.Fprintln(w)
			if !yes {
				if _, err := askTyped(cmd, "Post it? Type yes: ", "yes"); err != nil {
					return err
				}
			}
			ctx, stop := context.WithCancel(cmd.Context())
			defer stop()
			// Posted now, on the incident's clock: the confirmation may
			// have taken a while.
			clock := func() time.Time {
				if now := app.IncidentNow(rec.entries, time.Now()); !now.IsZero() {
					return now
				}
				return time.Now()
			}
			outcomes, r, ok := app.PostUpdate(ctx, text, targets, rec.entries, rec.opts, currentUser(), timeout, clock)
			return recordUpdate(cmd, g, rec.opts.Incident, r, ok, outcomes)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&file, "file", "", "post the text of this file (an edited draft)")
	cmd.Flags().StringVarP(&message, "message", "m", "", "post this text")
	cmd.Flags().BoolVar(&yes, "yes", false, "post without asking (for scripts)")
	cmd.Flags().DurationVar(&timeout, "timeout", app.StatusPostTimeout, "how long each post may take before its outcome is unknown")
	cmd.MarkFlagsMutuallyExclusive("file", "message")
	return cmd
}

// updateText is the update to post: the file's or the message's text,
// else the draft; bounded, and not empty.
func updateText(draft, file, message string) (string, error) {
	text := draft
	switch {
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		if !utf8.Valid(data) {
			return "", fmt.Errorf("%s is not UTF-8 text", file)
		}
		text = string(data)
	case message != "":
		text = message
	}
	return app.CheckUpdate(text)
}

// recordUpdate says how each post went, records the update (r) where it
// landed or may have (ok), and fails unless every post landed.
func recordUpdate(cmd *cobra.Command, g *globalFlags, incident string, r integrations.Record, ok bool, outcomes []statusupdate.Outcome) error {
	w := cmd.OutOrStdout()
	var bad []string
	for _, o := range outcomes {
		line := o.Target + ": " + o.Status
		if o.Detail != "" {
			line += " (" + o.Detail + ")"
		}
		fmt.Fprintln(w, line)
		if o.Status != statusupdate.Posted {
			bad = append(bad, o.Target+" "+o.Status)
		}
	}
	if ok {
		redactor, err := configuredRedactor(g)
		if err != nil {
			return err
		}
		dir, err := g.stateDir()
		if err != nil {
			return err
		}
		store, err := timeline.OpenIncident(dir, incident, timeline.Options{Redactor: redactor})
		if err != nil {
			return err
		}
		stored, err := store.Append(record.Entries([]integrations.Record{r})...)
		if cerr := store.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("posted, but recording the update failed: %w", err)
		}
		fmt.Fprintf(w, "%s recorded in %s\n", stored[0].ID, incident)
	}
	if len(bad) > 0 {
		return fmt.Errorf("not every post landed: %s", strings.Join(bad, "; "))
	}
	return nil
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
