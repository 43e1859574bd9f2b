package config

import (
	"errors"
	"strings"
	"testing"
)

func TestProxySQLSectionLoadsItsPasswordFromAnOwnerOnlyFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "proxysql.pass", "adminPASSvalue\n", 0o600)
	path := write(t, dir, "c.yaml", "proxysql:\n  admin: 127.0.0.1:6032\n  user: radmin\n  password_file: proxysql.pass\n  hostgroup: 20\n  save_to_disk: true\nlimits:\n  max_replica_share: 60\n", 0o600)
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NamesNoSource() {
		t.Error("a proxysql section is a source")
	}
	o := cfg.ProxySQLOptions()
	if o.Admin != "127.0.0.1:6032" || o.User != "radmin" || o.Password != "adminPASSvalue" || o.Hostgroup != 20 || !o.SaveToDisk || cfg.Limits.MaxReplicaShare != 60 {
		t.Errorf("options %+v, limits %+v", o, cfg.Limits)
	}
	if shown := cfg.Redacted(); strings.Contains(shown, "adminPASSvalue") || !strings.Contains(shown, `password: "****** (from `) {
		t.Errorf("config show:\n%s", shown)
	}
	if got := cfg.Secrets(); len(got) != 1 || got[0] != "adminPASSvalue" {
		t.Errorf("secrets = %v", got)
	}
	write(t, dir, "proxysql.pass", "adminPASSvalue\n", 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("a password file others can read: %v", err)
	}
}

func TestProxySQLAndShedSettingsAreChecked(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PROXYSQL_ADMIN_PASSWORD", "")
	path := write(t, dir, "c.yaml", `proxysql:
  admin: unix:/run/proxysql.sock
  hostgroup: -1
haproxy:
  instances:
    - name: edge-1
      runtime: 127.0.0.1:9999
      shed_map: shed.map
    - name: edge-2
      runtime: 127.0.0.1:9998
      shed_features: [Recommendations]
      shed_status: 42
limits:
  max_replica_share: 120
`, 0o600)
	_, err := Load(path)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		`c.yaml:2:10: "unix:/run/proxysql.sock": want host:port`,
		"missing user",
		"c.yaml:3:14: hostgroup -1 must be 0 or more",
		"c.yaml:8:17: shed_map needs shed_features",
		"shed_features need shed_map",
		`c.yaml:11:23: shed feature "Recommendations"`,
		"c.yaml:12:20: shed_status 42 is not an HTTP status",
		"c.yaml:14:22: max_replica_share 120 is out of range",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
}
