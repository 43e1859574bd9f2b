package config

import (
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/aws"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/pagerduty"
	"github.com/warroomhq/warroom/integrations/slack"
)

// The methods below map a loaded configuration onto each adapter's
// Options, so `warroom config check` and the live session build sources
// the same way. Each is valid only when its section is configured.

// PagerDutyOptions configures the PagerDuty source.
func (c *Config) PagerDutyOptions() pagerduty.Options {
	pd := c.PagerDuty
	return pagerduty.Options{
		Token:      pd.Token.Value(),
		APIURL:     pd.APIURL,
		ServiceIDs: pd.ServiceIDs,
		TeamIDs:    pd.TeamIDs,
		FromEmail:  pd.FromEmail,
		Poll:       integrations.PollConfig{Interval: time.Duration(pd.PollInterval)},
	}
}

// SlackOptions configures the Slack source; the app token is passed only
// when Socket Mode is on, since its presence is what enables it.
func (c *Config) SlackOptions() slack.Options {
	sl := c.Slack
	opts := slack.Options{
		Token:   sl.Token.Value(),
		APIURL:  sl.APIURL,
		Channel: sl.Channel,
		Poll:    integrations.PollConfig{Interval: time.Duration(sl.PollInterval)},
	}
	if sl.SocketMode {
		opts.AppToken = sl.AppToken.Value()
	}
	return opts
}

// AWSOptions configures the AWS source.
func (c *Config) AWSOptions() aws.Options {
	a := c.AWS
	return aws.Options{
		Region:    a.Region,
		Profile:   a.Profile,
		Groups:    a.Groups,
		TagFilter: a.TagFilter,
		Endpoint:  a.Endpoint,
		Poll:      integrations.PollConfig{Interval: time.Duration(a.PollInterval)},
	}
}

// HAProxyOptions configures the HAProxy fleet, instances in file order
// (the rolling order).
func (c *Config) HAProxyOptions() haproxy.Options {
	h := c.HAProxy
	opts := haproxy.Options{Poll: integrations.PollConfig{Interval: time.Duration(h.PollInterval)}}
	for _, in := range h.Instances {
		io := haproxy.InstanceOptions{
			Name:         in.Name,
			RuntimeAddr:  in.Runtime,
			MasterAddr:   in.Master,
			ConfigPath:   in.Config,
			Backends:     in.Backends,
			ThrottleMap:  in.ThrottleMap,
			StateFile:    in.StateFile,
			ShedMap:      in.ShedMap,
			ShedFeatures: in.ShedFeatures,
			ShedStatus:   in.ShedStatus,
		}
		if up := in.Upstream; up != nil {
			io.Upstream = &integrations.UpstreamRef{Instance: up.Instance, Backend: up.Backend, Server: up.Server}
		}
		opts.Instances = append(opts.Instances, io)
	}
	return opts
}

// DriftBindings are the group ↔ backend pairs slot drift is checked on.
func (c *Config) DriftBindings() []drift.Binding {
	if c.HAProxy == nil {
		return nil
	}
	out := make([]drift.Binding, 0, len(c.HAProxy.Bindings))
	for _, b := range c.HAProxy.Bindings {
		out = append(out, drift.Binding{Group: b.Group, Instance: b.Instance, Backend: b.Backend, Port: b.Port})
	}
	return out
}
