// Package aws follows Auto Scaling groups (desired and in-service
// capacity, recent scaling activities, their EC2 instances) through the
// official aws-sdk-go-v2 clients, scales groups by hand, and runs commands
// on instances through SSM.
package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	asg "github.com/aws/aws-sdk-go-v2/service/autoscaling"
	ec2sdk "github.com/aws/aws-sdk-go-v2/service/ec2"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx"
)

// SourceName is the name the source publishes under.
const SourceName = integrations.SourceAWS

// Options configure the AWS source.
type Options struct {
	Region  string
	Profile string
	// Groups names the Auto Scaling groups to follow; TagFilter selects the
	// groups carrying all these tags when Groups is empty.
	Groups    []string
	TagFilter map[string]string
	// Endpoint overrides every service's endpoint (tests, proxies).
	Endpoint string
	Poll     integrations.PollConfig
	// Config is a pre-built SDK configuration (tests); when nil the SDK's
	// default chain is loaded (environment, profile, SSO, instance role).
	Config *awssdk.Config
	// CommandPoll is how often RunCommand asks SSM for results (default 1s).
	CommandPoll time.Duration
}

// Source follows Auto Scaling groups. It implements integrations.Source,
// integrations.Scaler and integrations.CommandRunner.
type Source struct {
	asg         *asg.Client
	ec2         *ec2sdk.Client
	ssm         *ssmsdk.Client
	groups      []string
	tags        map[string]string
	poll        integrations.PollConfig
	commandPoll time.Duration

	creds    awssdk.CredentialsProvider
	credOnce sync.Once
	scrub    httpx.Scrubber // the credentials, scrubbed from every error
}

// scrubber learns the credentials once (the SDK caches them) so that no
// error that leaves the adapter can carry them, whatever a server echoes.
func (s *Source) scrubber() httpx.Scrubber {
	s.credOnce.Do(func() { s.scrub = httpx.NewScrubber(s.Secrets(context.Background())...) })
	return s.scrub
}

// Secrets returns the credentials the SDK resolved (access key id, secret
// key, session token), for the timeline's redactor. It returns nothing
// when they cannot be had within a few seconds.
func (s *Source) Secrets(ctx context.Context) []string {
	if s.creds == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := s.creds.Retrieve(ctx)
	if err != nil {
		return nil
	}
	return []string{c.AccessKeyID, c.SecretAccessKey, c.SessionToken}
}

var (
	_ integrations.Source        = (*Source)(nil)
	_ integrations.Scaler        = (*Source)(nil)
	_ integrations.CommandRunner = (*Source)(nil)
)

// New builds the SDK clients. It loads credentials lazily: a missing or
// expired credential shows up on the first request, not here.
func New(ctx context.Context, opts Options) (*Source, error) {
	if len(opts.Groups) == 0 && len(opts.TagFilter) == 0 {
		return nil, errors.New("aws: name the Auto Scaling groups to follow, or a tag filter")
	}
	var cfg awssdk.Config
	if opts.Config != nil {
		cfg = opts.Config.Copy()
	} else {
		var load []func(*awsconfig.LoadOptions) error
		if opts.Region != "" {
			load = append(load, awsconfig.WithRegion(opts.Region))
		}
		if opts.Profile != "" {
			load = append(load, awsconfig.WithSharedConfigProfile(opts.Profile))
		}
		var err error
		if cfg, err = awsconfig.LoadDefaultConfig(ctx, load...); err != nil {
			return nil, fmt.Errorf("aws: load configuration: %w", err)
		}
	}
	if opts.Region != "" {
		cfg.Region = opts.Region
	}
	if cfg.Region == "" {
		return nil, errors.New("aws: no region: set aws.region, AWS_REGION, or a region in the profile")
	}
	if opts.Endpoint != "" {
		cfg.BaseEndpoint = awssdk.String(opts.Endpoint)
	}
	poll := opts.Poll
	if poll.Source == "" {
		poll.Source = SourceName
	}
	if opts.CommandPoll <= 0 {
		opts.CommandPoll = time.Second
	}
	return &Source{
		asg:         asg.NewFromConfig(cfg, func(o *asg.Options) { o.HTTPClient = guardedClient{o.HTTPClient} }),
		ec2:         ec2sdk.NewFromConfig(cfg, func(o *ec2sdk.Options) { o.HTTPClient = guardedClient{o.HTTPClient} }),
		ssm:         ssmsdk.NewFromConfig(cfg, func(o *ssmsdk.Options) { o.HTTPClient = guardedClient{o.HTTPClient} }),
		groups:      slices.Clone(opts.Groups),
		tags:        maps.Clone(opts.TagFilter),
		poll:        poll,
		commandPoll: opts.CommandPoll,
		creds:       cfg.Credentials,
	}, nil
}

// Name is "aws".
func (s *Source) Name() string { return SourceName }

// Run polls the groups until ctx ends, publishing a FleetSnapshot and the
// groups' desired, in-service and pending capacity as samples after every
// successful refresh, and a fleet.change Record for each change between
// snapshots.
func (s *Source) Run(ctx context.Context, pub integrations.Publisher) error {
	now := s.poll.Now
	if now == nil {
		now = time.Now
	}
	var track tracker
	integrations.Poll(ctx, s.poll, pub, func(ctx context.Context) error {
		groups, err := s.describeGroups(ctx, s.groups, s.tags)
		if err != nil {
			return err
		}
		// An answer without a group the configuration names is not a
		// fleet without it: the pane keeps what it last knew, marked as
		// old, rather than inferring the group gone.
		if missing := s.missing(groups); len(missing) > 0 {
			return fmt.Errorf("aws: Auto Scaling group not found: %s", strings.Join(missing, ", "))
		}
		if len(groups) == 0 && len(track.prev) > 0 {
			return fmt.Errorf("aws: no Auto Scaling group carries the configured tags any more (%s last time)", plural(len(track.prev), "group"))
		}
		at := now()
		records := track.observe(groups, at)
		pub.Publish(integrations.FleetSnapshot{Source: SourceName, Groups: groups})
		pub.Publish(integrations.SamplesTaken{Source: SourceName, Samples: integrations.GroupSamples(SourceName, groups, at)})
		for _, r := range records {
			pub.Publish(r)
		}
		return nil
	})
	return nil
}

// Probe fetches the groups once, for `warroom config check`, and
// summarises what it found. Named groups that do not exist are an error:
// the API silently leaves them out.
func (s *Source) Probe(ctx context.Context) (string, error) {
	groups, err := s.describeGroups(ctx, s.groups, s.tags)
	if err != nil {
		return "", err
	}
	instances := 0
	for _, g := range groups {
		instances += len(g.Instances)
	}
	if missing := s.missing(groups); len(missing) > 0 {
		return "", fmt.Errorf("aws: Auto Scaling group not found: %s", strings.Join(missing, ", "))
	}
	if len(groups) == 0 {
		return "", errors.New("aws: no Auto Scaling group carries the configured tags")
	}
	return fmt.Sprintf("%s, %s", plural(len(groups), "group"), plural(instances, "instance")), nil
}

// missing names the configured groups the answer left out: the API
// silently omits a named group it does not find.
func (s *Source) missing(groups []integrations.Group) []string {
	found := map[string]bool{}
	for _, g := range groups {
		found[g.Name] = true
	}
	var missing []string
	for _, name := range s.groups {
		if !found[name] {
			missing = append(missing, name)
		}
	}
	return missing
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Groups fetches the followed groups once, as a refresh does.
func (s *Source) Groups(ctx context.Context) ([]integrations.Group, error) {
	return s.describeGroups(ctx, s.groups, s.tags)
}
