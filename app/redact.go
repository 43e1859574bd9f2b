package app

import (
	"context"
	"errors"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// redactActions wraps every configured capability so that what comes back
// to the screen or a script (errors, command output, a posted message) is
// scrubbed by the timeline's redactor: a server that echoes a token in
// its error, or a host that prints one, shows it nowhere. Nil members
// stay nil, so unconfigured capabilities still read as such.
func redactActions(a integrations.Actions, redact func(string) string) integrations.Actions {
	sc := scrubber(redact)
	if a.Scaler != nil {
		a.Scaler = redactedScaler{a.Scaler, sc}
	}
	if a.Commands != nil {
		rc := redactedCommands{a.Commands, sc}
		a.Commands = rc
		// Host commands look for this capability to go host by host.
		if b, ok := rc.CommandRunner.(integrations.BoundedCommandRunner); ok {
			a.Commands = redactedBoundedCommands{rc, b}
		}
	}
	if a.LoadBalancer != nil {
		a.LoadBalancer = redactLoadBalancer(a.LoadBalancer, sc)
	}
	if a.Chat != nil {
		chat := redactedChat{a.Chat, sc}
		a.Chat = chat
		// A timed-out post is settled by this capability: keep it visible.
		if cr, ok := chat.ChatPoster.(integrations.ChatReader); ok {
			a.Chat = redactedReadingChat{chat, cr}
		}
	}
	if a.Alerts != nil {
		a.Alerts = redactedAlerts{a.Alerts, sc}
	}
	if a.Shedder != nil {
		rs := redactedShedder{a.Shedder, sc}
		a.Shedder = rs
		if st, ok := rs.LoadShedder.(shedStatuser); ok {
			a.Shedder = struct {
				redactedShedder
				shedStatuser
			}{rs, st}
		}
	}
	if a.Replicas != nil {
		a.Replicas = redactedReplicas{a.Replicas, sc}
	}
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
	results, err := c.CommandRunner.RunCommand(ctx, targets, command, maxOutput)
	for i := range results {
		results[i].Output = c.r(results[i].Output)
	}
	return results, c.r.err(err)
}

// redactedBoundedCommands keeps a runner's bounds (host by host, stop at
// the first failure) visible through the scrubbing wrapper.
type redactedBoundedCommands struct {
	redactedCommands
	b integrations.BoundedCommandRunner
}

func (c redactedBoundedCommands) RunCommandBounded(ctx context.Context, targets []string, command string, opts integrations.CommandOptions) ([]integrations.CommandResult, error) {
	results, err := c.b.RunCommandBounded(ctx, targets, command, opts)
	for i := range results {
		results[i].Output = c.r(results[i].Output)
	}
	return results, c.r.err(err)
}

// shedStatuser is a shedder that says which status its shed rule answers.
type shedStatuser interface{ ShedStatus(instance string) int }

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

// redactLoadBalancer wraps a load balancer, keeping visible the optional
// capabilities a rolling reload looks for (configuration checks, tier
// measurements): a wrapper that hid them would quietly turn a verified
// roll into an unverified one.
func redactLoadBalancer(lb integrations.LoadBalancer, sc scrubber) integrations.LoadBalancer {
	base := redactedLoadBalancer{lb, sc}
	cc, checks := lb.(integrations.ConfigChecker)
	tm, meters := lb.(integrations.TierMeter)
	checking, metering := redactedConfigChecker{cc, sc}, redactedTierMeter{tm, sc}
	switch {
	case checks && meters:
		return struct {
			redactedLoadBalancer
			redactedConfigChecker
			redactedTierMeter
		}{base, checking, metering}
	case checks:
		return struct {
			redactedLoadBalancer
			redactedConfigChecker
		}{base, checking}
	case meters:
		return struct {
			redactedLoadBalancer
			redactedTierMeter
		}{base, metering}
	}
	return base
}

// redactedConfigChecker scrubs what a configuration check quotes.
type redactedConfigChecker struct {
	cc integrations.ConfigChecker
	r  scrubber
}

func (l redactedConfigChecker) Reloadable() []string { return l.cc.Reloadable() }

func (l redactedConfigChecker) CheckConfig(ctx context.Context, instance string) []integrations.Finding {
	findings := l.cc.CheckConfig(ctx, instance)
	for i := range findings {
		findings[i].Text = l.r(findings[i].Text)
	}
	return findings
}

// redactedTierMeter scrubs a tier measurement's error.
type redactedTierMeter struct {
	tm integrations.TierMeter
	r  scrubber
}

func (l redactedTierMeter) TierRates(ctx context.Context, instance, backend string, window time.Duration) (integrations.Rates, error) {
	rates, err := l.tm.TierRates(ctx, instance, backend, window)
	return rates, l.r.err(err)
}

type redactedChat struct {
	integrations.ChatPoster
	r scrubber
}

func (c redactedChat) Post(ctx context.Context, text, threadID string) (integrations.Message, error) {
	m, err := c.ChatPoster.Post(ctx, text, threadID)
	m.User, m.Text = c.r(m.User), c.r(m.Text)
	return m, c.r.err(err)
}

// redactedReadingChat is a redacted ChatPoster that can also read its
// channel back.
type redactedReadingChat struct {
	redactedChat
	cr integrations.ChatReader
}

func (c redactedReadingChat) FindPosted(ctx context.Context, text string, since time.Time) (integrations.Message, bool, error) {
	m, found, err := c.cr.FindPosted(ctx, text, since)
	m.User, m.Text = c.r(m.User), c.r(m.Text)
	return m, found, c.r.err(err)
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
