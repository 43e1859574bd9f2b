package haproxy_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
)

func TestReloadUnderLoadDropsNothing(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	before, err := f.Process(ctx, "edge-1")
	if err != nil {
		t.Fatal(err)
	}
	load := haproxytest.Load{URL: "http://" + in.HTTPAddr + "/", Workers: 8, Duration: 20 * time.Second}.Start()
	defer load.Stop()
	pids := map[int]bool{before.CurrentPID: true}
	var after integrations.ProcessInfo
	for i := 1; i <= 3; i++ {
		if after, err = f.Reload(ctx, "edge-1"); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		if after.Reloads != before.Reloads+i || after.FailedReloads != 0 || pids[after.CurrentPID] {
			t.Fatalf("after reload %d: %+v (before %+v)", i, after, before)
		}
		pids[after.CurrentPID] = true
	}
	res := load.Stop()
	t.Logf("load during 3 reloads: %v", res)
	if res.Requests == 0 || res.Failed != 0 {
		t.Errorf("load during 3 reloads: %v", res)
	}
	if p, _ := f.Process(ctx, "edge-1"); p.Reloads != before.Reloads+3 {
		t.Errorf("master counts %d reloads, want %d", p.Reloads, before.Reloads+3)
	}
}

func TestReloadKeepsThrottlesAndServerStates(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	if err := f.SetThrottle(ctx, "edge-1", "free", 40); err != nil {
		t.Fatal(err)
	}
	if err := f.SetServerState(ctx, "edge-1", "app", "app-1", integrations.ServerDrain); err != nil {
		t.Fatal(err)
	}
	if err := f.SetServerState(ctx, "edge-1", "app", "app-2", integrations.ServerMaint); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Reload(ctx, "edge-1"); err != nil {
		t.Fatal(err)
	}
	assertCarried(t, f, in)
	// The state file holds what was saved just before the reload.
	if state := readFile(t, in.StateFile); !strings.Contains(state, " app-1 ") {
		t.Errorf("state file:\n%s", state)
	}
}

// assertCarried checks what TestReloadKeepsThrottlesAndServerStates set.
func assertCarried(t *testing.T, f *haproxy.Fleet, in *haproxytest.Instance) {
	t.Helper()
	ctx := ctxT(t)
	th, err := f.Throttles(ctx, "edge-1")
	if err != nil || fmt.Sprint(th) != "map[free:40]" {
		t.Errorf("throttles after reload: %v, %v", th, err)
	}
	servers, err := f.Servers(ctx, "edge-1")
	if err != nil {
		t.Fatal(err)
	}
	m := byServer(servers)
	if m["app-1"].State != integrations.ServerDrain || m["app-2"].State != integrations.ServerMaint || m["app-3"].State != integrations.ServerUp {
		t.Errorf("states after reload: app-1 %s, app-2 %s, app-3 %s", m["app-1"].State, m["app-2"].State, m["app-3"].State)
	}
}

