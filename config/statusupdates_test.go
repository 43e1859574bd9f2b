package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestStatusUpdatesSection: without the section updates are due every
// 30 minutes for a critical incident up to every 4 hours for info, and
// an unknown severity reads as error; set, the cadence is read per
// severity; mistakes are reported at their line and column.
func TestStatusUpdatesSection(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Load(write(t, dir, "none.yaml", "incident: {title: x}\n", 0o600))
	if err != nil {
		t.Fatal(err)
	}
	for sev, want := range map[string]time.Duration{"critical": 30 * time.Minute, "error": time.Hour, "warning": 2 * time.Hour, "info": 4 * time.Hour, "": time.Hour, "sev1": time.Hour} {
		if got := cfg.StatusUpdates.CadenceFor(sev); got != want {
			t.Errorf("default cadence for %q = %s, want %s", sev, got, want)
		}
	}
	const sources = "slack: {channel: C0INC}\npagerduty: {service_ids: [P1], from_email: a@example.com}\n"
	t.Setenv("SLACK_TOKEN", "xoxb-test")
	t.Setenv("PAGERDUTY_TOKEN", "pd-test")
	cfg, err = Load(write(t, dir, "set.yaml", sources+"status_updates:\n  cadence: {critical: 15m, warning: 1h}\n  stakeholder_channel: \"#status\"\n  pagerduty: true\n", 0o600))
	if err != nil {
		t.Fatal(err)
	}
	su := cfg.StatusUpdates
	if su.CadenceFor("critical") != 15*time.Minute || su.CadenceFor("warning") != time.Hour || su.CadenceFor("error") != time.Hour ||
		su.StakeholderChannel != "#status" || !su.PagerDuty {
		t.Fatalf("read %+v", su)
	}
	_, err = Load(write(t, dir, "bad.yaml", "status_updates:\n  cadence:\n    critical: 1m\n    sev1: 30m\n  stakeholder_channel: \"#status\"\n  pagerduty: true\n  every: 5m\n", 0o600))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want problems, got %v", err)
	}
	want := []struct {
		line, col int
		msg       string
	}{
		{3, 15, "cadence 1m0s for critical is out of range: use between 5m0s and 24h0m0s"},
		{4, 11, `unknown severity "sev1"`},
		{5, 24, "stakeholder_channel needs the slack section"},
		{6, 14, "pagerduty: true needs the pagerduty section"},
		{7, 3, "every"},
	}
	if len(ce.Problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(ce.Problems), len(want), err)
	}
	for i, w := range want {
		if p := ce.Problems[i]; !strings.Contains(p.Message, w.msg) || p.Line != w.line || p.Column != w.col {
			t.Errorf("problem %d = %d:%d %q, want %d:%d %q", i, p.Line, p.Column, p.Message, w.line, w.col, w.msg)
		}
	}
	_, err = Load(write(t, dir, "same.yaml", sources+"status_updates: {stakeholder_channel: C0INC}\n", 0o600))
	if err == nil || !strings.Contains(err.Error(), "stakeholder_channel is the incident channel") {
		t.Errorf("the incident channel as stakeholder channel: %v", err)
	}
}
