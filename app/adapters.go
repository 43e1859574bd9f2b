package app

import (
	"context"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/aws"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/pagerduty"
	"github.com/warroomhq/warroom/integrations/proxysql"
	"github.com/warroomhq/warroom/integrations/slack"
)

// The adapters warroom ships, in the order their sources are built.
func init() {
	Register(Adapter{Name: pagerduty.Name,
		Configured: func(c *config.Config) bool { return c.PagerDuty != nil },
		Build: func(_ context.Context, c *config.Config) (LiveSource, error) {
			return pagerduty.New(c.PagerDutyOptions())
		}})
	Register(Adapter{Name: slack.Name,
		Configured: func(c *config.Config) bool { return c.Slack != nil },
		Build: func(_ context.Context, c *config.Config) (LiveSource, error) {
			return slack.New(c.SlackOptions())
		}})
	Register(Adapter{Name: aws.SourceName,
		Configured: func(c *config.Config) bool { return c.AWS != nil },
		Build: func(ctx context.Context, c *config.Config) (LiveSource, error) {
			return aws.New(ctx, c.AWSOptions())
		}})
	Register(Adapter{Name: integrations.SourceHAProxy,
		Configured: func(c *config.Config) bool { return c.HAProxy != nil },
		Build: func(_ context.Context, c *config.Config) (LiveSource, error) {
			return haproxy.New(c.HAProxyOptions())
		}})
	Register(Adapter{Name: proxysql.Name,
		Configured: func(c *config.Config) bool { return c.ProxySQL != nil },
		Build: func(_ context.Context, c *config.Config) (LiveSource, error) {
			return proxysql.New(c.ProxySQLOptions())
		}})
}
