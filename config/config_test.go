package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// write puts body in dir/name and returns the path.
func write(t *testing.T, dir, name, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // WriteFile's mode is masked by umask
		t.Fatal(err)
	}
	return p
}

const (
	pdToken    = "u+pdTOKENvalue123"
	slackToken = "xoxb-slackTOKENvalue456"
	appToken   = "xapp-appTOKENvalue789"
)

const complete = `incident:
  title: Checkout 503s
  id: INC-42
pagerduty:
  service_ids: [PSVC1]
  team_ids: [PTEAM1]
  poll_interval: 20s
  from_email: oncall@example.com
  api_url: http://127.0.0.1:9/pd
slack:
  channel: C0INCIDENT
  poll_interval: 5s
  socket_mode: true
  token_file: slack.token
  api_url: http://127.0.0.1:9/slack/
aws:
  region: eu-west-1
  profile: prod
  groups: [web, api]
  poll_interval: 15s
  endpoint: http://127.0.0.1:9/aws
haproxy:
  poll_interval: 2s
  instances:
    - name: front-1
      runtime: 127.0.0.1:9999
    - name: edge-1
      runtime: unix:/run/haproxy/edge-1.sock
      master: unix:/run/haproxy/edge-1-master.sock
      config: haproxy/edge-1.cfg
      backends: [web]
      upstream: {instance: front-1, backend: edges, server: edge-1}
      throttle_map: /etc/haproxy/throttle.map
      state_file: /var/lib/haproxy/state
  bindings:
    - group: web
      instance: edge-1
      backend: web
      port: 8080
limits:
  max_capacity: {web: 40, api: 12}
  max_throttle_percent: 80
  rolling_batch_size: 2
  min_in_rotation: 2
  max_error_rise_points: 2.5
  default_step_timeout: 2m
runbook_dir: runbooks
redact: ['sk_live_[A-Za-z0-9]+']
`

func TestLoadComplete(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PAGERDUTY_TOKEN", pdToken)
	t.Setenv("SLACK_TOKEN", "from-env-but-file-wins")
	t.Setenv("SLACK_APP_TOKEN", appToken)
	write(t, dir, "slack.token", slackToken+"\n", 0o600)
	path := write(t, dir, "config.yaml", complete, 0o644)

	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.NamesNoSource() {
		t.Error("NamesNoSource with four sources")
	}
	if c.Incident.Title != "Checkout 503s" || c.PagerDuty.FromEmail != "oncall@example.com" ||
		time.Duration(c.PagerDuty.PollInterval) != 20*time.Second || !c.Slack.SocketMode ||
		c.AWS.Region != "eu-west-1" || len(c.AWS.Groups) != 2 || c.Limits.MaxCapacity["web"] != 40 ||
		time.Duration(c.Limits.DefaultStepTimeout) != 2*time.Minute || c.Limits.RollingBatchSize != 2 || c.Limits.MinInRotation != 2 ||
		c.Limits.MaxErrorRisePoints != 2.5 {
		t.Errorf("decoded %+v", c)
	}
	if c.Slack.Token.Value() != slackToken || c.PagerDuty.Token.Value() != pdToken || c.Slack.AppToken.Value() != appToken {
		t.Error("tokens not loaded from the file and the environment")
	}
	if got := c.HAProxy.Instances[1].Config; got != filepath.Join(dir, "haproxy/edge-1.cfg") {
		t.Errorf("relative path not resolved against the config's folder: %s", got)
	}
	if c.RunbookDir != filepath.Join(dir, "runbooks") {
		t.Errorf("runbook_dir = %s", c.RunbookDir)
	}
	secrets := strings.Join(c.Secrets(), " ")
	for _, s := range []string{pdToken, slackToken, appToken} {
		if !strings.Contains(secrets, s) {
			t.Errorf("Secrets() lacks %s", s)
		}
	}

	ho := c.HAProxyOptions()
	if len(ho.Instances) != 2 || ho.Instances[1].Upstream == nil || ho.Instances[1].Upstream.Server != "edge-1" || ho.Instances[1].MasterAddr == "" {
		t.Errorf("HAProxyOptions = %+v", ho)
	}
	if so := c.SlackOptions(); so.AppToken != appToken || so.Channel != "C0INCIDENT" || so.Poll.Interval != 5*time.Second {
		t.Errorf("SlackOptions: channel %q interval %v app token set %v", so.Channel, so.Poll.Interval, so.AppToken != "")
	}
	if ao := c.AWSOptions(); ao.Region != "eu-west-1" || ao.Endpoint == "" || ao.Poll.Interval != 15*time.Second {
		t.Errorf("AWSOptions = %+v", ao)
	}
	if po := c.PagerDutyOptions(); po.Token != pdToken || po.ServiceIDs[0] != "PSVC1" {
		t.Errorf("PagerDutyOptions service ids %v", po.ServiceIDs)
	}
	if b := c.DriftBindings(); len(b) != 1 || b[0].Port != 8080 || b[0].Group != "web" {
		t.Errorf("DriftBindings = %+v", b)
	}
}

