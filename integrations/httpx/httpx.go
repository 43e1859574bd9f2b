// Package httpx is the HTTP plumbing shared by the adapters that talk to web
// APIs through an SDK: response bodies bounded in size, the rate-limit hints
// an SDK drops on the floor, and errors scrubbed of secrets.
package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMaxBody bounds a response body unless the caller chooses otherwise.
const DefaultMaxBody = 8 << 20

// ErrBodyTooLarge is returned by a read past a response's bound.
var ErrBodyTooLarge = errors.New("response body too large")

// Client returns a copy of base (a fresh client when nil) whose transport
// bounds every response body to maxBody bytes and records rate-limit hints
// (see WithTrace). The copy shares base's connection pool.
func Client(base *http.Client, maxBody int64) *http.Client {
	return CheckedClient(base, maxBody, nil)
}

// CheckedClient is Client whose transport also holds every successful
// answer to check before the SDK sees it. SDKs decode an empty object, or
// null, into an empty result without complaint, and an empty result reads
// as "nothing open" or "nothing new"; check says whether body is really
// the answer to req. A refused answer fails the request with a
// *MalformedError, also recorded in the trace so Caller reports it.
func CheckedClient(base *http.Client, maxBody int64, check func(req *http.Request, body []byte) error) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = &transport{base: rt, maxBody: maxBody, check: check}
	return c
}

type transport struct {
	base    http.RoundTripper
	maxBody int64
	check   func(req *http.Request, body []byte) error
}

// MalformedError is a successful status whose body is not the answer.
type MalformedError struct {
	Status int
	Reason error
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("HTTP %d with a body that does not parse: %v", e.Status, e.Reason)
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	tr, _ := req.Context().Value(traceKey{}).(*Trace)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		if tr != nil {
			tr.failed(err)
		}
		return nil, err
	}
	if d, ok := RetryAfter(resp, time.Now()); ok && tr != nil {
		tr.retryAfter(d)
	}
	resp.Body = &boundedBody{rc: resp.Body, left: t.maxBody, limit: t.maxBody}
	if t.check == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		if reason := t.check(req, body); reason != nil {
			err = &MalformedError{Status: resp.StatusCode, Reason: reason}
		}
	}
	if err != nil {
		if tr != nil {
			tr.failed(err)
		}
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// JSONObject reads body as a JSON object, for a check: it fails on an
// empty body and on anything but an object; null reads as an object with
// nothing in it.
func JSONObject(body []byte) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("empty body")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if obj == nil {
		obj = map[string]json.RawMessage{}
	}
	return obj, nil
}

// boundedBody fails a read once more than limit bytes have come through,
// rather than truncating silently: a cut JSON document must not parse.
type boundedBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("%w (over %d bytes)", ErrBodyTooLarge, b.limit)
	}
	// Read one byte more than allowed so an exactly-full body still ends
	// with io.EOF and an oversized one is detected.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), fmt.Errorf("%w (over %d bytes)", ErrBodyTooLarge, b.limit)
	}
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }

// RetryAfter reads how long a 429 or 503 response asks the client to wait:
// Retry-After (seconds or an HTTP date) or, failing that, the
// ratelimit-reset header (seconds) some APIs send instead.
func RetryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			return seconds(secs), true
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(at.Sub(now), 0), true
		}
	}
	if v := strings.TrimSpace(resp.Header.Get("Ratelimit-Reset")); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			return seconds(secs), true
		}
	}
	return 0, false
}

// seconds is secs as a Duration; a number too large for one (a server's
// mistake) is the longest Duration rather than an overflow into the past.
func seconds(secs int) time.Duration {
	if int64(secs) > math.MaxInt64/int64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(secs) * time.Second
}

// Trace collects what the transport saw during the requests made with a
// context from WithTrace: the longest wait a server asked for, and the last
// transport failure. It exists because SDKs flatten both: go-pagerduty
// turns a 429 into an error without its headers, and formats a refused
// connection into a message led by the full request URL.
type Trace struct {
	mu     sync.Mutex
	after  time.Duration
	asked  bool
	netErr error
}

type traceKey struct{}

// WithTrace returns a context whose requests, when sent through a Client
// transport, are recorded in the returned trace.
func WithTrace(ctx context.Context) (context.Context, *Trace) {
	tr := &Trace{}
	return context.WithValue(ctx, traceKey{}, tr), tr
}

func (tr *Trace) retryAfter(d time.Duration) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if !tr.asked || d > tr.after {
		tr.after, tr.asked = d, true
	}
}

func (tr *Trace) failed(err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.netErr = err
}

// RetryAfter reports the wait asked for, if any response asked for one.
func (tr *Trace) RetryAfter() (time.Duration, bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.after, tr.asked
}

// NetErr is the last transport failure (refused, reset, timed out), if any.
func (tr *Trace) NetErr() error {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.netErr
}
