package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/runbooks"
)

// rollingJSON is what `config check` found of a rolling restart.
type rollingJSON struct {
	Batch  int         `json:"batch"`
	Error  string      `json:"error,omitempty"` // the checks could not be made
	Checks []checkMark `json:"checks"`
}

// checkMark is one plan check: mark is ok, WARN or FAIL.
type checkMark struct {
	Mark string `json:"mark"`
	Text string `json:"text"`
}

// checkRolling makes the checks a rolling restart would make with the
// configured batch size: every name it would use, each instance's
// configuration, and what a reload under keep-alive load would do. A
// failed check is an error, found here rather than mid-incident. It is nil
// when no HAProxy is configured.
func checkRolling(ctx context.Context, cfg *config.Config, timeout time.Duration) (*rollingJSON, error) {
	if cfg.HAProxy == nil {
		return nil, nil
	}
	fleet, err := haproxy.New(cfg.HAProxyOptions())
	if err != nil {
		return nil, nil // the source's row already says why
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	limits := runbookLimits(cfg)
	report := &rollingJSON{Batch: limits.MaxBatch, Checks: []checkMark{}}
	checks, err := runbooks.RollingChecks(ctx, fleet.Actions(), nil, limits.MaxBatch, limits)
	if err != nil {
		report.Error = oneLine(err.Error())
		return report, nil
	}
	failed := 0
	for _, c := range checks {
		report.Checks = append(report.Checks, checkMark{Mark: c.Mark(), Text: oneLine(c.Text)})
		if !c.OK {
			failed++
		}
	}
	if failed > 0 {
		return report, fmt.Errorf("%s failed", plural(failed, "rolling restart check"))
	}
	return report, nil
}

// printRolling writes the rolling restart's checks as text.
func printRolling(w io.Writer, r *rollingJSON) {
	if r == nil {
		return
	}
	if r.Error != "" {
		fmt.Fprintf(w, "\nrolling restart: %s\n", r.Error)
		return
	}
	fmt.Fprintf(w, "\nrolling restart (haproxy-rolling-restart, batch up to %d):\n", r.Batch)
	for _, c := range r.Checks {
		fmt.Fprintf(w, "  %-4s %s\n", c.Mark, c.Text)
	}
}
