package team

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/warroomhq/warroom/integrations"
)

// The elected poller's feed: what one warroom's sources see, for the
// team's other warrooms, so five responders make the API calls of one.
//
//	stream WARROOM_FEED     warroom.feed.<incident>.<source>.<kind>
//	                        the latest snapshots, status and chat of each source
//	stream WARROOM_METRICS  warroom.metrics.<incident>.<source>
//	                        every sample the pollers took: the shared series
//
// Records do not travel here: the poller's pump appends them to the
// shared timeline, which every warroom follows.
const (
	FeedStream     = "WARROOM_FEED"
	feedSubject    = "warroom.feed."
	MetricsStream  = "WARROOM_METRICS"
	metricsSubject = "warroom.metrics."
	// tokenHeader carries the poller's fencing token: a follower drops
	// what a deposed poller publishes late.
	tokenHeader = "Warroom-Poller-Token"
	// feedDepth is how many messages of each kind a source's feed keeps:
	// a warroom that joins starts from the latest.
	feedDepth = 16
)

// Event kinds on the feed.
const (
	feedAlerts   = "alerts"
	feedFleet    = "fleet"
	feedBackends = "backends"
	feedStatus   = "status"
	feedChat     = "chat"
)

func (c *Client) ensureFeed(ctx context.Context) error {
	for _, cfg := range []jetstream.StreamConfig{
		{Name: FeedStream, Description: "warroom: the elected pollers' snapshots", Subjects: []string{feedSubject + ">"},
			Storage: jetstream.FileStorage, Replicas: c.replicas, MaxMsgsPerSubject: feedDepth, MaxAge: 24 * time.Hour},
		{Name: MetricsStream, Description: "warroom: the shared measured series", Subjects: []string{metricsSubject + ">"},
			Storage: jetstream.FileStorage, Replicas: c.replicas, Duplicates: DuplicateWindow},
	} {
		if _, err := c.js.Stream(ctx, cfg.Name); err == nil {
			continue
		} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
			return err
		}
		if _, err := c.js.CreateStream(ctx, cfg); err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return err
		}
	}
	return nil
}

// feedKind is the feed's name for an event's kind; "" for what does not
// travel on the feed (records go on the timeline, samples on the metrics
// stream).
func feedKind(e integrations.Event) string {
	switch e.(type) {
	case integrations.AlertsSnapshot:
		return feedAlerts
	case integrations.FleetSnapshot:
		return feedFleet
	case integrations.BackendsSnapshot:
		return feedBackends
	case integrations.StatusChanged:
		return feedStatus
	case integrations.ChatPosted:
		return feedChat
	}
	return ""
}

func decodeFeed(kind string, data []byte) (integrations.Event, error) {
	switch kind {
	case feedAlerts:
		return decodeAs[integrations.AlertsSnapshot](data)
	case feedFleet:
		return decodeAs[integrations.FleetSnapshot](data)
	case feedBackends:
		return decodeAs[integrations.BackendsSnapshot](data)
	case feedStatus:
		return decodeAs[integrations.StatusChanged](data)
	case feedChat:
		return decodeAs[integrations.ChatPosted](data)
	}
	return nil, fmt.Errorf("unknown feed kind %q", kind)
}

// decodeAs decodes one feed message as the event type E.
func decodeAs[E integrations.Event](data []byte) (integrations.Event, error) {
	var e E
	err := json.Unmarshal(data, &e)
	return e, err
}

// Shared is a source the team polls once: among the warrooms running it,
// the one elected for it (a lease in the pollers bucket) runs the real
// source and publishes what it sees; the others replay that. When the
// poller's warroom goes away another is elected within the lease and
// starts polling at once; the replay filter on the shared timeline drops
// the records it reports again, so there is no gap and no duplicate.
type Shared struct {
	c        *Client
	e        *Elector
	src      integrations.Source
	incident string
	who      string
	// OnLead, if set, is told each time this warroom starts or stops
	// polling the source; it must return quickly.
	OnLead func(leading bool)

	mu      sync.Mutex
	leading bool
	calls   int // times this warroom ran the real source
}

// Share makes src a source the team polls once, for incident; who names
// this warroom as a candidate.
func (c *Client) Share(e *Elector, incident, who string, src integrations.Source) *Shared {
	return &Shared{c: c, e: e, src: src, incident: incident, who: who}
}

// Name is the real source's.
func (s *Shared) Name() string { return s.src.Name() }

// Source is the real source.
func (s *Shared) Source() integrations.Source { return s.src }

// Leading reports whether this warroom polls the source now.
func (s *Shared) Leading() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leading
}

func (s *Shared) electionKey() string { return s.incident + "/" + s.src.Name() }

// Poller is who polls the source now, if anyone.
func (s *Shared) Poller() (Poller, bool, error) { return s.e.Leader(s.electionKey()) }

