package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/team"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

// teamReach bounds how long a verb waits for the team server before it
// works from the local journal: an append is queued, a read fails.
const teamReach = 2 * time.Second

// teamSettings say how this warroom reaches the team server.
type teamSettings struct {
	opts    team.Options
	cfg     *config.TeamConfig // nil with --team and no team block
	secrets []string           // the credentials, for every redactor
}

// teamSettings is --team, else the configuration's team.url, with the
// configured credentials (or WARROOM_TEAM_CREDENTIALS); nil when neither
// names a team: the single-responder default.
func (g *globalFlags) teamSettings(cfg *config.Config) (*teamSettings, error) {
	var tc *config.TeamConfig
	if cfg != nil {
		tc = cfg.Team
	}
	url := g.Team
	if url == "" && tc != nil {
		url = tc.URL
	}
	if url == "" {
		return nil, nil
	}
	ts := &teamSettings{cfg: tc, opts: team.Options{URL: url, Name: currentUser()}}
	creds := strings.TrimSpace(os.Getenv(config.TeamCredentialsEnv))
	if tc != nil {
		creds = tc.Credentials.Value()
		ts.opts.TLSCA = tc.TLSCA
	}
	if err := ts.opts.SetCredentials(creds); err != nil {
		return nil, err
	}
	ts.secrets = ts.opts.Secrets()
	if creds != "" {
		ts.secrets = append(ts.secrets, creds)
	}
	return ts, nil
}

// loadTeam loads the configuration (if any) for the team settings.
func loadTeam(g *globalFlags) (*teamSettings, *config.Config, error) {
	cfg, err := configured(g)
	if err != nil {
		return nil, nil, err
	}
	ts, err := g.teamSettings(cfg)
	return ts, cfg, err
}

// dial connects to the team server; an unreachable one is not an error
// (Connected says so), since appends then queue.
func (ts *teamSettings) dial() (*team.Client, error) {
	c, err := team.Dial(ts.opts)
	if err != nil {
		return nil, ts.scrub(err)
	}
	return c, nil
}

// reach dials the server and insists on reaching it: for verbs that read
// what only the server holds and have nothing to queue.
func (ts *teamSettings) reach() (*team.Client, error) {
	c, err := ts.dial()
	if err != nil {
		return nil, err
	}
	if !c.Connected() {
		c.Close()
		return nil, fmt.Errorf("team server %s not reached within %s", team.RedactURL(ts.opts.URL), teamReach)
	}
	return c, nil
}

