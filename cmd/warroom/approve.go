package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/team"
)

// teamApprovals connects to the team for the two-person rule verbs.
func teamApprovals(g *globalFlags) (*team.Approvals, *teamSettings, func(), error) {
	ts, _, err := loadTeam(g)
	if err != nil {
		return nil, nil, nil, err
	}
	if ts == nil {
		return nil, nil, nil, errors.New("approvals go through the team server: pass --team URL or configure team.url")
	}
	c, err := ts.reach()
	if err != nil {
		return nil, nil, nil, err
	}
	ap, err := c.Approvals("")
	if err != nil {
		c.Close()
		return nil, nil, nil, ts.scrub(err)
	}
	return ap, ts, c.Close, nil
}

func runbookPendingCommand(g *globalFlags) *cobra.Command {
	var format *choiceValue
	cmd := quiet(&cobra.Command{
		Use:   "pending --team URL",
		Short: "List the runs waiting for another responder's approval, with their plans and checks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ap, ts, done, err := teamApprovals(g)
			if err != nil {
				return err
			}
			defer done()
			pending, err := ap.Pending()
			if err != nil {
				return ts.scrub(err)
			}
			out := cmd.OutOrStdout()
			if format.json() {
				doc := struct {
					Pending []pendingJSON `json:"pending"`
				}{[]pendingJSON{}}
				for _, r := range pending {
					doc.Pending = append(doc.Pending, toPendingJSON(r))
				}
				return writeJSON(out, doc)
			}
			if len(pending) == 0 {
				fmt.Fprintln(out, "no run is waiting for approval")
				return nil
			}
			for i, r := range pending {
				if i > 0 {
					fmt.Fprintln(out)
				}
				describeRequest(out, r)
			}
			return nil
		},
	})
	format = formatFlag(cmd, "text")
	return cmd
}

// pendingJSON is one request of `warroom runbook pending --format json`.
type pendingJSON struct {
	Run           string    `json:"run"`
	Runbook       string    `json:"runbook"`
	Params        string    `json:"params"`
	Incident      string    `json:"incident"`
	Requester     string    `json:"requester"`
	Requested     time.Time `json:"requested"`
	Expires       time.Time `json:"expires"`
	Targets       []string  `json:"targets"`
	Plan          string    `json:"plan"`
	Checks        string    `json:"checks"`
	SelfAllowedBy string    `json:"self_allowed_by,omitempty"`
}

func toPendingJSON(r team.Request) pendingJSON {
	return pendingJSON{Run: r.RunID, Runbook: r.Runbook, Params: r.Params, Incident: r.Incident, Requester: r.RequesterID,
		Requested: r.Requested, Expires: r.Expires, Targets: r.Targets, Plan: r.Plan, Checks: r.Checks, SelfAllowedBy: r.SelfAllowedBy}
}

// describeRequest shows an approver what they are asked to approve: the
// run, who asked, the plan and its checks.
func describeRequest(w io.Writer, r team.Request) {
	fmt.Fprintf(w, "run %s of %s requested by %s for %s at %s (expires %s)\n", r.RunID, r.Runbook, r.RequesterID,
		orDash(r.Incident), r.Requested.Local().Format(time.TimeOnly), r.Expires.Local().Format(time.TimeOnly))
	fmt.Fprintf(w, "targets: %s\nplan:\n%s", strings.Join(r.Targets, ", "), r.Plan)
	if !strings.HasSuffix(r.Plan, "\n") {
		fmt.Fprintln(w)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runbookApproveCommand(g *globalFlags) *cobra.Command {
	var refuse, yes bool
	var why string
	cmd := quiet(&cobra.Command{
		Use:   "approve RUN [--refuse --why TEXT] --team URL",
		Short: "Approve (or refuse) another responder's run that waits for a second person",
		Long: "approve shows the run's plan and its checks, asks you to type yes (or takes --yes), and\n" +
			"answers as the identity the team server authenticated. The requester cannot approve\n" +
			"their own run unless the configuration allows it and the plan says so. --refuse\n" +
			"stops it before anything changes; --why says why, on the timeline.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if refuse && strings.TrimSpace(why) == "" {
				return usageErrorf(cmd, "--refuse needs --why TEXT: the requester and the timeline are told why")
			}
			ap, ts, done, err := teamApprovals(g)
			if err != nil {
				return err
			}
			defer done()
			r, err := ap.Lookup(args[0])
			if err != nil {
				return ts.scrub(err)
			}
			out := cmd.OutOrStdout()
			describeRequest(out, r)
			verb := "Approve"
			if refuse {
				verb = "Refuse"
			}
			if !yes {
				fmt.Fprintf(out, "%s run %s? Type yes: ", verb, r.RunID)
				line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if strings.TrimSpace(line) != "yes" {
					return errors.New("not answered: type yes (or pass --yes)")
				}
			}
			if _, err := ap.Answer(r.RunID, !refuse, why); err != nil {
				return ts.scrub(err)
			}
			if refuse {
				fmt.Fprintf(out, "run %s refused: %s\n", r.RunID, why)
			} else {
				fmt.Fprintf(out, "run %s approved; it starts on %s's warroom\n", r.RunID, r.RequesterID)
			}
			return nil
		},
	})
	cmd.Flags().BoolVar(&refuse, "refuse", false, "refuse the run instead: nothing changes")
	cmd.Flags().StringVar(&why, "why", "", "why (required with --refuse)")
	cmd.Flags().BoolVar(&yes, "yes", false, "answer without asking")
	return cmd
}

// approvalNotice says, on the command line, how to approve a run that
// waits for another responder.
func approvalNotice(out io.Writer) func(r team.Request, url string) {
	return func(r team.Request, url string) {
		fmt.Fprintf(out, "waiting until %s for another responder's approval of run %s:\n  warroom runbook approve %s --team %s\n",
			r.Expires.Local().Format(time.TimeOnly), r.RunID, r.RunID, url)
	}
}
