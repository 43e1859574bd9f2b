package integrations

import (
	"sync"
	"time"
)

// Counters are the cumulative counters of one measured row (a server, a
// backend or a frontend) as its process has counted them since it started.
// A rate is never read from Counters alone: it takes two readings (see
// Meter).
type Counters struct {
	Requests  uint64    // requests received (HAProxy's req_tot)
	Responses [5]uint64 // responses by class: [0] is 1xx … [4] is 5xx (hrsp_1xx … hrsp_5xx)
	Denied    uint64    // requests denied by a rule, the throttle among them (dreq)
	HTTP      bool      // the row carries HTTP counters (false for a TCP-mode proxy)
}

// Rates are what happened to one row between two readings of its
// counters, Window apart. The zero Rates is "not measured yet": the first
// reading, a row that just appeared, or the first reading after the
// counters restarted (a reload's new worker starts at zero). Show it as
// "measuring", never as 0.
type Rates struct {
	Window    time.Duration
	Requests  uint64    // requests received in the window
	Responses [5]uint64 // responses by class in the window, as in Counters
	Denied    uint64    // requests denied in the window
	HTTP      bool      // the row carries HTTP counters
}

// Measured reports whether the rates rest on a delta.
func (r Rates) Measured() bool { return r.Window > 0 }

func (r Rates) perSecond(n uint64) float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(n) / r.Window.Seconds()
}

// ReqPerS is requests per second.
func (r Rates) ReqPerS() float64 { return r.perSecond(r.Requests) }

// ClassPerS is responses of one class per second: class 1 for 1xx … 5 for
// 5xx.
func (r Rates) ClassPerS(class int) float64 {
	if class < 1 || class > len(r.Responses) {
		return 0
	}
	return r.perSecond(r.Responses[class-1])
}

// HTTP5xxPerS is 5xx responses per second.
func (r Rates) HTTP5xxPerS() float64 { return r.ClassPerS(5) }

// ShedPerS is denied requests per second.
func (r Rates) ShedPerS() float64 { return r.perSecond(r.Denied) }

// Answered counts the responses of every class in the window.
func (r Rates) Answered() uint64 {
	var n uint64
	for _, c := range r.Responses {
		n += c
	}
	return n
}

// ErrorRatio is 5xx ÷ responses over the window, a fraction 0–1; ok is
// false when there is no ratio to give (not measured, or no response).
func (r Rates) ErrorRatio() (ratio float64, ok bool) {
	n := r.Answered()
	if !r.Measured() || n == 0 {
		return 0, false
	}
	return float64(r.Responses[4]) / float64(n), true
}

// since is the delta from prev to c; ok is false when any counter went
// down, which only a restart of the counting process does.
func (c Counters) since(prev Counters) (Rates, bool) {
	if c.Requests < prev.Requests || c.Denied < prev.Denied {
		return Rates{}, false
	}
	r := Rates{Requests: c.Requests - prev.Requests, Denied: c.Denied - prev.Denied, HTTP: c.HTTP}
	for i := range c.Responses {
		if c.Responses[i] < prev.Responses[i] {
			return Rates{}, false
		}
		r.Responses[i] = c.Responses[i] - prev.Responses[i]
	}
	return r, true
}

// Meter turns successive readings of cumulative counters into rates. It
// keeps one reading per process. It is safe for concurrent use.
type Meter struct {
	mu   sync.Mutex
	last map[string]meterReading
}

type meterReading struct {
	epoch string
	at    time.Time
	rows  map[string]Counters
}

// Read folds in one complete reading of a process's rows (row key →
// counters), taken at at by the process identified by epoch (anything that
// changes when the counting process is replaced, such as a worker's pid;
// "" when unknown), and returns each row's rates since the previous
// reading. A row gets the zero Rates (not measured) when there is no
// previous reading of it, when the epoch changed, when any of its counters
// went down, or when no time passed: the delta restarts from this reading
// rather than giving a negative or spiking rate. Rows absent from this
// reading are forgotten.
func (m *Meter) Read(process, epoch string, at time.Time, rows map[string]Counters) map[string]Rates {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil {
		m.last = map[string]meterReading{}
	}
	prev, had := m.last[process]
	m.last[process] = meterReading{epoch: epoch, at: at, rows: rows}
	out := make(map[string]Rates, len(rows))
	window := at.Sub(prev.at)
	if !had || prev.epoch != epoch || window <= 0 {
		return out
	}
	for key, c := range rows {
		p, ok := prev.rows[key]
		if !ok {
			continue
		}
		if r, ok := c.since(p); ok {
			r.Window = window
			out[key] = r
		}
	}
	return out
}