// Run stands for the source's poller until ctx ends: polling while
// elected, replaying the poller's feed otherwise.
func (s *Shared) Run(ctx context.Context, pub integrations.Publisher) error {
	{
		octx, cancel := opContext()
		err := s.c.ensureFeed(octx)
		cancel()
		if err != nil {
			return fmt.Errorf("team feed: %w", err)
		}
	}
	changes := make(chan bool, 1)
	camp := s.e.Campaign(s.electionKey(), s.who, func(leading bool) {
		select {
		case <-changes: // only the latest matters
		default:
		}
		changes <- leading
	})
	defer camp.Stop()
	leading := false
	for {
		rctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		if leading {
			go func() { done <- s.poll(rctx, pub, camp) }()
		} else {
			go func() { done <- s.follow(rctx, pub) }()
		}
		s.setLeading(leading)
		select {
		case leading = <-changes:
			stop()
			<-done
		case <-ctx.Done():
			stop()
			<-done
			s.setLeading(false)
			return nil
		case err := <-done:
			stop()
			if ctx.Err() != nil {
				return nil
			}
			if err != nil && !leading {
				// The feed could not be followed (the server is away): try
				// again shortly, still a candidate.
				select {
				case leading = <-changes:
				case <-time.After(500 * time.Millisecond):
				case <-ctx.Done():
					return nil
				}
				continue
			}
			// The real source returned while polling: wait to be deposed.
			select {
			case leading = <-changes:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

func (s *Shared) setLeading(leading bool) {
	s.mu.Lock()
	changed := s.leading != leading
	s.leading = leading
	s.mu.Unlock()
	if changed && s.OnLead != nil {
		s.OnLead(leading)
	}
}

// Polls is how many times this warroom ran the real source.
func (s *Shared) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// poll runs the real source, handing every event to pub and publishing
// all but records to the team, stamped with the poller's token.
func (s *Shared) poll(ctx context.Context, pub integrations.Publisher, camp *Campaign) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	return s.src.Run(ctx, integrations.PublisherFunc(func(e integrations.Event) {
		pub.Publish(e)
		s.publish(e, camp.Token())
	}))
}

// publish sends one event to the feed, or a source's samples to the
// metrics stream. A lost publish is a lost frame, not lost data: the
// next snapshot replaces it (samples are re-sent with the next poll's
// at the latest, under their own message ID).
func (s *Shared) publish(e integrations.Event, tok uint64) {
	var subject string
	var data []byte
	switch ev := e.(type) {
	case integrations.SamplesTaken:
		subject = metricsSubject + token(s.incident) + "." + token(s.src.Name())
		data, _ = json.Marshal(ev.Samples) // samples are plain data
	default:
		kind := feedKind(e)
		if kind == "" {
			return
		}
		subject = feedSubject + token(s.incident) + "." + token(s.src.Name()) + "." + kind
		data, _ = json.Marshal(e) // snapshots are plain data
	}
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set(tokenHeader, strconv.FormatUint(tok, 10))
	ctx, cancel := opContext()
	defer cancel()
	_, _ = s.c.js.PublishMsg(ctx, msg)
}

// follow replays the poller's feed and samples until ctx ends: the latest
// of each kind first, then each as it comes. What a deposed poller sends
// after a newer one is dropped.
func (s *Shared) follow(ctx context.Context, pub integrations.Publisher) error {
	feed, err := s.c.js.Stream(ctx, FeedStream)
	if err != nil {
		return err
	}
	metrics, err := s.c.js.Stream(ctx, MetricsStream)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var newest uint64
	fresh := func(m jetstream.Msg) bool {
		tok, _ := strconv.ParseUint(m.Headers().Get(tokenHeader), 10, 64)
		mu.Lock()
		defer mu.Unlock()
		if tok < newest {
			return false
		}
		newest = tok
		return true
	}
	prefix := feedSubject + token(s.incident) + "." + token(s.src.Name()) + "."
	fc, err := feed.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{prefix + "*"}, DeliverPolicy: jetstream.DeliverLastPerSubjectPolicy})
	if err != nil {
		return err
	}
	fcc, err := fc.Consume(func(m jetstream.Msg) {
		if !fresh(m) {
			return
		}
		if e, err := decodeFeed(m.Subject()[len(prefix):], m.Data()); err == nil {
			pub.Publish(e)
		}
	})
	if err != nil {
		return err
	}
	defer fcc.Stop()
	mc, err := metrics.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{metricsSubject + token(s.incident) + "." + token(s.src.Name())}, DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return err
	}
	mcc, err := mc.Consume(func(m jetstream.Msg) {
		var samples []integrations.Sample
		if fresh(m) && json.Unmarshal(m.Data(), &samples) == nil && len(samples) > 0 {
			pub.Publish(integrations.SamplesTaken{Source: s.src.Name(), Samples: samples})
		}
	})
	if err != nil {
		return err
	}
	defer mcc.Stop()
	select {
	case <-ctx.Done():
		return nil
	case <-fcc.Closed():
		return errors.New("team feed closed")
	case <-mcc.Closed():
		return errors.New("team metrics feed closed")
	}
}

// Samples reads every sample the team's pollers took for incident, in the
// order they were published: the shared series, as each warroom's
// metrics store took them in.
func (c *Client) Samples(ctx context.Context, incident string) ([]integrations.Sample, error) {
	s, err := c.js.Stream(ctx, MetricsStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("team metrics: %w", err)
	}
	filter := metricsSubject + token(incident) + ".*"
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("team metrics: %w", err)
	}
	var total uint64
	for _, n := range info.State.Subjects {
		total += n
	}
	if total == 0 {
		return nil, nil
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		return nil, fmt.Errorf("team metrics: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return nil, fmt.Errorf("team metrics: %w", err)
	}
	defer it.Stop()
	var out []integrations.Sample
	for n := uint64(0); n < total; n++ {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("team metrics: %w", err)
		}
		var batch []integrations.Sample
		if json.Unmarshal(m.Data(), &batch) == nil {
			out = append(out, batch...)
		}
	}
	return out, nil
}

// Wrapped is s as the application runs it: it declares what the real
// source declares (its panes, replay keys and capabilities: actions are
// still sent by whoever presses the key, under the lock).
func (s *Shared) Wrapped() integrations.Source {
	if d, ok := s.src.(integrations.Described); ok {
		return describedShared{s, d}
	}
	return s
}

type describedShared struct {
	*Shared
	d integrations.Described
}

func (d describedShared) Info() integrations.SourceInfo { return d.d.Info() }
