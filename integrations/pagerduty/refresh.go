package pagerduty

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/warroomhq/warroom/integrations"
)

// Listing bounds: PagerDuty pages hold at most 100 items; ten pages of open
// incidents for the watched services is far past any real incident, and a
// bound keeps a misbehaving server (more=true forever) from looping.
const (
	pageSize = 100
	maxPages = 10
)

// maxLookups bounds the per-incident requests of one refresh (log entries
// of changed incidents, details of resolved ones), so that starting up
// among hundreds of open incidents, or a mass resolution, does not spend
// the account's rate limit (960 requests a minute, shared) in one go.
const maxLookups = 20

// tracker is one Run's memory of what PagerDuty looked like at the last
// successful refresh, so the next one can tell what changed.
type tracker struct {
	alerts  map[string]integrations.Alert
	updated map[string]string              // incident id → updated_at last seen
	logAt   map[string]time.Time           // incident id → newest log entry seen
	logSeen map[string]map[string]struct{} // incident id → log entry ids recorded
}

func newTracker() *tracker {
	return &tracker{
		alerts:  map[string]integrations.Alert{},
		updated: map[string]string{},
		logAt:   map[string]time.Time{},
		logSeen: map[string]map[string]struct{}{},
	}
}

// refresh fetches the open incidents, compares them with the tracker and
// publishes the changes. The incident list is fetched whole every time:
// PagerDuty's since/until filter incidents by creation time, so only the
// full open list reveals a status change or a resolution. What is
// incremental is the costly part: log entries are fetched only for
// incidents that are new or whose updated_at moved, only since the newest
// entry already seen, and for a bounded number of incidents per refresh. Nothing is published or remembered unless
// the whole refresh succeeds, so a failed refresh is simply retried.
func (s *Source) refresh(ctx context.Context, t *tracker, pub integrations.Publisher) error {
	var incidents []pd.Incident
	err := s.call(ctx, "list incidents", func(ctx context.Context) error {
		var err error
		incidents, err = s.listOpen(ctx)
		return err
	})
	if err != nil {
		return err
	}

	next := newTracker()
	var records []integrations.Record
	var changed []integrations.Alert // incidents whose log may have grown
	for _, inc := range incidents {
		a, err := toAlert(inc)
		if err == nil && a.Status == integrations.AlertResolved {
			err = errors.New("resolved, in the list of open incidents")
		}
		if err != nil {
			return s.scrub.Error(fmt.Errorf("pagerduty: incident %s: %w", inc.ID, err))
		}
		next.alerts[a.ID] = a
		next.updated[a.ID] = inc.UpdatedAt
		next.logAt[a.ID], next.logSeen[a.ID] = t.logAt[a.ID], t.logSeen[a.ID]
		prev, known := t.alerts[a.ID]
		switch {
		case !known:
			records = append(records, triggeredRecord(a, inc))
			if a.Status != integrations.AlertTriggered {
				records = append(records, transitionRecord(a, inc))
			}
		case prev.Status != a.Status:
			records = append(records, transitionRecord(a, inc))
		}
		if old, seen := t.updated[a.ID]; !seen || old != inc.UpdatedAt {
			changed = append(changed, a)
		}
	}

	// Log entries cost a request per incident: read them for the most
	// recently changed incidents first, at most maxLookups per refresh.
	// The others keep their previous updated_at mark, so a later refresh
	// still sees them as changed.
	slices.SortStableFunc(changed, func(a, b integrations.Alert) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	for i, a := range changed {
		if i >= maxLookups {
			if old, seen := t.updated[a.ID]; seen {
				next.updated[a.ID] = old
			} else {
				delete(next.updated, a.ID)
			}
			continue
		}
		since := t.logAt[a.ID]
		if since.IsZero() {
			since = a.CreatedAt
		}
		logRecords, newest, seen, err := s.logRecords(ctx, a, since, t.logSeen[a.ID])
		if err != nil {
			return err
		}
		records = append(records, logRecords...)
		next.logAt[a.ID], next.logSeen[a.ID] = newest, seen
	}

	lookups := 0
	for id, prev := range t.alerts {
		if _, open := next.alerts[id]; !open {
			records = append(records, s.resolvedRecord(ctx, prev, lookups < maxLookups))
			lookups++
		}
	}

	*t = *next
	slices.SortStableFunc(records, func(a, b integrations.Record) int { return a.Occurred.Compare(b.Occurred) })
	for _, r := range records {
		pub.Publish(s.scrub.Record(r))
	}
	pub.Publish(integrations.AlertsSnapshot{Source: Name, Alerts: s.snapshot(next.alerts)})
	return nil
}

// listOpen returns every triggered or acknowledged incident of the
// configured services and teams, following limit/offset pagination.
func (s *Source) listOpen(ctx context.Context) ([]pd.Incident, error) {
	opts := pd.ListIncidentsOptions{
		Limit:      pageSize,
		Statuses:   []string{"triggered", "acknowledged"},
		ServiceIDs: s.opts.ServiceIDs,
		TeamIDs:    s.opts.TeamIDs,
		DateRange:  "all", // otherwise PagerDuty looks back one month only
		SortBy:     "created_at:asc",
	}
	var all []pd.Incident
	for range maxPages {
		resp, err := s.client.ListIncidentsWithContext(ctx, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, resp.Incidents...)
		if !resp.More {
			return all, nil
		}
		if len(resp.Incidents) == 0 {
			return nil, errors.New("server reported more incidents but sent none")
		}
		opts.Offset += uint(len(resp.Incidents))
	}
	return nil, fmt.Errorf("more than %d open incidents; narrow service_ids or team_ids", maxPages*pageSize)
}

// logRecords turns the incident's log entries since the given time into
// records, skipping those already recorded. It returns the newest entry
// time and the updated set of recorded entry ids.
func (s *Source) logRecords(ctx context.Context, a integrations.Alert, since time.Time, seen map[string]struct{}) ([]integrations.Record, time.Time, map[string]struct{}, error) {
	var entries []pd.LogEntry
	err := s.call(ctx, "log entries of incident "+a.ID, func(ctx context.Context) error {
		opts := pd.ListIncidentLogEntriesOptions{Limit: pageSize, IsOverview: true}
		if !since.IsZero() {
			opts.Since = since.UTC().Format(time.RFC3339)
		}
		for range maxPages {
			resp, err := s.client.ListIncidentLogEntriesWithContext(ctx, a.ID, opts)
			if err != nil {
				return err
			}
			entries = append(entries, resp.LogEntries...)
			if !resp.More {
				return nil
			}
			if len(resp.LogEntries) == 0 {
				return errors.New("server reported more log entries but sent none")
			}
			opts.Offset += uint(len(resp.LogEntries))
		}
		return fmt.Errorf("more than %d log entries since %s", maxPages*pageSize, opts.Since)
	})
	if err != nil {
		return nil, time.Time{}, nil, err
	}

	nextSeen := make(map[string]struct{}, len(seen)+len(entries))
	for id := range seen {
		nextSeen[id] = struct{}{}
	}
	newest := since
	var records []integrations.Record
	for _, e := range entries {
		at, err := parseTime("log entry created_at", e.CreatedAt)
		if err != nil {
			return nil, time.Time{}, nil, s.scrub.Error(fmt.Errorf("pagerduty: incident %s: %w", a.ID, err))
		}
		if at.After(newest) {
			newest = at
		}
		if _, dup := nextSeen[e.ID]; dup {
			continue
		}
		nextSeen[e.ID] = struct{}{}
		if kind, ok := logKind(e.Type); ok {
			records = append(records, integrations.Record{
				Occurred: at,
				Source:   Name,
				Kind:     kind,
				Actor:    e.Agent.Summary,
				Text:     e.Summary,
				Fields:   map[string]string{"alert": a.ID, "service": a.Service, "log_type": e.Type, "log_entry": e.ID},
				Links:    links(a),
			})
		}
	}
	return records, newest, nextSeen, nil
}

// logKind maps a log entry type to a record kind. Triggers,
// acknowledgements and resolutions are left out: they are recorded from
// the incident's status change, which names who made it.
func logKind(logType string) (string, bool) {
	switch strings.TrimSuffix(logType, "_reference") {
	case "trigger_log_entry", "acknowledge_log_entry", "unacknowledge_log_entry", "resolve_log_entry":
		return "", false
	case "escalate_log_entry":
		return integrations.KindAlertEscalated, true
	case "assign_log_entry":
		return integrations.KindAlertAssigned, true
	case "annotate_log_entry":
		return integrations.KindAlertNote, true
	}
	return integrations.KindAlertLog, true
}

// resolvedRecord records an incident that left the open list. PagerDuty is
// asked (if ask) when and by whom it was resolved; if it cannot say (the
// incident was moved out of the watched services, or the lookup fails or
// is not made), the time the disappearance was noticed is used and the
// text says so.
func (s *Source) resolvedRecord(ctx context.Context, a integrations.Alert, ask bool) integrations.Record {
	r := integrations.Record{
		Occurred: s.now(),
		Source:   Name,
		Kind:     integrations.KindAlertResolved,
		Text:     "no longer open for the watched services: " + a.Title,
		Fields:   map[string]string{"alert": a.ID, "service": a.Service, "status": string(integrations.AlertResolved)},
		Links:    links(a),
	}
	if !ask {
		return r
	}
	var inc *pd.Incident
	err := s.call(ctx, "get incident "+a.ID, func(ctx context.Context) error {
		var err error
		inc, err = s.client.GetIncidentWithContext(ctx, a.ID)
		return err
	})
	if err != nil || inc.Status != string(integrations.AlertResolved) {
		return r
	}
	if at, err := parseTime("last_status_change_at", inc.LastStatusChangeAt); err == nil && !at.IsZero() {
		r.Occurred = at
	}
	r.Actor = inc.LastStatusChangeBy.Summary
	r.Text = "resolved: " + a.Title
	return r
}

func (s *Source) now() time.Time {
	if s.opts.Poll.Now != nil {
		return s.opts.Poll.Now()
	}
	return time.Now()
}

func triggeredRecord(a integrations.Alert, inc pd.Incident) integrations.Record {
	return integrations.Record{
		Occurred: a.CreatedAt,
		Source:   Name,
		Kind:     integrations.KindAlertTriggered,
		Actor:    inc.Service.Summary,
		Text:     fmt.Sprintf("triggered (%s): %s", a.Severity, a.Title),
		Fields:   map[string]string{"alert": a.ID, "service": a.Service, "status": string(integrations.AlertTriggered), "severity": string(a.Severity)},
		Links:    links(a),
	}
}

// transitionRecord records the incident's current status, at the time and
// by the actor PagerDuty reports for its last status change.
func transitionRecord(a integrations.Alert, inc pd.Incident) integrations.Record {
	return integrations.Record{
		Occurred: a.UpdatedAt,
		Source:   Name,
		Kind:     integrations.KindAlertPrefix + string(a.Status),
		Actor:    inc.LastStatusChangeBy.Summary,
		Text:     fmt.Sprintf("%s: %s", a.Status, a.Title),
		Fields:   map[string]string{"alert": a.ID, "service": a.Service, "status": string(a.Status)},
		Links:    links(a),
	}
}

func links(a integrations.Alert) []string {
	if a.Link == "" {
		return nil
	}
	return []string{a.Link}
}

// snapshot lists the alerts most severe first, then oldest first, with
// secrets scrubbed from what PagerDuty wrote.
func (s *Source) snapshot(alerts map[string]integrations.Alert) []integrations.Alert {
	out := make([]integrations.Alert, 0, len(alerts))
	for _, a := range alerts {
		a.Service, a.Title, a.Body = s.scrub.String(a.Service), s.scrub.String(a.Title), s.scrub.String(a.Body)
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b integrations.Alert) int {
		return cmp.Or(
			cmp.Compare(a.Severity.Rank(), b.Severity.Rank()),
			a.CreatedAt.Compare(b.CreatedAt),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return out
}

// toAlert maps an incident; it fails on a status or time it cannot read.
func toAlert(inc pd.Incident) (integrations.Alert, error) {
	status := integrations.AlertStatus(inc.Status)
	if status != integrations.AlertTriggered && status != integrations.AlertAcknowledged && status != integrations.AlertResolved {
		return integrations.Alert{}, fmt.Errorf("unexpected status %q", inc.Status)
	}
	created, err := parseTime("created_at", inc.CreatedAt)
	if err != nil {
		return integrations.Alert{}, err
	}
	changed, err := parseTime("last_status_change_at", cmp.Or(inc.LastStatusChangeAt, inc.UpdatedAt, inc.CreatedAt))
	if err != nil {
		return integrations.Alert{}, err
	}
	body := inc.Body.Details
	if body == "" && inc.Description != inc.Title {
		body = inc.Description
	}
	return integrations.Alert{
		ID:        inc.ID,
		Service:   inc.Service.Summary,
		Severity:  severity(inc),
		Status:    status,
		Title:     inc.Title,
		Body:      body,
		CreatedAt: created,
		UpdatedAt: changed,
		Link:      inc.HTMLURL,
	}, nil
}

// severity comes from the incident's priority when the account uses
// priorities (P1 is the most severe), else from its urgency.
func severity(inc pd.Incident) integrations.Severity {
	if inc.Priority != nil {
		switch strings.ToUpper(strings.TrimSpace(inc.Priority.Name)) {
		case "P1":
			return integrations.SeverityCritical
		case "P2":
			return integrations.SeverityError
		case "P3":
			return integrations.SeverityWarning
		case "P4", "P5":
			return integrations.SeverityInfo
		}
	}
	if inc.Urgency == "low" {
		return integrations.SeverityWarning
	}
	return integrations.SeverityCritical
}

func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("unreadable %s %q", field, v)
	}
	return t, nil
}
