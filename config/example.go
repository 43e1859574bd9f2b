package config

import (
	_ "embed"
	"slices"
)

//go:embed example.yaml
var example []byte

// Example is the documented example configuration, every section with a
// comment, for `warroom config example` to start a file from.
func Example() []byte { return slices.Clone(example) }
