package ledger

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/record"
)

// FieldChange holds one Change (Encode) on the record of a runbook step
// made when it happened.
const FieldChange = "change"

// Event is what the ledger reads of one timeline entry.
type Event struct {
	Occurred time.Time
	Recorded time.Time // when it was stored, if known
	Kind     string
	Actor    string
	Text     string
	Fields   map[string]string
}

// Revert is how to undo an item: a runbook with its parameters, or, when
// no runbook can, what to do by hand.
type Revert struct {
	Runbook string
	Params  map[string]string
	How     string
}

// String is "lift-throttle tier=free", or How.
func (r Revert) String() string {
	if r.Runbook == "" {
		return r.How
	}
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := r.Runbook
	for _, k := range keys {
		s += " " + k + "=" + r.Params[k]
	}
	return s
}

// Item is one change still in force.
type Item struct {
	Key  string
	Kind string
	What string // "tier free throttled 30% on edge-1, edge-2 (was 0%)"
	// Since is when the first change still in force was made; At, By and
	// Runbook are the latest change's time, actor and run ("throttle-tier
	// percent=30 tier=free").
	Since, At   time.Time
	By          string
	Runbook     string
	Run         string
	Unconfirmed bool
	Revert      Revert
}

// unit is one thing changed: a group, a tier on one instance, a server.
type unit struct {
	first, last Change // first.From is the value before warroom changed it
	since, at   time.Time
	by, run     string
}

// run is what the ledger knows of one runbook run.
type run struct {
	id, runbook, params, actor string
	dryRun                     bool
	requested, last            time.Time
	lastRecorded               time.Time
	step, stepPlan, progress   string // the mutating step started and not ended
	stepStarted                time.Time
	changes                    []Change
	ended                      bool
}

// Ledger folds runbook records into what is still in force. It is not
// safe for concurrent use.
type Ledger struct {
	units map[string]*unit
	order []string
	runs  map[string]*run
	seq   []string // run IDs in order of their first record
}

// New returns an empty ledger.
func New() *Ledger {
	return &Ledger{units: map[string]*unit{}, runs: map[string]*run{}}
}

// Of folds events into a new ledger.
func Of(events []Event) *Ledger {
	l := New()
	for _, e := range events {
		l.Add(e)
	}
	return l
}

// Add folds one event in and reports whether what is in force changed.
func (l *Ledger) Add(e Event) bool {
	if !strings.HasPrefix(e.Kind, "runbook.") {
		return false
	}
	r := l.run(e)
	switch e.Kind {
	case integrations.KindRunbookRequested:
		r.runbook, r.params, r.actor, r.requested = e.Fields["runbook"], e.Fields["params"], e.Actor, e.Occurred
		r.dryRun = e.Fields["dry_run"] == "true"
	case integrations.KindRunbookStepStart:
		if e.Fields["mutates"] == "true" {
			r.step, r.stepPlan, r.progress, r.stepStarted = stepName(e.Fields), e.Fields["plan"], "", e.Occurred
		}
	case integrations.KindRunbookStepProgress:
		if r.step != "" && e.Fields[FieldChange] == "" {
			r.progress = e.Text
		}
	case integrations.KindRunbookStepEnd:
		r.step = ""
	case integrations.KindRunbookDone, integrations.KindRunbookAbort, integrations.KindRunbookFailed, integrations.KindRunbookUnfinished:
		r.ended, r.step = true, ""
	}
	field := e.Fields[FieldChange]
	if field == "" {
		return false
	}
	c, err := Decode(field)
	if err != nil {
		return false
	}
	r.changes = append(r.changes, c)
	return l.change(c, e, r)
}

func (l *Ledger) run(e Event) *run {
	id := e.Fields["run"]
	r := l.runs[id]
	if r == nil {
		r = &run{id: id, runbook: e.Fields["runbook"], actor: e.Actor, requested: e.Occurred}
		l.runs[id] = r
		l.seq = append(l.seq, id)
	}
	r.last = e.Occurred
	if e.Recorded.After(r.lastRecorded) {
		r.lastRecorded = e.Recorded
	}
	return r
}

func stepName(f map[string]string) string {
	if f["step_name"] == "" {
		return "step " + f["step"]
	}
	return "step " + f["step"] + " " + f["step_name"]
}

func (l *Ledger) change(c Change, e Event, r *run) bool {
	k := c.key()
	if k == "" {
		return false
	}
	u := l.units[k]
	if u == nil {
		if c.normal(c.From) == c.normal(c.To) {
			return false
		}
		u = &unit{first: c, since: e.Occurred}
		l.units[k] = u
		l.order = append(l.order, k)
	}
	u.last, u.at, u.by, u.run = c, e.Occurred, e.Actor, r.id
	if c.normal(u.first.From) == c.normal(c.To) {
		delete(l.units, k) // reverted, by whatever run
		l.order = slices.DeleteFunc(l.order, func(s string) bool { return s == k })
	}
	return true
}

