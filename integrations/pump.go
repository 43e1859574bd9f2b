package integrations

import (
	"context"
	"time"
)

// Batch is everything the pump saw during one frame interval, coalesced:
// snapshots keep only the latest per source, chat messages and records
// keep every item in order. The screen applies one Batch per redraw, so
// an alert storm costs one frame, not thousands.
type Batch struct {
	Alerts   map[string][]Alert          // source → its latest complete alert list
	Fleet    map[string][]Group          // source → its latest groups
	Backends map[string]BackendsSnapshot // source → its latest HAProxy servers and throttles
	Status   map[string]SourceStatus
	Chat     []Message
	// Records are the batch's records in timeline order: first those
	// other writers made durable (PumpOptions.Stored: another process's
	// `warroom timeline append`, another responder, and at the start the
	// timeline so far), then this process's own, persisted before
	// delivery unless PersistErr is set.
	Records []Record
	// Samples are every measured value the sources published
	// (SamplesTaken), in order; the pump passes them through untouched
	// for the metrics store and the screen.
	Samples []Sample
	// PersistErr is set when the records could not be made durable; the
	// screen must say so loudly rather than show them as saved.
	PersistErr error

	// Steps are runbook step states, in the order they changed; RunsEnded
	// the runs that ended, each after its last step state.
	Steps     []StepState
	RunsEnded []RunEnded

	// Derived facts, computed once in the pump from the snapshots:
	//
	// Drift is every slot-drift finding as of this batch; DriftChecked
	// says it was computed (a batch with fresh fleet or HAProxy data),
	// so an empty Drift then means no drift.
	Drift        []DriftFinding
	DriftChecked bool
	// NewCritical are the alerts first seen, triggered and critical, in
	// this batch (a restart's replay of alerts seen before included: the
	// screen's toast and bell follow it).
	NewCritical []Alert
	// Odd-one-out findings travel in the snapshots themselves
	// (Backend.OddOneOut, Proxy.OddOneOut), marked by their source.

	// Team is the team's latest status (TeamChanged), when the incident
	// is shared through a team server; nil when it did not change.
	Team *TeamStatus
}

func (b *Batch) empty() bool {
	return len(b.Alerts) == 0 && len(b.Fleet) == 0 && len(b.Backends) == 0 &&
		len(b.Status) == 0 && len(b.Chat) == 0 && len(b.Records) == 0 && len(b.Samples) == 0 &&
		len(b.Steps) == 0 && len(b.RunsEnded) == 0 && !b.DriftChecked && len(b.NewCritical) == 0 && b.Team == nil
}

// add folds one event into the batch.
func (b *Batch) add(e Event) {
	switch e := e.(type) {
	case AlertsSnapshot:
		if b.Alerts == nil {
			b.Alerts = map[string][]Alert{}
		}
		b.Alerts[e.Source] = stamped(e.Alerts, func(a *Alert) { a.Source = e.Source })
	case FleetSnapshot:
		if b.Fleet == nil {
			b.Fleet = map[string][]Group{}
		}
		b.Fleet[e.Source] = stamped(e.Groups, func(g *Group) { g.Source = e.Source })
	case BackendsSnapshot:
		if b.Backends == nil {
			b.Backends = map[string]BackendsSnapshot{}
		}
		e.Backends = stamped(e.Backends, func(be *Backend) { be.Source = e.Source })
		b.Backends[e.Source] = e
	case StatusChanged:
		if b.Status == nil {
			b.Status = map[string]SourceStatus{}
		}
		b.Status[e.Status.Source] = e.Status
	case ChatPosted:
		b.Chat = append(b.Chat, stamped(e.Messages, func(m *Message) { m.Source = e.Source })...)
	case Record:
		b.Records = append(b.Records, e)
	case StepState:
		b.Steps = append(b.Steps, e)
	case RunEnded:
		b.RunsEnded = append(b.RunsEnded, e)
	case SamplesTaken:
		b.Samples = append(b.Samples, e.Samples...)
	case TeamChanged:
		b.Team = &e.Status
	}
}

// stamped is a copy of items with their source set: published slices are
// never modified (events are immutable once published).
func stamped[T any](items []T, set func(*T)) []T {
	if items == nil {
		return nil
	}
	out := make([]T, len(items))
	for i := range items {
		out[i] = items[i]
		set(&out[i])
	}
	return out
}

