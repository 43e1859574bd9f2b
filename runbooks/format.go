package runbooks

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/warroomhq/warroom/internal/yamldecode"
)

// OnFailure is what a run does when a step fails.
type OnFailure string

const (
	Halt     OnFailure = "halt"
	Continue OnFailure = "continue"
)

// DefaultRunTimeout bounds a run whose runbook sets no timeout.
const DefaultRunTimeout = 30 * time.Minute

// Runbook is a parsed, validated runbook.
type Runbook struct {
	Name        string
	Description string
	Source      string // the file it came from ("library/x.yaml" for built-ins)
	Builtin     bool
	// Dangerous runbooks ask the user to type Confirm (after parameter
	// substitution, for example the group's name) before they run.
	Dangerous bool
	Confirm   string
	// Approval (`approval: required`) is the two-person rule: another
	// responder approves each run after its plan.
	Approval      bool
	Timeout       time.Duration
	Params        []Param
	Preconditions []Step // read-only actions checked before anything runs
	Steps         []Step

	nameAt [2]int // line and column of the name in Source
}

// Step is one ordered step of a runbook (or one precondition).
type Step struct {
	Name      string
	Action    string
	Args      map[string]any // templates: YAML values that may hold ${param}
	Timeout   time.Duration
	Mutates   bool
	OnFailure OnFailure
}

func (s Step) action() *Action { return registry[s.Action] }

// Error is one problem in a runbook file, at the position of the YAML node
// it concerns.
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Errors are every problem found in one file, in file order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// The YAML shape of a runbook file. Decoding reports unknown keys.
type fileRunbook struct {
	Name          string      `yaml:"name"`
	Description   string      `yaml:"description"`
	Dangerous     bool        `yaml:"dangerous"`
	Confirm       string      `yaml:"confirm"`
	Approval      string      `yaml:"approval"`
	Timeout       string      `yaml:"timeout"`
	Params        []fileParam `yaml:"params"`
	Preconditions []fileStep  `yaml:"preconditions"`
	Steps         []fileStep  `yaml:"steps"`
}

type fileParam struct {
	Name        string   `yaml:"name"`
	Type        string   `yaml:"type"`
	Description string   `yaml:"description"`
	Default     any      `yaml:"default"`
	Min         any      `yaml:"min"`
	Max         any      `yaml:"max"`
	Pattern     string   `yaml:"pattern"`
	Values      []string `yaml:"values"`
}

type fileStep struct {
	Name      string         `yaml:"name"`
	Action    string         `yaml:"action"`
	Args      map[string]any `yaml:"args"`
	Timeout   string         `yaml:"timeout"`
	Mutates   *bool          `yaml:"mutates"`
	OnFailure string         `yaml:"on_failure"`
}

var (
	namePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	paramPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// ParseFile reads and validates one runbook file.
func ParseFile(path string) (*Runbook, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, Errors{{File: path, Line: 1, Column: 1, Msg: fmt.Sprintf("larger than %d bytes: a runbook is a few kilobytes", maxFileSize)}}
	}
	return Parse(path, data)
}

// maxFileSize bounds what ParseFile reads from the runbook folder.
const maxFileSize = 1 << 20

// Parse validates a runbook. Every problem is returned as Errors, each
// naming file:line:column and what was expected.
func Parse(file string, data []byte) (*Runbook, error) {
	v := &validator{file: file}
	var raw fileRunbook
	f, decoded := yamldecode.Decode(data, &raw)
	for _, p := range decoded {
		v.errs = append(v.errs, &Error{File: file, Line: p.Line, Column: p.Column, Msg: p.Message})
	}
	if f == nil {
		return nil, v.errs
	}
	v.ast = f
	rb := v.runbook(&raw)
	if len(v.errs) > 0 {
		sort.SliceStable(v.errs, func(i, j int) bool {
			a, b := v.errs[i], v.errs[j]
			return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
		})
		return nil, v.errs
	}
	rb.Source = file
	rb.nameAt[0], rb.nameAt[1] = v.position("$.name")
	return rb, nil
}

type validator struct {
	file string
	ast  *ast.File
	errs Errors
}

