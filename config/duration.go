package config

import (
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Duration is a time.Duration written as "30s" or "5m". It decodes with
// its position, so a bad value is reported at its line and column.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string with a unit.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	s, ok := node.(*ast.StringNode)
	if !ok {
		return &yaml.SyntaxError{Message: "expected a duration with a unit, like 30s or 5m", Token: node.GetToken()}
	}
	t, err := time.ParseDuration(s.Value)
	if err != nil {
		return &yaml.SyntaxError{Message: "invalid duration " + quote(s.Value) + ": use a number with a unit, like 30s or 5m", Token: node.GetToken()}
	}
	*d = Duration(t)
	return nil
}

// MarshalText writes the duration as Go prints it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func quote(s string) string { return `"` + s + `"` }
