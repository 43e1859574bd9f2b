package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/warroomhq/warroom/config"
)

// readmeSection is the text of README's "## name" section.
func readmeSection(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n## "+name+"\n")
	if !ok {
		t.Fatalf("README has no %q section", name)
	}
	section, _, _ := strings.Cut(rest, "\n## ")
	return section
}

// README's "Command line" synopsis names every verb warroom has, and
// every flag it shows exists on that verb: it cannot drift from --help.
func TestReadmeSynopsisMatchesTheCommands(t *testing.T) {
	root := rootCommand()
	named := map[string]bool{}
	flag := regexp.MustCompile(`(?:^|[\s\[(|])(--?[a-z][a-z-]*)`)
	for _, line := range strings.Split(readmeSection(t, "Command line"), "\n") {
		text, ok := strings.CutPrefix(line, "    warroom")
		if !ok {
			continue
		}
		words := strings.Fields(text)
		cmd, rest, err := root.Find(words)
		if err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		named[cmd.CommandPath()] = true
		// "config show | example": the other verbs a line lists.
		for i, w := range rest {
			if w == "|" && i+1 < len(rest) && cmd.Parent() != nil {
				if sib, _, err := cmd.Parent().Find([]string{rest[i+1]}); err == nil && sib != cmd.Parent() {
					named[sib.CommandPath()] = true
				}
			}
		}
		for _, m := range flag.FindAllStringSubmatch(text, -1) {
			name := strings.TrimLeft(m[1], "-")
			f := cmd.Flags().Lookup(name)
			if len(name) == 1 {
				f = cmd.Flags().ShorthandLookup(name)
			}
			if f == nil && cmd.InheritedFlags().Lookup(name) == nil {
				t.Errorf("%q shows %s, which %q does not take", line, m[1], cmd.CommandPath())
			}
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && (!c.HasSubCommands() || !c.HasParent()) && !c.Hidden && c.Name() != "help" && c.Name() != "completion" && !named[c.CommandPath()] {
			t.Errorf("README's synopsis lacks %q", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// README's configuration example is the one `warroom config example`
// prints, the one that ships with the program.
func TestReadmeConfigurationIsTheShippedExample(t *testing.T) {
	section := readmeSection(t, "Configuration")
	if strings.Contains(section, "config/example.yaml") {
		t.Error("the Configuration section points to a file of the repository, which does not ship")
	}
	if !strings.Contains(section, "warroom config example") {
		t.Error("the Configuration section does not say how to get the example")
	}
	_, block, _ := strings.Cut(section, "```yaml\n")
	block, _, _ = strings.Cut(block, "```")
	if block != string(config.Example()) {
		t.Error("README's example differs from what warroom config example prints")
	}
}
