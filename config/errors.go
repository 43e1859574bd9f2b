package config

import (
	"fmt"
	"strings"

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
