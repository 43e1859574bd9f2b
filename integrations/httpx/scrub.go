package httpx

import (
	"errors"
	"fmt"
	"strings"

	"github.com/warroomhq/warroom/integrations"
)

// Redacted replaces a secret wherever Scrubber finds one.
const Redacted = "[redacted]"

// Scrubber removes configured secrets from text and errors before they
// leave an adapter: a failing server may echo a token back in its body,
// and a chat message may quote one.
type Scrubber struct {
	secrets []string
}

// NewScrubber scrubs the given secrets; empty strings are ignored.
func NewScrubber(secrets ...string) Scrubber {
	var s Scrubber
	for _, v := range secrets {
		if v != "" {
			s.secrets = append(s.secrets, v)
		}
	}
	return s
}

// String returns v with every secret replaced by Redacted.
func (s Scrubber) String(v string) string {
	for _, secret := range s.secrets {
		v = strings.ReplaceAll(v, secret, Redacted)
	}
	return v
}

// Record returns r with secrets scrubbed from its actor, text and fields.
func (s Scrubber) Record(r integrations.Record) integrations.Record {
	r.Actor, r.Text = s.String(r.Actor), s.String(r.Text)
	if r.Fields != nil {
		fields := make(map[string]string, len(r.Fields))
		for k, v := range r.Fields {
			fields[k] = s.String(v)
		}
		r.Fields = fields
	}
	return r
}

// Error returns err with a scrubbed message; nil stays nil. The result
// still answers errors.Is for the original chain (timeouts, cancellation)
// but deliberately offers no Unwrap, so no caller can reach the raw text.
func (s Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	return &scrubbedError{msg: s.String(err.Error()), orig: err}
}

type scrubbedError struct {
	msg  string
	orig error
}

func (e *scrubbedError) Error() string { return e.msg }

func (e *scrubbedError) Is(target error) bool { return errors.Is(e.orig, target) }

// Recover runs f and turns a panic inside it into an error. SDK decoders
// can panic on a response of the wrong shape (go-pagerduty asserts that a
// log entry's channel type is a string); a bad response must degrade the
// source, not crash the program.
func Recover(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: malformed response: %v", what, p)
		}
	}()
	return f()
}
