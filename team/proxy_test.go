package team

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// cutProxy forwards loopback connections to a server until cut, which
// first stops passing the server's answers (publishes still reach the
// server, their acknowledgements are lost) and then drops every
// connection.
type cutProxy struct {
	l      net.Listener
	target string
	mute   atomic.Bool // the server's answers are dropped

	mu    sync.Mutex
	conns []net.Conn
	open  bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{l: l, target: target, open: true}
	go p.serve()
	t.Cleanup(func() { l.Close(); p.cut() })
	return p
}

func (p *cutProxy) url() string { return "nats://" + p.l.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if !p.open {
			p.mu.Unlock()
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { p.answers(c, s); c.Close() }()
	}
}

// answers copies the server's bytes to the client unless muted.
func (p *cutProxy) answers(c, s net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 && !p.mute.Load() {
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *cutProxy) cut() {
	p.mute.Store(true)
	time.Sleep(30 * time.Millisecond) // publishes in flight reach the server; their acknowledgements do not come back
	p.mu.Lock()
	defer p.mu.Unlock()
	p.open = false
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) restore() {
	p.mute.Store(false)
	p.mu.Lock()
	p.open = true
	p.mu.Unlock()
}

// Cuts in the middle of appends leave some with an unknown outcome: they
// may be on the server with their acknowledgement lost. Each is then
// published again, and must land once, even though the server's own
// duplicate window (made tiny here) has passed.
func TestConnectionCutMidAppendLosesNothingAndDuplicatesNothing(t *testing.T) {
	ts := startTestServer(t, nil)
	admin := dial(t, Options{URL: ts.url()})
	if _, err := admin.js.CreateStream(context.Background(), jetstream.StreamConfig{
		Name: TimelineStream, Subjects: []string{timelineSubject + ">"}, Duplicates: 100 * time.Millisecond, AllowDirect: true,
	}); err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, ts.opts.Listen)
	w := openTimeline(t, dial(t, Options{URL: proxy.url()}), t.TempDir(), "INC-1", TimelineOptions{AppendTimeout: 300 * time.Millisecond})
	other := openTimeline(t, admin, t.TempDir(), "INC-1", TimelineOptions{})

	var want []string
	var queued int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 150 {
			text := fmt.Sprint("note ", i)
			want = append(want, text)
			var q *QueuedError
			if _, err := w.Append(note(text)); errors.As(err, &q) {
				queued++
			} else if err != nil {
				t.Errorf("append %q: %v", text, err)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	for range 4 {
		time.Sleep(60 * time.Millisecond)
		proxy.cut()
		time.Sleep(150 * time.Millisecond) // past the server's duplicate window
		proxy.restore()
	}
	<-done
	eventually(t, 15*time.Second, "the writer publishes its queue", func() bool { return w.Status().Queued == 0 })
	all, err := other.ReadAll(context.Background())
	if err != nil {
		t.Fatalf("the timeline does not verify: %v", err)
	}
	t.Logf("%d appends queued by the cuts", queued)
	if queued == 0 {
		t.Error("no append was caught by a cut: the test proves nothing")
	}
	checkOnce(t, all, want)
	eventually(t, 5*time.Second, "the other responder sees every entry", func() bool { return len(other.Entries()) == len(want) })
}
