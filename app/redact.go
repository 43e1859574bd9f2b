package app

import (
	"context"
	"errors"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// redactActions wraps every filled slot so that what comes back to the
// screen or a script (errors, command output, a posted message, a
// configuration finding) is scrubbed by the timeline's redactor: a server
// that echoes a token in its error, or a host that prints one, shows it
// nowhere. Each slot is wrapped on its own, and nil slots stay nil, so an
// absent capability still reads as such and a present one is never lost.
func redactActions(a integrations.Actions, redact func(string) string) integrations.Actions {
	sc := scrubber(redact)
	if a.Scaler != nil {
		a.Scaler = redactedScaler{a.Scaler, sc}
	}
	if a.Commands != nil {
		a.Commands = redactedCommands{a.Commands, sc}
	}
	if a.BoundedCommands != nil {
		a.BoundedCommands = redactedBoundedCommands{a.BoundedCommands, sc}
	}
	if a.LoadBalancer != nil {
		a.LoadBalancer = redactedLoadBalancer{a.LoadBalancer, sc}
	}
	if a.ConfigChecks != nil {
		a.ConfigChecks = redactedConfigChecker{a.ConfigChecks, sc}
	}
	if a.TierMeter != nil {
		a.TierMeter = redactedTierMeter{a.TierMeter, sc}
	}
	if a.Chat != nil {
		a.Chat = redactedChat{a.Chat, sc}
	}
	if a.ChatReader != nil {
		a.ChatReader = redactedChatReader{a.ChatReader, sc}
	}
	if a.Alerts != nil {
		a.Alerts = redactedAlerts{a.Alerts, sc}
	}
	if a.Shedder != nil {
		a.Shedder = redactedShedder{a.Shedder, sc}
	}
	if a.Replicas != nil {
		a.Replicas = redactedReplicas{a.Replicas, sc}
	}
	// a.ShedStatus answers a status code: nothing to scrub.
	return a
}

// scrubber applies the redactor to text and to errors, keeping an error's
// identity (errors.Is, errors.As) but never its raw message.
type scrubber func(string) string

func (r scrubber) err(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{msg: r(err.Error()), err: err}
}

type redactedScaler struct {
	integrations.Scaler
	r scrubber
}

func (s redactedScaler) SetDesiredCapacity(ctx context.Context, group string, desired int) error {
	return s.r.err(s.Scaler.SetDesiredCapacity(ctx, group, desired))
}

func (s redactedScaler) DescribeGroup(ctx context.Context, group string) (integrations.Group, error) {
	g, err := s.Scaler.DescribeGroup(ctx, group)
	for i, a := range g.Activities {
		a.Description, a.Cause, a.Message = s.r(a.Description), s.r(a.Cause), s.r(a.Message)
		g.Activities[i] = a
	}
	return g, s.r.err(err)
}

type redactedCommands struct {
	integrations.CommandRunner
	r scrubber
}

func (c redactedCommands) RunCommand(ctx context.Context, targets []string, command string, maxOutput int) ([]integrations.CommandResult, error) {
	return c.r.results(c.CommandRunner.RunCommand(ctx, targets, command, maxOutput))
}

type redactedBoundedCommands struct {
	integrations.BoundedCommandRunner
	r scrubber
}

func (c redactedBoundedCommands) RunCommandBounded(ctx context.Context, targets []string, command string, opts integrations.CommandOptions) ([]integrations.CommandResult, error) {
	return c.r.results(c.BoundedCommandRunner.RunCommandBounded(ctx, targets, command, opts))
}

// results scrubs what hosts printed.
func (r scrubber) results(results []integrations.CommandResult, err error) ([]integrations.CommandResult, error) {
	for i := range results {
		results[i].Output = r(results[i].Output)
	}
	return results, r.err(err)
}

type redactedShedder struct {
	integrations.LoadShedder
	r scrubber
}

func (s redactedShedder) Shedding(ctx context.Context, instance string) (map[string]bool, error) {
	m, err := s.LoadShedder.Shedding(ctx, instance)
	return m, s.r.err(err)
}

func (s redactedShedder) SetShedding(ctx context.Context, instance, feature string, shed bool) error {
	return s.r.err(s.LoadShedder.SetShedding(ctx, instance, feature, shed))
}

type redactedReplicas struct {
	integrations.ReplicaPool
	r scrubber
}

func (p redactedReplicas) Replicas(ctx context.Context) ([]integrations.Replica, error) {
	rs, err := p.ReplicaPool.Replicas(ctx)
	return rs, p.r.err(err)
}

func (p redactedReplicas) SetReplicaStatus(ctx context.Context, host string, port int, status integrations.ReplicaStatus) error {
	return p.r.err(p.ReplicaPool.SetReplicaStatus(ctx, host, port, status))
}

type redactedLoadBalancer struct {
	integrations.LoadBalancer
	r scrubber
}

func (l redactedLoadBalancer) Servers(ctx context.Context, instance string) ([]integrations.Backend, error) {
	b, err := l.LoadBalancer.Servers(ctx, instance)
	return b, l.r.err(err)
}

func (l redactedLoadBalancer) SetServerState(ctx context.Context, instance, backend, server string, state integrations.ServerState) error {
	return l.r.err(l.LoadBalancer.SetServerState(ctx, instance, backend, server, state))
}

func (l redactedLoadBalancer) Throttles(ctx context.Context, instance string) (map[string]int, error) {
	t, err := l.LoadBalancer.Throttles(ctx, instance)
	return t, l.r.err(err)
}

func (l redactedLoadBalancer) SetThrottle(ctx context.Context, instance, tier string, percent int) error {
	return l.r.err(l.LoadBalancer.SetThrottle(ctx, instance, tier, percent))
}

func (l redactedLoadBalancer) Reload(ctx context.Context, instance string) (integrations.ProcessInfo, error) {
	p, err := l.LoadBalancer.Reload(ctx, instance)
	return p, l.r.err(err)
}

func (l redactedLoadBalancer) Process(ctx context.Context, instance string) (integrations.ProcessInfo, error) {
	p, err := l.LoadBalancer.Process(ctx, instance)
	return p, l.r.err(err)
}

// redactedConfigChecker scrubs what a configuration check quotes.
type redactedConfigChecker struct {
	integrations.ConfigChecker
	r scrubber
}

func (l redactedConfigChecker) CheckConfig(ctx context.Context, instance string) []integrations.Finding {
	findings := l.ConfigChecker.CheckConfig(ctx, instance)
	for i := range findings {
		findings[i].Text = l.r(findings[i].Text)
	}
	return findings
}

// redactedTierMeter scrubs a tier measurement's error.
type redactedTierMeter struct {
	integrations.TierMeter
	r scrubber
}

func (l redactedTierMeter) TierRates(ctx context.Context, instance, backend string, window time.Duration) (integrations.Rates, error) {
	rates, err := l.TierMeter.TierRates(ctx, instance, backend, window)
	return rates, l.r.err(err)
}

type redactedChat struct {
	integrations.ChatPoster
	r scrubber
}

func (c redactedChat) Post(ctx context.Context, text, threadID string) (integrations.Message, error) {
	m, err := c.ChatPoster.Post(ctx, text, threadID)
	return c.r.message(m), c.r.err(err)
}

type redactedChatReader struct {
	integrations.ChatReader
	r scrubber
}

func (c redactedChatReader) FindPosted(ctx context.Context, text string, since time.Time) (integrations.Message, bool, error) {
	m, found, err := c.ChatReader.FindPosted(ctx, text, since)
	return c.r.message(m), found, c.r.err(err)
}

// message scrubs who posted and what.
func (r scrubber) message(m integrations.Message) integrations.Message {
	m.User, m.Text = r(m.User), r(m.Text)
	return m
}

type redactedAlerts struct {
	integrations.AlertActor
	r scrubber
}

func (a redactedAlerts) Acknowledge(ctx context.Context, id string) error {
	return a.r.err(a.AlertActor.Acknowledge(ctx, id))
}

func (a redactedAlerts) Resolve(ctx context.Context, id string) error {
	return a.r.err(a.AlertActor.Resolve(ctx, id))
}

func (a redactedAlerts) AddNote(ctx context.Context, id, note string) error {
	return a.r.err(a.AlertActor.AddNote(ctx, id, note))
}

func (a redactedAlerts) ReadAlert(ctx context.Context, id string) (integrations.Alert, error) {
	al, err := a.AlertActor.ReadAlert(ctx, id)
	al.Service, al.Title, al.Body, al.Link = a.r(al.Service), a.r(al.Title), a.r(al.Body), a.r(al.Link)
	return al, a.r.err(err)
}

// redactedError keeps an error's identity (errors.Is) but scrubs its
// message; it offers no Unwrap or As, so no caller reaches the raw text.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string        { return e.msg }
func (e redactedError) Is(target error) bool { return errors.Is(e.err, target) }
