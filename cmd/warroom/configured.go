package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/aws"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/pagerduty"
	"github.com/warroomhq/warroom/integrations/proxysql"
	"github.com/warroomhq/warroom/integrations/slack"
	"github.com/warroomhq/warroom/runbooks"
)

// configured loads the configuration; with no file at the default path it
// returns nil, meaning "no configuration". A file named by --config must
// exist.
func configured(g *globalFlags) (*config.Config, error) {
	cfg, err := loadConfig(g, os.Stderr)
	if errors.Is(err, fs.ErrNotExist) && g.ConfigPath == "" {
		return nil, nil
	}
	return cfg, err
}

// openConfigured opens the world a configuration names: exactly the
// sources it configures, or the drill when it names none.
func openConfigured(g *globalFlags, o sessionOptions) (*world, error) {
	cfg, err := configured(g)
	if err != nil {
		return nil, err
	}
	if cfg == nil || cfg.NamesNoSource() {
		w, err := openDrill(o)
		if err == nil && cfg != nil {
			w.metrics = cfg.Metrics
		}
		return w, err
	}
	return openLive(cfg)
}

// liveSource is a configured adapter: a source, and something `config
// check` can probe.
type liveSource interface {
	integrations.Source
	Probe(ctx context.Context) (summary string, err error)
}

// sourceBuilder makes one configured adapter and says which actions it
// offers. Building contacts nothing except AWS's credential chain.
type sourceBuilder struct {
	name  string
	build func(ctx context.Context) (liveSource, error)
	offer func(src liveSource, a *integrations.Actions)
}

// sourceBuilders lists a builder for every source the configuration names.
func sourceBuilders(cfg *config.Config) []sourceBuilder {
	var out []sourceBuilder
	if cfg.PagerDuty != nil {
		out = append(out, sourceBuilder{pagerduty.Name,
			func(context.Context) (liveSource, error) { return pagerduty.New(cfg.PagerDutyOptions()) },
			func(src liveSource, a *integrations.Actions) { a.Alerts = src.(*pagerduty.Source) }})
	}
	if cfg.Slack != nil {
		out = append(out, sourceBuilder{slack.Name,
			func(context.Context) (liveSource, error) { return slack.New(cfg.SlackOptions()) },
			func(src liveSource, a *integrations.Actions) { a.Chat = src.(*slack.Source) }})
	}
	if cfg.AWS != nil {
		out = append(out, sourceBuilder{aws.SourceName,
			func(ctx context.Context) (liveSource, error) { return aws.New(ctx, cfg.AWSOptions()) },
			func(src liveSource, a *integrations.Actions) {
				a.Scaler, a.Commands = src.(*aws.Source), src.(*aws.Source)
			}})
	}
	if cfg.HAProxy != nil {
		out = append(out, sourceBuilder{"haproxy",
			func(context.Context) (liveSource, error) { return haproxy.New(cfg.HAProxyOptions()) },
			func(src liveSource, a *integrations.Actions) {
				a.LoadBalancer, a.Shedder = src.(*haproxy.Fleet), src.(*haproxy.Fleet)
			}})
	}
	if cfg.ProxySQL != nil {
		out = append(out, sourceBuilder{proxysql.Name,
			func(context.Context) (liveSource, error) { return proxysql.New(cfg.ProxySQLOptions()) },
			func(src liveSource, a *integrations.Actions) { a.Replicas = src.(*proxysql.Pool) }})
	}
	return out
}

// buildSources makes every configured adapter and the actions they offer.
func buildSources(ctx context.Context, cfg *config.Config) ([]liveSource, integrations.Actions, error) {
	var (
		sources []liveSource
		actions integrations.Actions
	)
	for _, b := range sourceBuilders(cfg) {
		src, err := b.build(ctx)
		if err != nil {
			return nil, actions, fmt.Errorf("%s: %w", b.name, err)
		}
		sources = append(sources, src)
		b.offer(src, &actions)
	}
	return sources, actions, nil
}

// openLive builds the world of real sources.
func openLive(cfg *config.Config) (*world, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sources, actions, err := buildSources(ctx, cfg)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	w := &world{
		title:     cfg.Incident.Title,
		incident:  cfg.Incident.ID,
		started:   now,
		clock:     time.Now,
		actions:   actions,
		bindings:  cfg.DriftBindings(),
		secrets:   cfg.Secrets(),
		redaction: cfg.Redact,
		metrics:   cfg.Metrics,
	}
	if w.title == "" {
		w.title = "Incident " + now.Format("2006-01-02")
	}
	if w.incident == "" {
		// A restart on the same day goes on with the same timeline.
		w.incident = "incident-" + now.UTC().Format("20060102")
	}
	for _, s := range sources {
		w.sources = append(w.sources, s)
		// Credentials the SDK resolved itself (AWS) are secrets too.
		if holder, ok := s.(interface {
			Secrets(context.Context) []string
		}); ok {
			w.secrets = append(w.secrets, holder.Secrets(ctx)...)
		}
	}
	return w, nil
}

// runbookLimits are the configured guardrails in the runbooks' terms.
func runbookLimits(cfg *config.Config) runbooks.Limits {
	return runbooks.Limits{
		MaxCapacity:        cfg.Limits.MaxCapacity,
		MaxThrottlePercent: cfg.Limits.MaxThrottlePercent,
		MaxBatch:           cfg.Limits.RollingBatchSize,
		MinInRotation:      cfg.Limits.MinInRotation,
		MaxErrorRisePoints: cfg.Limits.MaxErrorRisePoints,
		MaxReplicaShare:    cfg.Limits.MaxReplicaShare,
		Approval:           approvalPolicy(cfg.Team),
	}
}
