// Package config loads warroom's YAML configuration: which live sources
// to use (PagerDuty, Slack, AWS, HAProxy), their endpoints and intervals,
// the guardrails runbooks obey, and the secrets, which come from the
// environment or from owner-only files and are masked wherever the
// configuration is shown.
package config

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/warroomhq/warroom/internal/yamldecode"
)

// Config is one warroom configuration file. A nil source section means the
// source is not configured.
type Config struct {
	Incident   Incident         `yaml:"incident,omitempty"`
	PagerDuty  *PagerDutyConfig `yaml:"pagerduty,omitempty"`
	Slack      *SlackConfig     `yaml:"slack,omitempty"`
	AWS        *AWSConfig       `yaml:"aws,omitempty"`
	HAProxy    *HAProxyConfig   `yaml:"haproxy,omitempty"`
	ProxySQL   *ProxySQLConfig  `yaml:"proxysql,omitempty"`
	Team       *TeamConfig      `yaml:"team,omitempty"`
	Limits     Limits           `yaml:"limits"`
	Metrics    Metrics          `yaml:"metrics,omitempty"`
	RunbookDir string           `yaml:"runbook_dir,omitempty"`
	// Redact holds extra regular expressions whose matches the timeline
	// masks, on top of the loaded secrets.
	Redact []string `yaml:"redact,omitempty"`

	// Path is the file the configuration was loaded from.
	Path string `yaml:"-"`
}

// Incident names the incident this war room is for.
type Incident struct {
	Title string `yaml:"title,omitempty"`
	ID    string `yaml:"id,omitempty"`
}

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

// Limits are the guardrails runbook actions obey.
type Limits struct {
	// MaxCapacity bounds the desired capacity a runbook may set, per group.
	MaxCapacity        map[string]int `yaml:"max_capacity,omitempty"`
	MaxThrottlePercent int            `yaml:"max_throttle_percent"`
	RollingBatchSize   int            `yaml:"rolling_batch_size"`
	// MinInRotation is how many servers of each front backend a rolling
	// restart's batch must leave in rotation.
	MinInRotation int `yaml:"min_in_rotation"`
	// MaxErrorRisePoints is how many percentage points a tier's error
	// ratio may rise after a rolling restart's batch above its ratio
	// before the run; past it the restart halts.
	MaxErrorRisePoints float64  `yaml:"max_error_rise_points"`
	DefaultStepTimeout Duration `yaml:"default_step_timeout"`
	// MaxReplicaShare caps the share (percent) of a hostgroup's reads a
	// remaining replica may carry when another leaves rotation.
	MaxReplicaShare int `yaml:"max_replica_share,omitempty"`
}

// Defaults for values the file leaves out.
const (
	DefaultMaxThrottlePercent = 50
	DefaultRollingBatchSize   = 1
	DefaultMinInRotation      = 1
	DefaultMaxErrorRisePoints = 5
	DefaultStepTimeout        = 5 * time.Minute
	DefaultPagerDutyInterval  = 30 * time.Second
	DefaultSlackInterval      = 10 * time.Second
	DefaultAWSInterval        = 30 * time.Second
	DefaultHAProxyInterval    = 5 * time.Second
)

// maxFileSize bounds what Load reads: a configuration is a few kilobytes.
const maxFileSize = 1 << 20

// Load reads, decodes and validates the file at path, and loads the
// secrets its sources need. Problems in the file come back as *Error, each
// with the file, line and column; a missing file wraps fs.ErrNotExist.
func Load(path string) (*Config, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data, true)
}

// LoadSettings is Load without the secrets: it reads, decodes and
// validates the file but loads no token, for the verbs that contact no
// source (listing and showing runbooks).
func LoadSettings(path string) (*Config, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data, false)
}

