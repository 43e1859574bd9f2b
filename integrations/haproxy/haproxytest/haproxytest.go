// Package haproxytest starts real HAProxy processes and small Go HTTP
// backends on 127.0.0.1 for tests, and drives bounded HTTP load through
// them. Every process it starts is stopped by the test's cleanup.
package haproxytest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
)

// Binary returns the haproxy executable, failing the test (not skipping
// it) when HAProxy is not installed.
func Binary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("haproxy")
	if err != nil {
		t.Fatalf("haproxy is not installed (these tests run real HAProxy processes): install it, e.g. `apt-get install haproxy`: %v", err)
	}
	return path
}

// StartBackend starts a Go HTTP server on 127.0.0.1 answering 200 with
// name, or the status given as ?status=N. It returns host:port.
func StartBackend(t testing.TB, name string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := r.URL.Query().Get("status"); s != "" {
			if code, err := strconv.Atoi(s); err == nil && code >= 200 && code <= 599 {
				w.WriteHeader(code)
			}
		}
		fmt.Fprintln(w, name)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// StartFlakyBackend starts a Go HTTP server on 127.0.0.1 that answers 500
// to failPerTen of every ten requests and 200 to the rest, naming itself
// in an X-Server header (count by it with Load.CountBy). It returns
// host:port.
func StartFlakyBackend(t testing.TB, name string, failPerTen int64) string {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Server", name)
		if n.Add(1)%10 < failPerTen {
			w.WriteHeader(http.StatusInternalServerError)
		}
		fmt.Fprintln(w, name)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Config describes one test HAProxy: an HTTP frontend with the throttle
// snippet in front of one backend.
type Config struct {
	Name    string
	Backend string   // backend name; default "app"
	Servers []string // server lines after "server ", e.g. "web1 127.0.0.1:8080 check"
	// BackendExtra holds more backend lines (server-template, options).
	BackendExtra []string
	// DefaultsExtra holds more lines for the defaults section.
	DefaultsExtra []string
	// TCP makes the instance balance TCP connections (mode tcp, no
	// throttle), as a cloud network load balancer in front does.
	TCP bool
	// ShedFeatures puts the shed rule in the frontend (with an empty shed
	// map) and configures these optional features; ShedStatus is what the
	// rule answers (503 when 0).
	ShedFeatures []string
	ShedStatus   int
}

// Instance is one running HAProxy master with its files.
type Instance struct {
	Name        string
	Dir         string
	ConfigPath  string
	RuntimeSock string
	MasterSock  string
	ThrottleMap string
	StateFile   string
	LogPath     string
	// ShedMap is the shed map's path, "" unless Config.ShedFeatures is set.
	ShedMap      string
	ShedFeatures []string
	ShedStatus   int
	// HTTPAddr is the frontend's host:port.
	HTTPAddr string

	t   testing.TB
	cmd *exec.Cmd
	// exited is closed when the master process has been reaped.
	exited chan struct{}
}

// Start writes the configuration into a fresh temporary directory and
// starts `haproxy -W -S master.sock -f haproxy.cfg`, returning once the
// Runtime API answers.
func Start(t testing.TB, cfg Config) *Instance {
	t.Helper()
	Binary(t)
	// Unix socket paths are limited to 108 bytes; t.TempDir can be longer.
	dir, err := os.MkdirTemp("", "hx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	in := &Instance{
		Name:        cfg.Name,
		Dir:         dir,
		ConfigPath:  filepath.Join(dir, "haproxy.cfg"),
		RuntimeSock: filepath.Join(dir, "admin.sock"),
		MasterSock:  filepath.Join(dir, "master.sock"),
		ThrottleMap: filepath.Join(dir, "throttle.map"),
		StateFile:   filepath.Join(dir, "server-state"),
		LogPath:     filepath.Join(dir, "haproxy.log"),
		HTTPAddr:    fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		t:           t,
	}
	if err := os.WriteFile(in.ThrottleMap, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(cfg.ShedFeatures) > 0 && !cfg.TCP {
		in.ShedMap, in.ShedFeatures, in.ShedStatus = filepath.Join(dir, "shed.map"), cfg.ShedFeatures, cfg.ShedStatus
		if err := os.WriteFile(in.ShedMap, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in.WriteConfig(in.render(cfg))
	in.start()
	t.Cleanup(in.Stop)
	return in
}

func (in *Instance) render(cfg Config) string {
	backend := cfg.Backend
	if backend == "" {
		backend = "app"
	}
	mode, throttle := "http", haproxy.ThrottleConfig(in.ThrottleMap)
	if cfg.TCP {
		mode, throttle = "tcp", ""
	}
	if in.ShedMap != "" {
		throttle = haproxy.ShedConfig(in.ShedMap, in.ShedStatus) + throttle
	}
	var defaults strings.Builder
	for _, l := range cfg.DefaultsExtra {
		fmt.Fprintf(&defaults, "    %s\n", l)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `global
    stats socket %s mode 600 level admin expose-fd listeners
    server-state-file %s
    hard-stop-after 15s

defaults
    mode %s
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    timeout http-keep-alive 2s
    load-server-state-from-file global
%s
frontend web
    bind %s
%s    default_backend %s

backend %s
`, in.RuntimeSock, in.StateFile, mode, defaults.String(), in.HTTPAddr, throttle, backend, backend)
	for _, l := range cfg.BackendExtra {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	for _, s := range cfg.Servers {
		fmt.Fprintf(&b, "    server %s\n", s)
	}
	return b.String()
}

// WriteConfig replaces the configuration file (a reload reads it).
func (in *Instance) WriteConfig(text string) {
	in.t.Helper()
	if err := os.WriteFile(in.ConfigPath, []byte(text), 0o644); err != nil {
		in.t.Fatal(err)
	}
}

// Config returns the current configuration text.
func (in *Instance) Config() string {
	in.t.Helper()
	b, err := os.ReadFile(in.ConfigPath)
	if err != nil {
		in.t.Fatal(err)
	}
	return string(b)
}

func (in *Instance) start() {
	in.t.Helper()
	logf, err := os.OpenFile(in.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		in.t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(Binary(in.t), "-W", "-S", in.MasterSock, "-f", in.ConfigPath)
	cmd.Dir = in.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		in.t.Fatalf("starting haproxy %s: %v", in.Name, err)
	}
	in.cmd = cmd
	in.exited = make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(in.exited)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if in.answers("show info") && in.answersMaster() {
			return
		}
		select {
		case <-in.exited:
			in.t.Fatalf("haproxy %s exited at start:\n%s", in.Name, in.Log())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			in.Stop()
			in.t.Fatalf("haproxy %s did not answer on %s within 10s:\n%s", in.Name, in.RuntimeSock, in.Log())
		}
	}
}

func (in *Instance) answers(cmd string) bool {
	out, err := in.Command(cmd)
	return err == nil && out != ""
}

func (in *Instance) answersMaster() bool {
	out, err := sockCommand(in.MasterSock, "show proc")
	return err == nil && strings.Contains(out, "worker")
}

// Command sends one Runtime API command and returns the answer; tests
// use it to look at HAProxy independently of the package under test.
func (in *Instance) Command(cmd string) (string, error) {
	return sockCommand(in.RuntimeSock, cmd)
}

func sockCommand(path, cmd string) (string, error) {
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(cmd + "\n")); err != nil {
		return "", err
	}
	// The master CLI answers and closes once it sees the end of input.
	if err := conn.(*net.UnixConn).CloseWrite(); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(conn)
	return buf.String(), err
}

// Log returns what HAProxy printed so far.
func (in *Instance) Log() string {
	b, _ := os.ReadFile(in.LogPath)
	return string(b)
}

// Stop terminates the master (which stops its workers) and waits for it.
// Stopping a stopped instance does nothing.
func (in *Instance) Stop() {
	if in.cmd == nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(10 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.exited
	}
	in.cmd = nil
	// A killed master leaves its sockets behind; remove them so the
	// instance is plainly unreachable until Restart.
	os.Remove(in.RuntimeSock)
	os.Remove(in.MasterSock)
}

// Restart starts a stopped instance again with the same files.
func (in *Instance) Restart() {
	in.t.Helper()
	if in.cmd != nil {
		in.t.Fatalf("haproxy %s is running", in.Name)
	}
	in.start()
}

// Options returns the instance's options for haproxy.New.
func (in *Instance) Options() haproxy.InstanceOptions {
	return haproxy.InstanceOptions{
		Name:         in.Name,
		RuntimeAddr:  "unix:" + in.RuntimeSock,
		MasterAddr:   "unix:" + in.MasterSock,
		ConfigPath:   in.ConfigPath,
		ThrottleMap:  in.ThrottleMap,
		StateFile:    in.StateFile,
		ShedMap:      in.ShedMap,
		ShedFeatures: in.ShedFeatures,
		ShedStatus:   in.ShedStatus,
	}
}

// Topology is a front HAProxy balancing across edge HAProxy instances,
// each of which balances across the same Go backends.
type Topology struct {
	Front *Instance
	Edges []*Instance
	// FrontBackend is the front's backend holding one server per edge,
	// named like the edge.
	FrontBackend string
	Backends     []string // host:port of the Go backends
}

// StartTopology starts backends Go servers, edges edge HAProxy instances
// (edge-1, edge-2, …) and an HTTP front in front of them that retries.
func StartTopology(t testing.TB, edges, backends int) *Topology {
	t.Helper()
	return StartTopologyWith(t, TopologyOptions{Edges: edges, Backends: backends})
}

// TopologyOptions shape a Topology.
type TopologyOptions struct {
	Edges, Backends int
	// TCPFront makes the front balance TCP connections with no retries,
	// like a cloud network load balancer: a client's keep-alive
	// connection stays on one edge until a side closes it.
	TCPFront bool
	// EdgeDefaults are more lines for the edges' defaults section.
	EdgeDefaults []string
}

// StartTopologyWith starts a topology shaped by o.
func StartTopologyWith(t testing.TB, o TopologyOptions) *Topology {
	t.Helper()
	edges, backends := o.Edges, o.Backends
	tp := &Topology{FrontBackend: "edges"}
	var appServers []string
	for i := 1; i <= backends; i++ {
		addr := StartBackend(t, fmt.Sprintf("app-%d", i))
		tp.Backends = append(tp.Backends, addr)
		appServers = append(appServers, fmt.Sprintf("app-%d %s check inter 500ms", i, addr))
	}
	var edgeServers []string
	for i := 1; i <= edges; i++ {
		e := Start(t, Config{Name: fmt.Sprintf("edge-%d", i), Servers: appServers, DefaultsExtra: o.EdgeDefaults})
		tp.Edges = append(tp.Edges, e)
		// Checks let the front route around an edge that stops answering.
		edgeServers = append(edgeServers, fmt.Sprintf("%s %s check inter 500ms", e.Name, e.HTTPAddr))
	}
	front := Config{
		Name:         "front",
		Backend:      tp.FrontBackend,
		Servers:      edgeServers,
		BackendExtra: []string{"option httpchk GET /", "retries 3", "option redispatch"},
	}
	if o.TCPFront {
		front.TCP, front.BackendExtra = true, []string{"retries 0"}
	}
	tp.Front = Start(t, front)
	return tp
}

// FleetOptions lists the edges, each with the front's server for it as
// its upstream, followed by the front itself.
func (tp *Topology) FleetOptions() haproxy.Options {
	var opts haproxy.Options
	for _, e := range tp.Edges {
		o := e.Options()
		o.Upstream = &integrations.UpstreamRef{Instance: tp.Front.Name, Backend: tp.FrontBackend, Server: e.Name}
		opts.Instances = append(opts.Instances, o)
	}
	opts.Instances = append(opts.Instances, tp.Front.Options())
	return opts
}

// WaitFor polls cond every 20ms until it holds or timeout passes, then
// fails the test with what.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
