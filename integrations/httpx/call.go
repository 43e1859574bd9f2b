package httpx

import (
	"context"
	"fmt"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// Caller shapes the errors of one service's SDK calls for a status line
// and the poller: prefixed with the service and the operation, free of
// secrets, a timeout still recognisable as one (errors.Is), a transport
// failure told plainly, and a rate limit as *integrations.RateLimitedError
// carrying the wait the server asked for.
type Caller struct {
	Service string
	Scrub   Scrubber
	// RateLimited reports whether err is the SDK's way of saying 429, and
	// the wait it carries (0 if it carries none; the headers then decide).
	RateLimited func(err error) (after time.Duration, limited bool)
}

// Do runs f, which makes SDK requests with the context it is given.
func (c Caller) Do(ctx context.Context, what string, f func(ctx context.Context) error) error {
	tctx, trace := WithTrace(ctx)
	err := Recover(what, func() error { return f(tctx) })
	if err == nil {
		return nil
	}
	after, limited := c.RateLimited(err)
	if limited {
		// What the SDK says about a 429 is its own trouble reading the
		// body (go-pagerduty cannot decode PagerDuty's plain-string
		// error); what happened is a rate limit, and the wait is the one
		// the service asked for.
		if after == 0 {
			after, _ = trace.RetryAfter()
		}
		return &integrations.RateLimitedError{After: after, Err: fmt.Errorf("%s: %s: rate limited by the service", c.Service, what)}
	}
	switch netErr := trace.NetErr(); {
	case ctx.Err() != nil:
		// SDKs format transport errors with %v, losing the cause.
		err = ctx.Err()
	case netErr != nil:
		err = netErr
	}
	return c.Scrub.Error(fmt.Errorf("%s: %s: %w", c.Service, what, err))
}
