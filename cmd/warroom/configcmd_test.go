package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations/proxysql/proxysqltest"
)

const testPDToken = "pdSECRETtoken42"

// runConfig runs `warroom config <args>` on a file holding body.
func runConfig(t *testing.T, body string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := configCommand(&globalFlags{ConfigPath: path})
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), strings.ReplaceAll(errOut.String(), path, "CONFIG"), err
}

// TestConfigCheckReportsPositions: every problem at once, the unknown key
// (which used to stop decoding) and the bad value after it.
func TestConfigCheckReportsPositions(t *testing.T) {
	_, stderr, err := runConfig(t, "aws:\n  groups: [web]\n  regoin: x\nlimits:\n  max_throttle_percent: 101\n", "check")
	if err == nil || !strings.HasSuffix(err.Error(), "2 problems") {
		t.Fatalf("err = %v", err)
	}
	want := "CONFIG:3:3: unknown field \"regoin\"; did you mean \"region\"?\nCONFIG:5:25: max_throttle_percent 101 is out of range 0-100\n"
	if stderr != want {
		t.Fatalf("stderr = %q, want %q", stderr, want)
	}
}

func TestConfigCheckWithoutSources(t *testing.T) {
	out, _, err := runConfig(t, "incident: {title: test}\n", "check")
	if err != nil || !strings.Contains(out, "names no source, so warroom opens the drill world") {
		t.Fatalf("out = %q, err = %v", out, err)
	}
}

func TestConfigCheckProbesEachSource(t *testing.T) {
	t.Setenv("PAGERDUTY_TOKEN", testPDToken)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "awsSECRETkey")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	pd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Token token="+testPDToken || r.URL.Path != "/incidents" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"message":"bad token %s","code":2006}}`, testPDToken)
			return
		}
		fmt.Fprint(w, `{"incidents":[{"id":"P1","status":"triggered","title":"web down"}],"limit":100,"offset":0,"more":false}`)
	}))
	defer pd.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	body := fmt.Sprintf(`pagerduty:
  service_ids: [P1]
  from_email: oncall@example.com
  api_url: %s
aws:
  region: us-east-1
  groups: [web]
  endpoint: http://%s
haproxy:
  instances:
    - name: edge-1
      runtime: %s
`, pd.URL, refused, refused)
	out, _, err := runConfig(t, body, "check", "--timeout", "20s") // the AWS SDK retries a refused connection for a few seconds
	if err == nil || err.Error() != "2 of 3 sources failed" {
		t.Fatalf("err = %v\n%s", err, out)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			rows[f[0]] = line
		}
	}
	if r := rows["pagerduty"]; !strings.Contains(r, " ok ") || !strings.Contains(r, "1 open incident") {
		t.Errorf("pagerduty row = %q", r)
	}
	for _, src := range []string{"aws", "haproxy"} {
		if r := rows[src]; !strings.Contains(r, " error ") || !strings.Contains(r, "refused") {
			t.Errorf("%s row = %q", src, r)
		}
	}
	if strings.Contains(out, testPDToken) || strings.Contains(out, "awsSECRETkey") {
		t.Fatalf("a secret reached the output:\n%s", out)
	}
}

func TestConfigShowMasksSecrets(t *testing.T) {
	t.Setenv("PAGERDUTY_TOKEN", testPDToken)
	out, _, err := runConfig(t, "pagerduty:\n  service_ids: [P1]\n  from_email: oncall@example.com\n", "show")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, testPDToken) || !strings.Contains(out, `token: "****** (from $PAGERDUTY_TOKEN)"`) {
		t.Fatalf("show:\n%s", out)
	}
	if !strings.Contains(out, "poll_interval: 30s") {
		t.Fatalf("defaults not shown:\n%s", out)
	}
}

// TestConfigCheckJSONHoldsEveryProblem: with --format json the problems
// are in the document, standard output holds nothing else, and the check
// still fails.
func TestConfigCheckJSONHoldsEveryProblem(t *testing.T) {
	stdout, _, err := runConfig(t, "aws:\n  groups: web\nlimits:\n  max_throttle_percent: 101\n", "check", "--format", "json")
	if err == nil {
		t.Fatal("a configuration with problems passed")
	}
	var doc checkJSON
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, stdout)
	}
	if !doc.Exists || doc.Valid || len(doc.Problems) != 3 || doc.Problems[1].Line != 2 || doc.Problems[1].Column != 11 ||
		doc.Problems[1].Message != `groups must be a list of strings, got "web"` {
		t.Errorf("report %+v", doc)
	}
}

func TestConfigCheckProbesProxySQLAdmin(t *testing.T) {
	srv := proxysqltest.Start(t,
		proxysqltest.Replica{Hostgroup: 20, Host: "db-1", Port: 3306},
		proxysqltest.Replica{Hostgroup: 20, Host: "db-2", Port: 3306, Status: "OFFLINE_SOFT"})
	t.Setenv("PROXYSQL_ADMIN_PASSWORD", srv.Password)
	body := fmt.Sprintf("proxysql:\n  admin: %s\n  user: %s\n  hostgroup: 20\n", srv.Addr, srv.User)
	out, _, err := runConfig(t, body, "check")
	if err != nil {
		t.Fatalf("err = %v\n%s", err, out)
	}
	if !strings.Contains(out, "hostgroup 20: 2 replicas, 1 ONLINE") || strings.Contains(out, srv.Password) {
		t.Errorf("check:\n%s", out)
	}
}
