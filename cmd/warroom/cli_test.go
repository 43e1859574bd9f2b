package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestCommandLine drives the real binary as a user and a script would:
// what it says without a configuration, what it reports about broken
// files, how it refuses a wrong command line, and its JSON.
func TestCommandLine(t *testing.T) {
	bin := buildBinary(t)
	t.Setenv("PAGERDUTY_TOKEN", "")
	t.Setenv("SLACK_TOKEN", "")
	t.Setenv("SLACK_APP_TOKEN", "")
	state := func(t *testing.T) string { return filepath.Join(t.TempDir(), "state") }
	writeFile := func(t *testing.T, dir, name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("config check without a file says the drill opens and how to start one", func(t *testing.T) {
		t.Parallel()
		run := runCLI(t, bin, state(t), "config", "check")
		if run.code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", run.code, run.stdout, run.stderr)
		}
		for _, want := range []string{"no configuration file, so warroom opens the drill world", "warroom config example > ", `README's "Configuration" section`} {
			if !strings.Contains(run.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, run.stdout)
			}
		}
		if strings.Contains(run.stdout+run.stderr, "no such file") {
			t.Errorf("raw open error shown:\n%s%s", run.stdout, run.stderr)
		}
		// The example it points to is a file warroom reads.
		example := runCLI(t, bin, state(t), "config", "example")
		dir := t.TempDir()
		path := writeFile(t, dir, "config.yaml", example.stdout)
		if example.code != 0 || !strings.Contains(example.stdout, "pagerduty:") {
			t.Fatalf("config example: exit %d\n%s", example.code, example.stdout)
		}
		if run := runCLI(t, bin, state(t), "--config", path, "runbook", "list"); run.code != 0 {
			t.Errorf("the example does not load: exit %d\n%s", run.code, run.stderr)
		}
	})

	t.Run("runbooks list and show without source tokens", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := writeFile(t, dir, "config.yaml", "pagerduty:\n  service_ids: [P1]\n  from_email: a@example.com\nslack:\n  channel: C1\n")
		for _, args := range [][]string{{"runbook", "list"}, {"runbook", "show", "scale-up"}} {
			run := runCLI(t, bin, state(t), append([]string{"--config", path}, args...)...)
			if run.code != 0 || !strings.Contains(run.stdout, "scale-up") {
				t.Errorf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, run.code, run.stdout, run.stderr)
			}
		}
		if run := runCLI(t, bin, state(t), "--config", path, "config", "check"); run.code != 1 || !strings.Contains(run.stderr, "PAGERDUTY_TOKEN") {
			t.Errorf("config check still names the missing token: exit %d\n%s", run.code, run.stderr)
		}
	})

	t.Run("a broken custom runbook is reported and fails the listing", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		books := filepath.Join(dir, "books")
		if err := os.Mkdir(books, 0o700); err != nil {
			t.Fatal(err)
		}
		writeFile(t, books, "good.yaml", "name: pause\nsteps:\n  - action: wait\n    args: {duration: 1s}\n")
		broken := writeFile(t, books, "broken.yaml", "name: broken\nsteps:\n  - action: wait\n    mutates: yes\n    args: {duration: 1s}\n")
		path := writeFile(t, dir, "config.yaml", "runbook_dir: books\n")
		run := runCLI(t, bin, state(t), "--config", path, "runbook", "list")
		if run.code != 1 {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", run.code, run.stdout, run.stderr)
		}
		if !strings.Contains(run.stdout, "pause") || !strings.Contains(run.stdout, "scale-up") {
			t.Errorf("the runbooks that load are not listed:\n%s", run.stdout)
		}
		if want := broken + `:4:14: mutates must be true or false, got "yes"`; !strings.Contains(run.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, run.stderr)
		}

		run = runCLI(t, bin, state(t), "--config", path, "runbook", "list", "--format", "json")
		var doc struct {
			Runbooks []struct {
				Name    string `json:"name"`
				Builtin bool   `json:"builtin"`
			} `json:"runbooks"`
			Problems []problemJSON `json:"problems"`
		}
		if err := json.Unmarshal([]byte(run.stdout), &doc); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, run.stdout)
		}
		if run.code != 1 || len(doc.Problems) != 1 || doc.Problems[0] != (problemJSON{File: broken, Line: 4, Column: 14, Message: `mutates must be true or false, got "yes"`}) {
			t.Errorf("exit %d, problems %+v", run.code, doc.Problems)
		}
		if !slices.ContainsFunc(doc.Runbooks, func(r struct {
			Name    string `json:"name"`
			Builtin bool   `json:"builtin"`
		}) bool {
			return r.Name == "pause" && !r.Builtin
		}) {
			t.Errorf("pause not listed: %+v", doc.Runbooks)
		}
	})

	t.Run("validate reports every mistake in a file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		mistakes := writeFile(t, dir, "mistakes.yaml", "name: x\nsteps:\n  - action: wait\n    mutates: yes\n    args: {duration: 1s}\n  - action: nope\n")
		flow := writeFile(t, dir, "flow.yaml", "name: y\nparams:\n  - {name: instance, type: string}\nsteps:\n  - action: aws.ssm_command\n    args:\n      instances: [${instance}]\n      command: uptime\n")
		run := runCLI(t, bin, state(t), "runbook", "validate", mistakes, flow)
		if run.code != 1 {
			t.Fatalf("exit %d\n%s", run.code, run.stderr)
		}
		for _, want := range []string{
			mistakes + `:4:14: mutates must be true or false, got "yes"`,
			mistakes + `:6:13: unknown action "nope"`,
			flow + `:7:20: `,
			`write "${instance}"`,
		} {
			if !strings.Contains(run.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, run.stderr)
			}
		}
	})

	// Each wrong command line exits 2 before doing anything, saying what is
	// wrong and, for a typo, what was meant.
	usage := []struct {
		args   []string
		stderr string
	}{
		{[]string{"drill", "--speed", "-5"}, `invalid argument "-5" for "--speed" flag: want a number from 0.1 to 100`},
		{[]string{"drill", "--speed", "100000"}, `invalid argument "100000" for "--speed" flag: want a number from 0.1 to 100`},
		{[]string{"timeline", "lst"}, `unknown command "lst" for "warroom timeline"; did you mean list?`},
		{[]string{"runbok", "list"}, `unknown command "runbok" for "warroom"; did you mean runbook?`},
		{[]string{"timeline", "list", "--fromat", "json"}, "unknown flag: --fromat; did you mean --format?"},
		{[]string{"--speed", "5"}, "unknown flag: --speed; --speed is a flag of warroom drill"},
		{[]string{"drill", "--format", "json"}, "--format is for --list"},
		{[]string{"drill", "--list", "--format", "yaml"}, `invalid argument "yaml" for "--format" flag: want table, text or json`},
		{[]string{"timeline", "export", "--incident", "x", "--format", "pdf"}, "want md, html, json or csv"},
		{[]string{"timeline", "show"}, `required flag(s) "incident" not set`},
		{[]string{"timeline", "append", "--incident", "x"}, "at least one of the flags in the group [text amend] is required"},
		{[]string{"timeline", "append", "--incident", "x", "--amend", "e1"}, "if any flags in the group [amend op] are set they must all be set"},
		{[]string{"timeline", "list", "--tz", "Mars/Olympus"}, `--tz "Mars/Olympus": not a time zone`},
		{[]string{"runbook", "show"}, "accepts 1 arg(s), received 0"},
		{[]string{"runbook", "run", "scale-up", "--drill", "--param", "desired"}, "want name=value"},
		{[]string{"drill", "no-such-scenario"}, `no drill scenario "no-such-scenario" (scenarios: monday-surge, stale-slots, repair-overload, disk-full, holiday-db)`},
	}
	for _, tc := range usage {
		t.Run("usage: "+strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			run := runCLI(t, bin, state(t), tc.args...)
			if run.code != exitUsage {
				t.Errorf("exit %d, want %d", run.code, exitUsage)
			}
			if !strings.Contains(run.stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, run.stderr)
			}
			if run.stdout != "" {
				t.Errorf("stdout not empty:\n%s", run.stdout)
			}
		})
	}

	t.Run("read verbs print only JSON with --format json", func(t *testing.T) {
		t.Parallel()
		dir := state(t)
		if run := runCLI(t, bin, dir, "timeline", "append", "--incident", "INC-1", "--text", "first note"); run.code != 0 {
			t.Fatalf("append: exit %d\n%s", run.code, run.stderr)
		}
		verbs := []struct {
			args []string
			keys []string // documented top-level keys
		}{
			{[]string{"runbook", "list"}, []string{"runbooks", "problems"}},
			{[]string{"runbook", "show", "scale-up"}, []string{"name", "description", "source", "builtin", "dangerous", "mutates", "timeout_seconds", "params", "steps"}},
			{[]string{"runbook", "show", "scale-up", "--drill", "--param", "group=web", "--param", "desired=12"}, []string{"name", "plan"}},
			{[]string{"timeline", "list"}, []string{"state_dir", "incidents"}},
			{[]string{"config", "check"}, []string{"file", "exists", "valid", "drill", "problems", "sources"}},
			{[]string{"drill", "--list"}, []string{"scenarios"}},
		}
		for _, v := range verbs {
			run := runCLI(t, bin, dir, append(v.args, "--format", "json")...)
			var doc map[string]json.RawMessage
			if err := json.Unmarshal([]byte(run.stdout), &doc); err != nil || run.code != 0 {
				t.Errorf("%v: exit %d, not one JSON document (%v):\n%s\nstderr:\n%s", v.args, run.code, err, run.stdout, run.stderr)
				continue
			}
			for _, k := range v.keys {
				if _, ok := doc[k]; !ok {
					t.Errorf("%v: key %q missing from %s", v.args, k, run.stdout)
				}
			}
		}
		run := runCLI(t, bin, dir, "timeline", "list", "--format", "json", "--tz", "UTC")
		var list struct {
			Incidents []incidentJSON `json:"incidents"`
		}
		if err := json.Unmarshal([]byte(run.stdout), &list); err != nil {
			t.Fatalf("timeline list: %v\n%s", err, run.stdout)
		}
		i := slices.IndexFunc(list.Incidents, func(inc incidentJSON) bool { return inc.ID == "INC-1" })
		if i < 0 {
			t.Fatalf("INC-1 not listed:\n%s", run.stdout)
		}
		if inc := list.Incidents[i]; inc.Entries != 1 || !inc.OK || inc.First == nil || inc.Last == nil || inc.First.Location() != time.UTC {
			t.Errorf("incident %+v", inc)
		}
	})

	t.Run("what the user reads speaks for itself", func(t *testing.T) {
		t.Parallel()
		var texts []string
		for _, args := range [][]string{{"drill", "--list"}, {"drill", "--list", "--format", "json"}, {"runbook", "list", "--format", "json"}} {
			texts = append(texts, runCLI(t, bin, state(t), args...).stdout)
		}
		for _, name := range []string{"scale-up", "throttle-tier", "lift-throttle", "haproxy-rolling-restart", "drain-server", "restore-server", "host-disk-check"} {
			texts = append(texts, runCLI(t, bin, state(t), "runbook", "show", name).stdout)
		}
		var walk func(c *cobra.Command)
		walk = func(c *cobra.Command) {
			texts = append(texts, c.Short, c.Long, c.UsageString())
			for _, sub := range c.Commands() {
				walk(sub)
			}
		}
		walk(rootCommand())
		for _, text := range texts {
			for _, ref := range []string{"incidents.md", "incidents §", "§"} {
				if strings.Contains(text, ref) {
					t.Errorf("user-facing text points to %q, which does not ship:\n%s", ref, text)
				}
			}
		}
	})
}