// Items lists what is still in force, oldest first. A tier throttled on
// several instances is one item, and so is a feature shed on several:
// one runbook lifts it everywhere.
func (l *Ledger) Items() []Item {
	var groups [][]*unit
	groupAt := map[string]int{}
	for _, k := range l.order {
		u := l.units[k]
		var across string // what one item gathers across instances
		switch c := u.last; c.Kind {
		case Throttle:
			across = Throttle + ":" + c.Tier
		case Shed:
			across = Shed + ":" + c.Feature
		}
		if across != "" {
			if i, ok := groupAt[across]; ok {
				groups[i] = append(groups[i], u)
				continue
			}
			groupAt[across] = len(groups)
		}
		groups = append(groups, []*unit{u})
	}
	items := make([]Item, 0, len(groups))
	for _, g := range groups {
		items = append(items, l.item(g))
	}
	return items
}

// item describes one group of units: a single unit, or every instance of
// one throttled tier.
func (l *Ledger) item(g []*unit) Item {
	first, c := g[0], g[0].last
	it := Item{Key: c.key(), Kind: c.Kind, Since: first.since}
	latest := first
	for _, u := range g {
		if u.since.Before(it.Since) {
			it.Since = u.since
		}
		if u.at.After(latest.at) {
			latest = u
		}
		it.Unconfirmed = it.Unconfirmed || u.last.Unconfirmed
	}
	it.At, it.By, it.Run, it.Runbook = latest.at, latest.by, latest.run, l.runText(latest.run)
	switch c.Kind {
	case Capacity:
		it.What = fmt.Sprintf("%s desired capacity %s (was %s)", c.Group, c.To, first.first.From)
		it.Revert = capacityRevert(c.Group, first.first.From, c.To)
	case Server:
		it.What = fmt.Sprintf("%s/%s on %s %s (was %s)", c.Backend, c.Server, c.Instance, describeState(c.To), first.first.From)
		it.Revert = serverRevert(c, first.first.From)
	case Throttle:
		it.Key = Throttle + ":" + c.Tier
		it.What, it.Revert = throttleItem(g)
	case Shed:
		it.Key = Shed + ":" + c.Feature
		it.What, it.Revert = shedItem(g)
	case Replica:
		it.What = fmt.Sprintf("replica %s %s (was %s)", c.Replica, describeReplica(c.To), first.first.From)
		it.Revert = replicaRevert(c.Replica, first.first.From)
	}
	if it.Unconfirmed {
		it.What += " — unconfirmed: read the current state"
	}
	return it
}

// throttleItem describes a tier's throttles: "tier free throttled 30% on
// edge-1, edge-2 (was 0%)". Lifting it is the revert when it was 0%
// before; else throttle-tier sets the old percentage back.
func throttleItem(g []*unit) (string, Revert) {
	tier := g[0].last.Tier
	byPct := map[string][]string{}
	base := orZero(g[0].first.From)
	sameBase := true
	for _, u := range g {
		p := orZero(u.last.To) + "%"
		byPct[p] = append(byPct[p], u.last.Instance)
		sameBase = sameBase && orZero(u.first.From) == base
	}
	var parts []string
	for p, insts := range byPct {
		sort.Strings(insts)
		parts = append(parts, p+" on "+strings.Join(insts, ", "))
	}
	sort.Strings(parts)
	what := fmt.Sprintf("tier %s throttled %s", tier, strings.Join(parts, "; "))
	switch {
	case !sameBase:
		var was []string
		for _, u := range g {
			was = append(was, orZero(u.first.From)+"% on "+u.last.Instance)
		}
		sort.Strings(was)
		return what + " (was " + strings.Join(was, "; ") + ")",
			Revert{How: fmt.Sprintf("the tier was throttled differently per instance before (%s): set each back by hand, or lift it everywhere with lift-throttle tier=%s", strings.Join(was, "; "), tier)}
	case base == "0":
		return what + " (was 0%)", Revert{Runbook: "lift-throttle", Params: map[string]string{"tier": tier}}
	}
	return what + " (was " + base + "%)", Revert{Runbook: "throttle-tier", Params: map[string]string{"tier": tier, "percent": base}}
}

// shedItem describes a feature shed on some instances: "feature
// recommendations shed on edge-1, edge-2 (was served)". Feature toggles
// only go between shed and served, so restoring is always the revert.
func shedItem(g []*unit) (string, Revert) {
	feature := g[0].last.Feature
	var on []string
	for _, u := range g {
		on = append(on, u.last.Instance)
	}
	sort.Strings(on)
	return fmt.Sprintf("feature %s shed on %s (was served)", feature, strings.Join(on, ", ")),
		Revert{Runbook: "restore-optional-load", Params: map[string]string{"feature": feature}}
}

func describeReplica(status string) string {
	if status != "ONLINE" {
		return status + " (out of rotation)"
	}
	return status
}

