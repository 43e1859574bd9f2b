package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Problem is one thing wrong with a configuration file, at a position.
type Problem struct {
	File    string
	Line    int
	Column  int
	Message string
}

// String is "file:line:column: message", the form editors jump to.
func (p Problem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
}

// Error lists every problem found in a configuration file.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// decodeError turns a go-yaml error into a positioned Problem.
func decodeError(path string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return &Error{Problems: []Problem{{File: path, Line: 1, Column: 1, Message: err.Error()}}}
	}
	pos := ye.GetToken().Position
	return &Error{Problems: []Problem{{File: path, Line: pos.Line, Column: pos.Column, Message: decodeMessage(ye)}}}
}

// decodeMessage rewords go-yaml's messages, which name Go types and
// YAML node kinds, in the file's terms.
func decodeMessage(ye yaml.Error) string {
	var te *yaml.TypeError
	if errors.As(ye, &te) {
		return fmt.Sprintf("expected %s, found %s", kindName(te.DstType.Kind().String()), kindName(te.SrcType.Kind().String()))
	}
	var ne *yaml.UnexpectedNodeTypeError
	if errors.As(ye, &ne) {
		return fmt.Sprintf("expected %s, found %s", kindName(ne.Expected.YAMLName()), kindName(ne.Actual.YAMLName()))
	}
	return ye.GetMessage()
}

// kindName names a Go kind or YAML node kind as a reader of the file
// would.
func kindName(k string) string {
	switch k {
	case "slice", "sequence":
		return "a list"
	case "map", "struct", "ptr", "mapping":
		return "a mapping"
	case "int", "int64", "uint64", "integer":
		return "an integer"
	case "float64", "float":
		return "a number"
	case "bool", "boolean":
		return "true or false"
	}
	return "a " + k
}

// locate finds the position of the node at keys (mapping keys as strings,
// sequence indexes as ints) in file. A missing key resolves to its nearest
// existing parent, so "missing field" problems point at the section that
// lacks it.
func locate(file *ast.File, keys ...any) (line, col int) {
	line, col = 1, 1
	if file == nil || len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return line, col
	}
	node := file.Docs[0].Body
	for _, k := range keys {
		var next ast.Node
		var at ast.Node
		switch n := node.(type) {
		case *ast.MappingNode:
			for _, mv := range n.Values {
				if name, ok := k.(string); ok && mv.Key.GetToken().Value == name {
					next, at = mv.Value, mv.Key
				}
			}
		case *ast.MappingValueNode:
			if name, ok := k.(string); ok && n.Key.GetToken().Value == name {
				next, at = n.Value, n.Key
			}
		case *ast.SequenceNode:
			if i, ok := k.(int); ok && i >= 0 && i < len(n.Values) {
				next, at = n.Values[i], n.Values[i]
			}
		}
		if next == nil {
			return line, col
		}
		pos := at.GetToken().Position
		line, col = pos.Line, pos.Column
		node = next
	}
	// For a scalar, point at the value rather than its key.
	switch node.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
	default:
		if tk := node.GetToken(); tk != nil {
			line, col = tk.Position.Line, tk.Position.Column
		}
	}
	return line, col
}
