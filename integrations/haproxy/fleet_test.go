package haproxy_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

// startEdge starts one HAProxy in front of three Go backends, plus two
// empty server-template slots, and a Fleet for it.
func startEdge(t *testing.T) (*haproxytest.Instance, *haproxy.Fleet) {
	t.Helper()
	var servers []string
	for i := 1; i <= 3; i++ {
		servers = append(servers, fmt.Sprintf("app-%d %s", i, haproxytest.StartBackend(t, fmt.Sprintf("app-%d", i))))
	}
	in := haproxytest.Start(t, haproxytest.Config{
		Name:         "edge-1",
		Servers:      servers,
		BackendExtra: []string{"server-template slot 1-2 localhost:1 disabled init-addr last,libc,none"},
	})
	f, err := haproxy.New(haproxy.Options{Instances: []haproxy.InstanceOptions{in.Options()}})
	if err != nil {
		t.Fatal(err)
	}
	return in, f
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func byServer(backends []integrations.Backend) map[string]integrations.Backend {
	m := map[string]integrations.Backend{}
	for _, b := range backends {
		m[b.Server] = b
	}
	return m
}

func TestServersReadsRealHAProxy(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	got, err := f.Servers(ctx, "edge-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d servers, want 5: %+v", len(got), got)
	}
	m := byServer(got)
	for i := 1; i <= 3; i++ {
		b := m[fmt.Sprintf("app-%d", i)]
		if b.Instance != "edge-1" || b.Backend != "app" || b.State != integrations.ServerUp || b.Weight != 1 || b.Address != "127.0.0.1" || b.Port == 0 {
			t.Errorf("app-%d = %+v", i, b)
		}
	}
	for _, s := range []string{"slot1", "slot2"} {
		if m[s].State != integrations.ServerMaint {
			t.Errorf("%s = %+v, want MAINT (a free slot)", s, m[s])
		}
	}

	// 5xx answers from the backends are counted per server.
	for range 6 {
		resp, err := http.Get("http://" + in.HTTPAddr + "/?status=503")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	got, err = f.Servers(ctx, "edge-1")
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	for _, b := range got {
		total += b.Total5xx
	}
	if total != 6 {
		t.Errorf("total 5xx = %d, want 6", total)
	}

	summary, err := f.Probe(ctx)
	if err != nil || summary != "1 instances, 5 servers" {
		t.Errorf("Probe = %q, %v", summary, err)
	}
	if _, err := f.Servers(ctx, "edge-9"); err == nil || !strings.Contains(err.Error(), `unknown instance "edge-9"`) {
		t.Errorf("unknown instance: err = %v", err)
	}
}

func TestWatchedBackendsOnly(t *testing.T) {
	in, _ := startEdge(t)
	opts := in.Options()
	opts.Backends = []string{"other"}
	f, err := haproxy.New(haproxy.Options{Instances: []haproxy.InstanceOptions{opts}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Servers(ctxT(t), "edge-1")
	if err != nil || len(got) != 0 {
		t.Fatalf("servers of unwatched backend: %+v, %v", got, err)
	}
}

// lastState is the source state of the most recent StatusChanged.
func lastState(rec *integrationstest.Recorder) integrations.SourceState {
	s, _ := integrationstest.Last[integrations.StatusChanged](rec)
	return s.Status.State
}

// startRun runs the fleet as a source until the test ends.
func startRun(t *testing.T, f *haproxy.Fleet) *integrationstest.Recorder {
	rec := &integrationstest.Recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = f.Run(ctx, rec) }()
	t.Cleanup(func() { cancel(); <-done })
	return rec
}

func TestRunPublishesBackendsWithRatesAndProcess(t *testing.T) {
	in, _ := startEdge(t)
	f, err := haproxy.New(haproxy.Options{
		Instances: []haproxy.InstanceOptions{in.Options()},
		Poll:      integrations.PollConfig{Interval: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetThrottle(context.Background(), "edge-1", "free", 25); err != nil {
		t.Fatal(err)
	}
	// Keep 5xx flowing so consecutive samples see the counter move.
	load := haproxytest.Load{URL: "http://" + in.HTTPAddr + "/?status=500", Workers: 2, Duration: 20 * time.Second}.Start()
	defer load.Stop()
	rec := startRun(t, f)

	var snap integrations.BackendsSnapshot
	haproxytest.WaitFor(t, 15*time.Second, "a snapshot with a 5xx rate", func() bool {
		for _, e := range rec.Events() {
			if s, ok := e.(integrations.BackendsSnapshot); ok {
				for _, b := range s.Backends {
					if b.Rate5xx > 0 {
						snap = s
						return true
					}
				}
			}
		}
		return false
	})
	if snap.Source != "haproxy" || len(snap.Backends) != 5 {
		t.Errorf("snapshot = %+v", snap)
	}
	if want := []integrations.Throttle{{Instance: "edge-1", Tier: "free", Percent: 25}}; !reflect.DeepEqual(snap.Throttles, want) {
		t.Errorf("throttles = %+v, want %+v", snap.Throttles, want)
	}
	p, ok := snap.Processes["edge-1"]
	if !ok || p.CurrentPID == 0 {
		t.Errorf("process info = %+v, %v", snap.Processes, ok)
	}
	if lastState(rec) != integrations.SourceOK {
		t.Errorf("state = %s, want ok", lastState(rec))
	}
	// Each refresh's measurements follow its snapshot as samples.
	series := map[string]float64{}
	for _, e := range rec.Events() {
		if s, ok := e.(integrations.SamplesTaken); ok {
			for _, x := range s.Samples {
				series[x.Target+" "+x.Metric] = x.Value
			}
		}
	}
	if series["edge-1/tier:free throttle_pct"] != 25 || series["edge-1/app/app-1 error_ratio"] != 1 ||
		series["edge-1/app http_5xx_per_s"] <= 0 || series["edge-1/fe:web req_per_s"] <= 0 {
		t.Errorf("samples published: %v", series)
	}
}

func TestSetServerState(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	for _, st := range []integrations.ServerState{integrations.ServerDrain, integrations.ServerMaint, integrations.ServerUp} {
		if err := f.SetServerState(ctx, "edge-1", "app", "app-2", st); err != nil {
			t.Fatal(err)
		}
		got, err := f.Servers(ctx, "edge-1")
		if err != nil {
			t.Fatal(err)
		}
		if s := byServer(got)["app-2"].State; s != st {
			t.Errorf("after setting %s: state %s", st, s)
		}
	}

	err := f.SetServerState(ctx, "edge-1", "app", "nosuch", integrations.ServerDrain)
	if err == nil || !haproxy.IsRefused(err) || !strings.Contains(err.Error(), "No such server") ||
		!strings.Contains(err.Error(), "edge-1") || !strings.Contains(err.Error(), "set server app/nosuch state drain") {
		t.Errorf("unknown server: err = %v", err)
	}
	if err := f.SetServerState(ctx, "edge-1", "app", "app-1", integrations.ServerDown); err == nil {
		t.Error("setting DOWN accepted")
	}

	// A name carrying a second command is refused before anything is sent.
	err = f.SetServerState(ctx, "edge-1", "app", "app-1 state maint; set server app/app-3", integrations.ServerDrain)
	if err == nil || !strings.Contains(err.Error(), "invalid server") {
		t.Errorf("injected name: err = %v", err)
	}
	state, _ := in.Command("show servers state app")
	for _, line := range strings.Split(state, "\n")[2:] {
		if f := strings.Fields(line); len(f) > 6 && strings.HasPrefix(f[3], "app-") && f[6] != "0" {
			t.Errorf("a server's admin state changed: %s", line)
		}
	}
}

func TestThrottleSetReadAndFile(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	if err := f.SetThrottle(ctx, "edge-1", "free", 30); err != nil {
		t.Fatal(err)
	}
	if err := f.SetThrottle(ctx, "edge-1", "Bronze", 10); err != nil {
		t.Fatal(err)
	}
	if err := f.SetThrottle(ctx, "edge-1", "free", 50); err != nil { // update in place
		t.Fatal(err)
	}
	got, err := f.Throttles(ctx, "edge-1")
	if err != nil || fmt.Sprint(got) != "map[bronze:10 free:50]" {
		t.Fatalf("Throttles = %v, %v", got, err)
	}
	if file := readFile(t, in.ThrottleMap); !strings.Contains(file, "bronze 10\nfree 50\n") {
		t.Errorf("map file:\n%s", file)
	}
	if err := f.SetThrottle(ctx, "edge-1", "bronze", 0); err != nil {
		t.Fatal(err)
	}
	got, _ = f.Throttles(ctx, "edge-1")
	if fmt.Sprint(got) != "map[free:50]" {
		t.Errorf("after lifting bronze: %v", got)
	}
	if file := readFile(t, in.ThrottleMap); strings.Contains(file, "bronze") {
		t.Errorf("map file still has bronze:\n%s", file)
	}
	for _, bad := range []struct {
		tier string
		pct  int
	}{{"free", 101}, {"free", -1}, {"free 1\nshow info", 5}} {
		if err := f.SetThrottle(ctx, "edge-1", bad.tier, bad.pct); err == nil {
			t.Errorf("SetThrottle(%q, %d) accepted", bad.tier, bad.pct)
		}
	}
}

func TestThrottleIsAllOrNothingWhenTheFileCannotBeWritten(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	if err := f.SetThrottle(ctx, "edge-1", "free", 20); err != nil {
		t.Fatal(err)
	}
	// HAProxy read the map file at start; a non-empty directory in its
	// place makes the rename fail, even for root.
	if err := os.Remove(in.ThrottleMap); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(in.ThrottleMap+"/blocker", 0o700); err != nil {
		t.Fatal(err)
	}
	err := f.SetThrottle(ctx, "edge-1", "free", 70)
	if err == nil || !strings.Contains(err.Error(), "not changed") {
		t.Fatalf("err = %v", err)
	}
	if got, _ := f.Throttles(ctx, "edge-1"); got["free"] != 20 {
		t.Errorf("running map = %v, want free back at 20", got)
	}
}

func TestThrottleRejectsAboutHalfOfFreeAndNoPremium(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	url := "http://" + in.HTTPAddr + "/"
	tier := func(name string, n int) haproxytest.Result {
		return haproxytest.Load{URL: url, Workers: 4, Requests: n, Duration: 30 * time.Second,
			Header: http.Header{"X-Tier": {name}}}.Run()
	}
	if err := f.SetThrottle(ctx, "edge-1", "free", 50); err != nil {
		t.Fatal(err)
	}
	// The throttle must act the same from the map file after a reload.
	if _, err := f.Reload(ctx, "edge-1"); err != nil {
		t.Fatal(err)
	}
	free := tier("free", 400)
	// 400 draws at p=0.5: standard deviation 10, so 130–270 is ±7σ.
	if free.Requests != 400 || free.Statuses[429] < 130 || free.Statuses[429] > 270 || free.Statuses[429]+free.Statuses[200] != 400 {
		t.Errorf("free at 50%%: %v", free)
	}
	if premium := tier("premium", 200); premium.Failed != 0 || premium.Statuses[200] != 200 {
		t.Errorf("premium: %v", premium)
	}
	if err := f.SetThrottle(ctx, "edge-1", "free", 0); err != nil {
		t.Fatal(err)
	}
	if free := tier("free", 200); free.Failed != 0 || free.Statuses[200] != 200 {
		t.Errorf("free after lifting: %v", free)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConcurrentThrottleChangesAllLand(t *testing.T) {
	in, f := startEdge(t)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 1; i <= 8; i++ {
		wg.Go(func() { errs <- f.SetThrottle(ctx, "edge-1", fmt.Sprintf("tier%d", i), i*5) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.Throttles(ctx, "edge-1")
	if err != nil || len(got) != 8 || got["tier8"] != 40 {
		t.Errorf("running map: %v, %v", got, err)
	}
	file := readFile(t, in.ThrottleMap)
	for i := 1; i <= 8; i++ {
		if !strings.Contains(file, fmt.Sprintf("tier%d %d\n", i, i*5)) {
			t.Errorf("map file lacks tier%d:\n%s", i, file)
		}
	}
}

func TestNewValidatesOptions(t *testing.T) {
	ok := haproxy.InstanceOptions{Name: "edge-1", RuntimeAddr: "unix:/run/a.sock"}
	for name, c := range map[string]struct {
		opts haproxy.Options
		want string
	}{
		"none":          {haproxy.Options{}, "no instances"},
		"unnamed":       {haproxy.Options{Instances: []haproxy.InstanceOptions{{RuntimeAddr: "unix:/a"}}}, "no name"},
		"twice":         {haproxy.Options{Instances: []haproxy.InstanceOptions{ok, ok}}, "configured twice"},
		"bad address":   {haproxy.Options{Instances: []haproxy.InstanceOptions{{Name: "e", RuntimeAddr: "edge"}}}, "unix:/path or host:port"},
		"bad master":    {haproxy.Options{Instances: []haproxy.InstanceOptions{{Name: "e", RuntimeAddr: "unix:/a", MasterAddr: "x"}}}, "master CLI"},
		"bad backend":   {haproxy.Options{Instances: []haproxy.InstanceOptions{{Name: "e", RuntimeAddr: "unix:/a", Backends: []string{"a b"}}}}, "invalid backend"},
		"unknown front": {haproxy.Options{Instances: []haproxy.InstanceOptions{{Name: "e", RuntimeAddr: "unix:/a", Upstream: &integrations.UpstreamRef{Instance: "front"}}}}, `upstream instance "front"`},
	} {
		if _, err := haproxy.New(c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}
