package runbooks

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ParamType is the type of a runbook parameter.
type ParamType string

const (
	ParamInt      ParamType = "int"
	ParamString   ParamType = "string"
	ParamEnum     ParamType = "enum"
	ParamDuration ParamType = "duration"
)

// Param is one typed runbook parameter. Min and Max bound an int (int) or a
// duration (time.Duration) and are nil when unbounded; Pattern constrains a
// string; Values lists an enum's choices. A Param without a Default is
// required.
type Param struct {
	Name        string
	Type        ParamType
	Description string
	Default     any // int, string or time.Duration; nil when required
	Min, Max    any
	Pattern     *regexp.Regexp
	Values      []string
}

// Required reports whether the parameter has no default.
func (p Param) Required() bool { return p.Default == nil }

// Parse converts text to the parameter's type and checks its bounds.
func (p Param) Parse(text string) (any, error) {
	v, err := p.parseType(text)
	if err != nil {
		return nil, err
	}
	return v, p.check(v)
}

// parseType converts text to the parameter's type without checking bounds.
func (p Param) parseType(text string) (any, error) {
	switch p.Type {
	case ParamInt:
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("parameter %s: want an integer, got %q", p.Name, text)
		}
		return n, nil
	case ParamDuration:
		d, err := time.ParseDuration(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("parameter %s: want a duration such as 30s or 5m, got %q", p.Name, text)
		}
		return d, nil
	case ParamEnum:
		for _, v := range p.Values {
			if v == text {
				return text, nil
			}
		}
		return nil, fmt.Errorf("parameter %s: want one of %s, got %q", p.Name, strings.Join(p.Values, ", "), text)
	default:
		return text, nil
	}
}

func (p Param) check(v any) error {
	switch x := v.(type) {
	case int:
		if p.Min != nil && x < p.Min.(int) {
			return fmt.Errorf("parameter %s: %d is below the minimum %d", p.Name, x, p.Min.(int))
		}
		if p.Max != nil && x > p.Max.(int) {
			return fmt.Errorf("parameter %s: %d is above the maximum %d", p.Name, x, p.Max.(int))
		}
	case time.Duration:
		if p.Min != nil && x < p.Min.(time.Duration) {
			return fmt.Errorf("parameter %s: %s is below the minimum %s", p.Name, x, p.Min.(time.Duration))
		}
		if p.Max != nil && x > p.Max.(time.Duration) {
			return fmt.Errorf("parameter %s: %s is above the maximum %s", p.Name, x, p.Max.(time.Duration))
		}
	case string:
		if p.Pattern != nil && !p.Pattern.MatchString(x) {
			return fmt.Errorf("parameter %s: %q does not match the pattern %s", p.Name, x, p.Pattern)
		}
	}
	return nil
}

// Values are a run's parameters, resolved and typed (int, string or
// time.Duration), keyed by name.
type Values map[string]any

// String renders the values as sorted k=v pairs, for records and plans.
func (v Values) String() string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + formatValue(v[k])
	}
	return strings.Join(parts, " ")
}

func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case time.Duration:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

// ParseParams turns command-line `k=v` pairs into a map. The value is
// everything after the first '=' and is kept verbatim (it may hold spaces,
// quotes or shell metacharacters: it is data). A pair without '=', an empty
// name or a repeated name is an error.
func ParseParams(pairs []string) (map[string]string, error) {
	out := make(map[string]string, len(pairs))
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("parameter %q: want name=value", kv)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("parameter %s given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

// Resolve checks raw parameter text against the runbook's declarations:
// every name must be declared, required ones present, each value of its
// type and within its bounds. Defaults fill the rest. All problems are
// reported together.
func (rb *Runbook) Resolve(raw map[string]string) (Values, error) {
	var errs []string
	declared := make(map[string]bool, len(rb.Params))
	out := make(Values, len(rb.Params))
	for _, p := range rb.Params {
		declared[p.Name] = true
		text, given := raw[p.Name]
		if !given {
			if p.Required() {
				errs = append(errs, fmt.Sprintf("parameter %s is required (%s)", p.Name, p.describe()))
				continue
			}
			out[p.Name] = p.Default
			continue
		}
		v, err := p.Parse(text)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out[p.Name] = v
	}
	var unknown []string
	for k := range raw {
		if !declared[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs = append(errs, fmt.Sprintf("unknown parameter %s (%s takes %s)", k, rb.Name, rb.paramNames()))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %s", rb.Name, strings.Join(errs, "; "))
	}
	return out, nil
}

func (rb *Runbook) paramNames() string {
	if len(rb.Params) == 0 {
		return "no parameters"
	}
	names := make([]string, len(rb.Params))
	for i, p := range rb.Params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// describe says what the parameter accepts, for help and errors.
func (p Param) describe() string {
	var b strings.Builder
	b.WriteString(string(p.Type))
	switch {
	case p.Type == ParamEnum:
		fmt.Fprintf(&b, " one of %s", strings.Join(p.Values, "|"))
	case p.Min != nil && p.Max != nil:
		fmt.Fprintf(&b, " %s..%s", formatValue(p.Min), formatValue(p.Max))
	case p.Min != nil:
		fmt.Fprintf(&b, " ≥ %s", formatValue(p.Min))
	case p.Max != nil:
		fmt.Fprintf(&b, " ≤ %s", formatValue(p.Max))
	}
	if p.Pattern != nil {
		fmt.Fprintf(&b, " matching %s", p.Pattern)
	}
	return b.String()
}

// Usage is a one-line description of the parameter: name, type, bounds,
// default and description.
func (p Param) Usage() string {
	s := p.Name + " (" + p.describe()
	if p.Default != nil {
		s += ", default " + formatValue(p.Default)
	} else {
		s += ", required"
	}
	s += ")"
	if p.Description != "" {
		s += ": " + p.Description
	}
	return s
}
