package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx"
	"github.com/warroomhq/warroom/integrations/httpx/sourcetest"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		code    int
		headers map[string]string
		want    time.Duration
		ok      bool
	}{
		{"seconds", 429, map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{"http date", 429, map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, true},
		{"date in the past", 503, map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0, true},
		{"ratelimit-reset", 429, map[string]string{"Ratelimit-Reset": "12"}, 12 * time.Second, true},
		{"Retry-After wins", 429, map[string]string{"Retry-After": "2", "Ratelimit-Reset": "12"}, 2 * time.Second, true},
		{"garbage falls back", 429, map[string]string{"Retry-After": "soon", "Ratelimit-Reset": "5"}, 5 * time.Second, true},
		{"no header", 429, nil, 0, false},
		{"not a rate limit", 200, map[string]string{"Retry-After": "3"}, 0, false},
	} {
		resp := &http.Response{StatusCode: c.code, Header: http.Header{}}
		for k, v := range c.headers {
			resp.Header.Set(k, v)
		}
		got, ok := httpx.RetryAfter(resp, now)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: RetryAfter = %s, %v; want %s, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestClientBoundsBodies(t *testing.T) {
	sourcetest.CheckLeaks(t)
	const limit = 1000
	size := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", size)))
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := httpx.Client(&http.Client{Transport: tr}, limit)

	for _, c := range []struct {
		size    int
		tooLong bool
	}{{0, false}, {limit, false}, {limit + 1, true}, {100 * limit, true}} {
		size = c.size
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if c.tooLong {
			if !errors.Is(err, httpx.ErrBodyTooLarge) || len(body) > limit {
				t.Errorf("%d bytes: read %d, err %v; want at most %d and ErrBodyTooLarge", c.size, len(body), err, limit)
			}
		} else if err != nil || len(body) != c.size {
			t.Errorf("%d bytes: read %d, err %v", c.size, len(body), err)
		}
	}
}

func TestScrubber(t *testing.T) {
	s := httpx.NewScrubber("s3cret", "", "xapp-1")
	if got := s.String("a s3cret and xapp-1 and s3cret"); got != "a [redacted] and [redacted] and [redacted]" {
		t.Errorf("String = %q", got)
	}
	if s.String("nothing") != "nothing" || s.Error(nil) != nil {
		t.Error("scrubbing changed clean input")
	}
	inner := fmt.Errorf("call with s3cret: %w", context.DeadlineExceeded)
	err := s.Error(inner)
	if strings.Contains(err.Error(), "s3cret") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Error = %v (Is deadline: %v)", err, errors.Is(err, context.DeadlineExceeded))
	}
	if errors.Unwrap(err) != nil {
		t.Error("a scrubbed error must not unwrap to its raw text")
	}
	r := s.Record(integrations.Record{Actor: "s3cret", Text: "x s3cret", Fields: map[string]string{"k": "s3cret"}})
	if r.Actor != "[redacted]" || r.Text != "x [redacted]" || r.Fields["k"] != "[redacted]" {
		t.Errorf("Record = %+v", r)
	}
}

func TestCallerShapesErrors(t *testing.T) {
	sourcetest.CheckLeaks(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Ratelimit-Reset", "4")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := httpx.Client(&http.Client{Transport: tr}, httpx.DefaultMaxBody)
	errSDK429 := errors.New("HTTP 429 for tok3n")
	caller := httpx.Caller{Service: "svc", Scrub: httpx.NewScrubber("tok3n"),
		RateLimited: func(err error) (time.Duration, bool) { return 0, errors.Is(err, errSDK429) }}
	get := func(ctx context.Context) error {
		resp, err := client.Do(must(http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)))
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		return errSDK429
	}

	err := caller.Do(context.Background(), "list", get)
	var rl *integrations.RateLimitedError
	if !errors.As(err, &rl) || rl.After != 4*time.Second || strings.Contains(err.Error(), "tok3n") || !strings.Contains(err.Error(), "svc: list: ") {
		t.Errorf("rate limited call: %v", err)
	}

	err = caller.Do(context.Background(), "panic", func(context.Context) error { panic("bad shape") })
	if err == nil || !strings.Contains(err.Error(), "malformed response: bad shape") {
		t.Errorf("panicking call: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := caller.Do(ctx, "late", get); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call: %v, want context.Canceled", err)
	}

	srv.Close()
	err = caller.Do(context.Background(), "refused", get)
	if err == nil || !strings.Contains(err.Error(), "svc: refused: dial tcp") || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("refused call: %v, want the dial error without the URL", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
