package slack

import (
	"context"
	"io"
	"log"
	"time"

	sdk "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx"
)

// Reconnect backoff for Socket Mode; the poll keeps the channel current
// meanwhile, so there is no hurry.
const (
	minReconnect = time.Second
	maxReconnect = time.Minute
)

// stream receives the channel's messages through Socket Mode until ctx
// ends, reconnecting with backoff when the connection fails. The poll
// carries the source's status; the stream only notes on the timeline when
// it comes up and when it goes away, so a broken app token does not go
// unnoticed behind a healthy poll.
func (s *Source) stream(ctx context.Context, f *feed, pub integrations.Publisher) {
	wait := minReconnect
	n := &socketNotes{pub: pub, scrub: s.scrub}
	for {
		connected := s.streamOnce(ctx, f, pub, n)
		if connected {
			wait = minReconnect
		}
		if !integrations.Sleep(ctx, wait) {
			return
		}
		wait = min(2*wait, maxReconnect)
	}
}

// streamOnce runs one Socket Mode client until it stops; it reports whether
// a connection was made.
func (s *Source) streamOnce(ctx context.Context, f *feed, pub integrations.Publisher, n *socketNotes) (connected bool) {
	client := socketmode.New(s.appAPI,
		socketmode.OptionLog(log.New(io.Discard, "", 0)),
		socketmode.OptionReadLimit(httpx.DefaultMaxBody))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = client.RunContext(ctx)
	}()
	for {
		select {
		case <-done:
			if ctx.Err() == nil && runErr != nil {
				n.down(runErr)
			}
			return connected
		case ev := <-client.Events:
			switch ev.Type {
			case socketmode.EventTypeConnected:
				connected = true
				n.up()
			case socketmode.EventTypeConnectionError:
				if e, ok := ev.Data.(*sdk.ConnectionErrorEvent); ok {
					n.down(e.ErrorObj)
				}
			case socketmode.EventTypeEventsAPI:
				if ev.Request != nil {
					_ = client.AckCtx(ctx, ev.Request.EnvelopeID, nil)
				}
				s.onEvent(ctx, f, pub, ev.Data)
			}
		}
	}
}

// socketNotes records Socket Mode's comings and goings, once per change.
type socketNotes struct {
	pub   integrations.Publisher
	scrub httpx.Scrubber
	known bool
	isUp  bool
}

func (n *socketNotes) up() {
	if n.known && n.isUp {
		return
	}
	n.known, n.isUp = true, true
	n.note("ok", "slack Socket Mode connected")
}

func (n *socketNotes) down(err error) {
	if n.known && !n.isUp {
		return
	}
	n.known, n.isUp = true, false
	n.note("down", "slack Socket Mode unavailable, following the channel by polling: "+n.scrub.String(err.Error()))
}

func (n *socketNotes) note(to, text string) {
	n.pub.Publish(integrations.Record{
		Occurred: time.Now(),
		Source:   Name,
		Kind:     integrations.KindSourceStatus,
		Text:     text,
		Fields:   map[string]string{"stream": "socket_mode", "to": to},
	})
}

// onEvent publishes a message event from the followed channel.
func (s *Source) onEvent(ctx context.Context, f *feed, pub integrations.Publisher, data any) {
	outer, ok := data.(slackevents.EventsAPIEvent)
	if !ok {
		return
	}
	m, ok := outer.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || skipSubtype(m.SubType) {
		return
	}
	s.mu.Lock()
	channel := s.channel.ID
	s.mu.Unlock()
	if channel == "" || m.Channel != channel {
		return
	}
	msg, err := s.toMessage(ctx, m.Channel, sdk.Msg{
		Timestamp: m.TimeStamp, ThreadTimestamp: m.ThreadTimeStamp,
		User: m.User, Username: m.Username, BotID: m.BotID, Text: m.Text,
	})
	if err != nil {
		return // the poll reads the channel too, and reports what is wrong
	}
	s.publish(pub, f, []integrations.Message{msg})
}