// Without a state file and with a runtime-only map change, the reload
// itself forgets them; Reload must notice and put them back.
func TestReloadReappliesWhatHAProxyForgot(t *testing.T) {
	in, _ := startEdge(t)
	opts := in.Options()
	opts.StateFile = "" // nothing saves server states before the reload
	f, err := haproxy.New(haproxy.Options{Instances: []haproxy.InstanceOptions{opts}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for _, cmd := range []string{
		"add map " + in.ThrottleMap + " free 40", // running map only, not the file
		"set server app/app-1 state drain",
		"set server app/app-2 state maint",
	} {
		if out, err := in.Command(cmd); err != nil || strings.TrimSpace(out) != "" {
			t.Fatalf("%s: %q %v", cmd, out, err)
		}
	}
	if _, err := f.Reload(ctx, "edge-1"); err != nil {
		t.Fatal(err)
	}
	assertCarried(t, f, in)
}

func TestReloadRefusesBrokenConfig(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	before, err := f.Process(ctx, "edge-1")
	if err != nil {
		t.Fatal(err)
	}
	in.WriteConfig(in.Config() + "    no-such-keyword on\n")
	_, err = f.Reload(ctx, "edge-1")
	if err == nil || !strings.Contains(err.Error(), "not reloaded") || !strings.Contains(err.Error(), "no-such-keyword") {
		t.Fatalf("err = %v", err)
	}
	after, err := f.Process(ctx, "edge-1")
	if err != nil || after != before {
		t.Errorf("process changed: %+v → %+v (%v)", before, after, err)
	}
	if _, err := f.Servers(ctx, "edge-1"); err != nil {
		t.Errorf("old worker not serving: %v", err)
	}
}

// A configuration that passes `haproxy -c` can still fail to start (here,
// a port already taken): the master counts a failed reload and the old
// worker keeps serving.
func TestReloadReportsFailedReload(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	before, err := f.Process(ctx, "edge-1")
	if err != nil {
		t.Fatal(err)
	}
	in.WriteConfig(strings.Replace(in.Config(), "frontend web\n", "frontend web\n    bind "+taken.Addr().String()+"\n", 1))
	after, err := f.Reload(ctx, "edge-1")
	if err == nil || !strings.Contains(err.Error(), "[failed: 1]") || !strings.Contains(err.Error(), "old worker") {
		t.Fatalf("err = %v", err)
	}
	if after.CurrentPID != before.CurrentPID || after.FailedReloads != before.FailedReloads+1 {
		t.Errorf("process %+v → %+v", before, after)
	}
	if _, err := f.Servers(ctx, "edge-1"); err != nil {
		t.Errorf("old worker not serving: %v", err)
	}
}

func TestReloadIsBoundedByContext(t *testing.T) {
	_, f := startEdge(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Reload(ctx, "edge-1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled reload: err = %v", err)
	}
}

func TestUnreachableSocketIsACleanError(t *testing.T) {
	closed := haproxytest.FreePort(t)
	f, err := haproxy.New(haproxy.Options{Instances: []haproxy.InstanceOptions{
		{Name: "gone", RuntimeAddr: "unix:/nonexistent/admin.sock", MasterAddr: "unix:/nonexistent/master.sock"},
		{Name: "refused", RuntimeAddr: fmt.Sprintf("127.0.0.1:%d", closed)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	_, err = f.Servers(ctx, "gone")
	var ce *haproxy.CommandError
	if !errors.As(err, &ce) || ce.Instance != "gone" || ce.Command != "show servers state" || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing unix socket: %v", err)
	}
	if _, err := f.Process(ctx, "gone"); err == nil || !strings.Contains(err.Error(), "master CLI") {
		t.Errorf("missing master socket: %v", err)
	}
	if _, err := f.Servers(ctx, "refused"); err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("refused tcp: %v", err)
	}
	if _, err := f.Throttles(ctx, "refused"); err == nil || !strings.Contains(err.Error(), "no throttle map configured") {
		t.Errorf("throttles without a map: %v", err)
	}
	if _, err := f.Reload(ctx, "refused"); err == nil || !strings.Contains(err.Error(), "no master CLI") {
		t.Errorf("reload without master: %v", err)
	}
	if _, err := f.Probe(ctx); err == nil || !strings.Contains(err.Error(), "gone") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("probe: %v", err)
	}
}

func TestSourceDegradesAndRecovers(t *testing.T) {
	in, _ := startEdge(t)
	f, err := haproxy.New(haproxy.Options{
		Instances: []haproxy.InstanceOptions{in.Options()},
		Poll:      integrations.PollConfig{Interval: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Budget: time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := startRun(t, f)
	state := func(want integrations.SourceState) func() bool {
		return func() bool { return lastState(rec) == want }
	}
	haproxytest.WaitFor(t, 10*time.Second, "source ok", state(integrations.SourceOK))
	in.Stop()
	haproxytest.WaitFor(t, 10*time.Second, "source degraded", state(integrations.SourceDegraded))
	in.Restart()
	haproxytest.WaitFor(t, 10*time.Second, "source ok again", state(integrations.SourceOK))

	var transitions []string
	for _, r := range rec.Records("source.status") {
		transitions = append(transitions, r.Fields["from"]+"→"+r.Fields["to"])
		if r.Fields["to"] == "degraded" && !strings.Contains(r.Text, "edge-1") {
			t.Errorf("degraded record does not name the instance: %s", r.Text)
		}
	}
	if got := strings.Join(transitions, " "); got != "starting→ok ok→degraded degraded→ok" {
		t.Errorf("transitions: %s", got)
	}
}
