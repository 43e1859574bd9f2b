// Package yamldecode decodes a YAML file into a Go struct field by field,
// so that one mistake does not hide the next: every unknown key and every
// value of the wrong kind is reported at once, each at its line and
// column, in the file's terms ("mutates must be true or false, got
// "yes"") rather than Go's.
package yamldecode

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/warroomhq/warroom/internal/suggest"
)

// Problem is one mistake in a YAML document, at the node it concerns.
type Problem struct {
	Line, Column int
	Message      string
}

// Decode parses data and fills dst, a pointer to a struct, following its
// yaml tags. It goes on past a mistake: each unknown key and each value of
// the wrong kind is a Problem, and the rest of the file is still decoded.
// A syntax error stops it, since nothing after it can be trusted; it is
// then the only Problem and the returned file is nil. Types with their
// own UnmarshalYAML decode through it and report its message.
func Decode(data []byte, dst any) (*ast.File, []Problem) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, []Problem{syntaxProblem(data, err)}
	}
	d := &decoder{anchors: map[string]ast.Node{}}
	decoded := false
	for _, doc := range file.Docs {
		if doc.Body == nil {
			continue
		}
		if decoded {
			d.add(doc.Body, "a second YAML document (after ---) is not read: keep one per file")
			break
		}
		decoded = true
		ast.Walk(d, doc.Body)
		d.value(doc.Body, reflect.ValueOf(dst).Elem(), "")
	}
	return file, d.problems
}

// refPattern is a runbook parameter reference, ${name}.
var refPattern = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)

// syntaxProblem positions a parser error. A ${reference} written bare
// inside [ ] or { } is the usual cause of a flow-syntax error in a
// runbook, since { opens a mapping there: the hint says to quote it.
func syntaxProblem(data []byte, err error) Problem {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return Problem{Line: 1, Column: 1, Message: err.Error()}
	}
	pos := ye.GetToken().Position
	p := Problem{Line: pos.Line, Column: pos.Column, Message: strings.TrimSpace(ye.GetMessage())}
	lines := strings.Split(string(data), "\n")
	if pos.Line < 1 || pos.Line > len(lines) {
		return p
	}
	line := lines[pos.Line-1]
	for _, at := range refPattern.FindAllStringIndex(line, -1) {
		if at[0] > 0 && (line[at[0]-1] == '"' || line[at[0]-1] == '\'') {
			continue
		}
		if strings.ContainsAny(line[:at[0]], "[{") {
			ref := line[at[0]:at[1]]
			p.Message += fmt.Sprintf(`; inside [ ] or { } a reference must be quoted: write "%s"`, ref)
			break
		}
	}
	return p
}

type decoder struct {
	anchors  map[string]ast.Node
	problems []Problem
	depth    int // of value calls now running
	aliases  int // aliases followed so far
	gaveUp   bool
}

// Bounds on what an alias may make of a small file: an alias inside the
// node it names would recurse for ever, and aliases of aliases grow the
// document exponentially. Real configurations stay far below both.
const (
	maxDepth   = 64
	maxAliases = 1000
)

// giveUp records, once, that the file nests or aliases beyond the bounds.
func (d *decoder) giveUp(n ast.Node) {
	if !d.gaveUp {
		d.gaveUp = true
		d.add(n, "nested or aliased too deeply (an alias inside the node it names?): not read further")
	}
}

// Visit collects the anchors, so that an alias decodes as what it names.
func (d *decoder) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		d.anchors[a.Name.GetToken().Value] = a.Value
	}
	return d
}