// PumpOptions wires the pump to the timeline and the screen.
type PumpOptions struct {
	// Persist makes records durable before they are delivered and returns
	// them as stored (with their IDs); it may leave out records it already
	// holds, such as what a source replays after a restart. Nil means
	// records are delivered unsaved.
	Persist func(records []Record) ([]Record, error)
	// Deliver hands a coalesced batch to the screen (program.Send).
	Deliver func(Batch)
	// Derive computes further records from a batch before it is persisted,
	// for example drift findings from fresh fleet and HAProxy snapshots,
	// or the effect of an action from fresh samples; it may also set the
	// batch's derived facts (Drift, NewCritical). It runs on every batch
	// that is not empty, on the pump's goroutine.
	Derive func(*Batch) []Record
	// Stored, when set, returns the records other writers made durable
	// since the last call (they are delivered first, not persisted
	// again). It is called at every flush, after Persist, which may take
	// such records in.
	Stored func() []Record
	// Redact scrubs secrets from free text. It is applied to every batch
	// before anything else sees it, so the screen shows exactly what the
	// timeline keeps: a token pasted into chat, quoted in an alert or
	// echoed in a server's error never reaches either in clear. Use the
	// timeline store's redactor. Nil leaves text as published.
	Redact func(string) string
	// Interval is the frame interval: at most one delivery per interval.
	Interval time.Duration
	// Buffer is how many events may wait before Publish blocks.
	Buffer int
}

// Pump is the one goroutine that fans events out to the timeline and the
// program. Sources call Publish from any goroutine.
type Pump struct {
	opts PumpOptions
	in   chan Event
}

// NewPump makes a pump; call Run to start it.
func NewPump(opts PumpOptions) *Pump {
	if opts.Interval <= 0 {
		opts.Interval = time.Second / 30
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 4096
	}
	return &Pump{opts: opts, in: make(chan Event, opts.Buffer)}
}

// Publish queues an event. It blocks only when the buffer is full, which
// slows an overeager source instead of dropping a record.
func (p *Pump) Publish(e Event) { p.in <- e }

// Run drains events into batches and flushes one batch per interval until
// ctx ends; events already queued then are flushed before it returns.
func (p *Pump) Run(ctx context.Context) {
	ticker := time.NewTicker(p.opts.Interval)
	defer ticker.Stop()
	var pending Batch
	for {
		select {
		case e := <-p.in:
			pending.add(e)
		case <-ticker.C:
			p.flush(&pending)
		case <-ctx.Done():
			for {
				select {
				case e := <-p.in:
					pending.add(e)
				default:
					p.flush(&pending)
					return
				}
			}
		}
	}
}

func (p *Pump) flush(b *Batch) {
	if p.opts.Redact != nil {
		b.redact(p.opts.Redact)
	}
	if p.opts.Derive != nil && !b.empty() {
		derived := p.opts.Derive(b)
		if p.opts.Redact != nil {
			for i := range derived {
				derived[i] = derived[i].redacted(p.opts.Redact)
			}
		}
		b.Records = append(b.Records, derived...)
	}
	if p.opts.Persist != nil && len(b.Records) > 0 {
		stored, err := p.opts.Persist(b.Records)
		if err == nil {
			b.Records = stored
		}
		b.PersistErr = err
	}
	if p.opts.Stored != nil {
		// Already durable and redacted by the store that holds them.
		if others := p.opts.Stored(); len(others) > 0 {
			b.Records = append(others, b.Records...)
		}
	}
	if b.empty() {
		return
	}
	if p.opts.Deliver != nil {
		p.opts.Deliver(*b)
	}
	*b = Batch{}
}

// redact replaces every free-text part of the batch with its scrubbed
// copy. Published slices are never modified (events are immutable once
// published): what changes is copied first.
func (b *Batch) redact(r func(string) string) {
	for src, alerts := range b.Alerts {
		out := make([]Alert, len(alerts))
		for i, a := range alerts {
			a.Service, a.Title, a.Body, a.Link = r(a.Service), r(a.Title), r(a.Body), r(a.Link)
			out[i] = a
		}
		b.Alerts[src] = out
	}
	for src, groups := range b.Fleet {
		out := make([]Group, len(groups))
		for i, g := range groups {
			acts := make([]ScalingActivity, len(g.Activities))
			for j, a := range g.Activities {
				a.Description, a.Cause, a.Message = r(a.Description), r(a.Cause), r(a.Message)
				acts[j] = a
			}
			g.Activities = acts
			out[i] = g
		}
		b.Fleet[src] = out
	}
	for src, st := range b.Status {
		st.LastError = r(st.LastError)
		b.Status[src] = st
	}
	// Chat and Records are the batch's own copies (see add).
	for i := range b.Chat {
		b.Chat[i].User, b.Chat[i].Text = r(b.Chat[i].User), r(b.Chat[i].Text)
	}
	for i := range b.Records {
		b.Records[i] = b.Records[i].redacted(r)
	}
}

// redacted returns rec with its actor, text, fields and links scrubbed.
func (rec Record) redacted(r func(string) string) Record {
	rec.Actor, rec.Text = r(rec.Actor), r(rec.Text)
	if rec.Fields != nil {
		fields := make(map[string]string, len(rec.Fields))
		for k, v := range rec.Fields {
			fields[k] = r(v)
		}
		rec.Fields = fields
	}
	if rec.Links != nil {
		links := make([]string, len(rec.Links))
		for i, l := range rec.Links {
			links[i] = r(l)
		}
		rec.Links = links
	}
	return rec
}
