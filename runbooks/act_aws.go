package runbooks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

var (
	groupPattern    = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,255}$`)
	instancePattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
)

func needScaler(a integrations.Actions) error {
	if a.Scaler == nil {
		return errors.New("no Auto Scaling access is configured (aws section of the config)")
	}
	return nil
}

func needCommands(a integrations.Actions) error {
	if a.Commands == nil {
		return errors.New("no host command runner is configured (aws section of the config, SSM)")
	}
	return nil
}

func init() {
	groupArg := ArgSpec{Name: "group", Kind: ArgString, Required: true, Pattern: groupPattern, Doc: "Auto Scaling group name"}
	register(&Action{
		Name:     "aws.group_check",
		Summary:  "check that a group's desired capacity is below its maximum",
		Effect:   Reads,
		Args:     []ArgSpec{groupArg},
		Timeout:  30 * time.Second,
		Requires: needScaler,
		Plan: func(_ context.Context, c Call) (StepPlan, error) {
			return StepPlan{Lines: []string{fmt.Sprintf("check %s desired < max", c.Args.String("group"))}}, nil
		},
		Execute: func(ctx context.Context, c Call) (Result, error) {
			g, err := c.Actions.Scaler.DescribeGroup(ctx, c.Args.String("group"))
			if err != nil {
				return Result{}, err
			}
			if g.Desired >= g.Max {
				return Result{}, fmt.Errorf("%s desired %d is already at its max %d", g.Name, g.Desired, g.Max)
			}
			return Result{Summary: fmt.Sprintf("%s desired %d < max %d", g.Name, g.Desired, g.Max)}, nil
		},
	})
	register(&Action{
		Name:    "aws.scale_group",
		Summary: "set a group's desired capacity within bounds, then wait until that many instances are in service",
		Effect:  Writes,
		Args: []ArgSpec{
			groupArg,
			{Name: "desired", Kind: ArgInt, Required: true, Min: 0, Max: 100000, Doc: "new desired capacity"},
			{Name: "poll", Kind: ArgDuration, Default: 5 * time.Second, Doc: "how often to re-read the group while waiting"},
			{Name: "only_up", Kind: ArgBool, Default: false, Doc: "refuse to lower the desired capacity (a scale-up must never terminate instances)"},
		},
		Timeout:  15 * time.Minute,
		Requires: needScaler,
		Plan:     planScale,
		Execute:  executeScale,
	})
	register(&Action{
		Name:    "aws.ssm_command",
		Summary: "run a command on hosts (by instance id, or a group's in-service instances) with bounded output",
		Effect:  StepDeclares,
		Args: []ArgSpec{
			{Name: "instances", Kind: ArgList, Pattern: instancePattern, Doc: "instance ids"},
			{Name: "group", Kind: ArgString, Pattern: groupPattern, Doc: "run on this group's in-service instances"},
			{Name: "command", Kind: ArgCommand, Required: true, Doc: "shell command; parameters are single-quoted into it"},
			{Name: "max_output", Kind: ArgInt, Min: 0, Max: 1 << 20, Doc: "bytes of output kept per host (default: the configured limit)"},
			{Name: "max_concurrency", Kind: ArgInt, Default: 1, Min: 1, Max: 50, Doc: "hosts it runs on at once"},
			{Name: "max_errors", Kind: ArgInt, Default: 0, Min: 0, Max: 50, Doc: "failures allowed before it is sent to no further host"},
		},
		Timeout:  2 * time.Minute,
		Requires: needCommands,
		Plan:     planCommand,
		Execute:  executeCommand,
	})
}

// scaleChecks are the bounds a new desired capacity must respect; Plan
// shows them and Execute re-checks them on a fresh read before sending,
// so a group that autoscaling or a colleague raised meanwhile is never
// lowered by a scale-up planned against the old value.
func scaleChecks(g integrations.Group, desired int, onlyUp bool, l Limits) []Check {
	checks := []Check{verdict(desired >= g.Min && desired <= g.Max,
		fmt.Sprintf("%s desired %d within the group's bounds %d..%d", g.Name, desired, g.Min, g.Max),
		fmt.Sprintf("%s desired %d is outside the group's bounds %d..%d", g.Name, desired, g.Min, g.Max))}
	if onlyUp {
		checks = append(checks, verdict(desired >= g.Desired,
			fmt.Sprintf("%s desired %d is not below the current %d", g.Name, desired, g.Desired),
			fmt.Sprintf("%s desired %d is below the current %d: a scale-up never terminates instances", g.Name, desired, g.Desired)))
	}
	if limit := l.capacityCap(g.Name); limit > 0 {
		checks = append(checks, verdict(desired <= limit,
			fmt.Sprintf("%s desired %d within the configured cap %d", g.Name, desired, limit),
			fmt.Sprintf("%s desired %d is above the configured cap %d", g.Name, desired, limit)))
	}
	return checks
}

func planScale(ctx context.Context, c Call) (StepPlan, error) {
	group, desired := c.Args.String("group"), c.Args.Int("desired")
	g, err := c.Actions.Scaler.DescribeGroup(ctx, group)
	if err != nil {
		return StepPlan{}, fmt.Errorf("read group %s: %w", group, err)
	}
	line := fmt.Sprintf("%s desired %d → %d (max %d)", g.Name, g.Desired, desired, g.Max)
	if g.Desired == desired {
		line = fmt.Sprintf("%s desired already %d (max %d); wait for %d in service", g.Name, desired, g.Max, desired)
	}
	return StepPlan{
		Lines:   []string{line, fmt.Sprintf("wait until %d in service (now %d)", desired, g.InService)},
		Checks:  scaleChecks(g, desired, c.Args.Bool("only_up"), c.Limits),
		Targets: []string{"aws:" + g.Name},
	}, nil
}

func executeScale(ctx context.Context, c Call) (Result, error) {
	group, desired, every := c.Args.String("group"), c.Args.Int("desired"), c.Args.Duration("poll")
	g, err := c.Actions.Scaler.DescribeGroup(ctx, group)
	if err != nil {
		return Result{}, fmt.Errorf("read group %s: %w", group, err)
	}
	if err := failedChecks(scaleChecks(g, desired, c.Args.Bool("only_up"), c.Limits)); err != nil {
		return Result{}, err
	}
	from, sent := g.Desired, time.Now()
	change := ledger.Change{Kind: ledger.Capacity, Group: group, From: fmt.Sprint(from), To: fmt.Sprint(desired)}
	if err := c.Actions.Scaler.SetDesiredCapacity(ctx, group, desired); err != nil {
		err = fmt.Errorf("set %s desired %d: %w", group, desired, err)
		if from != desired {
			err = settled(ctx, c, change, err, func(ctx context.Context) (bool, error) {
				g, err := c.Actions.Scaler.DescribeGroup(ctx, group)
				return g.Desired == desired, err
			})
		}
		return Result{}, err
	}
	if from != desired {
		c.Changed(change)
	}
	c.Progress(fmt.Sprintf("%s desired %d → %d; in service %d/%d", group, from, desired, g.InService, desired))
	reached := func(g integrations.Group) bool {
		if desired >= from {
			return g.InService >= desired
		}
		return g.InService <= desired
	}
	last := g
	err = pollUntil(ctx, every, func() (bool, error) {
		g, err := c.Actions.Scaler.DescribeGroup(ctx, group)
		if err != nil {
			return false, nil // a failed read while waiting is retried until the timeout
		}
		last = g
		msg := fmt.Sprintf("in service %d/%d (pending %d)", g.InService, desired, g.Pending)
		if a := latestFailure(g, sent); a != "" {
			msg += "; " + a
		}
		c.Progress(msg)
		return reached(g), nil
	})
	fields := map[string]string{"group": group, "from": fmt.Sprint(from), "desired": fmt.Sprint(desired), "in_service": fmt.Sprint(last.InService)}
	if err != nil {
		return Result{Fields: fields, Cut: "the wait for in-service"}, fmt.Errorf("%s desired is %d but only %d in service when the step ended: %w", group, desired, last.InService, err)
	}
	return Result{Summary: fmt.Sprintf("%s desired %d → %d, %d in service", group, from, desired, last.InService), Fields: fields}, nil
}

// settled reads back after a write that failed: a request cut by a
// timeout or an abort may have landed all the same. When the read shows
// it did, the change is reported and the error says so; when the read
// fails too, the change is reported unconfirmed. landed reads the state
// under a fresh, bounded context (ctx may be what ended).
func settled(ctx context.Context, c Call, change ledger.Change, err error, landed func(context.Context) (bool, error)) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	ok, rerr := landed(cctx)
	switch {
	case rerr != nil:
		change.Unconfirmed = true
		c.Changed(change)
		return fmt.Errorf("%w; whether it landed is unknown: reading it back failed too (%v)", err, rerr)
	case ok:
		c.Changed(change)
		return fmt.Errorf("%w; reading back shows it landed: %s", err, change)
	}
	return err
}

// latestFailure describes the newest failed scaling activity that started
// after since, so a stuck launch shows while we wait.
func latestFailure(g integrations.Group, since time.Time) string {
	for _, a := range g.Activities {
		if a.Status == integrations.ActivityFailed && !a.Start.Before(since) {
			return "launch failed: " + a.Message
		}
	}
	return ""
}

// pollUntil calls done every interval until it reports true, returns an
// error, or ctx ends.
func pollUntil(ctx context.Context, every time.Duration, done func() (bool, error)) error {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-t.C:
		}
	}
}

// failedChecks refuses when any check failed, naming each: a failed
// check's text says what is wrong and what is allowed. Warnings do not
// refuse.
func failedChecks(checks []Check) error {
	var failed []string
	for _, c := range checks {
		if !c.OK {
			failed = append(failed, c.Text)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("refused: %s", strings.Join(failed, "; "))
	}
	return nil
}

// commandTargets resolves the hosts of aws.ssm_command.
func commandTargets(ctx context.Context, c Call) ([]string, error) {
	ids, group := c.Args.List("instances"), c.Args.String("group")
	switch {
	case len(ids) > 0 && group != "":
		return nil, errors.New("give instances or group, not both")
	case len(ids) > 0:
		return ids, nil
	case group == "":
		return nil, errors.New("give instances or group")
	}
	if err := needScaler(c.Actions); err != nil {
		return nil, err
	}
	g, err := c.Actions.Scaler.DescribeGroup(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("read group %s: %w", group, err)
	}
	for _, in := range g.Instances {
		if in.Lifecycle == integrations.LifecycleInService {
			ids = append(ids, in.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("group %s has no instance in service", group)
	}
	return ids, nil
}

func planCommand(ctx context.Context, c Call) (StepPlan, error) {
	ids, err := commandTargets(ctx, c)
	if err != nil {
		return StepPlan{}, err
	}
	targets := make([]string, len(ids))
	for i, id := range ids {
		targets[i] = "host:" + id
	}
	lines := []string{fmt.Sprintf("run on %s: %s", strings.Join(ids, ", "), c.Args.String("command"))}
	if len(ids) > 1 {
		stop := "the first failure"
		if n := c.Args.Int("max_errors"); n > 0 {
			stop = fmt.Sprintf("%d failures", n+1)
		}
		lines = append(lines, fmt.Sprintf("at most %d host(s) at a time; sent to no further host after %s", c.Args.Int("max_concurrency"), stop))
	}
	return StepPlan{Lines: lines, Targets: targets}, nil
}

// runBounded runs a command within the step's bounds: through SSM's own
// MaxConcurrency and MaxErrors, or, with a runner that cannot bound
// itself, only when every host fits in one go.
func runBounded(ctx context.Context, c Call, ids []string, maxOutput int) ([]integrations.CommandResult, error) {
	opts := integrations.CommandOptions{MaxConcurrency: c.Args.Int("max_concurrency"), MaxErrors: c.Args.Int("max_errors"), MaxOutput: maxOutput}
	if b := c.Actions.BoundedCommands; b != nil {
		return b.RunCommandBounded(ctx, ids, c.Args.String("command"), opts)
	}
	if len(ids) > max(opts.MaxConcurrency, 1) {
		return nil, fmt.Errorf("refused: the host command runner cannot bound how many of the %d hosts run at once (max_concurrency %d)", len(ids), opts.MaxConcurrency)
	}
	return c.Actions.Commands.RunCommand(ctx, ids, c.Args.String("command"), maxOutput)
}

func executeCommand(ctx context.Context, c Call) (Result, error) {
	ids, err := commandTargets(ctx, c)
	if err != nil {
		return Result{}, err
	}
	max := c.Args.Int("max_output")
	if max <= 0 || max > c.Limits.MaxOutput {
		max = c.Limits.MaxOutput
	}
	c.Progress(fmt.Sprintf("running on %d host(s)", len(ids)))
	results, err := runBounded(ctx, c, ids, max)
	// Nothing reads back what a command did: one that got no answer may
	// have run.
	c.Changed(ledger.Change{Kind: ledger.Command, Target: strings.Join(ids, ", "), To: c.Args.String("command"), Unconfirmed: err != nil})
	if err != nil {
		return Result{}, err
	}
	var out strings.Builder
	var failed []string
	for _, r := range results {
		fmt.Fprintf(&out, "== %s: %s (exit %d)\n%s", r.Target, r.Status, r.ExitCode, bounded(r.Output, max))
		if !strings.HasSuffix(r.Output, "\n") {
			out.WriteString("\n")
		}
		if r.Status != "Success" || r.ExitCode != 0 {
			failed = append(failed, fmt.Sprintf("%s %s exit %d", r.Target, r.Status, r.ExitCode))
		}
	}
	res := Result{Output: out.String(), Summary: fmt.Sprintf("%d host(s) succeeded", len(results))}
	if len(results) < len(ids) {
		failed = append(failed, fmt.Sprintf("%d of %d host(s) did not answer", len(ids)-len(results), len(ids)))
	}
	if len(failed) > 0 {
		return res, fmt.Errorf("command failed on %s", strings.Join(failed, ", "))
	}
	return res, nil
}