func (d *decoder) add(n ast.Node, format string, args ...any) {
	line, col := position(n)
	d.problems = append(d.problems, Problem{Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
}

// position is where n starts; a block mapping's own token is its first
// colon, so it is placed at its first key.
func position(n ast.Node) (int, int) {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		n = m.Values[0].Key
	}
	if mv, ok := n.(*ast.MappingValueNode); ok {
		n = mv.Key
	}
	if n == nil || n.GetToken() == nil {
		return 1, 1
	}
	p := n.GetToken().Position
	return p.Line, p.Column
}

// resolve looks through anchors, aliases and tags to the node they stand
// for. A tag is dropped: the field's type decides what a value must be.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range 64 { // an alias chain longer than this is a loop
		switch x := n.(type) {
		case *ast.AnchorNode:
			n = x.Value
		case *ast.TagNode:
			n = x.Value
		case *ast.AliasNode:
			if d.aliases++; d.aliases > maxAliases {
				d.giveUp(x)
				return nil
			}
			name := ""
			if x.Value != nil {
				name = x.Value.GetToken().Value
			}
			target, ok := d.anchors[name]
			if !ok {
				d.add(x, "alias *%s names no anchor", name)
				return nil
			}
			n = target
		default:
			return n
		}
	}
	return nil
}

var nodeUnmarshaler = reflect.TypeFor[yaml.NodeUnmarshaler]()

func hasUnmarshaler(t reflect.Type) bool {
	return reflect.PointerTo(t).Implements(nodeUnmarshaler) || t.Implements(nodeUnmarshaler)
}

// value decodes n into v; name is the key it was found under.
func (d *decoder) value(n ast.Node, v reflect.Value, name string) {
	if d.depth++; d.depth > maxDepth {
		d.giveUp(n)
		return
	}
	defer func() { d.depth-- }()
	n = d.resolve(n)
	if n == nil {
		return
	}
	if _, null := n.(*ast.NullNode); null {
		return
	}
	t := v.Type()
	switch {
	case hasUnmarshaler(t):
	case t.Kind() == reflect.Struct:
		d.structure(n, v, name)
		return
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && !hasUnmarshaler(t.Elem()):
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.value(n, v.Elem(), name)
		return
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.add(n, "%s must be %s, got %s", name, describeType(t), describeNode(n))
			return
		}
		s := reflect.MakeSlice(t, len(seq.Values), len(seq.Values))
		for i, el := range seq.Values {
			d.value(el, s.Index(i), fmt.Sprintf("%s[%d]", name, i))
		}
		v.Set(s)
		return
	}
	d.leaf(n, v, name)
}

// structure decodes a mapping into a struct, key by key.
func (d *decoder) structure(n ast.Node, v reflect.Value, name string) {
	values, ok := mappingValues(n)
	if !ok {
		what := "the file"
		if name != "" {
			what = name
		}
		d.add(n, "%s must be a mapping of keys to values, got %s", what, describeNode(n))
		return
	}
	fields := map[string]int{}
	var known []string
	for i := range v.NumField() {
		if key := fieldKey(v.Type().Field(i)); key != "" {
			fields[key] = i
			known = append(known, key)
		}
	}
	for _, mv := range values {
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			d.value(mv.Value, v, name)
			continue
		}
		key := mv.Key.GetToken().Value
		i, ok := fields[key]
		if !ok {
			d.add(mv.Key, "%s", unknownField(key, known))
			continue
		}
		d.value(mv.Value, v.Field(i), key)
	}
}

