package aws

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx"
)

// classify turns an SDK error into a short line that says what was being
// done and what the service answered, with the credentials scrubbed, and
// turns throttling answers into *integrations.RateLimitedError so the
// poller slows down. errors.Is still sees timeouts and cancellation.
func (s *Source) classify(doing string, err error) error {
	wrapped := s.scrubber().Error(&sdkError{msg: "aws: " + doing + ": " + describe(err), err: err})
	if !isThrottle(err) {
		return wrapped
	}
	return &integrations.RateLimitedError{After: retryAfter(err), Err: wrapped}
}

// sdkError carries a readable message over the SDK's error chain.
type sdkError struct {
	msg string
	err error
}

func (e *sdkError) Error() string { return e.msg }
func (e *sdkError) Unwrap() error { return e.err }

// describe keeps what matters of an SDK error: the HTTP status and the
// service's code and message, not the SDK's preamble of operation names,
// attempt counts and request ids, which would crowd the reason off a
// status line.
func describe(err error) string {
	var (
		api       smithy.APIError
		re        *smithyhttp.ResponseError
		malformed *httpx.MalformedError
	)
	if errors.As(err, &malformed) {
		return malformed.Error()
	}
	status := ""
	if errors.As(err, &re) && re.Response != nil {
		status = fmt.Sprintf("HTTP %d ", re.HTTPStatusCode())
	}
	switch {
	case errors.As(err, &api):
		return status + api.ErrorCode() + ": " + api.ErrorMessage()
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case re != nil && re.Err != nil:
		return status + re.Err.Error()
	}
	// Connection errors: the innermost cause is the readable part.
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// isThrottle recognises the throttling error codes the SDK's own retryer
// knows (Throttling, RequestLimitExceeded, ...) and HTTP 429.
func isThrottle(err error) bool {
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == awssdk.TrueTernary {
		return true
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusTooManyRequests
}

// retryAfter reads a Retry-After header (seconds or an HTTP date) from
// the failed response; zero lets the poller's own backoff decide.
func retryAfter(err error) time.Duration {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil {
		return 0
	}
	h := re.Response.Header.Get("Retry-After")
	if secs, err := strconv.Atoi(h); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(h); err == nil {
		return max(time.Until(at), 0)
	}
	return 0
}

// maxResponseBytes bounds every response body: a page of 1000 instances
// is a few megabytes, anything far larger is a broken server or proxy.
const maxResponseBytes = 32 << 20

var errBodyTooLarge = fmt.Errorf("response body larger than %d bytes", maxResponseBytes)

// guardedClient wraps the SDK's HTTP client for three reasons:
//
//   - It stops reading a response body past maxResponseBytes, so a runaway
//     server cannot exhaust memory.
//   - It refuses a successful answer whose body is not the document the
//     operation answers with (see checkBody): the SDK's decoders take an
//     empty body, plain text or JSON in place of XML for an empty result,
//     and an empty fleet read that way would look like every group gone.
//   - It gives the transport a request body of its own. smithy-go closes
//     its request body as soon as Do returns, and its closed body answers
//     WriteTo with io.EOF; net/http may still be making its final "no
//     extra bytes" read of that body, takes the EOF as a write error and
//     closes the connection under the response being read ("use of closed
//     network connection", seen here on responses of tens of kilobytes).
//     Request bodies are small forms and JSON documents, so a copy is cheap.
type guardedClient struct{ next awssdk.HTTPClient }

func (c guardedClient) Do(r *http.Request) (*http.Response, error) {
	var data []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if data, err = io.ReadAll(r.Body); err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(data))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		r.ContentLength = int64(len(data))
	}
	resp, err := c.next.Do(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &boundedBody{rc: resp.Body, left: maxResponseBytes}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, nil // the SDK reads the service's error document
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		err = checkBody(r, data, body)
	}
	if err != nil {
		return nil, &httpx.MalformedError{Status: resp.StatusCode, Reason: err}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// checkBody accepts a successful answer only if it is the document the
// request's operation answers with: for the Query protocols (Auto Scaling,
// EC2) well-formed XML whose root is <ActionResponse>, for JSON 1.1 (SSM)
// a JSON object.
func checkBody(r *http.Request, request, body []byte) error {
	if r.Header.Get("X-Amz-Target") != "" {
		_, err := httpx.JSONObject(body)
		return err
	}
	form, err := url.ParseQuery(string(request))
	if err != nil || form.Get("Action") == "" {
		return nil // not an operation this adapter sends
	}
	want := form.Get("Action") + "Response"
	dec := xml.NewDecoder(bytes.NewReader(body))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not XML: %w", err)
		}
		if el, ok := tok.(xml.StartElement); ok && root == "" {
			root = el.Name.Local
		}
	}
	switch root {
	case want:
		return nil
	case "":
		return fmt.Errorf("no <%s> document", want)
	}
	return fmt.Errorf("<%s> where <%s> was expected", root, want)
}

type boundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, errBodyTooLarge
	}
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }
