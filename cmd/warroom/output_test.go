package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every read verb with a --format takes -o/--output FILE: the file holds
// exactly what standard output would have held, standard output holds
// nothing, no temporary file is left beside it; a report printed before
// exiting 1 is written, and a usage error leaves the file as it was.
func TestReadVerbsWriteOutputFile(t *testing.T) {
	bin := buildBinary(t)
	t.Setenv("PAGERDUTY_TOKEN", "")
	t.Setenv("SLACK_TOKEN", "")
	t.Setenv("SLACK_APP_TOKEN", "")
	state := filepath.Join(t.TempDir(), "state")
	dir := t.TempDir()
	noSource := filepath.Join(dir, "config.yaml")
	broken := filepath.Join(dir, "broken.yaml")
	for path, body := range map[string]string{noSource: "metrics:\n  main: edge-1/web\n", broken: "metrics:\n  main: web\n"} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if run := runCLI(t, bin, state, "timeline", "append", "--incident", "INC-1", "--text", "first note"); run.code != 0 {
		t.Fatalf("append: exit %d\n%s", run.code, run.stderr)
	}
	for _, args := range [][]string{
		{"runbook", "list"},
		{"runbook", "list", "--format", "json"},
		{"runbook", "show", "scale-up"},
		{"runbook", "show", "scale-up", "--format", "json"},
		{"timeline", "list", "--tz", "UTC"},
		{"timeline", "list", "--format", "json", "--tz", "UTC"},
		{"--config", noSource, "config", "check"},
		{"--config", noSource, "config", "check", "--format", "json"},
		{"drill", "--list"},
		{"drill", "--list", "--format", "json"},
		{"fleet", "--drill", "--window", "10s", "--format", "json"},
	} {
		t.Run(filepath.Join(args...), func(t *testing.T) {
			want := runCLI(t, bin, state, args...)
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			got := runCLI(t, bin, state, append(args, "-o", out)...)
			if got.code != 0 || want.code != 0 || got.stdout != "" {
				t.Fatalf("exit %d (without -o: %d), stdout %q\nstderr:\n%s", got.code, want.code, got.stdout, got.stderr)
			}
			body, err := os.ReadFile(out)
			if err != nil || string(body) != want.stdout || len(body) == 0 {
				t.Fatalf("file holds %q (%v), want what standard output holds:\n%s", body, err, want.stdout)
			}
			if files, _ := os.ReadDir(dir); len(files) != 1 {
				t.Errorf("left beside the file: %v", files)
			}
		})
	}

	t.Run("a report printed before exit 1 is written", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "check.json")
		run := runCLI(t, bin, state, "--config", broken, "config", "check", "--format", "json", "-o", out)
		var doc map[string]json.RawMessage
		body, _ := os.ReadFile(out)
		if run.code != 1 || run.stdout != "" || json.Unmarshal(body, &doc) != nil || string(doc["valid"]) != "false" {
			t.Fatalf("exit %d, stdout %q, file %q", run.code, run.stdout, body)
		}
	})

	t.Run("a usage error leaves the file as it was", func(t *testing.T) {
		dir := t.TempDir()
		out := filepath.Join(dir, "keep")
		if err := os.WriteFile(out, []byte("before"), 0o600); err != nil {
			t.Fatal(err)
		}
		run := runCLI(t, bin, state, "drill", "-o", out)
		body, _ := os.ReadFile(out)
		if run.code != exitUsage || string(body) != "before" || run.stdout != "" || !strings.Contains(run.stderr, "--output is for --list") {
			t.Fatalf("exit %d, file %q", run.code, body)
		}
		if files, _ := os.ReadDir(dir); len(files) != 1 {
			t.Errorf("left beside the file: %v", files)
		}
	})
}
