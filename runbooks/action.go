package runbooks

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// Effect says whether an action changes the world.
type Effect int

const (
	// Reads never changes anything; it may be a precondition.
	Reads Effect = iota
	// Writes always changes something; its steps need confirmation.
	Writes
	// StepDeclares is for actions whose effect depends on their arguments
	// (a host command): the step says `mutates: false` for a read-only
	// command, and is treated as mutating otherwise.
	StepDeclares
)

// ArgKind is the type of an action argument.
type ArgKind int

const (
	ArgString ArgKind = iota
	ArgInt
	ArgBool
	ArgDuration
	ArgEnum
	ArgList // a list of strings
	// ArgCommand is a command line handed to a host's shell. Parameters
	// substituted into it are single-quoted, so they arrive as one word of
	// plain data whatever characters they hold.
	ArgCommand
)

func (k ArgKind) String() string {
	return [...]string{"string", "int", "bool", "duration", "enum", "list of strings", "command"}[k]
}

// ArgSpec declares one argument of an action.
type ArgSpec struct {
	Name     string
	Kind     ArgKind
	Required bool
	Default  any // typed like the kind; nil for none
	Min, Max int // bounds of an int (when Max > Min)
	Values   []string
	Pattern  *regexp.Regexp // each string (or list element) must match
	Doc      string
}

// Args are an action's arguments after substitution and validation, typed
// by their ArgSpec: string, int, bool, time.Duration or []string.
type Args map[string]any

// String returns a string argument ("" when absent).
func (a Args) String(name string) string { s, _ := a[name].(string); return s }

// Int returns an int argument (0 when absent).
func (a Args) Int(name string) int { n, _ := a[name].(int); return n }

// Bool returns a bool argument (false when absent).
func (a Args) Bool(name string) bool { b, _ := a[name].(bool); return b }

// Duration returns a duration argument (0 when absent).
func (a Args) Duration(name string) time.Duration { d, _ := a[name].(time.Duration); return d }

// List returns a list argument (nil when absent).
func (a Args) List(name string) []string { l, _ := a[name].([]string); return l }

// Check is one guard evaluated before anything is sent: a precondition, a
// configured bound, a capability. Text says what was found: when a check
// fails, what is wrong and what is allowed.
type Check struct {
	Text string
	// OK is false when the run must be refused.
	OK bool
	// Warn marks a check that passed but names a risk the responder must
	// read before confirming; it does not stop the run.
	Warn bool
}

// Mark is how a check is shown in a plan: ok, WARN or FAIL.
func (c Check) Mark() string {
	switch {
	case !c.OK:
		return "FAIL"
	case c.Warn:
		return "WARN"
	}
	return "ok"
}

// verdict is a check whose text says what was found: okText when it
// holds, failText (what is wrong and what is allowed) when it does not.
func verdict(ok bool, okText, failText string) Check {
	if ok {
		return Check{Text: okText, OK: true}
	}
	return Check{Text: failText}
}

// StepPlan is what an action will do with its arguments, learned by reads
// only: human-readable lines, the checks it made, and the targets it will
// change (the names runs lock, such as "aws:web" or "haproxy:edge-1").
type StepPlan struct {
	Lines   []string
	Checks  []Check
	Targets []string
}

// Result is what an action did: a one-line summary, bounded output, and
// structured fields for the timeline.
type Result = integrations.StepResult

// Call is what an action's Plan and Execute receive.
type Call struct {
	Args    Args
	Actions integrations.Actions
	Limits  Limits
	// Progress reports a change in what the action is doing ("in service
	// 6/12"); never nil inside Execute.
	Progress func(string)
	// Changed reports a change the action made to the world, as soon as
	// the service confirmed it (or, marked Unconfirmed, when its outcome
	// is unknown); never nil inside Execute.
	Changed func(ledger.Change)
}

// Action is one entry of the registry.
type Action struct {
	Name    string
	Summary string
	Effect  Effect
	Args    []ArgSpec
	// Timeout is the step timeout used when a step does not set one.
	Timeout time.Duration
	// Requires fails when a capability the action needs is not configured.
	Requires func(integrations.Actions) error
	// Plan reads (never writes) and describes exactly what Execute would do.
	Plan func(ctx context.Context, c Call) (StepPlan, error)
	// Execute does it. It honours ctx; on failure it leaves things as safe
	// as it can and says what state it left.
	Execute func(ctx context.Context, c Call) (Result, error)
}

func (a *Action) spec(name string) (ArgSpec, bool) {
	for _, s := range a.Args {
		if s.Name == name {
			return s, true
		}
	}
	return ArgSpec{}, false
}

var registry = map[string]*Action{}

func register(a *Action) {
	if _, dup := registry[a.Name]; dup {
		panic("runbooks: action registered twice: " + a.Name)
	}
	registry[a.Name] = a
}

