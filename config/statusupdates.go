package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// StatusUpdates says how often stakeholders hear about the incident and
// where updates go besides the incident channel.
type StatusUpdates struct {
	// Cadence is how often an update is due, by the incident's severity
	// (its most severe alert): critical, error, warning, info. Severities
	// left out keep their default.
	Cadence map[string]Duration `yaml:"cadence,omitempty"`
	// StakeholderChannel is a second Slack channel (id C… or #name) each
	// update is also posted to, with the slack section's bot token.
	StakeholderChannel string `yaml:"stakeholder_channel,omitempty"`
	// PagerDuty also posts each update as a status update on the open
	// PagerDuty incidents of the timeline.
	PagerDuty bool `yaml:"pagerduty,omitempty"`
}

// DefaultCadence is how often an update is due when the file does not
// say: every 30 minutes for a critical incident, then hourly, every two
// and four hours; known is false for a severity that is none of these.
func DefaultCadence(severity string) (d time.Duration, known bool) {
	switch severity {
	case "critical":
		return 30 * time.Minute, true
	case "error":
		return time.Hour, true
	case "warning":
		return 2 * time.Hour, true
	case "info":
		return 4 * time.Hour, true
	}
	return time.Hour, false
}

// Bounds on a cadence: more often leaves no time to work, less often is
// no cadence during an incident.
const (
	minCadence = 5 * time.Minute
	maxCadence = 24 * time.Hour
)

// CadenceFor is how often an update is due for an incident of severity
// (one of DefaultCadence's; any other, such as none, reads as error).
func (s StatusUpdates) CadenceFor(severity string) time.Duration {
	d, known := DefaultCadence(severity)
	if !known {
		severity = "error"
	}
	if set, ok := s.Cadence[severity]; ok {
		return time.Duration(set)
	}
	return d
}

func (v *validator) statusUpdates(c *Config) {
	su := c.StatusUpdates
	for _, sev := range slices.Sorted(maps.Keys(su.Cadence)) {
		if _, known := DefaultCadence(sev); !known {
			v.add(fmt.Sprintf("unknown severity %q: cadence is set per severity, one of critical, error, warning, info", sev), "status_updates", "cadence", sev)
			continue
		}
		if d := time.Duration(su.Cadence[sev]); d < minCadence || d > maxCadence {
			v.add(fmt.Sprintf("cadence %s for %s is out of range: use between %s and %s", d, sev, minCadence, maxCadence), "status_updates", "cadence", sev)
		}
	}
	if ch := su.StakeholderChannel; ch != "" {
		switch {
		case c.Slack == nil:
			v.add("stakeholder_channel needs the slack section: updates are posted with its bot token", "status_updates", "stakeholder_channel")
		case strings.TrimPrefix(ch, "#") == "" || strings.ContainsAny(ch, " \t,"):
			v.add(fmt.Sprintf("stakeholder_channel %q: give a channel id (C…) or #name", ch), "status_updates", "stakeholder_channel")
		case ch == c.Slack.Channel:
			v.add("stakeholder_channel is the incident channel: updates go there anyway; name another channel or leave it out", "status_updates", "stakeholder_channel")
		}
	}
	if su.PagerDuty && c.PagerDuty == nil {
		v.add("pagerduty: true needs the pagerduty section: updates are posted with its token and from_email", "status_updates", "pagerduty")
	}
}
