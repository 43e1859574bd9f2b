package statusupdate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline"
	"github.com/warroomhq/warroom/timeline/export"
)

// Target is somewhere an update is posted: the incident channel, a
// stakeholder channel, a PagerDuty incident.
type Target interface {
	Name() string // "#inc-42", "pagerduty P1"
	Post(ctx context.Context, text string) error
	// ReadBack settles a post whose answer never came: whether text is
	// there, posted since. ok is false when the target cannot be read
	// back, and the outcome stays unknown.
	ReadBack(ctx context.Context, text string, since time.Time) (found, ok bool, err error)
}

// Outcomes of a post to one target.
const (
	Posted    = "posted"
	Failed    = "failed"
	Unknown   = "unknown"    // no answer in time, and no way to tell
	NotPosted = "not posted" // no answer in time, and reading back shows it did not land
)

// Outcome is how a post to one target went, in words for the responder.
type Outcome struct {
	Target string
	Status string
	Detail string
}

// Post posts text to every target in turn, each call bounded by timeout.
// A call that times out has an unknown outcome: the target is read back
// (within a timeout of its own) when it can be, else it is said to be
// unknown. now is the wall clock, for the read-back's window.
func Post(ctx context.Context, text string, targets []Target, timeout time.Duration, now func() time.Time) []Outcome {
	out := make([]Outcome, 0, len(targets))
	for _, t := range targets {
		out = append(out, postOne(ctx, t, text, timeout, now))
	}
	return out
}

func postOne(ctx context.Context, t Target, text string, timeout time.Duration, now func() time.Time) Outcome {
	o := Outcome{Target: t.Name()}
	since := now()
	pctx, cancel := context.WithTimeout(ctx, timeout)
	err := t.Post(pctx, text)
	cancel()
	switch {
	case err == nil:
		o.Status = Posted
		return o
	case !errors.Is(err, context.DeadlineExceeded):
		o.Status, o.Detail = Failed, err.Error()
		return o
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	found, ok, rerr := t.ReadBack(rctx, text, since)
	switch {
	case !ok:
		o.Status, o.Detail = Unknown, fmt.Sprintf("no answer in %s, and %s cannot be read back: look there before posting again", timeout, o.Target)
	case rerr != nil:
		o.Status, o.Detail = Unknown, fmt.Sprintf("no answer in %s, and reading %s back failed: %v; look there before posting again", timeout, o.Target, rerr)
	case found:
		o.Status, o.Detail = Posted, fmt.Sprintf("no answer in %s, but reading %s back shows the update", timeout, o.Target)
	default:
		o.Status, o.Detail = NotPosted, fmt.Sprintf("no answer in %s, and reading %s back does not show it", timeout, o.Target)
	}
	return o
}

// Record is the timeline record of an update posted by author at at (the
// incident's clock): where it landed, where its outcome is unknown, when
// the next is due. ok is false when it landed nowhere and may not have:
// nothing was posted, so nothing is recorded.
func Record(text string, outcomes []Outcome, author string, at time.Time, nextDue time.Time) (integrations.Record, bool) {
	var posted, unknown, failed []string
	for _, o := range outcomes {
		switch o.Status {
		case Posted:
			posted = append(posted, o.Target)
		case Unknown:
			unknown = append(unknown, o.Target)
		default:
			failed = append(failed, o.Target)
		}
	}
	if len(posted) == 0 && len(unknown) == 0 {
		return integrations.Record{}, false
	}
	fields := map[string]string{"channels": strings.Join(posted, ","), "author": author}
	if len(unknown) > 0 {
		fields["unknown"] = strings.Join(unknown, ",")
	}
	if len(failed) > 0 {
		fields["failed"] = strings.Join(failed, ",")
	}
	if !nextDue.IsZero() {
		fields["next_due"] = nextDue.UTC().Format(time.RFC3339)
	}
	return integrations.Record{Occurred: at, Source: "warroom", Kind: Kind, Actor: author, Text: text, Fields: fields}, true
}

// Chat is a chat channel as a target: name is how to call it ("#inc-42").
// With a reader (the channel's read-back capability; nil: none), a post
// that timed out is read back to settle it.
func Chat(name string, p integrations.ChatPoster, r integrations.ChatReader) Target {
	return chatTarget{name, p, r}
}

type chatTarget struct {
	name string
	p    integrations.ChatPoster
	r    integrations.ChatReader
}

func (c chatTarget) Name() string { return c.name }

func (c chatTarget) Post(ctx context.Context, text string) error {
	_, err := c.p.Post(ctx, text, "")
	return err
}

func (c chatTarget) ReadBack(ctx context.Context, text string, since time.Time) (bool, bool, error) {
	if c.r == nil {
		return false, false, nil
	}
	_, found, err := c.r.FindPosted(ctx, text, since)
	return found, true, err
}

// StatusUpdater posts a status update on a PagerDuty incident.
type StatusUpdater interface {
	PostStatusUpdate(ctx context.Context, incidentID, message string) error
}

// PagerDuty is a PagerDuty incident as a target. Its status updates are
// not read back: a timed-out one stays unknown.
func PagerDuty(u StatusUpdater, incidentID string) Target { return pdTarget{u, incidentID} }

type pdTarget struct {
	u  StatusUpdater
	id string
}

func (p pdTarget) Name() string { return "pagerduty " + p.id }

func (p pdTarget) Post(ctx context.Context, text string) error {
	return p.u.PostStatusUpdate(ctx, p.id, text)
}

func (p pdTarget) ReadBack(context.Context, string, time.Time) (bool, bool, error) {
	return false, false, nil
}

// PagerDutyIncidents are the PagerDuty incidents open on the timeline,
// in the order they fired: the ones a status update is posted on.
func PagerDutyIncidents(entries []timeline.Entry) []string {
	var ids []string
	for _, r := range openAlerts(export.Rows(entries)) {
		if r.Entry.Source == "pagerduty" && r.Fields["alert"] != "" {
			ids = append(ids, r.Fields["alert"])
		}
	}
	return ids
}
