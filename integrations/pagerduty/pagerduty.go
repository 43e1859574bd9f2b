// Package pagerduty turns the PagerDuty incidents of the configured services
// into alerts and timeline records, and acknowledges, resolves and annotates
// them. It uses the official go-pagerduty client.
//
// It needs a REST API key (Integrations → API Access Keys, or a user's
// API token). A read-only key is enough to follow incidents; acknowledge,
// resolve and notes need a full-access key and FromEmail set to the email
// of a PagerDuty user, which PagerDuty records as the actor.
package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx"
)

// Name is the source's name on the badge and in records.
const Name = integrations.SourcePagerDuty

// DefaultAPIURL is PagerDuty's public REST API.
const DefaultAPIURL = "https://api.pagerduty.com"

// Options configure a Source.
type Options struct {
	Token      string // REST API key (account or user token)
	APIURL     string // override; default DefaultAPIURL
	ServiceIDs []string
	TeamIDs    []string
	FromEmail  string // a PagerDuty user's email; required by acknowledge, resolve and notes
	Poll       integrations.PollConfig
	HTTPClient *http.Client
}

// Source polls PagerDuty and acts on its incidents. Its methods may be
// called concurrently; each Run keeps its own view of the incidents.
type Source struct {
	client *pd.Client
	opts   Options
	scrub  httpx.Scrubber
	caller httpx.Caller
}

var (
	_ integrations.Source     = (*Source)(nil)
	_ integrations.AlertActor = (*Source)(nil)
)

// New checks opts and builds a Source; it makes no request.
func New(opts Options) (*Source, error) {
	if opts.Token == "" {
		return nil, errors.New("pagerduty: no API token configured (set PAGERDUTY_TOKEN)")
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	u, err := url.Parse(opts.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("pagerduty: api url %q is not an http(s) URL", opts.APIURL)
	}
	opts.Poll.Source = Name
	client := pd.NewClient(opts.Token, pd.WithAPIEndpoint(strings.TrimSuffix(opts.APIURL, "/")))
	client.HTTPClient = httpx.CheckedClient(opts.HTTPClient, httpx.DefaultMaxBody, checkAnswer)
	scrub := httpx.NewScrubber(opts.Token)
	return &Source{
		client: client,
		opts:   opts,
		scrub:  scrub,
		caller: httpx.Caller{Service: Name, Scrub: scrub, RateLimited: rateLimited},
	}, nil
}

// Name implements integrations.Source.
func (s *Source) Name() string { return Name }

// Run polls until ctx ends, publishing an AlertsSnapshot after every
// successful refresh and a Record for every change it sees.
func (s *Source) Run(ctx context.Context, pub integrations.Publisher) error {
	t := newTracker()
	integrations.Poll(ctx, s.opts.Poll, pub, func(ctx context.Context) error {
		return s.refresh(ctx, t, pub)
	})
	return nil
}

// Probe fetches the open incidents once and summarises them.
func (s *Source) Probe(ctx context.Context) (string, error) {
	var incidents []pd.Incident
	err := s.call(ctx, "list incidents", func(ctx context.Context) error {
		var err error
		incidents, err = s.listOpen(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	if len(incidents) == 1 {
		return "1 open incident", nil
	}
	return fmt.Sprintf("%d open incidents", len(incidents)), nil
}

// Acknowledge implements integrations.AlertActor.
func (s *Source) Acknowledge(ctx context.Context, alertID string) error {
	return s.setStatus(ctx, alertID, "acknowledged")
}

// Resolve implements integrations.AlertActor.
func (s *Source) Resolve(ctx context.Context, alertID string) error {
	return s.setStatus(ctx, alertID, "resolved")
}

func (s *Source) setStatus(ctx context.Context, id, status string) error {
	if err := s.needFrom(); err != nil {
		return err
	}
	return s.call(ctx, "set incident "+id+" "+status, func(ctx context.Context) error {
		_, err := s.client.ManageIncidentsWithContext(ctx, s.opts.FromEmail,
			[]pd.ManageIncidentsOptions{{ID: id, Status: status}})
		return err
	})
}

// ReadAlert implements integrations.AlertActor: the incident as PagerDuty
// holds it now, resolved or not.
func (s *Source) ReadAlert(ctx context.Context, alertID string) (integrations.Alert, error) {
	var inc *pd.Incident
	err := s.call(ctx, "get incident "+alertID, func(ctx context.Context) error {
		var err error
		inc, err = s.client.GetIncidentWithContext(ctx, alertID)
		return err
	})
	if err != nil {
		return integrations.Alert{}, err
	}
	a, err := toAlert(*inc)
	if err != nil {
		return integrations.Alert{}, s.scrub.Error(fmt.Errorf("pagerduty: incident %s: %w", alertID, err))
	}
	a.Service, a.Title, a.Body = s.scrub.String(a.Service), s.scrub.String(a.Title), s.scrub.String(a.Body)
	return a, nil
}

// AddNote implements integrations.AlertActor.
func (s *Source) AddNote(ctx context.Context, alertID, note string) error {
	if err := s.needFrom(); err != nil {
		return err
	}
	return s.call(ctx, "add note to incident "+alertID, func(ctx context.Context) error {
		// go-pagerduty sends the note author's summary as the From header.
		_, err := s.client.CreateIncidentNoteWithContext(ctx, alertID, pd.IncidentNote{
			User:    pd.APIObject{Summary: s.opts.FromEmail},
			Content: note,
		})
		return err
	})
}

func (s *Source) needFrom() error {
	if s.opts.FromEmail == "" {
		return errors.New("pagerduty: changing an incident needs from_email (a PagerDuty user's email) in the configuration")
	}
	return nil
}

// call runs SDK requests; see httpx.Caller for how failures are shaped.
func (s *Source) call(ctx context.Context, what string, f func(ctx context.Context) error) error {
	return s.caller.Do(ctx, what, f)
}

// checkAnswer refuses a successful read that does not carry what was
// asked for: PagerDuty wraps every answer in a key named after it
// ("incidents", "log_entries", "incident"), and the client would take an
// answer without it for an empty list, every open incident resolved.
func checkAnswer(req *http.Request, body []byte) error {
	if req.Method != http.MethodGet {
		return nil
	}
	obj, err := httpx.JSONObject(body)
	if err != nil {
		return err
	}
	if key := answerKey(req.URL.Path); key != "" {
		if _, ok := obj[key]; !ok {
			return fmt.Errorf("no %s in the answer", key)
		}
	}
	return nil
}

// answerKey is the key a PagerDuty answer to a GET of path carries: a
// collection's own name (/incidents, /incidents/P1/log_entries) or the
// singular of the collection an id belongs to (/incidents/P1).
func answerKey(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	last := segs[len(segs)-1]
	switch last {
	case "incidents", "log_entries", "notes", "alerts":
		return last
	}
	if len(segs) >= 2 && segs[len(segs)-2] == "incidents" {
		return "incident"
	}
	return ""
}

// rateLimited recognises go-pagerduty's 429, an APIError value that keeps
// no headers (the transport's trace supplies the wait).
func rateLimited(err error) (time.Duration, bool) {
	var apiErr pd.APIError
	return 0, errors.As(err, &apiErr) && apiErr.RateLimited()
}