// scrub keeps the credentials out of an error, whatever produced it.
func (ts *teamSettings) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range ts.secrets {
		clean = strings.ReplaceAll(clean, s, "******")
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

// approvalPolicy is the configured side of the two-person rule.
func (ts *teamSettings) approvalPolicy() runbooks.ApprovalPolicy {
	return approvalPolicy(ts.cfg)
}

func approvalPolicy(tc *config.TeamConfig) runbooks.ApprovalPolicy {
	var p runbooks.ApprovalPolicy
	if tc == nil {
		return p
	}
	p.Dangerous = tc.ApprovalOnDangerous()
	if tc.SelfApproval {
		p.SelfAllowedBy = config.SelfApprovalKey
	}
	return p
}

// sharedTimeline is an incident's shared timeline opened by a verb, with
// its connection.
type sharedTimeline struct {
	*team.Timeline
	client *team.Client
	ts     *teamSettings
}

// openShared opens incident's shared timeline: the server's, with this
// machine's journal under stateDir. What earlier verbs queued there is
// published as soon as the server is reached.
func (ts *teamSettings) openShared(stateDir, incident string, redactor *timeline.Redactor) (*sharedTimeline, error) {
	c, err := ts.dial()
	if err != nil {
		return nil, err
	}
	tl, err := c.OpenTimeline(incident, team.TimelineOptions{StateDir: stateDir, Redactor: redactor, AppendTimeout: teamReach})
	if err != nil {
		c.Close()
		return nil, ts.scrub(err)
	}
	return &sharedTimeline{Timeline: tl, client: c, ts: ts}, nil
}

// reached reports whether the server answered; a read verb needs it.
func (s *sharedTimeline) reached() error {
	if s.client.Connected() {
		return nil
	}
	return fmt.Errorf("team server %s not reached within %s: nothing to read (entries appended meanwhile wait in %s)",
		team.RedactURL(s.ts.opts.URL), teamReach, s.Journal())
}

// close publishes, for a bounded time, what is still queued, then closes.
func (s *sharedTimeline) close() error {
	if s.client.Connected() {
		s.Flush(teamReach)
	}
	err := s.Timeline.Close()
	s.client.Close()
	return s.ts.scrub(err)
}

// teamWanted reports whether a verb is to use the team: --team, or a team
// block in a configuration that reads. A configuration that does not
// read is left to the local verbs, which say what is wrong with it where
// it matters.
func teamWanted(g *globalFlags) bool {
	if g.Team != "" {
		return true
	}
	path, err := g.configPath()
	if err != nil {
		return false
	}
	cfg, err := config.LoadSettings(path)
	return err == nil && cfg.Team != nil
}

// verbTeam loads the configuration once for a verb that reads or writes
// a timeline: nil settings when the verb is local (no team); else the
// team settings and the redactor, which masks the team credentials too.
func verbTeam(g *globalFlags) (*teamSettings, *timeline.Redactor, error) {
	if !teamWanted(g) {
		return nil, nil, nil
	}
	ts, cfg, err := loadTeam(g)
	if err != nil {
		return nil, nil, err
	}
	var secrets, patterns []string
	if cfg != nil {
		secrets, patterns = cfg.Secrets(), cfg.Redact
	}
	secrets = append(secrets, ts.secrets...)
	r, err := timeline.NewRedactor(secrets, patterns)
	return ts, r, err
}

// appendShared appends e to the shared timeline. A server not reached
// within teamReach leaves it queued in the journal: that is said, and is
// not a failure.
func appendShared(w io.Writer, ts *teamSettings, stateDir, incident string, e timeline.Entry, redactor *timeline.Redactor) error {
	s, err := ts.openShared(stateDir, incident, redactor)
	if err != nil {
		return err
	}
	if e.Occurred.IsZero() {
		e.Occurred = app.IncidentNow(s.Entries(), time.Now())
	}
	stored, err := s.Append(e)
	var queued *team.QueuedError
	switch {
	case errors.As(err, &queued):
		fmt.Fprintf(w, "queued in %s: the team server was not reached within %s (%d queued); the next warroom on this machine that reaches it publishes them\n",
			s.Journal(), teamReach, queued.Queued)
		err = nil
	case err == nil:
		fmt.Fprintf(w, "%s recorded in %s (team timeline)\n", stored[0].ID, incident)
	}
	if cerr := s.close(); err == nil {
		err = cerr
	}
	return ts.scrub(err)
}

// readShared reads the shared timeline for show and export, publishing
// first what this machine queued.
func readShared(ts *teamSettings, stateDir, incident string, redactor *timeline.Redactor) ([]timeline.Entry, error) {
	s, err := ts.openShared(stateDir, incident, redactor)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := s.reached(); err != nil {
		return nil, err
	}
	s.Flush(teamReach)
	entries := s.Entries()
	if len(entries) == 0 {
		return nil, fmt.Errorf("no team timeline for incident %q on %s (see warroom timeline list --team)", incident, team.RedactURL(ts.opts.URL))
	}
	return entries, nil
}

// listShared lists the incidents on the team server.
func listShared(ts *teamSettings) ([]timeline.Incident, error) {
	c, err := ts.reach()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	incidents, err := c.Incidents(ctx)
	return incidents, ts.scrub(err)
}

// verifyShared checks the shared timeline's chain as the server holds it.
func verifyShared(out, errw io.Writer, g *globalFlags, ts *teamSettings, incident string, redactor *timeline.Redactor) error {
	dir, err := g.stateDir()
	if err != nil {
		return err
	}
	s, err := ts.openShared(dir, incident, redactor)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.reached(); err != nil {
		return err
	}
	s.Flush(teamReach)
	entries, err := s.ReadAll(context.Background())
	var ce *timeline.CorruptError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Fprintf(errw, "team timeline %s: message %d: %s\n", incident, p.Line, p.Summary())
		}
		return fmt.Errorf("team timeline of %s failed verification: %d problem(s), listed above", incident, len(ce.Problems))
	}
	if err != nil {
		return ts.scrub(err)
	}
	if len(entries) == 0 {
		return fmt.Errorf("no team timeline for incident %q on %s", incident, team.RedactURL(ts.opts.URL))
	}
	fmt.Fprintf(out, "team timeline %s on %s: %d entries, hash chain intact\n", incident, team.RedactURL(ts.opts.URL), len(entries))
	return nil
}

// probeTeam tries the team server like any source, for `config check`:
// one row, or none without a team.
func probeTeam(ctx context.Context, g *globalFlags, cfg *config.Config, timeout time.Duration) ([]sourceJSON, error) {
	ts, err := g.teamSettings(cfg)
	if err != nil || ts == nil {
		return nil, err
	}
	r := probeResult{source: "team"}
	c, err := ts.dial()
	if err == nil {
		defer c.Close()
		pctx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		r.found, err = c.Probe(pctx)
		r.latency = time.Since(start)
		cancel()
	}
	r.err = ts.scrub(err)
	return probeRows([]probeResult{r}, append(cfg.Secrets(), ts.secrets...)), nil
}

// sharedSeries is the team's series of incident, kept as every warroom's
// metrics store keeps them (at the configured interval), in [since,
// until] and through filter, so `metrics export --team` agrees with what
// each responder recorded.
func sharedSeries(ts *teamSettings, cfg *config.Config, incident string, since, until time.Time, filter func(series.Key) bool) ([]series.Series, error) {
	c, err := ts.reach()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	samples, err := c.Samples(ctx, incident)
	if err != nil {
		return nil, ts.scrub(err)
	}
	m := config.DefaultMetrics()
	if cfg != nil {
		m = cfg.Metrics
	}
	dir, err := os.MkdirTemp("", "warroom-series-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	store, err := series.Open(dir, series.Options{Interval: time.Duration(m.Interval)})
	if err != nil {
		return nil, err
	}
	if _, err := store.Append(samples); err != nil {
		store.Close()
		return nil, err
	}
	if err := store.Close(); err != nil {
		return nil, err
	}
	return series.Read(dir, since, until, filter)
}