// parse decodes and validates data, the file at path, reporting every
// problem at once: the decoding mistakes (unknown keys, values of the
// wrong kind) and, on what decoded, the checks of each setting.
func parse(path string, data []byte, secrets bool) (*Config, error) {
	cfg := &Config{Path: path}
	file, decoded := yamldecode.Decode(data, cfg)
	var problems []Problem
	for _, p := range decoded {
		problems = append(problems, Problem{File: path, Line: p.Line, Column: p.Column, Message: p.Message})
	}
	if file == nil {
		return nil, &Error{Problems: problems}
	}
	// An absolute folder makes resolving a path twice harmless: validation
	// resolves token files and loading the secrets resolves them again.
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v := &validator{path: path, dir: dir, file: file}
	cfg.applyDefaults()
	v.validate(cfg)
	// A setting that did not decode stays empty; a check of it at the
	// same place would only repeat the decoding problem.
	v.problems = slices.DeleteFunc(v.problems, func(p Problem) bool {
		return slices.ContainsFunc(decoded, func(d yamldecode.Problem) bool { return d.Line == p.Line && d.Column == p.Column })
	})
	v.problems = append(problems, v.problems...)
	if len(v.problems) == 0 && secrets {
		v.loadSecrets(cfg)
	}
	if len(v.problems) > 0 {
		slices.SortStableFunc(v.problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
		return nil, &Error{Problems: v.problems}
	}
	return cfg, nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read configuration %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("configuration %s is larger than %d bytes", path, maxFileSize)
	}
	return data, nil
}

func (c *Config) applyDefaults() {
	c.Metrics.applyDefaults()
	if c.Limits.MaxThrottlePercent == 0 {
		c.Limits.MaxThrottlePercent = DefaultMaxThrottlePercent
	}
	if c.Limits.RollingBatchSize == 0 {
		c.Limits.RollingBatchSize = DefaultRollingBatchSize
	}
	if c.Limits.MinInRotation == 0 {
		c.Limits.MinInRotation = DefaultMinInRotation
	}
	if c.Limits.MaxErrorRisePoints == 0 {
		c.Limits.MaxErrorRisePoints = DefaultMaxErrorRisePoints
	}
	if c.Limits.DefaultStepTimeout == 0 {
		c.Limits.DefaultStepTimeout = Duration(DefaultStepTimeout)
	}
	if c.PagerDuty != nil && c.PagerDuty.PollInterval == 0 {
		c.PagerDuty.PollInterval = Duration(DefaultPagerDutyInterval)
	}
	if c.Slack != nil && c.Slack.PollInterval == 0 {
		c.Slack.PollInterval = Duration(DefaultSlackInterval)
	}
	if c.AWS != nil && c.AWS.PollInterval == 0 {
		c.AWS.PollInterval = Duration(DefaultAWSInterval)
	}
	if c.HAProxy != nil && c.HAProxy.PollInterval == 0 {
		c.HAProxy.PollInterval = Duration(DefaultHAProxyInterval)
	}
}

// NamesNoSource reports whether the configuration names no live source, in
// which case warroom opens the drill world.
func (c *Config) NamesNoSource() bool {
	return c.PagerDuty == nil && c.Slack == nil && c.AWS == nil && c.HAProxy == nil && c.ProxySQL == nil
}

// Secrets returns every secret the configuration loaded, for the redactor.
func (c *Config) Secrets() []string {
	var all []Secret
	if c.PagerDuty != nil {
		all = append(all, c.PagerDuty.Token)
	}
	if c.Slack != nil {
		all = append(all, c.Slack.Token, c.Slack.AppToken)
	}
	if c.ProxySQL != nil {
		all = append(all, c.ProxySQL.Password)
	}
	if c.Team != nil {
		all = append(all, c.Team.Credentials)
	}
	var out []string
	for _, s := range all {
		if s.Value() != "" {
			out = append(out, s.Value())
		}
	}
	return out
}

// Redacted is the configuration as YAML with every secret masked, for
// `warroom config show`.
func (c *Config) Redacted() string {
	out, err := yaml.MarshalWithOptions(c, yaml.IndentSequence(true))
	if err != nil {
		// Only unmarshalable Go values fail here, and Config has none.
		return "# cannot show configuration: " + err.Error()
	}
	return strings.TrimRight(string(out), "\n") + "\n"
}

// String is Redacted, so printing a Config never shows a secret.
func (c *Config) String() string { return c.Redacted() }
