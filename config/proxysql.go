package config

import (
	"fmt"
	"regexp"

	"github.com/warroomhq/warroom/integrations/proxysql"
)

// ProxySQLConfig is the database proxy layer in front of the replicas:
// ProxySQL's admin interface, through which runbooks take replicas out of
// rotation and back.
type ProxySQLConfig struct {
	// Admin is the admin interface, host:port (ProxySQL listens on 6032).
	Admin string `yaml:"admin"`
	User  string `yaml:"user"`
	// PasswordFile holds the admin password (mode 600);
	// PROXYSQL_ADMIN_PASSWORD is used when empty.
	PasswordFile string `yaml:"password_file,omitempty"`
	Password     Secret `yaml:"password,omitempty"`
	// Hostgroup is the reader hostgroup whose servers are the replicas.
	Hostgroup int `yaml:"hostgroup"`
	// SaveToDisk also saves each change to ProxySQL's disk configuration,
	// so it survives a ProxySQL restart.
	SaveToDisk bool `yaml:"save_to_disk,omitempty"`
}

// ProxySQLOptions configures the ProxySQL replica pool.
func (c *Config) ProxySQLOptions() proxysql.Options {
	p := c.ProxySQL
	return proxysql.Options{Admin: p.Admin, User: p.User, Password: p.Password.Value(), Hostgroup: p.Hostgroup, SaveToDisk: p.SaveToDisk}
}

func (v *validator) proxysql(p *ProxySQLConfig) {
	if p.Admin == "" {
		v.add("missing admin: ProxySQL's admin interface, host:port (6032 by default)", "proxysql")
	} else {
		v.hostPort(p.Admin, "proxysql", "admin")
	}
	if p.User == "" {
		v.add("missing user: the admin interface's user", "proxysql")
	}
	if p.Hostgroup < 0 {
		v.add(fmt.Sprintf("hostgroup %d must be 0 or more: the reader hostgroup of the replicas", p.Hostgroup), "proxysql", "hostgroup")
	}
	p.PasswordFile = v.resolveIfSet(p.PasswordFile)
}

func (v *validator) proxysqlSecret(p *ProxySQLConfig) {
	p.Password = v.loadSecret(p.PasswordFile, "PROXYSQL_ADMIN_PASSWORD", "proxysql", "password_file")
	if p.Password.Value() == "" && p.PasswordFile == "" {
		v.add("no ProxySQL admin password: set PROXYSQL_ADMIN_PASSWORD or proxysql.password_file", "proxysql")
	}
}

// hostPort checks a host:port address (no unix socket).
func (v *validator) hostPort(addr string, keys ...any) {
	if len(addr) > 5 && addr[:5] == "unix:" {
		v.add(fmt.Sprintf("%q: want host:port", addr), keys...)
		return
	}
	v.address(addr, keys...)
}

var shedFeaturePattern = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// shed checks an HAProxy instance's shed settings.
func (v *validator) shed(in HAProxyInstance, at []any) {
	switch {
	case len(in.ShedFeatures) > 0 && in.ShedMap == "":
		v.add("shed_features need shed_map: the map file the shed rule reads", append(at, "shed_features")...)
	case in.ShedMap != "" && len(in.ShedFeatures) == 0:
		v.add("shed_map needs shed_features: the optional features it may shed", append(at, "shed_map")...)
	}
	for j, f := range in.ShedFeatures {
		if !shedFeaturePattern.MatchString(f) {
			v.add(fmt.Sprintf("shed feature %q: use lower-case letters, digits, '-' or '_' (up to 32), as the first path segment or x-feature header names it", f), append(at, "shed_features", j)...)
		}
	}
	if in.ShedStatus != 0 && (in.ShedStatus < 200 || in.ShedStatus > 599) {
		v.add(fmt.Sprintf("shed_status %d is not an HTTP status 200-599 (absent: 503)", in.ShedStatus), append(at, "shed_status")...)
	}
}

// The proxysql section of the configuration.
var proxysqlSection = section{
	present:  func(c *Config) bool { return c.ProxySQL != nil },
	validate: func(v *validator, c *Config) { v.proxysql(c.ProxySQL) },
	load:     func(v *validator, c *Config) { v.proxysqlSecret(c.ProxySQL) },
	secrets:  func(c *Config) []Secret { return []Secret{c.ProxySQL.Password} },
}
