package aws

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// tracker remembers the previous snapshot so each refresh can report what
// changed, and carries DesiredSince across refreshes. Only the polling
// goroutine uses it.
type tracker struct {
	prev map[string]integrations.Group // nil before the first snapshot
}

// observe sets each group's DesiredSince and returns the fleet.change
// records between the previous snapshot and groups. The first snapshot is
// the baseline and yields no records; a group seen for the first time is
// a baseline for itself.
func (t *tracker) observe(groups []integrations.Group, now time.Time) []integrations.Record {
	var records []integrations.Record
	next := make(map[string]integrations.Group, len(groups))
	for i := range groups {
		g := &groups[i]
		prev, seen := t.prev[g.Name]
		switch {
		case !seen:
			// The newest activity is the best estimate of when the
			// desired capacity last moved.
			if len(g.Activities) > 0 && g.Activities[0].Start.After(g.DesiredSince) {
				g.DesiredSince = g.Activities[0].Start
			}
		case prev.Desired == g.Desired:
			g.DesiredSince = prev.DesiredSince
		default:
			g.DesiredSince = now
			records = append(records, record(now,
				fmt.Sprintf("%s: desired capacity %d → %d", g.Name, prev.Desired, g.Desired),
				map[string]string{"group": g.Name, "change": "desired", "from": strconv.Itoa(prev.Desired), "to": strconv.Itoa(g.Desired)}))
		}
		if seen {
			records = append(records, instanceChanges(prev, *g, now)...)
			records = append(records, failedActivities(prev, *g)...)
		}
		next[g.Name] = *g
	}
	t.prev = next
	return records
}

// instanceChanges reports instances that entered or left service. The
// time is the matching scaling activity's when there is one: its end for
// a launch, its start for a termination.
func instanceChanges(prev, cur integrations.Group, now time.Time) []integrations.Record {
	was := map[string]integrations.Instance{}
	for _, in := range prev.Instances {
		was[in.ID] = in
	}
	is := map[string]bool{}
	var records []integrations.Record
	for _, in := range cur.Instances {
		is[in.ID] = true
		before, existed := was[in.ID]
		inService := in.Lifecycle == integrations.LifecycleInService
		wasInService := existed && before.Lifecycle == integrations.LifecycleInService
		switch {
		case inService && !wasInService:
			at := now
			if a, ok := activityFor(cur, in.ID); ok && !a.End.IsZero() {
				at = a.End
			}
			records = append(records, instanceRecord(at, cur.Name, in, "entered service"))
		case !inService && wasInService:
			records = append(records, instanceRecord(leftAt(cur, in.ID, now), cur.Name, in, "left service ("+in.Lifecycle+")"))
		}
	}
	for _, in := range prev.Instances {
		if !is[in.ID] && in.Lifecycle == integrations.LifecycleInService {
			records = append(records, instanceRecord(leftAt(cur, in.ID, now), cur.Name, in, "left service (gone from the group)"))
		}
	}
	return records
}

func leftAt(g integrations.Group, id string, now time.Time) time.Time {
	if a, ok := activityFor(g, id); ok && !a.Start.IsZero() {
		return a.Start
	}
	return now
}

// activityFor finds the newest activity about instance id; Auto Scaling
// names the instance in the description ("Launching a new EC2 instance:
// i-0abc").
func activityFor(g integrations.Group, id string) (integrations.ScalingActivity, bool) {
	for _, a := range g.Activities {
		if strings.Contains(a.Description, id) {
			return a, true
		}
	}
	return integrations.ScalingActivity{}, false
}

func instanceRecord(at time.Time, group string, in integrations.Instance, what string) integrations.Record {
	text := fmt.Sprintf("%s: instance %s %s", group, in.ID, what)
	if in.PrivateIP != "" {
		text += " " + in.PrivateIP
	}
	return record(at, text, map[string]string{
		"group": group, "change": "instance", "instance": in.ID, "address": in.PrivateIP, "lifecycle": in.Lifecycle,
	})
}

// failedActivities reports activities that are Failed now and were not
// Failed in the previous snapshot, at their own end time.
func failedActivities(prev, cur integrations.Group) []integrations.Record {
	was := map[string]integrations.ActivityStatus{}
	for _, a := range prev.Activities {
		was[a.ID] = a.Status
	}
	var records []integrations.Record
	for _, a := range cur.Activities {
		if a.Status != integrations.ActivityFailed || was[a.ID] == integrations.ActivityFailed {
			continue
		}
		at := a.End
		if at.IsZero() {
			at = a.Start
		}
		text := fmt.Sprintf("%s: scaling activity failed: %s", cur.Name, a.Description)
		if a.Message != "" && a.Message != a.Description { // the message may be the description itself
			text += ": " + a.Message
		}
		records = append(records, record(at, text, map[string]string{
			"group": cur.Name, "change": "activity", "activity": a.ID, "status": string(a.Status),
		}))
	}
	return records
}

func record(at time.Time, text string, fields map[string]string) integrations.Record {
	return integrations.Record{
		Occurred: at,
		Source:   SourceName,
		Kind:     integrations.KindFleetChange,
		Text:     text,
		Fields:   fields,
	}
}
