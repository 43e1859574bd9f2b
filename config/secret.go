package config

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Secret is a token loaded from the environment or a token file. Every way
// of printing or encoding it masks the value; only Value reveals it.
type Secret struct {
	value  string
	origin string // "$SLACK_TOKEN" or the file path, shown instead of the value
}

// Value is the secret itself, for the client that sends it.
func (s Secret) Value() string { return s.value }

// String masks the value and names where it came from.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return "****** (from " + s.origin + ")"
}

// GoString masks the value under %#v.
func (s Secret) GoString() string { return "config.Secret(" + s.String() + ")" }

// MarshalText masks the value in YAML, JSON and text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// IsZero lets `omitempty` leave out secrets that were not loaded.
func (s Secret) IsZero() bool { return s.value == "" }

// UnmarshalYAML refuses tokens written into the configuration file: a file
// that gets copied, pasted and committed is no place for them.
func (s *Secret) UnmarshalYAML(node ast.Node) error {
	return &yaml.SyntaxError{
		Message: "tokens do not belong in the configuration file; set the environment variable or token_file (a file only you can read)",
		Token:   node.GetToken(),
	}
}

// maxTokenSize bounds a token file: tokens are well under a kilobyte.
const maxTokenSize = 4096

// loadSecret reads the secret from file when one is configured, else from
// the environment variable env. key locates file's setting for errors.
func (v *validator) loadSecret(file, env string, key ...any) Secret {
	if file == "" {
		if val := strings.TrimSpace(os.Getenv(env)); val != "" {
			return Secret{value: val, origin: "$" + env}
		}
		return Secret{}
	}
	path := v.resolve(file)
	info, err := os.Stat(path)
	if err != nil {
		v.add(fmt.Sprintf("cannot read token file: %v", err), key...)
		return Secret{}
	}
	if !info.Mode().IsRegular() {
		v.add(fmt.Sprintf("token file %s is not a regular file", path), key...)
		return Secret{}
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		v.add(fmt.Sprintf("token file %s is readable by others (mode %04o); run: chmod 600 %s", path, perm, path), key...)
		return Secret{}
	}
	f, err := os.Open(path)
	if err != nil {
		v.add(fmt.Sprintf("cannot read token file: %v", err), key...)
		return Secret{}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTokenSize+1))
	switch {
	case err != nil:
		v.add(fmt.Sprintf("cannot read token file %s: %v", path, err), key...)
		return Secret{}
	case len(data) > maxTokenSize:
		v.add(fmt.Sprintf("token file %s is larger than %d bytes; it should hold only the token", path, maxTokenSize), key...)
		return Secret{}
	}
	val := strings.TrimSpace(string(data))
	if val == "" {
		v.add(fmt.Sprintf("token file %s is empty", path), key...)
		return Secret{}
	}
	return Secret{value: val, origin: path}
}

// loadSecrets fills each configured source's tokens and reports the ones
// that are missing.
func (v *validator) loadSecrets(c *Config) {
	for _, s := range sections {
		if s.present(c) && s.load != nil {
			s.load(v, c)
		}
	}
	// The team is no source (a file naming only a team opens the drill),
	// so it is not among the sections.
	if t := c.Team; t != nil {
		v.teamSecrets(t)
	}
}
