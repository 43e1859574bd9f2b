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
	Incident  Incident         `yaml:"incident,omitempty"`
	PagerDuty *PagerDutyConfig `yaml:"pagerduty,omitempty"`
	Slack     *SlackConfig     `yaml:"slack,omitempty"`
	AWS       *AWSConfig       `yaml:"aws,omitempty"`
	HAProxy   *HAProxyConfig   `yaml:"haproxy,omitempty"`
	ProxySQL  *ProxySQLConfig  `yaml:"proxysql,omitempty"`
	Team      *TeamConfig      `yaml:"team,omitempty"`
	Limits    Limits           `yaml:"limits"`
	Metrics   Metrics          `yaml:"metrics,omitempty"`
	// StatusUpdates is the stakeholder updates' cadence and channels.
	StatusUpdates StatusUpdates `yaml:"status_updates,omitempty"`
	RunbookDir    string        `yaml:"runbook_dir,omitempty"`
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
	for _, s := range sections {
		if s.present(c) && s.defaults != nil {
			s.defaults(c)
		}
	}
}

// NamesNoSource reports whether the configuration names no live source, in
// which case warroom opens the drill world.
func (c *Config) NamesNoSource() bool {
	for _, s := range sections {
		if s.present(c) {
			return false
		}
	}
	return true
}

// Secrets returns every secret the configuration loaded, for the redactor.
func (c *Config) Secrets() []string {
	var all []Secret
	for _, s := range sections {
		if s.present(c) && s.secrets != nil {
			all = append(all, s.secrets(c)...)
		}
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
