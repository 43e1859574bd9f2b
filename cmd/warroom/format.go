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
// text, the default) or json, whose keys README documents; and
// -o/--output, as every verb with a --format has (see outputFlag). It is
// called once cmd's RunE is set.
func formatFlag(cmd *cobra.Command, human string) *choiceValue {
	f := &choiceValue{value: human, allowed: []string{human, "json"}}
	cmd.Flags().Var(f, "format", "output format; with json, standard output holds only the JSON document")
	outputFlag(cmd)
	return f
}

// outputFlag adds -o/--output FILE to a read verb: what the verb would
// print on standard output goes to FILE instead (- is standard output).
// The file is written through a temporary sibling and renamed once the
// verb has finished, as the exports are, so a reader never sees half of
// it; a verb that fails having printed nothing (a usage error, a file
// that does not load) leaves FILE as it was, while one that prints its
// report and then exits 1 (config check finding a problem) writes it.
func outputFlag(cmd *cobra.Command) {
	var output string
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if output == "" || output == "-" {
			return run(c, args)
		}
		var runErr error
		err := writeFileAtomically(output, func(w io.Writer) error {
			counted := &countingWriter{w: w}
			c.SetOut(counted)
			// Back to what it inherits: cobra's own messages go to
			// standard error only while no writer is set here.
			defer c.SetOut(nil)
			runErr = run(c, args)
			if runErr != nil && counted.n == 0 {
				return runErr
			}
			return counted.err
		})
		if runErr != nil {
			return runErr
		}
		return err
	}
}

// countingWriter counts what passes through, and keeps the first error:
// verbs print with fmt.Fprintf and do not look at it.
type countingWriter struct {
	w   io.Writer
	n   int
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	if c.err == nil {
		c.err = err
	}
	return n, err
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
