package config

import (
	"errors"
	"os"
	"testing"
)

// FuzzParseConfig feeds arbitrary files to the configuration decoder and
// validator: each must give a configuration or positioned problems, never
// a panic. Tokens are not loaded, so the fuzzer never reads the
// environment or the disk.
func FuzzParseConfig(f *testing.F) {
	example, err := os.ReadFile("example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(complete))
	f.Add([]byte("aws:\n  groups: [web\n"))
	f.Add([]byte("x: &a {groups: [web]}\naws: *a\nslack: {<<: *a, channel: C1}\n"))
	f.Add([]byte("limits:\n  max_capacity: {web: -1, api: lots}\n  default_step_timeout: 5 minutes\n---\nslack: {}\n"))
	f.Add([]byte("haproxy:\n  instances:\n    - {name: e, runtime: 'unix:/s', upstream: {instance: e, backend: b, server: s}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parse("fuzz.yaml", data, false)
		var ce *Error
		switch {
		case err == nil:
			_ = cfg.Redacted()
		case errors.As(err, &ce):
			if len(ce.Problems) == 0 {
				t.Fatal("an error without problems")
			}
			for _, p := range ce.Problems {
				if p.File != "fuzz.yaml" || p.Line < 1 || p.Column < 1 || p.Message == "" {
					t.Fatalf("problem without a position or message: %+v", p)
				}
			}
		}
	})
}
