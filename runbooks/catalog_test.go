package runbooks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinsLoad(t *testing.T) {
	c, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rb := range c.List() {
		names = append(names, rb.Name)
		if !rb.Builtin {
			t.Errorf("%s not marked built-in", rb.Name)
		}
	}
	want := "clear-stuck-job drain-server haproxy-rolling-restart host-disk-check host-log-cleanup host-service-restart lift-throttle replica-into-rotation replica-out-of-rotation restore-optional-load restore-server scale-up shed-optional-load throttle-tier"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("built-ins = %s, want %s", got, want)
	}
}

func TestUserFolder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ok.yaml", "name: mine\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n")
	write("bad.yml", "name: broken\nsteps:\n  - action: nope\n")
	write("dup.yaml", "name: scale-up\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n")
	write("notes.txt", "ignored")
	c, err := LoadCatalog(dir)
	if err == nil {
		t.Fatal("want errors for bad.yml and dup.yaml")
	}
	msg := err.Error()
	for _, want := range []string{"bad.yml:3:13: unknown action \"nope\"", "dup.yaml:1:7: runbook scale-up is already defined by library/scale-up.yaml"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if _, err := c.Lookup("mine"); err != nil {
		t.Fatal(err)
	}
	if rb, _ := c.Lookup("scale-up"); !rb.Builtin {
		t.Fatal("user file replaced a built-in")
	}
	if _, err := c.Lookup("missing"); err == nil || !strings.Contains(err.Error(), "drain-server, haproxy-rolling-restart") {
		t.Fatalf("lookup error = %v", err)
	}
}
