// Package sourcetest helps test sources against local servers: it runs a
// source with a clean shutdown, records what it publishes (with
// integrationstest.Recorder), and injects faults in front of a test
// server's handler.
package sourcetest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

// CheckLeaks fails the test if goroutines started during it outlive it.
// Call it first: it checks after every later cleanup (servers closed,
// idle connections dropped) has run.
func CheckLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// Start runs src in a goroutine and returns a function that stops it and
// waits for Run to return (failing the test if it does not in time).
func Start(t testing.TB, src integrations.Source, pub integrations.Publisher) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := src.Run(ctx, pub); err != nil && ctx.Err() == nil {
			t.Errorf("%s: Run: %v", src.Name(), err)
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(integrationstest.WaitLimit):
				t.Errorf("%s: Run did not return within %s of cancellation", src.Name(), integrationstest.WaitLimit)
			}
		})
	}
}

// Fault replaces a server's answer; nil lets the request through.
type Fault func(w http.ResponseWriter, r *http.Request)

// Faults sits in front of a handler and applies the current fault to
// matching requests. It also timestamps every request it sees.
type Faults struct {
	next http.Handler

	mu    sync.Mutex
	path  string // the fault applies to paths containing this
	fault Fault
	hits  []Hit
}

// Hit is one request as the server saw it.
type Hit struct {
	Path    string
	At      time.Time
	Faulted bool
}

// NewFaults wraps next, healthy to begin with.
func NewFaults(next http.Handler) *Faults {
	return &Faults{next: next}
}

// Set makes fault answer the requests whose path contains path; a nil
// fault heals the server.
func (f *Faults) Set(path string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.path, f.fault = path, fault
}

// Hits returns the requests seen so far.
func (f *Faults) Hits() []Hit {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Hit(nil), f.hits...)
}

func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fault := f.fault
	if !strings.Contains(r.URL.Path, f.path) {
		fault = nil
	}
	f.hits = append(f.hits, Hit{Path: r.URL.Path, At: time.Now(), Faulted: fault != nil})
	f.mu.Unlock()
	if fault != nil {
		fault(w, r)
		return
	}
	f.next.ServeHTTP(w, r)
}

// Status answers with code and a body of the given content type.
func Status(code int, contentType, body string) Fault {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// RateLimited answers 429 with the given headers (Retry-After, ...).
func RateLimited(contentType, body string, headers map[string]string) Fault {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(body))
	}
}

// Stall answers nothing until the client gives up (or
// integrationstest.WaitLimit passes), like a server that hangs.
func Stall() Fault {
	return func(_ http.ResponseWriter, r *http.Request) {
		// Only once the body is read does the server watch the connection
		// and cancel r's context when the client hangs up.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(integrationstest.WaitLimit):
		}
	}
}

// Huge answers 200 with a JSON document of about n bytes: an object whose
// field pad holds a long string, so only a size bound can stop it.
func Huge(n int) Fault {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true,"pad":"`))
		chunk := []byte(strings.Repeat("x", 64<<10))
		for written := 0; written < n && r.Context().Err() == nil; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`"}`))
	}
}

// Client is an HTTP client for a source under test. Its idle connections
// are closed when the test ends, before the goroutine-leak check.
func Client(t testing.TB) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// FastPoll polls every 20 ms without jitter, so fault tests run quickly
// and their timing is predictable.
func FastPoll() integrations.PollConfig {
	return integrations.PollConfig{Interval: 20 * time.Millisecond, Timeout: 2 * time.Second, Jitter: func() float64 { return 1 }}
}
