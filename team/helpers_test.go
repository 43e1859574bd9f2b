package team

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// testServer is a team server on loopback with its data in a temporary
// directory; it can be stopped and started again on the same port.
type testServer struct {
	t    testing.TB
	opts ServerOptions
	ns   *server.Server
}

func startTestServer(t testing.TB, auth *Auth) *testServer {
	t.Helper()
	ts := &testServer{t: t, opts: ServerOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Auth: auth}}
	ts.start()
	// Restarts reuse the port the first start picked.
	ts.opts.Listen = ts.ns.Addr().String()
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) start() {
	ts.t.Helper()
	ns, err := StartServer(ts.opts)
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.ns = ns
}

func (ts *testServer) stop() {
	if ts.ns != nil {
		ts.ns.Shutdown()
		ts.ns.WaitForShutdown()
		ts.ns = nil
	}
}

func (ts *testServer) url() string { return "nats://" + ts.opts.Listen }

func dial(t testing.TB, o Options) *Client {
	t.Helper()
	c, err := Dial(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func openTimeline(t testing.TB, c *Client, stateDir, incident string, o TimelineOptions) *Timeline {
	t.Helper()
	o.StateDir = stateDir
	tl, err := c.OpenTimeline(incident, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tl.Close() })
	return tl
}

// eventually polls cond every 10 ms for up to d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// freePort is a loopback port nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
