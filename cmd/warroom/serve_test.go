package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/team"
	"github.com/warroomhq/warroom/timeline"
)

// lockedBuffer collects a command's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runServe starts `warroom serve` with args on a free loopback port and
// returns its team URL and output; the server stops with the test.
func runServe(t *testing.T, args ...string) (string, *lockedBuffer) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	out := &lockedBuffer{}
	cmd := rootCommand()
	cmd.SetArgs(append([]string{"serve", "--listen", addr, "--data", t.TempDir()}, args...))
	cmd.SetOut(out)
	cmd.SetErr(out)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if !strings.Contains(out.String(), "team server stopped") {
			t.Errorf("serve did not say it stopped:\n%s", out)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Team URL: ") {
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "nats://" + addr, out
}

func TestServeWithoutAuthSaysItAcceptsAnyClient(t *testing.T) {
	url, out := runServe(t)
	for _, want := range []string{"Team URL: " + url, "accepts ANY client", "loopback only"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve's banner lacks %q:\n%s", want, out)
		}
	}
	c, err := team.Dial(team.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tl, err := c.OpenTimeline("INC-1", team.TimelineOptions{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	if _, err := tl.Append(timeline.Entry{Record: integrations.Record{Source: "test", Kind: integrations.KindNote, Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
}

func TestServeWithAuthRefusesAnObserversWrite(t *testing.T) {
	auth := filepath.Join(t.TempDir(), "team-auth.yaml")
	os.WriteFile(auth, []byte("users:\n  - user: alice\n    password: alice-secret-1\n    role: responder\n"+
		"  - user: olga\n    password: olga-secret-1\n    role: observer\n"), 0o600)
	url, out := runServe(t, "--auth", auth)
	banner := out.String()
	if !strings.Contains(banner, "responders (read and write) alice; observers (read only) olga") || strings.Contains(banner, "accepts ANY") {
		t.Errorf("serve's banner with --auth:\n%s", banner)
	}
	if strings.Contains(banner, "secret") {
		t.Errorf("serve printed a password:\n%s", banner)
	}
	open := func(user, pass string) *team.Timeline {
		c, err := team.Dial(team.Options{URL: url, User: user, Password: pass})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		tl, err := c.OpenTimeline("INC-1", team.TimelineOptions{StateDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tl.Close() })
		return tl
	}
	alice := open("alice", "alice-secret-1")
	if _, err := alice.Append(timeline.Entry{Record: integrations.Record{Source: "test", Kind: integrations.KindNote, Text: "from alice"}}); err != nil {
		t.Fatal(err)
	}
	olga := open("olga", "olga-secret-1")
	var refused *team.RefusedError
	if _, err := olga.Append(timeline.Entry{Record: integrations.Record{Source: "test", Kind: integrations.KindNote, Text: "from olga"}}); !errors.As(err, &refused) {
		t.Errorf("the observer's append: %v, want the server's refusal", err)
	}
	if got := olga.Entries(); len(got) != 1 || got[0].Text != "from alice" {
		t.Errorf("the observer reads %+v", got)
	}
}

func TestServeRefusesAnAuthFileOthersCanRead(t *testing.T) {
	auth := filepath.Join(t.TempDir(), "team-auth.yaml")
	os.WriteFile(auth, []byte("users:\n  - user: alice\n    password: alice-secret-1\n    role: responder\n"), 0o644)
	cmd := rootCommand()
	cmd.SetArgs([]string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--auth", auth})
	cmd.SetOut(&lockedBuffer{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("serve with a world-readable auth file: %v", err)
	}
}
