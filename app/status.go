package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warroomhq/warroom/app/api"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/pagerduty"
	"github.com/warroomhq/warroom/integrations/slack"
	"github.com/warroomhq/warroom/statusupdate"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/series"
)

// Stakeholder status updates, for both front ends: the command line's
// `warroom status draft|due|post` and the screen's status key draft, time
// and post an update through these, so the two never differ.

// MaxUpdateChars bounds an update: Slack truncates a message's text past
// 40,000 characters and advises under 4,000; stakeholders read it on a
// phone.
const MaxUpdateChars = 4000

// StatusPostTimeout is how long each target's post may take before its
// outcome is unknown and it is read back.
const StatusPostTimeout = 15 * time.Second

// CheckUpdate is text as it is posted, trimmed; an empty or overlong
// update is refused.
func CheckUpdate(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", errors.New("the update is empty")
	}
	if n := utf8.RuneCountInString(text); n > MaxUpdateChars {
		return "", fmt.Errorf("the update is %d characters; keep it under %d (stakeholders read it on a phone)", n, MaxUpdateChars)
	}
	return text, nil
}

// StatusCadence is the configured cadence of updates by severity.
func StatusCadence(su config.StatusUpdates) statusupdate.Cadence {
	return func(sev integrations.Severity) time.Duration { return su.CadenceFor(string(sev)) }
}

// StatusTargets are where the configuration sends updates: the slack
// section's channel (the incident channel), status_updates'
// stakeholder channel, the PagerDuty incidents open on the timeline; notes
// say what is configured and left out.
func StatusTargets(cfg *config.Config, entries []timeline.Entry) (targets []statusupdate.Target, notes []string, err error) {
	if cfg == nil || cfg.Slack == nil {
		return nil, nil, errors.New("no incident channel configured: status updates are posted to the slack section's channel (see warroom config example)")
	}
	chat, err := slack.New(cfg.SlackOptions())
	if err != nil {
		return nil, nil, err
	}
	targets = []statusupdate.Target{statusupdate.Chat(cfg.Slack.Channel, chat, chat)}
	su := cfg.StatusUpdates
	if su.StakeholderChannel != "" {
		other, err := chat.WithChannel(su.StakeholderChannel)
		if err != nil {
			return nil, nil, err
		}
		targets = append(targets, statusupdate.Chat(su.StakeholderChannel, other, other))
	}
	if su.PagerDuty {
		ids := statusupdate.PagerDutyIncidents(entries)
		if len(ids) == 0 {
			notes = append(notes, "no PagerDuty incident is open on this timeline: the update goes to Slack only")
		}
		pd, err := pagerduty.New(cfg.PagerDutyOptions())
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			targets = append(targets, statusupdate.PagerDuty(pd, id))
		}
	}
	return targets, notes, nil
}

// PostUpdate posts text (checked, redacted) to every target, each post
// bounded by timeout and a timed-out one read back, and returns how each
// went with the record of the update: at the moment the posts ended on
// the incident's clock (clock), promising the next a cadence later unless
// the incident is resolved. ok is false when it landed nowhere and may not
// have: then nothing is to be recorded.
func PostUpdate(ctx context.Context, text string, targets []statusupdate.Target, entries []timeline.Entry, opts statusupdate.Options,
	author string, timeout time.Duration, clock func() time.Time) (outcomes []statusupdate.Outcome, rec integrations.Record, ok bool) {
	outcomes = statusupdate.Post(ctx, text, targets, timeout, time.Now)
	opts.Now = clock() // the posts may have taken a while
	draft := statusupdate.NewDraft(entries, opts)
	var nextDue time.Time
	if !draft.NextDue.IsZero() { // not resolved
		nextDue = opts.Now.Add(opts.Cadence(draft.Severity))
	}
	rec, ok = statusupdate.Record(text, outcomes, author, opts.Now, nextDue)
	return outcomes, rec, ok
}

// statusOptions shape the session's updates at now.
func (s *Session) statusOptions(now time.Time) statusupdate.Options {
	w := s.world
	opts := statusupdate.Options{Title: w.title, Incident: w.incident, Location: w.started.Location(), Now: now,
		Cadence: StatusCadence(w.status), Main: w.metrics.Main}
	if dir, err := series.Dir(s.stateDir, w.incident); err == nil {
		opts.Metrics, _ = series.Read(dir, time.Time{}, time.Time{}, nil) // no series: the draft says none was recorded
	}
	return opts
}

// statusTargets are where the session's updates go: in a drill, its
// incident channel; else as the configuration says.
func (s *Session) statusTargets(entries []timeline.Entry) ([]statusupdate.Target, error) {
	w := s.world
	if w.drill {
		if s.acts.Chat == nil {
			return nil, errors.New("the drill has no incident channel to post to")
		}
		return []statusupdate.Target{statusupdate.Chat(w.channel, s.acts.Chat, s.acts.ChatReader)}, nil
	}
	targets, _, err := StatusTargets(w.config, entries)
	return targets, scrubber(s.redactor.Redact).err(err)
}

// DraftStatus drafts an update from the timeline as it stands.
func (s *Session) DraftStatus(now time.Time) (api.StatusDraft, error) {
	entries := s.store.Entries()
	targets, err := s.statusTargets(entries)
	if err != nil {
		return api.StatusDraft{}, err
	}
	d := api.StatusDraft{Text: statusupdate.NewDraft(entries, s.statusOptions(now)).Text}
	for _, t := range targets {
		d.Targets = append(d.Targets, t.Name())
	}
	return d, nil
}

// StatusDue says when the next update is due.
func (s *Session) StatusDue(now time.Time) api.StatusReminder {
	r := statusupdate.Due(s.store.Entries(), now, StatusCadence(s.world.status))
	return api.StatusReminder{Next: r.Next, Done: r.Done, Every: r.Every, Severity: string(r.Severity)}
}

// PostStatus posts text to every target and records it where it landed.
func (s *Session) PostStatus(ctx context.Context, text string) (api.StatusPosted, error) {
	text, err := CheckUpdate(text)
	if err != nil {
		return api.StatusPosted{}, err
	}
	text = s.redactor.Redact(text) // it leaves for other channels: no secret goes with it
	entries := s.store.Entries()
	targets, err := s.statusTargets(entries)
	if err != nil {
		return api.StatusPosted{}, err
	}
	outcomes, rec, ok := PostUpdate(ctx, text, targets, entries, s.statusOptions(s.world.clock()), s.user, StatusPostTimeout, s.world.clock)
	var out api.StatusPosted
	for _, o := range outcomes {
		out.Outcomes = append(out.Outcomes, api.StatusOutcome{Target: o.Target, Status: o.Status, Detail: s.redactor.Redact(o.Detail)})
	}
	if !ok {
		return out, nil
	}
	out.Record, err = s.Record(ctx, rec)
	if err != nil {
		return out, fmt.Errorf("posted, but recording the update failed: %w", err)
	}
	return out, nil
}
