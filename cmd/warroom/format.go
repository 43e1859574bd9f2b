package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// choiceValue is a flag that takes one of a fixed set of words; anything
// else is refused while the command line is parsed, so it exits as a
// usage error before anything is read or contacted.
type choiceValue struct {
	value   string
	allowed []string
}

func (c *choiceValue) String() string { return c.value }
func (c *choiceValue) Type() string   { return strings.Join(c.allowed, "|") }
func (c *choiceValue) Set(s string) error {
	if !slices.Contains(c.allowed, s) {
		return fmt.Errorf("want %s", orList(c.allowed))
	}
	c.value = s
	return nil
}

func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// formatFlag adds --format to a read verb: the human form (table or
// text, the default) or json, whose keys README documents.
func formatFlag(cmd *cobra.Command, human string) *choiceValue {
	f := &choiceValue{value: human, allowed: []string{human, "json"}}
	cmd.Flags().Var(f, "format", "output format; with json, standard output holds only the JSON document")
	return f
}

func (c *choiceValue) json() bool { return c.value == "json" }

// writeJSON writes v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// rangeValue is a number flag with bounds, checked while parsing.
type rangeValue struct {
	value    float64
	min, max float64
	unit     string
}

func (r *rangeValue) String() string { return strconv.FormatFloat(r.value, 'g', -1, 64) }
func (r *rangeValue) Type() string   { return "number" }
func (r *rangeValue) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < r.min || v > r.max {
		return fmt.Errorf("want a number from %g to %g %s", r.min, r.max, r.unit)
	}
	r.value = v
	return nil
}
