package drill

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// PlanStep is one entry of a drill plan: at a scenario time, run a
// runbook with its parameters, post a note, or acknowledge an alert.
type PlanStep struct {
	At      time.Duration
	Runbook string
	Params  map[string]string
	Note    string
	Ack     string
	// Line and Column locate the entry in its file (0 when built in code).
	Line, Column int
}

// What the step does, in a few words: "scale-up desired=12".
func (s PlanStep) String() string {
	switch {
	case s.Runbook != "":
		parts := []string{s.Runbook}
		for _, k := range slices.Sorted(maps.Keys(s.Params)) {
			parts = append(parts, k+"="+s.Params[k])
		}
		return strings.Join(parts, " ")
	case s.Ack != "":
		return "ack " + s.Ack
	}
	return "note: " + s.Note
}

// PlanError is a mistake in a plan file, located.
type PlanError struct {
	File         string
	Line, Column int
	Msg          string
}

func (e PlanError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// ParsePlan reads a plan: a YAML list of {at: 2m, runbook: NAME, params:
// {k: v}}, {at: 5m, note: TEXT} or {at: 6m, ack: ALERT}. Every mistake is
// reported, each as file:line:column.
func ParsePlan(file string, data []byte) ([]PlanStep, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var se interface {
			GetToken() *token.Token
			GetMessage() string
		}
		if errors.As(err, &se) && se.GetToken() != nil {
			p := se.GetToken().Position
			return nil, PlanError{file, p.Line, p.Column, se.GetMessage()}
		}
		return nil, PlanError{file, 1, 1, err.Error()}
	}
	var errs []error
	bad := func(n ast.Node, format string, args ...any) {
		p := n.GetToken().Position
		errs = append(errs, PlanError{file, p.Line, p.Column, fmt.Sprintf(format, args...)})
	}
	var steps []PlanStep
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, nil
	}
	seq, ok := f.Docs[0].Body.(*ast.SequenceNode)
	if !ok {
		bad(f.Docs[0].Body, "a plan is a list of steps ({at: 2m, runbook: NAME, params: {…}})")
		return nil, errors.Join(errs...)
	}
	for _, item := range seq.Values {
		m, ok := item.(*ast.MappingNode)
		if !ok {
			bad(item, "a step is a mapping with at and one of runbook, note, ack")
			continue
		}
		at := ast.Node(item)
		if len(m.Values) > 0 {
			at = m.Values[0].Key // a step is where its first key is
		}
		p := at.GetToken().Position
		st := PlanStep{Line: p.Line, Column: p.Column}
		seenAt := false
		for _, kv := range m.Values {
			key := kv.Key.String()
			val := strings.Trim(kv.Value.String(), `"'`)
			switch key {
			case "at":
				d, err := time.ParseDuration(val)
				if err != nil || d < 0 {
					bad(kv.Value, "at: %q is not a duration from the scenario's start (like 90s or 2m)", val)
				}
				st.At, seenAt = d, true
			case "runbook":
				st.Runbook = val
			case "note":
				st.Note = val
			case "ack":
				st.Ack = val
			case "params":
				pm, ok := kv.Value.(*ast.MappingNode)
				if !ok {
					bad(kv.Value, "params is a mapping of name: value")
					continue
				}
				st.Params = map[string]string{}
				for _, pv := range pm.Values {
					st.Params[pv.Key.String()] = strings.Trim(pv.Value.String(), `"'`)
				}
			default:
				bad(kv.Key, "unknown key %q (want at, runbook, params, note, ack)", key)
			}
		}
		kinds := 0
		for _, s := range []string{st.Runbook, st.Note, st.Ack} {
			if s != "" {
				kinds++
			}
		}
		switch {
		case !seenAt:
			bad(at, "step has no at: say when, from the scenario's start")
		case kinds != 1:
			bad(at, "step needs exactly one of runbook, note, ack")
		case st.Params != nil && st.Runbook == "":
			bad(at, "params belong to a runbook step")
		}
		steps = append(steps, st)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortStableFunc(steps, func(a, b PlanStep) int { return int(a.At - b.At) })
	return steps, nil
}

// FormatPlan writes steps in the plan format, loadable by ParsePlan.
func FormatPlan(steps []PlanStep) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "- at: %s\n", shortDuration(s.At))
		switch {
		case s.Runbook != "":
			fmt.Fprintf(&b, "  runbook: %s\n", s.Runbook)
			if len(s.Params) > 0 {
				b.WriteString("  params:\n")
				for _, k := range slices.Sorted(maps.Keys(s.Params)) {
					fmt.Fprintf(&b, "    %s: %q\n", k, s.Params[k])
				}
			}
		case s.Ack != "":
			fmt.Fprintf(&b, "  ack: %s\n", s.Ack)
		default:
			fmt.Fprintf(&b, "  note: %q\n", s.Note)
		}
	}
	return b.String()
}

// shortDuration writes 2m rather than 2m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if s == "" {
		return "0s"
	}
	return s
}
