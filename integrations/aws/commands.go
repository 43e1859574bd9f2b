package aws

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/warroomhq/warroom/integrations"
)

const (
	// maxTargetsPerCommand is SendCommand's limit on instance ids.
	maxTargetsPerCommand = 50
	// defaultMaxOutput applies when the caller gives no limit; SSM itself
	// returns at most 24,000 characters of each stream.
	defaultMaxOutput = 24000
	truncatedMark    = "\n[output truncated]"
	// maxExecutionTimeout is the largest executionTimeout, in seconds,
	// AWS-RunShellScript accepts (48 hours).
	maxExecutionTimeout = 172800
)

var _ integrations.BoundedCommandRunner = (*Source)(nil)

// RunCommand runs command through SSM's AWS-RunShellScript on every
// target at once, carrying on whatever fails (RunCommandBounded with the
// whole list as its bounds).
func (s *Source) RunCommand(ctx context.Context, targets []string, command string, maxOutput int) ([]integrations.CommandResult, error) {
	n := len(targets)
	return s.RunCommandBounded(ctx, targets, command, integrations.CommandOptions{MaxConcurrency: n, MaxErrors: n, MaxOutput: maxOutput})
}

// RunCommandBounded runs command through SSM's AWS-RunShellScript on the
// targets, waits for each to finish, and returns one result per target in
// target order. SSM itself runs it on at most opts.MaxConcurrency hosts at
// a time (1 when 0) and sends it to no further host once more than
// opts.MaxErrors have failed (0: stop at the first failure); the hosts it
// never reached report Cancelled. The command's execution timeout on the
// host follows ctx's deadline, and when ctx ends first the command is
// cancelled on the hosts and the results so far come back with the error.
func (s *Source) RunCommandBounded(ctx context.Context, targets []string, command string, opts integrations.CommandOptions) ([]integrations.CommandResult, error) {
	if len(targets) == 0 {
		return nil, errors.New("aws: run command: no target instances")
	}
	if len(targets) > maxTargetsPerCommand {
		return nil, fmt.Errorf("aws: run command: %d targets, SSM accepts at most %d per command", len(targets), maxTargetsPerCommand)
	}
	if opts.MaxConcurrency < 0 || opts.MaxErrors < 0 {
		return nil, fmt.Errorf("aws: run command: max concurrency %d and max errors %d must not be negative", opts.MaxConcurrency, opts.MaxErrors)
	}
	maxOutput := opts.MaxOutput
	if maxOutput <= 0 {
		maxOutput = defaultMaxOutput
	}
	params := map[string][]string{"commands": {command}}
	if deadline, ok := ctx.Deadline(); ok {
		secs := min(max(int(time.Until(deadline).Seconds()), 1), maxExecutionTimeout)
		params["executionTimeout"] = []string{strconv.Itoa(secs)}
	}
	sent, err := s.ssm.SendCommand(ctx, &ssmsdk.SendCommandInput{
		DocumentName:   awssdk.String("AWS-RunShellScript"),
		InstanceIds:    targets,
		Parameters:     params,
		Comment:        awssdk.String("warroom runbook step"),
		MaxConcurrency: awssdk.String(strconv.Itoa(max(opts.MaxConcurrency, 1))),
		MaxErrors:      awssdk.String(strconv.Itoa(opts.MaxErrors)),
	})
	if err != nil {
		return nil, s.classify("send command", err)
	}
	if sent.Command == nil || sent.Command.CommandId == nil {
		return nil, errors.New("aws: send command: the response carried no command id")
	}
	id := *sent.Command.CommandId

	results := make([]integrations.CommandResult, len(targets))
	for i, t := range targets {
		results[i] = integrations.CommandResult{Target: t, Status: string(ssmtypes.CommandInvocationStatusPending)}
	}
	wait := s.commandPoll
	for {
		pending, err := s.pollInvocations(ctx, id, results, maxOutput)
		var rl *integrations.RateLimitedError
		switch {
		case errors.As(err, &rl):
			wait = max(2*wait, rl.After)
		case err != nil:
			return results, err
		case pending == 0:
			return results, nil
		}
		if !integrations.Sleep(ctx, wait) {
			s.cancelCommand(ctx, id)
			return results, fmt.Errorf("aws: command %s did not finish on %s: %w", id, unfinished(results), ctx.Err())
		}
	}
}

// pollInvocations asks for every unfinished target's invocation once and
// returns how many are still running.
func (s *Source) pollInvocations(ctx context.Context, id string, results []integrations.CommandResult, maxOutput int) (int, error) {
	pending := 0
	for i := range results {
		r := &results[i]
		if finished(r.Status) {
			continue
		}
		out, err := s.ssm.GetCommandInvocation(ctx, &ssmsdk.GetCommandInvocationInput{
			CommandId:  awssdk.String(id),
			InstanceId: awssdk.String(r.Target),
		})
		var missing *ssmtypes.InvocationDoesNotExist
		switch {
		case errors.As(err, &missing):
			// Normal right after SendCommand: the invocation is not
			// registered yet.
			pending++
			continue
		case err != nil && ctx.Err() != nil:
			// The caller's deadline, reported by RunCommand.
			pending++
			continue
		case err != nil:
			return pending, s.classify("get command invocation on "+r.Target, err)
		}
		r.Status = string(out.Status)
		r.ExitCode = int(out.ResponseCode)
		r.Output = boundOutput(awssdk.ToString(out.StandardOutputContent), awssdk.ToString(out.StandardErrorContent), maxOutput)
		if !finished(r.Status) {
			pending++
		}
	}
	return pending, nil
}

func finished(status string) bool {
	switch ssmtypes.CommandInvocationStatus(status) {
	case ssmtypes.CommandInvocationStatusSuccess, ssmtypes.CommandInvocationStatusFailed,
		ssmtypes.CommandInvocationStatusTimedOut, ssmtypes.CommandInvocationStatusCancelled:
		return true
	}
	return false
}

func unfinished(results []integrations.CommandResult) string {
	var ids []string
	for _, r := range results {
		if !finished(r.Status) {
			ids = append(ids, r.Target)
		}
	}
	return strings.Join(ids, ", ")
}

// cancelCommand stops a command the caller gave up on, so it does not run
// on unattended; best effort, with its own short deadline because ctx has
// already ended.
func (s *Source) cancelCommand(ctx context.Context, id string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = s.ssm.CancelCommand(cctx, &ssmsdk.CancelCommandInput{CommandId: awssdk.String(id)})
}

// boundOutput joins stdout and stderr and keeps at most max bytes,
// cutting on a character boundary.
func boundOutput(stdout, stderr string, limit int) string {
	out := stdout
	if stderr != "" {
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		out += stderr
	}
	if len(out) <= limit {
		return out
	}
	keep := limit - len(truncatedMark)
	if keep <= 0 {
		return cutUTF8(out, limit)
	}
	return cutUTF8(out, keep) + truncatedMark
}

// cutUTF8 keeps the first n bytes of s, dropping a character cut in half.
func cutUTF8(s string, n int) string {
	s = s[:n]
	for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}
