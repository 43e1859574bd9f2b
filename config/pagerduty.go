package config

import (
	"cmp"
	"fmt"
	"net/mail"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/pagerduty"
)

// PagerDutyConfig selects the PagerDuty incidents to follow.
type PagerDutyConfig struct {
	ServiceIDs   []string `yaml:"service_ids,omitempty"`
	TeamIDs      []string `yaml:"team_ids,omitempty"`
	PollInterval Duration `yaml:"poll_interval,omitempty"`
	// FromEmail is a PagerDuty user's email, sent as the From header that
	// acknowledge, resolve and note requests require.
	FromEmail string `yaml:"from_email"`
	APIURL    string `yaml:"api_url,omitempty"`
	// TokenFile holds the REST API token; PAGERDUTY_TOKEN is used when empty.
	TokenFile string `yaml:"token_file,omitempty"`
	Token     Secret `yaml:"token,omitempty"`
}

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

// The pagerduty section of the configuration.
var pagerDutySection = section{
	present: func(c *Config) bool { return c.PagerDuty != nil },
	defaults: func(c *Config) {
		c.PagerDuty.PollInterval = cmp.Or(c.PagerDuty.PollInterval, Duration(DefaultPagerDutyInterval))
	},
	validate: func(v *validator, c *Config) {
		pd := c.PagerDuty
		if len(pd.ServiceIDs) == 0 && len(pd.TeamIDs) == 0 {
			v.add("missing service_ids or team_ids: name the PagerDuty services or teams to follow", "pagerduty")
		}
		if pd.FromEmail == "" {
			v.add("missing from_email: the email of the PagerDuty user acting from warroom", "pagerduty")
		} else if _, err := mail.ParseAddress(pd.FromEmail); err != nil {
			v.add(fmt.Sprintf("from_email %q is not an email address", pd.FromEmail), "pagerduty", "from_email")
		}
		v.interval(pd.PollInterval, "pagerduty", "poll_interval")
		v.url(pd.APIURL, "pagerduty", "api_url")
		c.PagerDuty.TokenFile = v.resolveIfSet(pd.TokenFile)
	},
	load: func(v *validator, c *Config) {
		pd := c.PagerDuty
		pd.Token = v.loadSecret(pd.TokenFile, "PAGERDUTY_TOKEN", "pagerduty", "token_file")
		if pd.Token.Value() == "" && pd.TokenFile == "" {
			v.add("no PagerDuty API token: set PAGERDUTY_TOKEN or pagerduty.token_file", "pagerduty")
		}
	},
	secrets: func(c *Config) []Secret { return []Secret{c.PagerDuty.Token} },
}
