package haproxytest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Load is a bounded HTTP load: Workers goroutines send requests to URL
// one after the other, each on its own keep-alive connection, until
// Duration has passed or Requests have been sent (whichever comes first),
// or Stop is called.
type Load struct {
	URL      string
	Workers  int
	Duration time.Duration // required: load always ends on its own
	Requests int           // 0: no count limit
	Header   http.Header
	// CountBy names a response header (for example one saying which
	// backend answered) to count statuses by, in Result.By.
	CountBy string
	// Method is GET unless set. A POST with Body is never retried by the
	// client on a reused connection that turns out closed, so each such
	// race counts as a failure.
	Method string
	Body   []byte
}

// Result counts what the load saw. A failure is a transport error or a
// status outside 2xx.
type Result struct {
	Requests int
	Failed   int
	Statuses map[int]int // by HTTP status
	Errors   []string    // the first few failures, for the test's message
	// By counts statuses by the value of Load.CountBy's header.
	By map[string]map[int]int
}

func (r Result) String() string {
	return fmt.Sprintf("%d requests, %d failed, statuses %v, first errors %q", r.Requests, r.Failed, r.Statuses, r.Errors)
}

// Running is a load in progress.
type Running struct {
	cancel context.CancelFunc
	done   chan struct{}
	result Result
}

const maxRecordedErrors = 5

// Start begins the load in the background.
func (l Load) Start() *Running {
	if l.Workers <= 0 {
		l.Workers = 1
	}
	if l.Duration <= 0 {
		panic("haproxytest: Load needs a Duration")
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.Duration)
	run := &Running{cancel: cancel, done: make(chan struct{}), result: Result{Statuses: map[int]int{}, By: map[string]map[int]int{}}}
	transport := &http.Transport{MaxIdleConnsPerHost: l.Workers, IdleConnTimeout: time.Second}
	client := &http.Client{Transport: transport, Timeout: 5 * time.Second}
	var (
		mu   sync.Mutex
		sent int
		wg   sync.WaitGroup
	)
	// take reserves one request within the count limit.
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil || (l.Requests > 0 && sent >= l.Requests) {
			return false
		}
		sent++
		return true
	}
	record := func(status int, by string, err error) {
		mu.Lock()
		defer mu.Unlock()
		r := &run.result
		r.Requests++
		if err == nil {
			r.Statuses[status]++
			if l.CountBy != "" {
				if r.By[by] == nil {
					r.By[by] = map[int]int{}
				}
				r.By[by][status]++
			}
		}
		if err != nil || status < 200 || status > 299 {
			r.Failed++
			if len(r.Errors) < maxRecordedErrors {
				if err != nil {
					r.Errors = append(r.Errors, err.Error())
				} else {
					r.Errors = append(r.Errors, fmt.Sprintf("HTTP %d", status))
				}
			}
		}
	}
	for range l.Workers {
		wg.Go(func() {
			for take() {
				status, by, err := l.once(ctx, client)
				if ctx.Err() != nil && err != nil {
					return // cut by the end of the load, not a failure
				}
				record(status, by, err)
			}
		})
	}
	go func() {
		wg.Wait()
		transport.CloseIdleConnections()
		cancel()
		close(run.done)
	}()
	return run
}

func (l Load) once(ctx context.Context, client *http.Client) (status int, by string, err error) {
	method, body := l.Method, io.Reader(nil)
	if method == "" {
		method = http.MethodGet
	}
	if l.Body != nil {
		body = bytes.NewReader(l.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.URL, body)
	if err != nil {
		return 0, "", err
	}
	for k, v := range l.Header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if l.CountBy != "" {
		by = resp.Header.Get(l.CountBy)
	}
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)); err != nil {
		return resp.StatusCode, by, err
	}
	return resp.StatusCode, by, nil
}

// Wait blocks until the load has ended on its own and returns the result.
func (r *Running) Wait() Result {
	<-r.done
	return r.result
}

// Stop ends the load now and returns the result.
func (r *Running) Stop() Result {
	r.cancel()
	return r.Wait()
}

// Run sends the load and waits for it to end.
func (l Load) Run() Result { return l.Start().Wait() }
