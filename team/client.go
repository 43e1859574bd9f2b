package team

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

// Names on the server.
const (
	TimelineStream  = "WARROOM_TIMELINE"
	timelineSubject = "warroom.timeline."
	LocksBucket     = "warroom_locks"
	PresenceBucket  = "warroom_presence"
	RolesBucket     = "warroom_roles"
	PollersBucket   = "warroom_pollers"
	ApprovalsBucket = "warroom_approvals"
)

// opTimeout bounds one request to the server: an append that cannot be
// acknowledged within it is kept in the journal and reported as queued.
const opTimeout = 2 * time.Second

// DuplicateWindow is how long the server remembers a message ID to drop
// a re-published entry. Re-publishing is also checked against the stream
// itself, so a longer offline spell does not duplicate either.
const DuplicateWindow = time.Hour

// Options say how to reach the team server. Credentials are never
// printed: errors name the URL without its user information.
type Options struct {
	URL       string // nats://host:port, or several separated by commas
	User      string
	Password  string
	CredsFile string // a .creds file (JWT and nkey seed)
	NkeySeed  string // a file holding an nkey seed
	Seed      string // an nkey seed itself (from the environment), instead of NkeySeed
	JWT       string // a user JWT, signed with Seed (a .creds file's content)
	TLSCA     string // a CA bundle to verify the server with
	Name      string // this responder, as the server's monitoring shows it
	Replicas  int    // copies of the timeline and buckets when this client creates them (default 1; 3 on a three-node cluster)
}

// Client is one connection to the team server, shared by the timeline,
// the locks, presence and the elections. It reconnects by itself.
type Client struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	replicas int
	identity string // who the server knows this client as (see Identity)

	mu      sync.Mutex
	refused map[string]func(error) // subject → told when the server refuses a publish to it
}

// Dial connects to the team server. An unreachable server is not an
// error: the client keeps trying in the background, the timeline queues
// entries meanwhile, and Connected reports false.
func Dial(o Options) (*Client, error) {
	c := &Client{replicas: max(o.Replicas, 1), refused: map[string]func(error){}, identity: o.Name}
	opts := []nats.Option{
		nats.ErrorHandler(c.asyncError),
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, 100*time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.Timeout(opTimeout),
		nats.ReconnectBufSize(-1), // an offline publish fails at once; the journal keeps it
	}
	if o.User != "" {
		opts = append(opts, nats.UserInfo(o.User, o.Password))
		c.identity = o.User
	}
	if o.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.NkeySeed != "" {
		seed, err := os.ReadFile(o.NkeySeed)
		if err != nil {
			return nil, fmt.Errorf("team nkey seed: %w", err)
		}
		o.Seed = string(seed)
	}
	if o.JWT != "" {
		opts = append(opts, nats.UserJWTAndSeed(o.JWT, o.Seed))
		_, pub, err := seedOption(o.Seed)
		if err != nil {
			return nil, err
		}
		c.identity = pub
	} else if o.Seed != "" {
		opt, pub, err := seedOption(o.Seed)
		if err != nil {
			return nil, err
		}
		opts = append(opts, opt)
		c.identity = pub
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("team server %s: %w", RedactURL(o.URL), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("team server %s: %w", RedactURL(o.URL), err)
	}
	c.nc, c.js = nc, js
	return c, nil
}

// SetCredentials fills o from credentials as a team configuration holds
// them: a .creds file's content (a user JWT and its nkey seed), an nkey
// seed (SU…), or user:password on one line. Errors never quote them.
func (o *Options) SetCredentials(text string) error {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil
	case strings.Contains(text, "BEGIN NATS USER JWT"):
		jwt, err := nkeys.ParseDecoratedJWT([]byte(text))
		if err != nil {
			return errors.New("team credentials: the .creds content has no readable user JWT")
		}
		kp, err := nkeys.ParseDecoratedNKey([]byte(text))
		if err != nil {
			return errors.New("team credentials: the .creds content has no readable nkey seed")
		}
		seed, err := kp.Seed()
		if err != nil {
			return errors.New("team credentials: the .creds content has no readable nkey seed")
		}
		o.JWT, o.Seed = jwt, string(seed)
	case strings.HasPrefix(text, "SU") && !strings.ContainsAny(text, ": \n"):
		o.Seed = text
	default:
		user, password, ok := strings.Cut(text, ":")
		if !ok || user == "" || password == "" || strings.Contains(text, "\n") {
			return errors.New("team credentials: want a .creds file, an nkey seed (SU…) or user:password on one line")
		}
		o.User, o.Password = user, password
	}
	return nil
}

// Secrets are the parts of o's credentials that must never be shown.
func (o Options) Secrets() []string {
	var out []string
	for _, s := range []string{o.Password, o.Seed, o.JWT} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// seedOption signs the server's challenge with an nkey seed; the public
// key is the user's name on the server. Errors never quote the seed.
func seedOption(seed string) (nats.Option, string, error) {
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(seed)))
	if err != nil {
		return nil, "", errors.New("team nkey seed: not a valid user seed (SU…)")
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, "", errors.New("team nkey seed: not a valid user seed (SU…)")
	}
	return nats.Nkey(pub, kp.Sign), pub, nil
}

// Identity is who this client is on the server: the user of its
// user/password, the public key of its nkey, else the name it gave (a
// server without --auth takes any name). With an auth file the server
// lets each responder write only the approval keys of its own identity,
// so a requester cannot approve as someone else.
func (c *Client) Identity() string { return c.identity }