// errorf records a problem at the node for path (a YAML path such as
// $.steps[1].args.desired), or at its nearest existing parent.
func (v *validator) errorf(path, format string, args ...any) {
	line, col := v.position(path)
	v.errs = append(v.errs, &Error{File: v.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) position(path string) (int, int) {
	for path != "" && path != "$" {
		if p, err := pathString(path); err == nil {
			if n, err := p.FilterFile(v.ast); err == nil && n != nil && n.GetToken() != nil {
				if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
					n = m.Values[0].Key // a mapping's own token is inside it
				}
				pos := n.GetToken().Position
				return pos.Line, pos.Column
			}
		}
		path = parentPath(path)
	}
	return 1, 1
}

// pathString is yaml.PathString, which panics on some keys a file may
// hold (an argument named "0[0:"); such a path is an error, and position
// falls back to its parent.
func pathString(path string) (p *yaml.Path, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("path %q: %v", path, r)
		}
	}()
	return yaml.PathString(path)
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i <= 0 {
		return ""
	}
	return path[:i]
}

func (v *validator) runbook(raw *fileRunbook) *Runbook {
	rb := &Runbook{Name: raw.Name, Description: raw.Description, Dangerous: raw.Dangerous, Confirm: raw.Confirm, Timeout: DefaultRunTimeout}
	switch {
	case raw.Name == "":
		v.errorf("$", "name is required (lower-case letters, digits and dashes)")
	case !namePattern.MatchString(raw.Name):
		v.errorf("$.name", "name %q: want lower-case letters, digits and dashes", raw.Name)
	}
	if raw.Timeout != "" {
		rb.Timeout = v.duration("$.timeout", raw.Timeout)
	}
	switch raw.Approval {
	case "", "none":
	case "required":
		rb.Approval = true
	default:
		v.errorf("$.approval", "approval %q: want required (another responder approves each run) or none", raw.Approval)
	}
	seen := map[string]bool{}
	for i, fp := range raw.Params {
		path := fmt.Sprintf("$.params[%d]", i)
		p, ok := v.param(path, fp)
		if !ok {
			continue
		}
		if seen[p.Name] {
			v.errorf(path+".name", "parameter %s declared twice", p.Name)
		}
		seen[p.Name] = true
		rb.Params = append(rb.Params, p)
	}
	types := map[string]ParamType{}
	for _, p := range rb.Params {
		types[p.Name] = p.Type
	}
	if raw.Confirm != "" && !raw.Dangerous {
		v.errorf("$.confirm", "confirm is only for runbooks marked dangerous: true")
	}
	v.refs("$.confirm", raw.Confirm, types)
	if raw.Dangerous && raw.Confirm == "" {
		rb.Confirm = raw.Name
	}
	for i, fs := range raw.Preconditions {
		if s, ok := v.step(fmt.Sprintf("$.preconditions[%d]", i), fs, types, true); ok {
			rb.Preconditions = append(rb.Preconditions, s)
		}
	}
	if len(raw.Steps) == 0 {
		v.errorf("$", "steps: want at least one step")
	}
	for i, fs := range raw.Steps {
		if s, ok := v.step(fmt.Sprintf("$.steps[%d]", i), fs, types, false); ok {
			rb.Steps = append(rb.Steps, s)
		}
	}
	return rb
}

func (v *validator) duration(path, text string) time.Duration {
	d, err := time.ParseDuration(text)
	if err != nil || d <= 0 {
		v.errorf(path, "want a positive duration such as 30s or 5m, got %q", text)
	}
	return d
}

func (v *validator) param(path string, fp fileParam) (Param, bool) {
	p := Param{Name: fp.Name, Type: ParamType(fp.Type), Description: fp.Description, Values: fp.Values}
	if !paramPattern.MatchString(fp.Name) {
		v.errorf(path+".name", "parameter name %q: want letters, digits and underscores", fp.Name)
		return p, false
	}
	switch p.Type {
	case ParamInt, ParamString, ParamEnum, ParamDuration:
	default:
		v.errorf(path+".type", "parameter %s: type %q: want int, string, enum or duration", p.Name, fp.Type)
		return p, false
	}
	if p.Type == ParamEnum && len(fp.Values) == 0 {
		v.errorf(path, "parameter %s: an enum needs values", p.Name)
		return p, false
	}
	if p.Type != ParamEnum && len(fp.Values) > 0 {
		v.errorf(path+".values", "parameter %s: values are only for enums", p.Name)
	}
	if fp.Pattern != "" {
		re, err := regexp.Compile(fp.Pattern)
		if err != nil || p.Type != ParamString {
			v.errorf(path+".pattern", "parameter %s: pattern must be a valid regular expression on a string parameter", p.Name)
		} else {
			p.Pattern = re
		}
	}
	bound := func(key string, raw any) any {
		if raw == nil {
			return nil
		}
		if p.Type != ParamInt && p.Type != ParamDuration {
			v.errorf(path+"."+key, "parameter %s: %s is only for int and duration parameters", p.Name, key)
			return nil
		}
		b, err := p.parseType(fmt.Sprint(raw))
		if err != nil {
			v.errorf(path+"."+key, "%s: %v", key, err)
			return nil
		}
		return b
	}
	p.Min, p.Max = bound("min", fp.Min), bound("max", fp.Max)
	if fp.Default != nil {
		d, err := p.Parse(fmt.Sprint(fp.Default))
		if err != nil {
			v.errorf(path+".default", "default: %v", err)
		} else {
			p.Default = d
		}
	}
	return p, true
}