func TestSecretsNeverShown(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PAGERDUTY_TOKEN", pdToken)
	t.Setenv("SLACK_APP_TOKEN", appToken)
	write(t, dir, "slack.token", slackToken, 0o600)
	c, err := Load(write(t, dir, "config.yaml", complete, 0o600))
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(c)
	shown := map[string]string{
		"Redacted":  c.Redacted(),
		"%v":        fmt.Sprintf("%v", c),
		"%+v slack": fmt.Sprintf("%+v", *c.Slack),
		"%#v slack": fmt.Sprintf("%#v", *c.Slack),
		"%+v pd":    fmt.Sprintf("%+v", *c.PagerDuty),
		"%s token":  fmt.Sprintf("%s", c.PagerDuty.Token),
		"json":      string(j),
	}
	for how, text := range shown {
		for _, s := range []string{pdToken, slackToken, appToken} {
			if strings.Contains(text, s) {
				t.Errorf("%s shows a secret:\n%s", how, text)
			}
		}
	}
	if !strings.Contains(c.Redacted(), "****** (from $PAGERDUTY_TOKEN)") {
		t.Errorf("Redacted does not say where the token came from:\n%s", c.Redacted())
	}
}

func TestEmptyFileNamesNoSource(t *testing.T) {
	c, err := Load(write(t, t.TempDir(), "c.yaml", "# nothing yet\n", 0o600))
	if err != nil {
		t.Fatal(err)
	}
	if !c.NamesNoSource() || len(c.Secrets()) != 0 {
		t.Fatalf("empty configuration: %+v", c)
	}
	if c.Limits.RollingBatchSize != DefaultRollingBatchSize || c.Limits.MinInRotation != DefaultMinInRotation || c.Limits.MaxErrorRisePoints != DefaultMaxErrorRisePoints || time.Duration(c.Limits.DefaultStepTimeout) != DefaultStepTimeout {
		t.Fatalf("defaults not applied: %+v", c.Limits)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

// Each kind of mistake is reported at its line and column, in the form
// editors jump to.
func TestLoadErrors(t *testing.T) {
	t.Setenv("PAGERDUTY_TOKEN", pdToken)
	t.Setenv("SLACK_TOKEN", slackToken)
	t.Setenv("SLACK_APP_TOKEN", "")
	tests := []struct {
		name, body string
		want       []string // "line:col: message"
	}{
		{"syntax", "aws:\n  groups: [web\n", []string{"2:11: sequence end token ']' not found"}},
		{"unknown key", "aws:\n  groups: [web]\n  regoin: eu-west-1\n", []string{`3:3: unknown field "regoin"; did you mean "region"?`}},
		{"unknown section", "pagerdutty: {}\n", []string{`1:1: unknown field "pagerdutty"; did you mean "pagerduty"?`}},
		{"wrong type", "limits:\n  rolling_batch_size: two\n", []string{`2:23: rolling_batch_size must be an integer, got "two"`}},
		{"wrong shape", "aws:\n  groups: web\n", []string{
			"1:1: missing groups or tag_filter: name the Auto Scaling groups to follow",
			`2:11: groups must be a list of strings, got "web"`,
		}},
		{"duration without unit", "aws:\n  groups: [web]\n  poll_interval: 30\n", []string{"3:18: expected a duration with a unit, like 30s or 5m"}},
		{"invalid duration", "limits:\n  default_step_timeout: 5 minutes\n", []string{`2:25: invalid duration "5 minutes": use a number with a unit, like 30s or 5m`}},
		{"duplicate key", "aws:\n  groups: [a]\naws:\n  groups: [b]\n", []string{`3:1: mapping key "aws" already defined at [1:1]`}},
		{"token in the file", "slack:\n  channel: C1\n  token: xoxb-oops\n", []string{"3:10: tokens do not belong in the configuration file; set the environment variable or token_file (a file only you can read)"}},
		{"missing required", "slack:\n  poll_interval: 5s\npagerduty:\n  service_ids: [P1]\n", []string{
			"1:1: missing channel: the incident channel's id (C…) or name",
			"3:1: missing from_email: the email of the PagerDuty user acting from warroom",
		}},
		{"out of range", "aws:\n  groups: [web]\n  poll_interval: 100ms\nlimits:\n  max_throttle_percent: 150\n  max_capacity:\n    web: -1\n", []string{
			"3:18: 100ms is out of range: use between 1s and 1h0m0s",
			"5:25: max_throttle_percent 150 is out of range 0-100",
			`7:10: max_capacity for "web" is -1; it must be 0 or more`,
		}},
		{"whole tier out of rotation", "limits:\n  min_in_rotation: -1\n", []string{"2:20: min_in_rotation -1 must be 1 or more: a rolling restart never takes a whole tier out of rotation"}},
		{"error rise out of range", "limits:\n  max_error_rise_points: -3\n", []string{"2:26: max_error_rise_points -3 is out of range: more than 0, at most 100 percentage points"}},
		{"groups and tags", "aws:\n  groups: [web]\n  tag_filter: {team: web}\n", []string{"3:3: set groups or tag_filter, not both"}},
		{"bad addresses", "haproxy:\n  instances:\n    - name: e1\n      runtime: localhost\n    - name: e1\n      runtime: unix:relative.sock\n", []string{
			`4:16: "localhost" is not unix:/path or host:port`,
			`5:13: duplicate instance name "e1"`,
			`6:16: "unix:relative.sock": a unix socket address needs an absolute path, unix:/path`,
		}},
		{"dangling references", "aws:\n  groups: [web]\nhaproxy:\n  instances:\n    - name: e1\n      runtime: unix:/s\n      upstream: {instance: front, backend: b, server: s}\n  bindings:\n    - {group: api, instance: e2, backend: web}\n", []string{
			`7:28: upstream instance "front" is not a configured instance`,
			`9:15: group "api" is not among aws.groups`,
			`9:30: instance "e2" is not a configured instance`,
		}},
		{"bad URL and email", "pagerduty:\n  team_ids: [T1]\n  from_email: nobody\n  api_url: ftp://x\n", []string{
			`3:15: from_email "nobody" is not an email address`,
			`4:12: "ftp://x" is not an http(s) URL`,
		}},
		{"bad redact pattern", "redact: ['sk_[']\n", []string{"1:10: invalid redact pattern: error parsing regexp: missing closing ]: `[`"}},
		{"socket mode without app token", "slack:\n  channel: C1\n  socket_mode: true\n", []string{
			"3:16: socket_mode needs an app-level token (xapp-…): set SLACK_APP_TOKEN or slack.app_token_file",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, t.TempDir(), "config.yaml", tt.body, 0o600)
			_, err := Load(path)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want *config.Error", err, err)
			}
			var got []string
			for _, p := range ce.Problems {
				if p.File != path {
					t.Errorf("problem names file %q", p.File)
				}
				got = append(got, strings.TrimPrefix(p.String(), path+":"))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestTokenFilePermissions(t *testing.T) {
	t.Setenv("PAGERDUTY_TOKEN", "")
	tests := []struct {
		name    string
		mode    os.FileMode
		content string
		want    string // "" = loads
	}{
		{"owner only", 0o600, pdToken + "\n", ""},
		{"owner read-only", 0o400, pdToken, ""},
		{"group readable", 0o640, pdToken, "is readable by others (mode 0640); run: chmod 600 "},
		{"world readable", 0o644, pdToken, "is readable by others (mode 0644); run: chmod 600 "},
		{"empty", 0o600, "\n", "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tok := write(t, dir, "pd.token", tt.content, tt.mode)
			path := write(t, dir, "config.yaml", "pagerduty:\n  service_ids: [P1]\n  from_email: a@example.com\n  token_file: pd.token\n", 0o600)
			c, err := Load(path)
			if tt.want == "" {
				if err != nil || c.PagerDuty.Token.Value() != pdToken {
					t.Fatalf("Load = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), path+":4:15: token file "+tok) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it at 4:15 naming %s and %q", err, tok, tt.want)
			}
			if strings.Contains(err.Error(), pdToken) {
				t.Fatalf("the error shows the token: %v", err)
			}
		})
	}

	t.Run("missing token", func(t *testing.T) {
		path := write(t, t.TempDir(), "config.yaml", "pagerduty:\n  service_ids: [P1]\n  from_email: a@example.com\n", 0o600)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), "1:1: no PagerDuty API token: set PAGERDUTY_TOKEN or pagerduty.token_file") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("absent token file", func(t *testing.T) {
		path := write(t, t.TempDir(), "config.yaml", "pagerduty:\n  service_ids: [P1]\n  from_email: a@example.com\n  token_file: /nonexistent/pd.token\n", 0o600)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), "4:15: cannot read token file") {
			t.Fatalf("err = %v", err)
		}
	})
}

// The documented example loads as is, given its token file and tokens.
func TestExampleLoads(t *testing.T) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "secrets/slack-bot.token", slackToken, 0o600)
	t.Setenv("PAGERDUTY_TOKEN", pdToken)
	t.Setenv("SLACK_APP_TOKEN", appToken)
	t.Setenv("PROXYSQL_ADMIN_PASSWORD", "proxysqlADMINpass")
	c, err := Load(write(t, dir, "config.yaml", string(data), 0o600))
	if err != nil {
		t.Fatal(err)
	}
	if c.NamesNoSource() || len(c.Secrets()) != 4 || len(c.DriftBindings()) != 1 {
		t.Fatalf("example: %s", c.Redacted())
	}
}

func BenchmarkLoadExample(b *testing.B) {
	data, err := os.ReadFile("example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "secrets"), 0o700); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secrets/slack-bot.token"), []byte(slackToken), 0o600); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Setenv("PAGERDUTY_TOKEN", pdToken)
	b.Setenv("SLACK_APP_TOKEN", appToken)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRelativeConfigPathFindsItsTokenFile: --config dir/config.yaml with a
// relative token_file must find dir/token, not dir/dir/token.
func TestRelativeConfigPathFindsItsTokenFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.MkdirAll("conf/secrets", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("conf/secrets/slack.token", []byte("xoxb-1-relative\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("conf/config.yaml", []byte("slack:\n  channel: C1\n  token_file: secrets/slack.token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("conf/config.yaml")
	if err != nil {
		t.Fatalf("relative --config: %v", err)
	}
	if got := cfg.Slack.Token.Value(); got != "xoxb-1-relative" {
		t.Fatalf("token %q", got)
	}
}

// TestLoadReportsEveryDecodingMistake: decoding goes on past the first
// mistake, so one check shows every unknown key and every value of the
// wrong kind, each at its position, beside the checks of what decoded.
func TestLoadReportsEveryDecodingMistake(t *testing.T) {
	t.Setenv("SLACK_TOKEN", slackToken)
	body := "slack:\n  channel: C1\n  socket_mode: yes\n  chanel: C2\n" +
		"limits:\n  rolling_batch_size: two\n  max_throttle_percent: 150\n" +
		"haproxy:\n  instances:\n    - name: e1\n      runtime: unix:/s\n      backends: web\n    - {name: e2, runtime: localhost, weight: 3}\n"
	path := write(t, t.TempDir(), "config.yaml", body, 0o600)
	_, err := Load(path)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *config.Error", err)
	}
	want := []string{
		`3:16: socket_mode must be true or false, got "yes"`,
		`4:3: unknown field "chanel"; did you mean "channel"?`,
		`6:23: rolling_batch_size must be an integer, got "two"`,
		"7:25: max_throttle_percent 150 is out of range 0-100",
		`12:17: backends must be a list of strings, got "web"`,
		`13:27: "localhost" is not unix:/path or host:port`,
		`13:38: unknown field "weight" (known: backends, config, master, name, runtime, shed_features, shed_map, shed_status, state_file, throttle_map, upstream)`,
	}
	var got []string
	for _, p := range ce.Problems {
		got = append(got, strings.TrimPrefix(p.String(), path+":"))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLoadSettingsNeedsNoTokens: the verbs that contact no source read
// the configuration without the tokens its sources need.
func TestLoadSettingsNeedsNoTokens(t *testing.T) {
	t.Setenv("PAGERDUTY_TOKEN", "")
	t.Setenv("SLACK_TOKEN", "")
	path := write(t, t.TempDir(), "config.yaml", "pagerduty:\n  service_ids: [P1]\n  from_email: a@example.com\nslack:\n  channel: C1\nrunbook_dir: books\n", 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "PAGERDUTY_TOKEN") {
		t.Fatalf("Load without tokens: err = %v, want the missing token named", err)
	}
	cfg, err := LoadSettings(path)
	if err != nil {
		t.Fatalf("LoadSettings: %v", err)
	}
	if cfg.RunbookDir != filepath.Join(filepath.Dir(path), "books") || len(cfg.Secrets()) != 0 {
		t.Errorf("runbook_dir %q, secrets %d", cfg.RunbookDir, len(cfg.Secrets()))
	}
	if _, err := LoadSettings(write(t, t.TempDir(), "bad.yaml", "limits: {max_throttle_percent: 150}\n", 0o600)); err == nil {
		t.Error("LoadSettings accepted an invalid setting")
	}
}

func TestTeamSettings(t *testing.T) {
	dir := t.TempDir()
	creds := write(t, dir, "team.creds", "alice:alice-secret-1\n", 0o600)
	path := write(t, dir, "config.yaml", "team:\n  url: nats://10.0.3.10:4222\n  credentials: team.creds\n  approval: dangerous\n  self_approval: true\n", 0o600)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Team.URL != "nats://10.0.3.10:4222" || c.Team.Credentials.Value() != "alice:alice-secret-1" || !c.Team.ApprovalOnDangerous() || !c.Team.SelfApproval {
		t.Fatalf("team = %+v", c.Team)
	}
	if !slices.Contains(c.Secrets(), "alice:alice-secret-1") || strings.Contains(c.Redacted(), "alice-secret-1") {
		t.Errorf("secrets %v, shown:\n%s", c.Secrets(), c.Redacted())
	}
	os.Chmod(creds, 0o640)
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), "config.yaml:3:16: token file "+creds+" is readable by others (mode 0640); run: chmod 600") {
		t.Errorf("group-readable credentials: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "alice-secret-1") {
		t.Errorf("the error quotes the credentials: %v", err)
	}
	for body, want := range map[string]string{
		"team:\n  url: nats://alice:pw@10.0.3.10:4222\n":    "config.yaml:2:8: url carries a user or password",
		"team:\n  url: http://10.0.3.10\n":                  `config.yaml:2:8: url "http://10.0.3.10": want nats://host:port`,
		"team:\n  url: nats://h:4222\n  approval: always\n": `config.yaml:3:13: approval "always"`,
		"team:\n  credentials: x\n":                         "config.yaml:1:1: missing url",
	} {
		path := write(t, t.TempDir(), "config.yaml", body, 0o600)
		if _, err := LoadSettings(path); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), ":pw@") {
			t.Errorf("%q: %v, want %s", body, err, want)
		}
	}
}