// guard runs op, writes to subjects, and turns the server's refusal of
// one (an observer's credentials) into a *RefusedError at once, instead
// of a timeout.
func (c *Client) guard(op func(ctx context.Context) error, subjects ...string) error {
	ctx, cancel := context.WithTimeoutCause(context.Background(), opTimeout, errors.New("no answer"))
	defer cancel()
	var refusal error
	var mu sync.Mutex
	for _, subject := range subjects {
		c.onRefused(subject, func(err error) {
			mu.Lock()
			refusal = err
			mu.Unlock()
			cancel()
		})
		defer c.onRefused(subject, nil)
	}
	err := op(ctx)
	mu.Lock()
	defer mu.Unlock()
	if refusal != nil {
		return refusal
	}
	return err
}

// RefusedError is the server refusing a write for lack of permission:
// the credentials are an observer's.
type RefusedError struct {
	Subject string
	Err     error
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("the team server refused the write to %s: these credentials may only read (%v)", e.Subject, e.Err)
}

func (e *RefusedError) Unwrap() error { return e.Err }

var violationSubject = regexp.MustCompile(`(?i)permissions violation for publish to "([^"]+)"`)

// asyncError hears what the server reports outside a request's answer:
// a refused publish is passed to whoever is waiting on that subject.
func (c *Client) asyncError(_ *nats.Conn, _ *nats.Subscription, err error) {
	m := violationSubject.FindStringSubmatch(err.Error())
	if m == nil {
		return
	}
	c.mu.Lock()
	tell := c.refused[m[1]]
	c.mu.Unlock()
	if tell != nil {
		tell(&RefusedError{Subject: m[1], Err: err})
	}
}

// onRefused registers tell for refusals of publishes to subject; nil
// removes it.
func (c *Client) onRefused(subject string, tell func(error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tell == nil {
		delete(c.refused, subject)
	} else {
		c.refused[subject] = tell
	}
}

// Connected reports whether the client is connected to the server now.
func (c *Client) Connected() bool { return c.nc.IsConnected() }

// Close closes the connection.
func (c *Client) Close() { c.nc.Close() }

// RedactURL drops user information from a server URL list, for messages.
func RedactURL(u string) string {
	parts := strings.Split(u, ",")
	for i, p := range parts {
		if at := strings.LastIndex(p, "@"); at >= 0 {
			scheme := ""
			if s := strings.Index(p, "://"); s >= 0 && s < at {
				scheme = p[:s+3]
			}
			parts[i] = scheme + "***@" + p[at+1:]
		}
	}
	return strings.Join(parts, ",")
}

// ensureStream binds to the timeline stream, creating it if needed.
func (c *Client) ensureStream(ctx context.Context) (jetstream.Stream, error) {
	s, err := c.js.Stream(ctx, TimelineStream)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, err
	}
	s, err = c.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:        TimelineStream,
		Description: "warroom incident timelines, one subject per incident",
		Subjects:    []string{timelineSubject + ">"},
		Storage:     jetstream.FileStorage,
		Replicas:    c.replicas,
		Duplicates:  DuplicateWindow,
		AllowDirect: true,
		DenyDelete:  true,
		DenyPurge:   true,
	})
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) { // another responder created it first
		return c.js.Stream(ctx, TimelineStream)
	}
	return s, err
}

// ensureBucket binds to a key-value bucket, creating it with ttl (0: keys
// never expire) if needed. Buckets with a TTL keep a marker when a key
// expires, so watchers hear of it at once.
func (c *Client) ensureBucket(ctx context.Context, name string, ttl time.Duration) (jetstream.KeyValue, error) {
	kv, err := c.js.KeyValue(ctx, name)
	if err == nil {
		return kv, nil
	}
	if !errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, err
	}
	cfg := jetstream.KeyValueConfig{Bucket: name, TTL: ttl, Storage: jetstream.FileStorage, Replicas: c.replicas, History: 1}
	if ttl > 0 {
		cfg.LimitMarkerTTL = max(ttl, time.Second)
	}
	kv, err = c.js.CreateKeyValue(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketExists) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return c.js.KeyValue(ctx, name)
	}
	return kv, err
}

// leaseBucket binds to a bucket whose TTL is a lease, creating it with
// ttl (def if ttl is not positive) if needed, and returns the TTL it has:
// an existing bucket's wins, since every client of it must honour the
// same lease. what names the bucket in errors.
func (c *Client) leaseBucket(what, name string, ttl, def time.Duration) (jetstream.KeyValue, time.Duration, error) {
	if ttl <= 0 {
		ttl = def
	}
	ctx, cancel := opContext()
	defer cancel()
	kv, err := c.ensureBucket(ctx, name, ttl)
	if err != nil {
		return nil, 0, fmt.Errorf("team %s: %w", what, err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("team %s: %w", what, err)
	}
	return kv, st.TTL(), nil
}

// untoken is the inverse of token.
func untoken(s string) string {
	if s == "=" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			if c, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(c))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// token makes s usable as one token of a subject or a key: letters,
// digits, '-' and '_' stay; anything else, '=' included, becomes =XX.
func token(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	if b.Len() == 0 {
		return "="
	}
	return b.String()
}

// isWrongLastSeq reports a refused conditional publish: the subject's
// head moved. Replicated streams use a second code for it.
func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// newID is a random identifier.
func newID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}

func opContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

// Probe checks the server once for `config check`: connected, JetStream
// answering, and who this client is there. It never shows credentials.
func (c *Client) Probe(ctx context.Context) (string, error) {
	for !c.Connected() {
		select {
		case <-ctx.Done():
			if last := c.nc.LastError(); last != nil {
				return "", fmt.Errorf("not connected: %w", last)
			}
			return "", fmt.Errorf("not connected: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	info, err := c.js.AccountInfo(ctx)
	if err != nil {
		return "", fmt.Errorf("JetStream: %w", err)
	}
	return fmt.Sprintf("JetStream on %s, %d streams, as %s", c.nc.ConnectedUrlRedacted(), info.Streams, c.identity), nil
}
