// Package slack follows the incident channel and posts to it, through the
// official slack-go client: by polling conversations.history, and also by
// Socket Mode when an app-level token is configured.
//
// The bot token needs channels:history and channels:read (groups:history
// and groups:read for a private channel), users:read and chat:write, and
// the bot must be a member of the channel. Socket Mode needs an app-level
// token with connections:write, Socket Mode enabled, and the app
// subscribed to the message.channels (or message.groups) event.
package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	sdk "github.com/slack-go/slack"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/httpx"
)

// Name is the source's name on the badge and in records.
const Name = integrations.SourceSlack

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

// Options configure a Source.
type Options struct {
	Token      string // bot token (xoxb-…)
	AppToken   string // app-level token (xapp-…); enables Socket Mode
	APIURL     string // override; default DefaultAPIURL (a trailing / is added if missing)
	Channel    string // channel id (C…) or #name
	Poll       integrations.PollConfig
	HTTPClient *http.Client
}

// Source follows one Slack channel and posts to it. Its methods may be
// called concurrently.
type Source struct {
	api    *sdk.Client
	appAPI *sdk.Client // nil unless Socket Mode is configured
	opts   Options
	scrub  httpx.Scrubber
	caller httpx.Caller

	mu      sync.Mutex
	channel channelRef        // resolved on first use
	self    string            // our own user name, from auth.test
	selfID  string            // our own user id, from auth.test
	names   map[string]string // user id → display name, from users.info
}

type channelRef struct{ ID, Name string }

var (
	_ integrations.Source     = (*Source)(nil)
	_ integrations.ChatReader = (*Source)(nil)
)

// New checks opts and builds a Source; it makes no request.
func New(opts Options) (*Source, error) {
	if opts.Token == "" {
		return nil, errors.New("slack: no bot token configured (set SLACK_TOKEN)")
	}
	if opts.AppToken != "" && !strings.HasPrefix(opts.AppToken, "xapp-") {
		return nil, errors.New("slack: the app token must be an app-level token (xapp-…) with the connections:write scope")
	}
	if strings.TrimPrefix(opts.Channel, "#") == "" {
		return nil, errors.New("slack: no channel configured (a channel id like C0123 or #name)")
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	if u, err := url.Parse(opts.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("slack: api url %q is not an http(s) URL", opts.APIURL)
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/" // slack-go appends method names to it
	}
	opts.Poll.Source = Name

	// slack-go logs to stderr by default, which would tear the screen.
	quiet := log.New(io.Discard, "", 0)
	httpClient := httpx.CheckedClient(opts.HTTPClient, httpx.DefaultMaxBody, checkAnswer)
	common := []sdk.Option{sdk.OptionAPIURL(opts.APIURL), sdk.OptionHTTPClient(httpClient), sdk.OptionLog(quiet)}
	scrub := httpx.NewScrubber(opts.Token, opts.AppToken)
	s := &Source{
		api:    sdk.New(opts.Token, common...),
		opts:   opts,
		scrub:  scrub,
		caller: httpx.Caller{Service: Name, Scrub: scrub, RateLimited: rateLimited},
		names:  map[string]string{},
	}
	if !strings.HasPrefix(opts.Channel, "#") {
		s.channel = channelRef{ID: opts.Channel}
	}
	if opts.AppToken != "" {
		s.appAPI = sdk.New(opts.Token, append(common, sdk.OptionAppLevelToken(opts.AppToken))...)
	}
	return s, nil
}

// Name implements integrations.Source.
func (s *Source) Name() string { return Name }

// Run follows the channel until ctx ends. It polls conversations.history
// at the configured interval; with Socket Mode, messages also arrive as
// they are posted, and the poll remains as the health check and the
// catch-up after a reconnect (messages are never published twice).
func (s *Source) Run(ctx context.Context, pub integrations.Publisher) error {
	f := newFeed()
	if s.appAPI != nil {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { s.stream(ctx, f, pub) })
		defer wg.Wait()
		defer cancel()
	}
	integrations.Poll(ctx, s.opts.Poll, pub, func(ctx context.Context) error {
		return s.refresh(ctx, f, pub)
	})
	return nil
}

// Probe resolves the channel and reads its latest page of history.
func (s *Source) Probe(ctx context.Context) (string, error) {
	ch, err := s.resolveChannel(ctx)
	if err != nil {
		return "", err
	}
	var resp *sdk.GetConversationHistoryResponse
	err = s.call(ctx, "read channel history", func(ctx context.Context) error {
		var err error
		resp, err = s.api.GetConversationHistoryContext(ctx, &sdk.GetConversationHistoryParameters{ChannelID: ch.ID, Limit: historyPage})
		return err
	})
	if err != nil {
		return "", err
	}
	more := ""
	if resp.HasMore {
		more = "+"
	}
	return fmt.Sprintf("#%s, %d%s messages", ch.Name, len(resp.Messages), more), nil
}

// Post implements integrations.ChatPoster; a non-empty threadID makes the
// message a reply in that thread. The message reaches the timeline through
// the channel feed, like any other.
func (s *Source) Post(ctx context.Context, text, threadID string) (integrations.Message, error) {
	ch, err := s.resolveChannel(ctx)
	if err != nil {
		return integrations.Message{}, err
	}
	opts := []sdk.MsgOption{sdk.MsgOptionText(text, false)}
	if threadID != "" {
		opts = append(opts, sdk.MsgOptionTS(threadID))
	}
	var ts string
	err = s.call(ctx, "post to #"+ch.Name, func(ctx context.Context) error {
		var err error
		_, ts, err = s.api.PostMessageContext(ctx, ch.ID, opts...)
		return err
	})
	if err != nil {
		return integrations.Message{}, err
	}
	at, err := parseTS(ts)
	if err != nil {
		return integrations.Message{}, s.scrub.Error(fmt.Errorf("slack: posted, but %w", err))
	}
	return integrations.Message{
		ID:       ts,
		Channel:  ch.ID,
		User:     s.selfName(ctx),
		Text:     s.scrub.String(text),
		ThreadID: threadID,
		At:       at,
	}, nil
}

