package haproxy

import (
	"os"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
)

// The testdata answers were captured from HAProxy 2.6.

func TestParseServersState(t *testing.T) {
	text, err := os.ReadFile("testdata/servers-state.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseServersState(string(text))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		server string
		state  integrations.ServerState
		port   int
		weight int
	}{
		{"s1", integrations.ServerDown, 18081, 1},    // op 0, admin 0
		{"s2", integrations.ServerDrain, 18082, 1},   // admin 0x08 forced drain
		{"web1", integrations.ServerMaint, 18083, 1}, // admin 0x05 config + forced maint
		{"web2", integrations.ServerUp, 18083, 7},    // admin 0x04: configured disabled, then set ready
	}
	if len(got) != len(want) {
		t.Fatalf("got %d servers, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Backend != "be" || g.Server != w.server || g.State() != w.state || g.Port != w.port || g.Weight != w.weight || g.Addr != "127.0.0.1" {
			t.Errorf("server %d = %+v (state %s), want %+v", i, g, g.State(), w)
		}
	}
}

func TestParseServersStateRejectsGarbage(t *testing.T) {
	for name, text := range map[string]string{
		"unknown command": "Unknown command, but maybe one of the following ones is a better match:\n  show fd\n",
		"bad number":      "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_port\n3 be 1 s1 1.2.3.4 x 0 1 80\n",
		"future version":  "2\n# be_id\n",
	} {
		if _, err := parseServersState(text); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseStat(t *testing.T) {
	text := "# pxname,svname,qcur,qmax,scur,smax,slim,stot,dreq,status,weight,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,req_tot,addr,\n" +
		"fe,FRONTEND,,,3,4,100,50,7,OPEN,,0,30,0,12,5,50,,\n" +
		"be,s1,2,3,2,5,10,40,,UP,1,0,20,0,0,17,40,127.0.0.1:80,\n" +
		"be,s2,0,0,0,1,,0,,MAINT,1,,,,,,,127.0.0.1:81,\n" +
		"be,BACKEND,0,0,2,5,,43,0,UP,2,0,20,0,3,20,43,,\n" +
		"tcp,t1,0,0,1,1,,9,,UP,1,,,,,,,127.0.0.1:82,\n"
	got, err := parseStat(text)
	if err != nil {
		t.Fatal(err)
	}
	http := func(req, r2, r4, r5, denied uint64) integrations.Counters {
		return integrations.Counters{Requests: req, Responses: [5]uint64{0, r2, 0, r4, r5}, Denied: denied, HTTP: true}
	}
	want := map[string]statRow{
		"fe/FRONTEND": {Proxy: "fe", Server: "FRONTEND", Status: "OPEN", Sessions: 3, SessionLimit: 100, Counters: http(50, 30, 12, 5, 7)},
		"be/s1":       {Proxy: "be", Server: "s1", Status: "UP", Sessions: 2, SessionLimit: 10, Queue: 2, Counters: http(40, 20, 0, 17, 0)},
		"be/s2":       {Proxy: "be", Server: "s2", Status: "MAINT"},
		"be/BACKEND":  {Proxy: "be", Server: "BACKEND", Status: "UP", Sessions: 2, Counters: http(43, 20, 3, 20, 0)},
		// A TCP proxy has no HTTP counters: its sessions are its requests.
		"tcp/t1": {Proxy: "tcp", Server: "t1", Status: "UP", Sessions: 1, Counters: integrations.Counters{Requests: 9}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %+v\nwant %+v", k, got[k], w)
		}
	}
	if _, err := parseStat("# pxname,svname\nbe,s1\n"); err == nil || !strings.Contains(err.Error(), "scur") {
		t.Errorf("missing columns: err = %v", err)
	}
	if _, err := parseStat("# pxname,svname,scur,hrsp_5xx,req_tot\nbe,s1,1,2,-3\n"); err == nil || !strings.Contains(err.Error(), "req_tot") {
		t.Errorf("bad number: err = %v", err)
	}
}

func TestParseInfoStatCapturedFromHAProxy(t *testing.T) {
	text, err := os.ReadFile("testdata/show-info-stat.txt")
	if err != nil {
		t.Fatal(err)
	}
	pid, rows, err := parseInfoStat(string(text))
	if err != nil {
		t.Fatal(err)
	}
	fe, s1, be := rows["web/FRONTEND"], rows["app/s1"], rows["app/BACKEND"]
	// One request served, one denied by an http-request deny rule.
	if pid != "20850" || len(rows) != 3 ||
		fe.Counters != (integrations.Counters{Requests: 2, Responses: [5]uint64{0, 1, 0, 1, 0}, Denied: 1, HTTP: true}) ||
		s1.Counters != (integrations.Counters{Requests: 1, Responses: [5]uint64{0, 1, 0, 0, 0}, HTTP: true}) ||
		be.Counters != s1.Counters || fe.SessionLimit != 9986 || be.SessionLimit != 999 {
		t.Fatalf("pid %q rows %+v", pid, rows)
	}
	for _, bad := range []string{"Unknown command.\n", "Name: HAProxy\n\n# pxname,svname,scur,hrsp_5xx\n"} {
		if _, _, err := parseInfoStat(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseProc(t *testing.T) {
	text, err := os.ReadFile("testdata/show-proc.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseProc(string(text))
	if err != nil {
		t.Fatal(err)
	}
	want := integrations.ProcessInfo{Reloads: 3, FailedReloads: 1, CurrentPID: 5416, OldWorkers: 1}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if _, err := parseProc("Unknown command.\n"); err == nil || !strings.Contains(err.Error(), "master CLI") {
		t.Errorf("runtime socket answer: err = %v", err)
	}
}

func TestParseMap(t *testing.T) {
	got, err := parseMap("0x55a258127400 free 50\n0x55a25831f0a0 bronze 100\n\n")
	if err != nil || len(got) != 2 || got["free"] != "50" || got["bronze"] != "100" {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := parseMap("Unknown map identifier. Please use #<id> or <file>.\n"); err == nil || !strings.Contains(err.Error(), "Unknown map") {
		t.Errorf("error answer: err = %v", err)
	}
}

func TestCheckNameRefusesCommandSyntax(t *testing.T) {
	for _, bad := range []string{"", "free; shutdown sessions server be/s1", "a b", "x\nshow info", "$(id)", "a`b`", strings.Repeat("a", 129)} {
		if checkName("tier", bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, good := range []string{"free", "web-1", "be_api.v2", "edge:1"} {
		if err := checkName("tier", good); err != nil {
			t.Errorf("%q refused: %v", good, err)
		}
	}
}

func TestParseAddr(t *testing.T) {
	for addr, want := range map[string][2]string{
		"unix:/run/haproxy.sock": {"unix", "/run/haproxy.sock"},
		"/run/haproxy.sock":      {"unix", "/run/haproxy.sock"},
		"10.0.0.1:9999":          {"tcp", "10.0.0.1:9999"},
	} {
		s, err := parseAddr("e", "runtime API", addr)
		if err != nil || s.network != want[0] || s.address != want[1] {
			t.Errorf("%s: got %s %s %v", addr, s.network, s.address, err)
		}
	}
	for _, bad := range []string{"", "unix:", "nohostport"} {
		if _, err := parseAddr("e", "runtime API", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDiffNamesWhatWasLost(t *testing.T) {
	want := carried{
		throttles: map[string]int{"free": 30},
		admin:     map[string]integrations.ServerState{"be/s1": integrations.ServerDrain, "be/s2": integrations.ServerUp, "be/gone": integrations.ServerMaint},
	}
	got := carried{
		throttles: map[string]int{"bronze": 10},
		admin:     map[string]integrations.ServerState{"be/s1": integrations.ServerUp, "be/s2": integrations.ServerUp},
	}
	d := joinDiffs(diff(want, got))
	wantText := "throttle bronze 10% (was 0%), throttle free 0% (was 30%), server be/s1 UP (was DRAIN)"
	if d != wantText {
		t.Fatalf("diff = %q\nwant   %q", d, wantText)
	}
}
