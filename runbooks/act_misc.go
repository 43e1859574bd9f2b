package runbooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

func init() {
	register(&Action{
		Name:    "slack.post",
		Summary: "post a message to the incident channel",
		Effect:  Writes,
		Args: []ArgSpec{
			{Name: "text", Kind: ArgString, Required: true},
			{Name: "thread", Kind: ArgString, Doc: "parent message id, to reply in a thread"},
		},
		Timeout: 30 * time.Second,
		Requires: func(a integrations.Actions) error {
			if a.Chat == nil {
				return errors.New("no chat is configured (slack section of the config)")
			}
			return nil
		},
		Plan: func(_ context.Context, c Call) (StepPlan, error) {
			return StepPlan{Lines: []string{fmt.Sprintf("post to the incident channel: %q", c.Args.String("text"))}}, nil
		},
		Execute: func(ctx context.Context, c Call) (Result, error) {
			m, err := c.Actions.Chat.Post(ctx, c.Args.String("text"), c.Args.String("thread"))
			if err != nil {
				return Result{}, err
			}
			c.Changed(ledger.Change{Kind: ledger.Message, To: "posted to the incident channel"})
			return Result{Summary: "posted", Fields: map[string]string{"message": m.ID}}, nil
		},
	})
	register(&Action{
		Name:    "pagerduty.note",
		Summary: "add a note to an alert",
		Effect:  Writes,
		Args: []ArgSpec{
			{Name: "alert", Kind: ArgString, Required: true, Pattern: instancePattern},
			{Name: "note", Kind: ArgString, Required: true},
		},
		Timeout: 30 * time.Second,
		Requires: func(a integrations.Actions) error {
			if a.Alerts == nil {
				return errors.New("no alerting is configured (pagerduty section of the config)")
			}
			return nil
		},
		Plan: func(_ context.Context, c Call) (StepPlan, error) {
			return StepPlan{Lines: []string{fmt.Sprintf("note on alert %s: %q", c.Args.String("alert"), c.Args.String("note"))}}, nil
		},
		Execute: func(ctx context.Context, c Call) (Result, error) {
			if err := c.Actions.Alerts.AddNote(ctx, c.Args.String("alert"), c.Args.String("note")); err != nil {
				return Result{}, err
			}
			c.Changed(ledger.Change{Kind: ledger.Message, To: "note added to alert " + c.Args.String("alert")})
			return Result{Summary: "note added to " + c.Args.String("alert")}, nil
		},
	})
	register(&Action{
		Name:    "http.check",
		Summary: "GET a URL and expect a status (and optionally a text in the body)",
		Effect:  Reads,
		Args: []ArgSpec{
			{Name: "url", Kind: ArgString, Required: true},
			{Name: "status", Kind: ArgInt, Default: 200, Min: 100, Max: 599},
			{Name: "contains", Kind: ArgString},
		},
		Timeout: 15 * time.Second,
		Plan: func(_ context.Context, c Call) (StepPlan, error) {
			if _, err := checkURL(c.Args.String("url")); err != nil {
				return StepPlan{}, err
			}
			line := fmt.Sprintf("GET %s, expect %d", c.Args.String("url"), c.Args.Int("status"))
			if s := c.Args.String("contains"); s != "" {
				line += fmt.Sprintf(" and %q in the body", s)
			}
			return StepPlan{Lines: []string{line}}, nil
		},
		Execute: executeHTTPCheck,
	})
	register(&Action{
		Name:    "wait",
		Summary: "wait for a while (let a change settle)",
		Effect:  Reads,
		Args:    []ArgSpec{{Name: "duration", Kind: ArgDuration, Required: true}},
		Timeout: time.Hour,
		Plan: func(_ context.Context, c Call) (StepPlan, error) {
			return StepPlan{Lines: []string{"wait " + c.Args.Duration("duration").String()}}, nil
		},
		Execute: func(ctx context.Context, c Call) (Result, error) {
			if !integrations.Sleep(ctx, c.Args.Duration("duration")) {
				return Result{}, context.Cause(ctx)
			}
			return Result{Summary: "waited " + c.Args.Duration("duration").String()}, nil
		},
	})
}

func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want an absolute http or https URL", raw)
	}
	return u, nil
}

func executeHTTPCheck(ctx context.Context, c Call) (Result, error) {
	u, err := checkURL(c.Args.String("url"))
	if err != nil {
		return Result{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Result{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.Limits.MaxOutput)+1))
	if err != nil {
		return Result{}, fmt.Errorf("read body of %s: %w", u.Redacted(), err)
	}
	res := Result{Output: bounded(string(body), c.Limits.MaxOutput), Fields: map[string]string{"status": fmt.Sprint(resp.StatusCode)}}
	if want := c.Args.Int("status"); resp.StatusCode != want {
		return res, fmt.Errorf("GET %s answered %d, want %d", u.Redacted(), resp.StatusCode, want)
	}
	if s := c.Args.String("contains"); s != "" && !strings.Contains(string(body), s) {
		return res, fmt.Errorf("GET %s answered %d without %q in the body", u.Redacted(), resp.StatusCode, s)
	}
	res.Summary = fmt.Sprintf("GET %s answered %d", u.Redacted(), resp.StatusCode)
	return res, nil
}