// selfName is the bot's own user name, asked once; "" if Slack will not say.
func (s *Source) selfName(ctx context.Context) string {
	_, name, _ := s.whoami(ctx)
	return name
}

// whoami is the bot's own user id and name, from auth.test, asked until
// Slack answers once.
func (s *Source) whoami(ctx context.Context) (id, name string, err error) {
	s.mu.Lock()
	id, name = s.selfID, s.self
	s.mu.Unlock()
	if id != "" {
		return id, name, nil
	}
	var resp *sdk.AuthTestResponse
	if err := s.call(ctx, "auth.test", func(ctx context.Context) error {
		var err error
		resp, err = s.api.AuthTestContext(ctx)
		return err
	}); err != nil {
		return "", "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.selfID, s.self = resp.UserID, resp.User
	return s.selfID, s.self, nil
}

// postClockSkew widens the read-back window before the post: since is
// the poster's clock, a message's ts is Slack's.
const postClockSkew = 5 * time.Second

// slackUnescape undoes the entities Slack stores as entities in a
// message's text.
var slackUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// FindPosted implements integrations.ChatReader: it reads the channel's
// history from shortly before since and looks for a top-level message
// with exactly text, posted by the bot itself. A history too long to
// read whole is an error, never "not posted".
func (s *Source) FindPosted(ctx context.Context, text string, since time.Time) (integrations.Message, bool, error) {
	ch, err := s.resolveChannel(ctx)
	if err != nil {
		return integrations.Message{}, false, err
	}
	self, _, err := s.whoami(ctx)
	if err != nil {
		return integrations.Message{}, false, err
	}
	from := since.Add(-postClockSkew)
	raw, whole, err := s.history(ctx, ch, fmt.Sprintf("%d.%06d", from.Unix(), from.Nanosecond()/1000))
	if err != nil {
		return integrations.Message{}, false, err
	}
	for _, m := range raw {
		if m.User == self && !skipSubtype(m.SubType) && slackUnescape.Replace(m.Text) == text {
			// It is there: a ts that does not parse leaves only the
			// message's time unknown, not whether it landed.
			msg, _ := s.toMessage(ctx, ch.ID, m.Msg)
			return msg, true, nil
		}
	}
	if !whole {
		return integrations.Message{}, false, fmt.Errorf("slack: more than %d messages in #%s since the post: cannot tell whether it landed", historyPage*maxHistoryPages, ch.Name)
	}
	return integrations.Message{}, false, nil
}

// resolveChannel returns the channel's id and name, asking Slack once:
// conversations.info for an id, conversations.list for a #name.
func (s *Source) resolveChannel(ctx context.Context) (channelRef, error) {
	s.mu.Lock()
	ch := s.channel
	s.mu.Unlock()
	if ch.ID != "" && ch.Name != "" {
		return ch, nil
	}
	var err error
	if ch.ID != "" {
		err = s.call(ctx, "look up channel "+ch.ID, func(ctx context.Context) error {
			info, err := s.api.GetConversationInfoContext(ctx, &sdk.GetConversationInfoInput{ChannelID: ch.ID})
			if err == nil {
				ch.Name = info.Name
			}
			return err
		})
	} else {
		ch, err = s.findChannel(ctx, strings.TrimPrefix(s.opts.Channel, "#"))
	}
	if err != nil {
		return channelRef{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channel = ch
	return ch, nil
}

// maxChannelPages bounds the walk through conversations.list.
const maxChannelPages = 20

func (s *Source) findChannel(ctx context.Context, name string) (channelRef, error) {
	var found channelRef
	err := s.call(ctx, "find channel #"+name, func(ctx context.Context) error {
		params := &sdk.GetConversationsParameters{ExcludeArchived: true, Limit: 1000, Types: []string{"public_channel", "private_channel"}}
		for range maxChannelPages {
			channels, next, err := s.api.GetConversationsContext(ctx, params)
			if err != nil {
				return err
			}
			for _, c := range channels {
				if c.Name == name {
					found = channelRef{ID: c.ID, Name: c.Name}
					return nil
				}
			}
			if next == "" {
				return errors.New("no such channel visible to the bot (invite it, or give the channel id)")
			}
			params.Cursor = next
		}
		return fmt.Errorf("not found in the first %d pages of channels; give the channel id instead", maxChannelPages)
	})
	return found, err
}

// checkAnswer refuses a successful answer without Slack's "ok": slack-go
// takes one for a success with nothing in it, and the channel would read
// as quiet while nothing was read.
func checkAnswer(_ *http.Request, body []byte) error {
	obj, err := httpx.JSONObject(body)
	if err != nil {
		return err
	}
	if _, ok := obj["ok"]; !ok {
		return errors.New(`no "ok" in the answer`)
	}
	return nil
}

// call runs SDK requests; see httpx.Caller for how failures are shaped.
func (s *Source) call(ctx context.Context, what string, f func(ctx context.Context) error) error {
	return s.caller.Do(ctx, what, f)
}

// rateLimited recognises slack-go's 429: a *RateLimitedError when Slack
// sent Retry-After, a StatusCodeError otherwise.
func rateLimited(err error) (time.Duration, bool) {
	var rl *sdk.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	var statusErr sdk.StatusCodeError
	return 0, errors.As(err, &statusErr) && statusErr.Code == http.StatusTooManyRequests
}
