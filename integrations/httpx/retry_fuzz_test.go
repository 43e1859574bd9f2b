package httpx_test

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations/httpx"
)

// FuzzRetryAfter feeds arbitrary Retry-After and Ratelimit-Reset headers,
// as a rate-limiting service or a proxy in front of it may send them: the
// wait read back is never negative, whatever the number.
func FuzzRetryAfter(f *testing.F) {
	f.Add("120", "")
	f.Add("Wed, 21 Oct 2026 07:28:00 GMT", "")
	f.Add("", "30")
	f.Add("99999999999", "")
	f.Add("-1", "9223372036854775807")
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, retryAfter, reset string) {
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
		resp.Header.Set("Retry-After", retryAfter)
		resp.Header.Set("Ratelimit-Reset", reset)
		d, ok := httpx.RetryAfter(resp, now)
		if d < 0 || !ok && d != 0 {
			t.Fatalf("RetryAfter(%q, %q) = %v, %v", retryAfter, reset, d, ok)
		}
		// A number of seconds is waited in full, or as long as a Duration
		// can say: never less by wrapping around.
		if n, err := strconv.ParseInt(strings.TrimSpace(retryAfter), 10, 64); err == nil && n >= 0 {
			if want := time.Duration(min(n, math.MaxInt64/int64(time.Second))) * time.Second; d < want {
				t.Fatalf("Retry-After %q read as %v, want at least %v", retryAfter, d, want)
			}
		}
	})
}
