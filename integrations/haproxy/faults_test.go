package haproxy_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
)

// brokenSocket is a Unix socket that misbehaves the way a wedged or
// foreign process might: it reads the command, then answer(conn, stop)
// decides what the client gets; stop closes when the test ends.
func brokenSocket(t *testing.T, answer func(conn net.Conn, stop <-chan struct{})) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hxf-")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "admin.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				_, _ = io.Copy(io.Discard, conn) // the client half-closes after its command
				answer(conn, stop)
			})
		}
	})
	t.Cleanup(func() { close(stop); l.Close(); wg.Wait(); os.RemoveAll(dir) })
	return "unix:" + path
}

// hang answers nothing until the test ends.
func hang(_ net.Conn, stop <-chan struct{}) { <-stop }

func fleetAt(t *testing.T, addr string) *haproxy.Fleet {
	t.Helper()
	f, err := haproxy.New(haproxy.Options{Instances: []haproxy.InstanceOptions{{Name: "odd", RuntimeAddr: addr}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSlowAnswerIsCutAtTheDeadline(t *testing.T) {
	f := fleetAt(t, brokenSocket(t, hang))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := f.Servers(ctx, "odd")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "odd") {
		t.Errorf("err = %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := f.Servers(ctx, "odd"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestMalformedAndHugeAnswersAreErrors(t *testing.T) {
	for name, c := range map[string]struct {
		answer string
		want   string
	}{
		"garbage":      {"\x00\x01 not haproxy\n", "unsupported format"},
		"bad fields":   {"1\n# be_name srv_name srv_op_state srv_admin_state srv_uweight srv_port\nbe s1 up 0 1 80\n", `srv_op_state: "up" is not a number`},
		"huge":         {strings.Repeat("x", 9<<20), "answer larger than"},
		"closed early": {"", "no header"},
	} {
		t.Run(name, func(t *testing.T) {
			f := fleetAt(t, brokenSocket(t, func(conn net.Conn, _ <-chan struct{}) { _, _ = io.WriteString(conn, c.answer) }))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := f.Servers(ctx, "odd")
			var ce *haproxy.CommandError
			if !errors.As(err, &ce) || ce.Instance != "odd" || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to name the instance and %q", err, c.want)
			}
		})
	}
}

// One wedged instance must not hide the others: they are read at the same
// time, published, and the refresh fails naming the wedged one.
func TestWedgedInstanceDoesNotStarveTheOthers(t *testing.T) {
	in, _ := startEdge(t)
	wedged := brokenSocket(t, hang)
	f, err := haproxy.New(haproxy.Options{
		Instances: []haproxy.InstanceOptions{{Name: "wedged", RuntimeAddr: wedged}, in.Options()},
		Poll:      integrations.PollConfig{Interval: 100 * time.Millisecond, Timeout: 300 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := startRun(t, f)
	var status integrations.SourceStatus
	var snap integrations.BackendsSnapshot
	deadline := time.Now().Add(10 * time.Second)
	for status.State != integrations.SourceDown || len(snap.Backends) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("status %+v, snapshot %+v", status, snap)
		}
		time.Sleep(20 * time.Millisecond)
		for _, e := range rec.Events() {
			switch e := e.(type) {
			case integrations.StatusChanged:
				status = e.Status
			case integrations.BackendsSnapshot:
				snap = e
			}
		}
	}
	if !strings.Contains(status.LastError, "wedged") || !strings.Contains(status.LastError, "timed out") {
		t.Errorf("last error %q should say the wedged instance timed out", status.LastError)
	}
	for _, b := range snap.Backends {
		if b.Instance != "edge-1" {
			t.Errorf("published a server of %s", b.Instance)
		}
	}
	if len(snap.Backends) != 5 {
		t.Errorf("published %d servers of edge-1, want 5", len(snap.Backends))
	}
}
