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

// checkRolling prints the checks a rolling restart would make with the
// configured batch size: every name it would use, each instance's
// configuration, and what a reload under keep-alive load would do. A
// failed check is an error, found here rather than mid-incident.
func checkRolling(ctx context.Context, w io.Writer, cfg *config.Config, timeout time.Duration) error {
	if cfg.HAProxy == nil {
		return nil
	}
	fleet, err := haproxy.New(cfg.HAProxyOptions())
	if err != nil {
		return nil // the source's row already says why
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	limits := runbookLimits(cfg)
	checks, err := runbooks.RollingChecks(ctx, fleet, nil, limits.MaxBatch, limits)
	if err != nil {
		fmt.Fprintf(w, "\nrolling restart: %v\n", err)
		return nil
	}
	fmt.Fprintf(w, "\nrolling restart (haproxy-rolling-restart, batch up to %d):\n", limits.MaxBatch)
	failed := 0
	for _, c := range checks {
		fmt.Fprintf(w, "  %-4s %s\n", c.Mark(), oneLine(c.Text))
		if !c.OK {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%s failed", plural(failed, "rolling restart check"))
	}
	return nil
}
