package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/warroomhq/warroom/internal/suggest"
)

// Exit statuses, as README's command-line section documents them.
const (
	exitOK      = 0
	exitFailure = 1 // the verb ran and something failed or was refused
	exitUsage   = 2 // the command line itself is wrong: nothing was done
)

// usageError is a mistake on the command line. It exits with exitUsage
// and points at the verb's help.
type usageError struct {
	err error
	cmd *cobra.Command
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(cmd *cobra.Command, format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), cmd: cmd}
}

// exitStatus is the process status for err, and the hint that follows
// its message, if any.
func exitStatus(err error) (int, string) {
	if err == nil {
		return exitOK, ""
	}
	var ue *usageError
	if errors.As(err, &ue) {
		hint := ""
		if ue.cmd != nil {
			hint = fmt.Sprintf("see '%s --help'", ue.cmd.CommandPath())
		}
		return exitUsage, hint
	}
	for _, prefix := range cobraUsagePrefixes {
		if strings.HasPrefix(err.Error(), prefix) {
			return exitUsage, ""
		}
	}
	return exitFailure, ""
}

// cobra reports missing required flags and broken flag groups with plain
// errors, after parsing; these prefixes mark them as usage errors.
var cobraUsagePrefixes = []string{
	"required flag(s) ",
	"if any flags in the group ",
	"at least one of the flags in the group ",
}

// guardUsage makes every mistake on cmd's command line, and its
// subcommands', a usage error: wrong arguments, unknown subcommands
// (with the nearest name), unknown or malformed flags (with the nearest
// flag) and missing required flags.
func guardUsage(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(flagError)
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		// A group: alone it shows its help; with a word it does not know,
		// it says so instead of showing help and succeeding.
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return c.Help()
			}
			return unknownSubcommand(c, args[0])
		}
	}
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			err := check(c, args)
			switch {
			case err == nil:
				return nil
			case len(args) > 0 && c.HasSubCommands():
				return unknownSubcommand(c, args[0])
			}
			return &usageError{err: err, cmd: c}
		}
	}
	for _, sub := range cmd.Commands() {
		guardUsage(sub)
	}
}

func unknownSubcommand(c *cobra.Command, word string) error {
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
			names = append(names, sub.Aliases...)
		}
	}
	msg := fmt.Sprintf("unknown command %q for %q", word, c.CommandPath())
	if near := suggest.Closest(word, names); near != "" {
		msg += fmt.Sprintf("; did you mean %s?", near)
	} else {
		msg += " (commands: " + strings.Join(names, ", ") + ")"
	}
	return &usageError{err: errors.New(msg), cmd: c}
}

// flagError is cobra's flag error hook: every flag mistake is a usage
// error, and an unknown flag names the nearest one.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		if near := suggest.Closest(name, names); near != "" {
			msg += fmt.Sprintf("; did you mean --%s?", near)
		} else if owners := flagOwners(c.Root(), name); len(owners) > 0 {
			msg += fmt.Sprintf("; --%s is a flag of %s", name, orList(owners))
		}
	}
	return &usageError{err: errors.New(msg), cmd: c}
}

// flagOwners are the commands that have a flag called name, for a flag
// given to the wrong verb.
func flagOwners(c *cobra.Command, name string) []string {
	var out []string
	if f := c.LocalNonPersistentFlags().Lookup(name); f != nil && !f.Hidden {
		out = append(out, c.CommandPath())
	}
	for _, sub := range c.Commands() {
		out = append(out, flagOwners(sub, name)...)
	}
	return out
}
