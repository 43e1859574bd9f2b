package team

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/warroomhq/warroom/timeline"
)

// Incidents summarises every incident with a shared timeline, by ID, as
// timeline.ListIncidents does the local ones: each is read whole and its
// chain verified (Err says why it fails).
func (c *Client) Incidents(ctx context.Context) ([]timeline.Incident, error) {
	s, err := c.js.Stream(ctx, TimelineStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("team timelines: %w", err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(timelineSubject+">"))
	if err != nil {
		return nil, fmt.Errorf("team timelines: %w", err)
	}
	var out []timeline.Incident
	for subject := range info.State.Subjects {
		inc := timeline.Incident{ID: untoken(strings.TrimPrefix(subject, timelineSubject))}
		entries, err := c.ReadIncident(ctx, inc.ID)
		inc.Entries, inc.Err = len(entries), err
		for _, e := range entries {
			if inc.First.IsZero() || e.Occurred.Before(inc.First) {
				inc.First = e.Occurred
			}
			if e.Occurred.After(inc.Last) {
				inc.Last = e.Occurred
			}
		}
		out = append(out, inc)
	}
	slices.SortFunc(out, func(a, b timeline.Incident) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Flush waits, at most d, until every entry queued in the journal is on
// the server, and returns how many are still queued.
func (t *Timeline) Flush(d time.Duration) int {
	select {
	case t.kick <- struct{}{}:
	default:
	}
	deadline := time.Now().Add(d)
	for {
		n := t.Status().Queued
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}