// refs checks that every ${name} in text names a declared parameter.
func (v *validator) refs(path, text string, types map[string]ParamType) {
	for _, m := range refPattern.FindAllStringSubmatch(text, -1) {
		if _, ok := types[m[1]]; !ok {
			v.errorf(path, "unknown parameter ${%s}", m[1])
		}
	}
}

func (v *validator) step(path string, fs fileStep, types map[string]ParamType, precondition bool) (Step, bool) {
	s := Step{Name: fs.Name, Action: fs.Action, Args: fs.Args, OnFailure: Halt}
	a, ok := registry[fs.Action]
	switch {
	case fs.Action == "":
		v.errorf(path, "action is required (one of %s)", actionNames())
		return s, false
	case !ok:
		v.errorf(path+".action", "unknown action %q: want one of %s", fs.Action, actionNames())
		return s, false
	}
	if s.Name == "" {
		s.Name = a.Name
	}
	s.Timeout = a.Timeout
	if fs.Timeout != "" {
		s.Timeout = v.duration(path+".timeout", fs.Timeout)
	}
	switch fs.OnFailure {
	case "", string(Halt):
	case string(Continue):
		s.OnFailure = Continue
	default:
		v.errorf(path+".on_failure", "on_failure %q: want halt or continue", fs.OnFailure)
	}
	s.Mutates = a.Effect != Reads
	if fs.Mutates != nil {
		switch {
		case a.Effect == Writes && !*fs.Mutates:
			v.errorf(path+".mutates", "%s changes things: mutates cannot be false", a.Name)
		case a.Effect == Reads && *fs.Mutates:
			v.errorf(path+".mutates", "%s only reads: mutates cannot be true", a.Name)
		default:
			s.Mutates = *fs.Mutates
		}
	}
	if precondition && a.Effect != Reads {
		v.errorf(path+".action", "a precondition must only read; %s changes things", a.Name)
	}
	v.args(path, a, fs.Args, types)
	return s, true
}

// args checks a step's argument templates as far as it can before the
// parameters are known: names, required ones, literal values, the types of
// whole-value references, and that every reference is declared.
func (v *validator) args(path string, a *Action, args map[string]any, types map[string]ParamType) {
	for name, raw := range args {
		apath := path + ".args." + name
		spec, ok := a.spec(name)
		if !ok {
			v.errorf(apath, "%s has no argument %s", a.Name, name)
			continue
		}
		if strs := templateStrings(raw); len(strs) > 0 {
			hasRef := false
			for _, str := range strs {
				v.refs(apath, str, types)
				hasRef = hasRef || refPattern.MatchString(str)
			}
			if s, isStr := raw.(string); isStr && hasRef {
				if m := refPattern.FindStringSubmatch(s); m[0] == s {
					if t, ok := types[m[1]]; ok && !paramFits(t, spec.Kind) {
						v.errorf(apath, "argument %s takes %s, but ${%s} is a %s parameter", name, spec.Kind, m[1], t)
					}
				}
				continue
			}
			if hasRef {
				continue
			}
		}
		if _, err := spec.convert(raw); err != nil {
			v.errorf(apath, "%v", err)
		}
	}
	for _, spec := range a.Args {
		if _, given := args[spec.Name]; spec.Required && !given {
			v.errorf(path, "%s: argument %s (%s) is required", a.Name, spec.Name, spec.Kind)
		}
	}
}

func templateStrings(raw any) []string {
	switch x := raw.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// paramFits reports whether a whole-value reference to a parameter of type
// t can fill an argument of kind k.
func paramFits(t ParamType, k ArgKind) bool {
	switch k {
	case ArgInt:
		return t == ParamInt
	case ArgDuration:
		return t == ParamDuration
	case ArgBool:
		return false
	}
	return true
}
