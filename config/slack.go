package config

import (
	"cmp"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/slack"
)

// SlackConfig selects the incident channel.
type SlackConfig struct {
	Channel      string   `yaml:"channel"`
	PollInterval Duration `yaml:"poll_interval,omitempty"`
	// SocketMode receives messages as they are posted instead of polling;
	// it needs an app-level token (xapp-…).
	SocketMode bool   `yaml:"socket_mode,omitempty"`
	APIURL     string `yaml:"api_url,omitempty"`
	// TokenFile and AppTokenFile hold the bot and app-level tokens;
	// SLACK_TOKEN and SLACK_APP_TOKEN are used when empty.
	TokenFile    string `yaml:"token_file,omitempty"`
	AppTokenFile string `yaml:"app_token_file,omitempty"`
	Token        Secret `yaml:"token,omitempty"`
	AppToken     Secret `yaml:"app_token,omitempty"`
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

// The slack section of the configuration.
var slackSection = section{
	present:  func(c *Config) bool { return c.Slack != nil },
	defaults: func(c *Config) { c.Slack.PollInterval = cmp.Or(c.Slack.PollInterval, Duration(DefaultSlackInterval)) },
	validate: func(v *validator, c *Config) {
		sl := c.Slack
		if sl.Channel == "" {
			v.add("missing channel: the incident channel's id (C…) or name", "slack")
		}
		v.interval(sl.PollInterval, "slack", "poll_interval")
		v.url(sl.APIURL, "slack", "api_url")
		sl.TokenFile = v.resolveIfSet(sl.TokenFile)
		sl.AppTokenFile = v.resolveIfSet(sl.AppTokenFile)
	},
	load: func(v *validator, c *Config) {
		sl := c.Slack
		sl.Token = v.loadSecret(sl.TokenFile, "SLACK_TOKEN", "slack", "token_file")
		if sl.Token.Value() == "" && sl.TokenFile == "" {
			v.add("no Slack bot token: set SLACK_TOKEN or slack.token_file", "slack")
		}
		sl.AppToken = v.loadSecret(sl.AppTokenFile, "SLACK_APP_TOKEN", "slack", "app_token_file")
		if sl.SocketMode && sl.AppToken.Value() == "" && sl.AppTokenFile == "" {
			v.add("socket_mode needs an app-level token (xapp-…): set SLACK_APP_TOKEN or slack.app_token_file", "slack", "socket_mode")
		}
	},
	secrets: func(c *Config) []Secret { return []Secret{c.Slack.Token, c.Slack.AppToken} },
}