// LookupAction returns the registered action called name.
func LookupAction(name string) (*Action, bool) {
	a, ok := registry[name]
	return a, ok
}

// Registry lists every registered action, sorted by name.
func Registry() []*Action {
	out := make([]*Action, 0, len(registry))
	for _, a := range registry {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func actionNames() string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// refPattern matches a parameter reference such as ${group}.
var refPattern = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// substitute replaces parameter references in a YAML value. A string that
// is exactly one reference takes the parameter's typed value; references
// inside longer strings insert the value's text (single-quoted for a
// command). The value is data from then on: nothing re-parses it as YAML
// or hands it to a local shell.
func substitute(v any, kind ArgKind, vals Values) any {
	switch x := v.(type) {
	case string:
		if m := refPattern.FindStringSubmatch(x); m != nil && m[0] == x && kind != ArgCommand {
			if pv, ok := vals[m[1]]; ok {
				return pv
			}
		}
		return refPattern.ReplaceAllStringFunc(x, func(ref string) string {
			pv, ok := vals[ref[2:len(ref)-1]]
			if !ok {
				return ref
			}
			if kind == ArgCommand {
				return shellQuote(formatValue(pv))
			}
			return formatValue(pv)
		})
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, kind, vals)
		}
		return out
	}
	return v
}

// shellQuote makes s one single-quoted POSIX shell word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// convert checks one argument value against its spec and returns it typed.
func (s ArgSpec) convert(v any) (any, error) {
	switch s.Kind {
	case ArgInt:
		n, ok := toInt(v)
		if !ok {
			return nil, fmt.Errorf("argument %s: want an integer, got %s", s.Name, describeValue(v))
		}
		if s.Max > s.Min && (n < s.Min || n > s.Max) {
			return nil, fmt.Errorf("argument %s: %d is outside %d..%d", s.Name, n, s.Min, s.Max)
		}
		return n, nil
	case ArgBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("argument %s: want true or false, got %s", s.Name, describeValue(v))
		}
		return b, nil
	case ArgDuration:
		switch x := v.(type) {
		case time.Duration:
			return x, nil
		case string:
			if d, err := time.ParseDuration(x); err == nil && d >= 0 {
				return d, nil
			}
		}
		return nil, fmt.Errorf("argument %s: want a duration such as 30s or 5m, got %s", s.Name, describeValue(v))
	case ArgList:
		var items []any
		switch x := v.(type) {
		case []any:
			items = x
		case string: // one element, or a substituted parameter
			items = []any{x}
		default:
			return nil, fmt.Errorf("argument %s: want a list of strings, got %s", s.Name, describeValue(v))
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			str, ok := it.(string)
			if !ok {
				return nil, fmt.Errorf("argument %s: want a list of strings, got an element %s", s.Name, describeValue(it))
			}
			if err := s.match(str); err != nil {
				return nil, err
			}
			out = append(out, str)
		}
		return out, nil
	default: // string, enum, command
		str, ok := v.(string)
		if !ok {
			if _, isInt := toInt(v); !isInt || s.Kind != ArgString {
				return nil, fmt.Errorf("argument %s: want text, got %s", s.Name, describeValue(v))
			}
			str = fmt.Sprint(v)
		}
		if s.Kind == ArgEnum && !contains(s.Values, str) {
			return nil, fmt.Errorf("argument %s: want one of %s, got %q", s.Name, strings.Join(s.Values, ", "), str)
		}
		if err := s.match(str); err != nil {
			return nil, err
		}
		return str, nil
	}
}

func (s ArgSpec) match(str string) error {
	if s.Pattern != nil && !s.Pattern.MatchString(str) {
		return fmt.Errorf("argument %s: %q does not match %s", s.Name, str, s.Pattern)
	}
	return nil
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case uint64:
		if x > math.MaxInt {
			return 0, false
		}
		return int(x), true
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		return strconv.Quote(x)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case time.Duration:
		return "the duration " + x.String()
	}
	return fmt.Sprint(v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bind substitutes parameters into a step's argument templates and
// validates the result against the action's specs, applying defaults.
func (a *Action) bind(templates map[string]any, vals Values) (Args, error) {
	out := make(Args, len(a.Args))
	for _, s := range a.Args {
		raw, given := templates[s.Name]
		if !given || raw == nil {
			if s.Required {
				return nil, fmt.Errorf("%s: argument %s is required", a.Name, s.Name)
			}
			if s.Default != nil {
				out[s.Name] = s.Default
			}
			continue
		}
		v, err := s.convert(substitute(raw, s.Kind, vals))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
		out[s.Name] = v
	}
	for k := range templates {
		if _, ok := a.spec(k); !ok {
			return nil, fmt.Errorf("%s: unknown argument %s", a.Name, k)
		}
	}
	return out, nil
}
