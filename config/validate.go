package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// validator collects every problem of a decoded file with its position.
type validator struct {
	path     string
	dir      string // relative paths in the file are relative to it
	file     *ast.File
	problems []Problem
}

// add records msg at the node found at keys.
func (v *validator) add(msg string, keys ...any) {
	line, col := locate(v.file, keys...)
	v.problems = append(v.problems, Problem{File: v.path, Line: line, Column: col, Message: msg})
}

// resolve expands ~ and makes p relative to the configuration's folder.
func (v *validator) resolve(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(v.dir, p)
}

// Bounds on intervals: faster polling would hit the services' rate limits,
// slower would make the screen useless during an incident.
const (
	minPollInterval = time.Second
	maxPollInterval = time.Hour
)

func (v *validator) validate(c *Config) {
	v.metrics(c)
	v.statusUpdates(c)
	for _, s := range sections {
		if s.present(c) {
			s.validate(v, c)
		}
	}
	if t := c.Team; t != nil {
		v.team(t)
	}
	v.limits(&c.Limits)
	for i, pattern := range c.Redact {
		if _, err := regexp.Compile(pattern); err != nil {
			v.add(fmt.Sprintf("invalid redact pattern: %v", err), "redact", i)
		}
	}
	if c.RunbookDir != "" {
		c.RunbookDir = v.resolve(c.RunbookDir)
	}
}

func (v *validator) resolveIfSet(p string) string {
	if p == "" {
		return ""
	}
	return v.resolve(p)
}

func (v *validator) interval(d Duration, keys ...any) {
	if t := time.Duration(d); t < minPollInterval || t > maxPollInterval {
		v.add(fmt.Sprintf("%s is out of range: use between %s and %s", t, minPollInterval, maxPollInterval), keys...)
	}
}

func (v *validator) url(raw string, keys ...any) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(fmt.Sprintf("%q is not an http(s) URL", raw), keys...)
	}
}

func (v *validator) haproxy(h *HAProxyConfig) {
	v.interval(h.PollInterval, "haproxy", "poll_interval")
	if len(h.Instances) == 0 {
		v.add("missing instances: list the HAProxy instances with their runtime address", "haproxy")
	}
	names := map[string]bool{}
	for i, in := range h.Instances {
		at := []any{"haproxy", "instances", i}
		switch {
		case in.Name == "":
			v.add("missing name", at...)
		case names[in.Name]:
			v.add(fmt.Sprintf("duplicate instance name %q", in.Name), append(at, "name")...)
		}
		names[in.Name] = true
		if in.Runtime == "" {
			v.add("missing runtime: the Runtime API address, unix:/path or host:port", at...)
		} else {
			v.address(in.Runtime, append(at, "runtime")...)
		}
		if in.Master != "" {
			v.address(in.Master, append(at, "master")...)
		}
		h.Instances[i].Config = v.resolveIfSet(in.Config)
		h.Instances[i].ThrottleMap = v.resolveIfSet(in.ThrottleMap)
		h.Instances[i].StateFile = v.resolveIfSet(in.StateFile)
		h.Instances[i].ShedMap = v.resolveIfSet(in.ShedMap)
		v.shed(in, at)
	}
	for i, in := range h.Instances {
		up := in.Upstream
		if up == nil {
			continue
		}
		at := []any{"haproxy", "instances", i, "upstream"}
		switch {
		case up.Instance == "" || up.Backend == "" || up.Server == "":
			v.add("upstream needs instance, backend and server", at...)
		case up.Instance == in.Name:
			v.add("an instance cannot be its own upstream", append(at, "instance")...)
		case !names[up.Instance]:
			v.add(fmt.Sprintf("upstream instance %q is not a configured instance", up.Instance), append(at, "instance")...)
		}
	}
}

// bindings checks the group ↔ backend pairs drift detection compares.
func (v *validator) bindings(h *HAProxyConfig, a *AWSConfig) {
	if len(h.Bindings) > 0 && a == nil {
		v.add("bindings compare Auto Scaling groups with backends: configure the aws section too", "haproxy", "bindings")
		return
	}
	instances := map[string]bool{}
	for _, in := range h.Instances {
		instances[in.Name] = true
	}
	for i, b := range h.Bindings {
		at := []any{"haproxy", "bindings", i}
		if b.Group == "" || b.Instance == "" || b.Backend == "" {
			v.add("binding needs group, instance and backend", at...)
			continue
		}
		if len(a.Groups) > 0 && !slices.Contains(a.Groups, b.Group) {
			v.add(fmt.Sprintf("group %q is not among aws.groups", b.Group), append(at, "group")...)
		}
		if !instances[b.Instance] {
			v.add(fmt.Sprintf("instance %q is not a configured instance", b.Instance), append(at, "instance")...)
		}
		if b.Port < 0 || b.Port > 65535 {
			v.add(fmt.Sprintf("port %d is out of range 1-65535 (0 or absent: any port)", b.Port), append(at, "port")...)
		}
	}
}

// address checks a Runtime API or master CLI address.
func (v *validator) address(addr string, keys ...any) {
	if p, ok := strings.CutPrefix(addr, "unix:"); ok {
		if !filepath.IsAbs(p) {
			v.add(fmt.Sprintf("%q: a unix socket address needs an absolute path, unix:/path", addr), keys...)
		}
		return
	}
	host, port, err := net.SplitHostPort(addr)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		v.add(fmt.Sprintf("%q is not unix:/path or host:port", addr), keys...)
	}
}

func (v *validator) limits(l *Limits) {
	for group, n := range l.MaxCapacity {
		if n < 0 {
			v.add(fmt.Sprintf("max_capacity for %q is %d; it must be 0 or more", group, n), "limits", "max_capacity", group)
		}
	}
	if l.MaxThrottlePercent < 0 || l.MaxThrottlePercent > 100 {
		v.add(fmt.Sprintf("max_throttle_percent %d is out of range 0-100", l.MaxThrottlePercent), "limits", "max_throttle_percent")
	}
	if l.RollingBatchSize < 1 {
		v.add(fmt.Sprintf("rolling_batch_size %d must be 1 or more", l.RollingBatchSize), "limits", "rolling_batch_size")
	}
	if l.MinInRotation < 1 {
		v.add(fmt.Sprintf("min_in_rotation %d must be 1 or more: a rolling restart never takes a whole tier out of rotation", l.MinInRotation), "limits", "min_in_rotation")
	}
	if l.MaxErrorRisePoints <= 0 || l.MaxErrorRisePoints > 100 {
		v.add(fmt.Sprintf("max_error_rise_points %g is out of range: more than 0, at most 100 percentage points", l.MaxErrorRisePoints), "limits", "max_error_rise_points")
	}
	if l.MaxReplicaShare < 0 || l.MaxReplicaShare > 100 {
		v.add(fmt.Sprintf("max_replica_share %d is out of range 1-100 (absent: 100)", l.MaxReplicaShare), "limits", "max_replica_share")
	}
	if l.DefaultStepTimeout <= 0 {
		v.add("default_step_timeout must be positive", "limits", "default_step_timeout")
	}
}
