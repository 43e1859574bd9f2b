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
	Records  []Record // persisted before delivery unless PersistErr is set
	// Samples are every measured value the sources published
	// (SamplesTaken), in order; the pump passes them through untouched
	// for the metrics store and the screen.
	Samples []Sample
	// PersistErr is set when the records could not be made durable; the
	// screen must say so loudly rather than show them as saved.
	PersistErr error
}

func (b *Batch) empty() bool {
	return len(b.Alerts) == 0 && len(b.Fleet) == 0 && len(b.Backends) == 0 &&
		len(b.Status) == 0 && len(b.Chat) == 0 && len(b.Records) == 0 && len(b.Samples) == 0
}

// add folds one event into the batch.
func (b *Batch) add(e Event) {
	switch e := e.(type) {
	case AlertsSnapshot:
		if b.Alerts == nil {
			b.Alerts = map[string][]Alert{}
		}
		b.Alerts[e.Source] = e.Alerts
	case FleetSnapshot:
		if b.Fleet == nil {
			b.Fleet = map[string][]Group{}
		}
		b.Fleet[e.Source] = e.Groups
	case BackendsSnapshot:
		if b.Backends == nil {
			b.Backends = map[string]BackendsSnapshot{}
		}
		b.Backends[e.Source] = e
	case StatusChanged:
		if b.Status == nil {
			b.Status = map[string]SourceStatus{}
		}
		b.Status[e.Status.Source] = e.Status
	case ChatPosted:
		b.Chat = append(b.Chat, e.Messages...)
	case Record:
		b.Records = append(b.Records, e)
	case SamplesTaken:
		b.Samples = append(b.Samples, e.Samples...)
	}
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
	// or the effect of an action from fresh samples.
	Derive func(Batch) []Record
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
	if p.opts.Derive != nil && (len(b.Fleet) > 0 || len(b.Backends) > 0 || len(b.Samples) > 0) {
		b.Records = append(b.Records, p.opts.Derive(*b)...)
	}
	if b.empty() {
		return
	}
	if p.opts.Persist != nil && len(b.Records) > 0 {
		stored, err := p.opts.Persist(b.Records)
		if err == nil {
			b.Records = stored
		}
		b.PersistErr = err
	}
	if p.opts.Deliver != nil {
		p.opts.Deliver(*b)
	}
	*b = Batch{}
}
