package haproxy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
)

func TestConfigReaderFindsIdleCloseOnResponse(t *testing.T) {
	cases := []struct {
		name, text string
		missing    []string // HTTP frontends without the option
	}{
		{"in defaults", "defaults\n  mode http\n  option idle-close-on-response\nfrontend web\n  bind :80\n", nil},
		{"in the frontend", "defaults\n  mode http\nfrontend web\n  option idle-close-on-response\nfrontend api\n  bind :81\n", []string{"api"}},
		{"absent", "global\n  maxconn 10\ndefaults\n  mode http\nfrontend web\n  bind :80\n", []string{"web"}},
		{"cancelled in the frontend", "defaults\n  mode http\n  option idle-close-on-response\nfrontend web\n  no option idle-close-on-response\n", []string{"web"}},
		{"commented out", "defaults\n  mode http\n  # option idle-close-on-response\nfrontend web\n", []string{"web"}},
		{"a later defaults starts afresh", "defaults\n  mode http\n  option idle-close-on-response\nfrontend a\ndefaults\n  mode http\nfrontend b\n", []string{"b"}},
		{"named defaults with from", "defaults keep\n  mode http\n  option idle-close-on-response\ndefaults\n  mode http\nfrontend web from keep\nlisten api\n  bind :81\n", []string{"api"}},
		{"tcp mode does not need it", "defaults\n  mode tcp\nfrontend nlb\n  bind :80\n", nil},
		{"the option in a backend does not count", "defaults\n  mode http\nfrontend web\nbackend app\n  option idle-close-on-response\n", []string{"web"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cf := haproxy.ParseConfig("x.cfg", []byte(tc.text))
			var got []string
			for _, f := range cf.WithoutIdleClose() {
				got = append(got, f.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.missing, ",") {
				t.Errorf("frontends without the option = %v, want %v (parsed %+v)", got, tc.missing, cf.Frontends)
			}
		})
	}
}

// FuzzParseConfig: any file, however broken, is read without a crash.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("defaults\n  mode http\n  option idle-close-on-response\nfrontend web from x\n  bind \"a b\"\\\n"))
	f.Add([]byte("frontend\nlisten 'x\nno\nno option\ndefaults from\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cf := haproxy.ParseConfig("fuzz.cfg", data)
		for _, fr := range cf.Frontends {
			if fr.Line < 1 {
				t.Fatalf("frontend %q at line %d", fr.Name, fr.Line)
			}
		}
	})
}

func levels(fs []integrations.Finding) map[integrations.FindingLevel][]string {
	m := map[integrations.FindingLevel][]string{}
	for _, f := range fs {
		m[f.Level] = append(m[f.Level], f.Text)
	}
	return m
}

func hasFinding(fs []integrations.Finding, level integrations.FindingLevel, parts ...string) bool {
	for _, f := range fs {
		if f.Level != level {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && strings.Contains(f.Text, p)
		}
		if all {
			return true
		}
	}
	return false
}

// TestCheckConfigOnRealHAProxy: the configuration is read and validated
// with the real haproxy binary; what cannot be checked from here is a
// warning that says what went unchecked; a broken file or a backend the
// instance does not have is a failure.
func TestCheckConfigOnRealHAProxy(t *testing.T) {
	in, _ := startEdge(t)
	ctx := ctxT(t)
	check := func(o haproxy.InstanceOptions, binary string) []integrations.Finding {
		t.Helper()
		f, err := haproxy.New(haproxy.Options{Instances: []haproxy.InstanceOptions{o}, Binary: binary})
		if err != nil {
			t.Fatal(err)
		}
		return f.CheckConfig(ctx, o.Name)
	}

	got := check(in.Options(), "")
	if !hasFinding(got, integrations.FindingOK, "edge-1: configuration valid", "-c -f "+in.ConfigPath) ||
		!hasFinding(got, integrations.FindingWarn, "option idle-close-on-response is not set for frontend web", "the old worker close idle keep-alive connections",
			"races a client's next request", "add `option idle-close-on-response` to the defaults section") {
		t.Errorf("without the option: %v", levels(got))
	}

	in.WriteConfig(strings.Replace(in.Config(), "defaults\n", "defaults\n    option idle-close-on-response\n", 1))
	if got := check(in.Options(), ""); !hasFinding(got, integrations.FindingOK, "option idle-close-on-response is set") || len(levels(got)[integrations.FindingWarn]) > 0 {
		t.Errorf("with the option: %v", levels(got))
	}

	if got := check(in.Options(), "/nonexistent/haproxy"); !hasFinding(got, integrations.FindingWarn, "configuration not validated", `"/nonexistent/haproxy" cannot be run from here`) ||
		len(levels(got)[integrations.FindingFail]) > 0 {
		t.Errorf("without the binary: %v", levels(got))
	}

	gone := in.Options()
	gone.ConfigPath = filepath.Join(t.TempDir(), "elsewhere.cfg")
	if got := check(gone, ""); !hasFinding(got, integrations.FindingWarn, "cannot read "+gone.ConfigPath+" from here", "`haproxy -c` and option idle-close-on-response not checked") {
		t.Errorf("unreadable file: %v", levels(got))
	}

	listed := in.Options()
	listed.Backends = []string{"app", "web9"}
	if got := check(listed, ""); !hasFinding(got, integrations.FindingFail, "edge-1 has no backend web9 (backends with servers: app)") {
		t.Errorf("unknown backend: %v", levels(got))
	}

	if err := os.WriteFile(in.ConfigPath, []byte(in.Config()+"\nbackend broken\n    sever x 127.0.0.1:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := check(in.Options(), ""); !hasFinding(got, integrations.FindingFail, "edge-1: configuration check", "failed", "sever") {
		t.Errorf("broken file: %v", levels(got))
	}
}
