package config

import (
	"cmp"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/aws"
)

// AWSConfig selects the Auto Scaling groups to follow. Credentials come
// from the SDK's default chain (environment, profile, SSO, instance role).
type AWSConfig struct {
	Region  string   `yaml:"region,omitempty"`
	Profile string   `yaml:"profile,omitempty"`
	Groups  []string `yaml:"groups,omitempty"`
	// TagFilter selects the groups carrying all these tags when Groups is
	// empty.
	TagFilter    map[string]string `yaml:"tag_filter,omitempty"`
	PollInterval Duration          `yaml:"poll_interval,omitempty"`
	Endpoint     string            `yaml:"endpoint,omitempty"`
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

// The aws section of the configuration.
var awsSection = section{
	present:  func(c *Config) bool { return c.AWS != nil },
	defaults: func(c *Config) { c.AWS.PollInterval = cmp.Or(c.AWS.PollInterval, Duration(DefaultAWSInterval)) },
	validate: func(v *validator, c *Config) {
		a := c.AWS
		switch {
		case len(a.Groups) == 0 && len(a.TagFilter) == 0:
			v.add("missing groups or tag_filter: name the Auto Scaling groups to follow", "aws")
		case len(a.Groups) > 0 && len(a.TagFilter) > 0:
			v.add("set groups or tag_filter, not both", "aws", "tag_filter")
		}
		for i, g := range a.Groups {
			if strings.TrimSpace(g) == "" {
				v.add("empty group name", "aws", "groups", i)
			}
		}
		v.interval(a.PollInterval, "aws", "poll_interval")
		v.url(a.Endpoint, "aws", "endpoint")
	},
}