// mappingValues are the key/value pairs of a mapping node; ok is false
// when n is not a mapping.
func mappingValues(n ast.Node) (values []*ast.MappingValueNode, ok bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

func fieldKey(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	switch tag {
	case "-":
		return ""
	case "":
		return strings.ToLower(f.Name)
	}
	return tag
}

func unknownField(key string, known []string) string {
	if near := suggest.Closest(key, known); near != "" {
		return fmt.Sprintf("unknown field %q; did you mean %q?", key, near)
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return fmt.Sprintf("unknown field %q (known: %s)", key, strings.Join(sorted, ", "))
}

// leaf decodes a value that has no fields of its own: a scalar, a list or
// mapping of scalars, or a type with its own UnmarshalYAML.
func (d *decoder) leaf(n ast.Node, v reflect.Value, name string) {
	t := v.Type()
	if t.Kind() == reflect.Pointer && !hasUnmarshaler(t) {
		elem := reflect.New(t.Elem())
		before := len(d.problems)
		d.leaf(n, elem.Elem(), name)
		if len(d.problems) == before {
			v.Set(elem)
		}
		return
	}
	if !hasUnmarshaler(t) {
		if bad, path, want := mismatch(n, t, name); bad != nil {
			d.add(bad, "%s must be %s, got %s", path, describeType(want), describeNode(bad))
			return
		}
	}
	target := reflect.New(t)
	if err := nodeToValue(n, target.Interface()); err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			p := ye.GetToken().Position
			d.problems = append(d.problems, Problem{Line: p.Line, Column: p.Column, Message: strings.TrimSpace(ye.GetMessage())})
		} else {
			d.add(n, "%s: %v", name, err)
		}
		return
	}
	v.Set(target.Elem())
}

// nodeToValue is yaml.NodeToValue, with a panic inside the library (a
// tagged node in a list, for one) turned into an error: a file must never
// crash the program reading it.
func nodeToValue(n ast.Node, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot decode this value (%v)", r)
		}
	}()
	return yaml.NodeToValue(n, v, yaml.Strict())
}

// mismatch finds the first node under n that cannot hold a value of type
// t, with its path from name and the type it should have had.
func mismatch(n ast.Node, t reflect.Type, name string) (ast.Node, string, reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := n.(type) {
	case *ast.TagNode:
		return mismatch(x.Value, t, name) // the field's type decides, not the tag
	case nil, *ast.AliasNode, *ast.AnchorNode, *ast.NullNode:
		return nil, "", nil // inside a list or mapping: the decoder decides
	}
	if hasUnmarshaler(t) {
		return nil, "", nil
	}
	fail := func() (ast.Node, string, reflect.Type) { return n, name, t }
	switch t.Kind() {
	case reflect.Interface:
		return nil, "", nil
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			return fail()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if _, ok := n.(*ast.IntegerNode); !ok {
			return fail()
		}
	case reflect.Float32, reflect.Float64:
		switch n.(type) {
		case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		default:
			return fail()
		}
	case reflect.String:
		if !isScalar(n) {
			return fail()
		}
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			return fail()
		}
		for i, el := range seq.Values {
			if bad, path, want := mismatch(el, t.Elem(), fmt.Sprintf("%s[%d]", name, i)); bad != nil {
				return bad, path, want
			}
		}
	case reflect.Map, reflect.Struct:
		values, ok := mappingValues(n)
		if !ok {
			return fail()
		}
		if t.Kind() == reflect.Map {
			for _, mv := range values {
				if bad, path, want := mismatch(mv.Value, t.Elem(), name+"."+mv.Key.GetToken().Value); bad != nil {
					return bad, path, want
				}
			}
		}
	}
	return nil, "", nil
}

func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return true
	}
	return false
}

// describeType names what a value of type t looks like in the file.
func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + plural(t.Elem())
	case reflect.Map, reflect.Struct:
		return "a mapping of keys to values"
	}
	return "a value"
}

func plural(t reflect.Type) string {
	switch d := describeType(t); {
	case d == "true or false":
		return "true or false values"
	case strings.HasPrefix(d, "an "):
		return strings.TrimPrefix(d, "an ") + "s"
	case strings.HasPrefix(d, "a list"):
		return "lists"
	case strings.HasPrefix(d, "a mapping"):
		return "mappings"
	default:
		return strings.TrimPrefix(d, "a ") + "s"
	}
}

// describeNode names what the file holds at n.
func describeNode(n ast.Node) string {
	switch x := n.(type) {
	case nil:
		return "nothing"
	case *ast.StringNode:
		return strconv.Quote(x.Value)
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "nothing"
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return "something else"
}