// replicaRevert puts a replica back to the status it had: into rotation
// when it was ONLINE, out (OFFLINE_SOFT) when it was out that way.
func replicaRevert(replica, was string) Revert {
	host, port, err := net.SplitHostPort(replica)
	if err != nil {
		return Revert{How: fmt.Sprintf("set replica %s back to %s in the proxy layer's admin interface", replica, was)}
	}
	params := map[string]string{"host": host, "port": port}
	switch was {
	case "ONLINE":
		return Revert{Runbook: "replica-into-rotation", Params: params}
	case "OFFLINE_SOFT":
		return Revert{Runbook: "replica-out-of-rotation", Params: params}
	}
	return Revert{How: fmt.Sprintf("no runbook sets %s: in ProxySQL's admin interface, UPDATE mysql_servers SET status='%s' WHERE hostname='%s' AND port=%s, then LOAD MYSQL SERVERS TO RUNTIME", was, was, host, port)}
}

func describeState(s string) string {
	switch s {
	case "DRAIN":
		return "DRAIN (out of rotation)"
	case "MAINT":
		return "MAINT (out of rotation)"
	}
	return s
}

func capacityRevert(group, was, now string) Revert {
	var a, b int
	if _, err := fmt.Sscan(was, &a); err == nil {
		if _, err := fmt.Sscan(now, &b); err == nil && b < a {
			return Revert{Runbook: "scale-up", Params: map[string]string{"group": group, "desired": was}}
		}
	}
	return Revert{How: fmt.Sprintf("no runbook lowers capacity (scale-up only raises it): when the load allows, set %s's desired capacity back to %s (aws autoscaling set-desired-capacity --auto-scaling-group-name %s --desired-capacity %s)",
		group, was, group, was)}
}

func serverRevert(c Change, was string) Revert {
	params := map[string]string{"instance": c.Instance, "backend": c.Backend, "server": c.Server}
	switch c.normal(was) {
	case "ready":
		return Revert{Runbook: "restore-server", Params: params}
	case "DRAIN":
		return Revert{Runbook: "drain-server", Params: params}
	}
	return Revert{How: fmt.Sprintf("no runbook sets maintenance: on %s, set server %s/%s state maint through the Runtime API", c.Instance, c.Backend, c.Server)}
}

// runText names a run by its runbook and parameters.
func (l *Ledger) runText(id string) string {
	r := l.runs[id]
	if r == nil {
		return ""
	}
	if r.params == "" {
		return r.runbook
	}
	return r.runbook + " " + r.params
}

// Unfinished is a run the timeline shows started and never ended.
type Unfinished struct {
	Run, Runbook, Params, By string
	Started                  time.Time
	// Step is the mutating step that started and never ended ("step 1
	// drain"), with its plan and its last progress message; "" when the
	// run stopped between steps.
	Step, Plan, Progress string
	StepStarted          time.Time
	Changes              []Change  // what it recorded changing
	LastRecorded         time.Time // when its last entry was stored
}

// Unfinished lists the runs that started a mutating step or changed
// something and have no end: not done, aborted, failed or already
// reported unfinished. A run still going in another process looks the
// same: the caller tells them apart by its lock.
func (l *Ledger) Unfinished() []Unfinished {
	var out []Unfinished
	for _, id := range l.seq {
		r := l.runs[id]
		if r.ended || r.dryRun || id == "" || (r.step == "" && len(r.changes) == 0) {
			continue
		}
		out = append(out, Unfinished{Run: id, Runbook: r.runbook, Params: r.params, By: r.actor, Started: r.requested,
			Step: r.step, Plan: r.stepPlan, Progress: r.progress, StepStarted: r.stepStarted, Changes: slices.Clone(r.changes),
			LastRecorded: r.lastRecorded})
	}
	return out
}

// Text says what the run left behind, in one paragraph.
func (u Unfinished) Text() string {
	name := u.Runbook
	if u.Params != "" {
		name += " (" + u.Params + ")"
	}
	s := fmt.Sprintf("run %s of %s by %s was left unfinished (a crash or a dropped connection)", u.Run, name, orSomeone(u.By))
	if u.Step != "" {
		s += fmt.Sprintf(": %s started %s and never ended", u.Step, u.StepStarted.Format("15:04:05"))
		if u.Progress != "" {
			s += fmt.Sprintf(" (last: %s)", u.Progress)
		}
	}
	if len(u.Changes) > 0 {
		_, stays, _ := Aftermath(u.Changes, "", false)
		var did []string
		for _, c := range u.Changes {
			did = append(did, c.String())
		}
		s += "; it had changed: " + strings.Join(did, "; ")
		if stays != "" {
			s += "; " + stays
		}
	}
	if u.Step != "" && u.Plan != "" {
		s += "; the unfinished step was to do: " + u.Plan + " — read the current state before acting"
	}
	return s
}

func orSomeone(s string) string {
	if s == "" {
		return "someone"
	}
	return s
}

// OfEntries folds a timeline's entries, in file order, into a new ledger.
// Erased content no longer parses and is left out.
func OfEntries(entries []record.Entry) *Ledger {
	l := New()
	for _, e := range entries {
		l.Add(Event{Occurred: e.Occurred, Recorded: e.Recorded, Kind: e.Kind, Actor: e.Actor, Text: e.Text, Fields: e.Fields})
	}
	return l
}

// Ended reports whether the timeline shows run's end (done, aborted,
// failed, or reported unfinished).
func (l *Ledger) Ended(run string) bool {
	r := l.runs[run]
	return r != nil && r.ended
}
