package config

import (
	"cmp"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/integrations/haproxy"
)

// HAProxyConfig lists the HAProxy instances and how backends map onto
// Auto Scaling groups.
type HAProxyConfig struct {
	PollInterval Duration          `yaml:"poll_interval,omitempty"`
	Instances    []HAProxyInstance `yaml:"instances"`
	// Bindings tie a group's instances to a backend's servers, for slot
	// drift detection.
	Bindings []Binding `yaml:"bindings,omitempty"`
}

// HAProxyInstance is one HAProxy process.
type HAProxyInstance struct {
	Name string `yaml:"name"`
	// Runtime and Master are `unix:/path` or `host:port`.
	Runtime  string   `yaml:"runtime"`
	Master   string   `yaml:"master,omitempty"`
	Config   string   `yaml:"config,omitempty"`
	Backends []string `yaml:"backends,omitempty"`
	// Upstream is the server on a front instance that sends traffic here,
	// drained before this instance reloads.
	Upstream    *Upstream `yaml:"upstream,omitempty"`
	ThrottleMap string    `yaml:"throttle_map,omitempty"`
	StateFile   string    `yaml:"state_file,omitempty"`
	// ShedMap is the map file the shed rule reads; ShedFeatures the
	// optional features it may shed; ShedStatus what it answers them
	// (503 when absent).
	ShedMap      string   `yaml:"shed_map,omitempty"`
	ShedFeatures []string `yaml:"shed_features,omitempty"`
	ShedStatus   int      `yaml:"shed_status,omitempty"`
}

// Upstream points at one server line on another configured instance.
type Upstream struct {
	Instance string `yaml:"instance"`
	Backend  string `yaml:"backend"`
	Server   string `yaml:"server"`
}

// Binding says that backend Backend on HAProxy instance Instance should
// hold the in-service instances of Auto Scaling group Group, on Port.
type Binding struct {
	Group    string `yaml:"group"`
	Instance string `yaml:"instance"`
	Backend  string `yaml:"backend"`
	Port     int    `yaml:"port"`
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

// The haproxy section of the configuration.
var haproxySection = section{
	present: func(c *Config) bool { return c.HAProxy != nil },
	defaults: func(c *Config) {
		c.HAProxy.PollInterval = cmp.Or(c.HAProxy.PollInterval, Duration(DefaultHAProxyInterval))
	},
	validate: func(v *validator, c *Config) {
		v.haproxy(c.HAProxy)
		v.bindings(c.HAProxy, c.AWS)
	},
}
