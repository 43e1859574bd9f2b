package runbooks

import "fmt"

// Limits are the configured bounds every mutating action is checked
// against before anything is sent. The zero value is usable: zero fields
// take the defaults below.
type Limits struct {
	// MaxCapacity caps the desired capacity per Auto Scaling group, on top
	// of the group's own maximum.
	MaxCapacity map[string]int
	// DefaultMaxCapacity caps groups not named in MaxCapacity (0: only the
	// group's own maximum applies).
	DefaultMaxCapacity int
	// MaxThrottlePercent caps the share of a tier a throttle may reject
	// (default 50).
	MaxThrottlePercent int
	// MaxBatch caps how many HAProxy instances a rolling reload takes out
	// at once (default 1).
	MaxBatch int
	// MinInRotation is how many servers of each front backend (a tier) a
	// rolling reload's batch must leave in rotation (default 1).
	MinInRotation int
	// MaxErrorRisePoints bounds how far, in percentage points, a tier's
	// error ratio may rise after a rolling reload's batch above its ratio
	// before the run; past it the roll halts (default 5).
	MaxErrorRisePoints float64
	// MaxOutput caps the bytes of command output kept per step (default
	// 4096).
	MaxOutput int
	// MaxReplicaShare caps the share (percent, by weight) of a hostgroup's
	// reads any replica may carry once another is taken out of rotation
	// (default 100: only "at least one other ONLINE" applies).
	MaxReplicaShare int
	// Approval is the configured side of the two-person rule.
	Approval ApprovalPolicy
}

// Defaults for zero Limits fields.
const (
	DefaultMaxThrottlePercent = 50
	DefaultMaxBatch           = 1
	DefaultMinInRotation      = 1
	DefaultMaxOutput          = 4096
	DefaultMaxErrorRisePoints = 5
	DefaultMaxReplicaShare    = 100
)

func (l Limits) withDefaults() Limits {
	if l.MaxThrottlePercent <= 0 {
		l.MaxThrottlePercent = DefaultMaxThrottlePercent
	}
	if l.MaxBatch <= 0 {
		l.MaxBatch = DefaultMaxBatch
	}
	if l.MinInRotation <= 0 {
		l.MinInRotation = DefaultMinInRotation
	}
	if l.MaxErrorRisePoints <= 0 {
		l.MaxErrorRisePoints = DefaultMaxErrorRisePoints
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxReplicaShare <= 0 {
		l.MaxReplicaShare = DefaultMaxReplicaShare
	}
	return l
}

// capacityCap is the configured cap for group, or 0 when none.
func (l Limits) capacityCap(group string) int {
	if n, ok := l.MaxCapacity[group]; ok {
		return n
	}
	return l.DefaultMaxCapacity
}

// bounded cuts s to max bytes on a rune boundary and says so.
func bounded(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("\n… (%d bytes cut)", len(s)-cut)
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
