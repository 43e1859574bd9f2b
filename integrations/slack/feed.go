package slack

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	sdk "github.com/slack-go/slack"

	"github.com/warroomhq/warroom/integrations"
)

// History bounds: Slack pages hold at most 200 messages (999 nominally,
// fewer in practice). The first refresh reads at most the newest
// maxHistoryPages pages of the channel, and a refresh that finds more new
// messages than that keeps the newest; the bound keeps a server that says
// "more" forever from looping.
const (
	historyPage     = 200
	maxHistoryPages = 10
)

// feed is what one Run has published: the newest message read through
// history (the next refresh asks only for newer ones), and the messages
// Socket Mode delivered ahead of history, so none is published twice.
type feed struct {
	mu       sync.Mutex
	oldest   string // ts of the newest message read through history
	oldestAt time.Time
	early    map[string]time.Time // ts → time, published but newer than oldest
}

func newFeed() *feed { return &feed{early: map[string]time.Time{}} }

func (f *feed) watermark() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.oldest
}

// claim returns the messages not yet published and marks them published.
func (f *feed) claim(msgs []integrations.Message) []integrations.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []integrations.Message
	for _, m := range msgs {
		if _, dup := f.early[m.ID]; dup || (f.oldest != "" && !m.At.After(f.oldestAt)) {
			continue
		}
		f.early[m.ID] = m.At
		out = append(out, m)
	}
	return out
}

// advance moves the history watermark to m and forgets the early
// deliveries it now covers.
func (f *feed) advance(m integrations.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.oldest != "" && !m.At.After(f.oldestAt) {
		return
	}
	f.oldest, f.oldestAt = m.ID, m.At
	for ts, at := range f.early {
		if !at.After(m.At) {
			delete(f.early, ts)
		}
	}
}

// refresh reads the channel's messages newer than the watermark and
// publishes those not published yet.
func (s *Source) refresh(ctx context.Context, f *feed, pub integrations.Publisher) error {
	ch, err := s.resolveChannel(ctx)
	if err != nil {
		return err
	}
	raw, _, err := s.history(ctx, ch, f.watermark())
	if err != nil {
		return err
	}
	msgs := make([]integrations.Message, 0, len(raw))
	for _, m := range raw {
		if skipSubtype(m.SubType) {
			continue
		}
		msg, err := s.toMessage(ctx, ch.ID, m.Msg)
		if err != nil {
			return err
		}
		msgs = append(msgs, msg)
	}
	slices.SortStableFunc(msgs, func(a, b integrations.Message) int { return a.At.Compare(b.At) })
	s.publish(pub, f, msgs)
	if len(msgs) > 0 {
		f.advance(msgs[len(msgs)-1])
	}
	return nil
}

// history pages through conversations.history, newest first as Slack
// sends it, back to the watermark (exclusive). whole is false when the
// page bound stopped it: the oldest messages of the range were not read.
func (s *Source) history(ctx context.Context, ch channelRef, oldest string) (msgs []sdk.Message, whole bool, err error) {
	var all []sdk.Message
	err = s.call(ctx, "read #"+ch.Name+" history", func(ctx context.Context) error {
		params := &sdk.GetConversationHistoryParameters{ChannelID: ch.ID, Oldest: oldest, Limit: historyPage}
		for range maxHistoryPages {
			resp, err := s.api.GetConversationHistoryContext(ctx, params)
			if err != nil {
				return err
			}
			all = append(all, resp.Messages...)
			if !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
				whole = true
				return nil
			}
			params.Cursor = resp.ResponseMetaData.NextCursor
		}
		return nil
	})
	return all, whole, err
}

// skipSubtype leaves out the events that describe other messages (edits,
// deletions, reply counters) rather than being messages themselves.
func skipSubtype(subtype string) bool {
	switch subtype {
	case "message_changed", "message_deleted", "message_replied":
		return true
	}
	return false
}

// publish sends the messages not yet published, oldest first, as one
// ChatPosted and one chat.message record each.
func (s *Source) publish(pub integrations.Publisher, f *feed, msgs []integrations.Message) {
	fresh := f.claim(msgs)
	if len(fresh) == 0 {
		return
	}
	pub.Publish(integrations.ChatPosted{Source: Name, Messages: fresh})
	for _, m := range fresh {
		fields := map[string]string{"channel": m.Channel, "ts": m.ID}
		if m.ThreadID != "" {
			fields["thread_ts"] = m.ThreadID
		}
		pub.Publish(s.scrub.Record(integrations.Record{
			Occurred: m.At,
			Source:   Name,
			Kind:     integrations.KindChatMessage,
			Actor:    m.User,
			Text:     m.Text,
			Fields:   fields,
		}))
	}
}

// toMessage builds a Message with its author's name resolved, its text as
// it was typed (Slack stores &, < and > as entities) and any configured
// secret scrubbed from it. A reply's thread_ts equal to
// its own ts marks a thread's parent, which is not a reply.
func (s *Source) toMessage(ctx context.Context, channel string, m sdk.Msg) (integrations.Message, error) {
	at, err := parseTS(m.Timestamp)
	if err != nil {
		return integrations.Message{}, s.scrub.Error(fmt.Errorf("slack: message in %s: %w", channel, err))
	}
	thread := m.ThreadTimestamp
	if thread == m.Timestamp {
		thread = ""
	}
	author := cmp.Or(m.Username, m.BotID)
	if m.User != "" {
		author = s.userName(ctx, m.User)
	}
	return integrations.Message{
		ID:       m.Timestamp,
		Channel:  channel,
		User:     s.scrub.String(author),
		Text:     s.scrub.String(slackUnescape.Replace(m.Text)),
		ThreadID: thread,
		At:       at,
	}, nil
}

// userName resolves a user id through users.info, caching the answer. A
// failed lookup shows the id and is retried with the next message.
func (s *Source) userName(ctx context.Context, id string) string {
	s.mu.Lock()
	name, ok := s.names[id]
	s.mu.Unlock()
	if ok {
		return name
	}
	var u *sdk.User
	if s.call(ctx, "look up user "+id, func(ctx context.Context) error {
		var err error
		u, err = s.api.GetUserInfoContext(ctx, id)
		return err
	}) != nil {
		return id
	}
	name = cmp.Or(u.Profile.DisplayName, u.RealName, u.Name, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names[id] = name
	return name
}

// parseTS reads a Slack timestamp ("1700000000.000100": seconds, then
// microseconds), which is also the message's id.
func parseTS(ts string) (time.Time, error) {
	secs, frac, _ := strings.Cut(ts, ".")
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || sec < 0 || len(frac) > 9 {
		return time.Time{}, fmt.Errorf("unreadable timestamp %q", ts)
	}
	var nsec int64
	if frac != "" {
		n, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, fmt.Errorf("unreadable timestamp %q", ts)
		}
		nsec = n
	}
	return time.Unix(sec, nsec).UTC(), nil
}
