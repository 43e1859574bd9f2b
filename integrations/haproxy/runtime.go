package haproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"time"
)

const (
	// maxAnswer bounds one Runtime API answer; `show stat` for a few
	// thousand servers stays well under it, a runaway answer does not.
	maxAnswer = 8 << 20
	// defaultCommandTimeout applies when the caller's context has no
	// deadline, so a wedged socket can never hold a caller forever.
	defaultCommandTimeout = 10 * time.Second
)

// socket is one Runtime API or master CLI endpoint. HAProxy serves one
// command per non-interactive connection and then closes it, so every
// command dials afresh; a socket holds no connection and is safe for
// concurrent use.
type socket struct {
	instance string // for error messages
	role     string // "runtime API" or "master CLI"
	network  string // "unix" or "tcp"
	address  string
}

// parseAddr accepts `unix:/path`, a bare absolute path, or `host:port`.
func parseAddr(instance, role, addr string) (socket, error) {
	s := socket{instance: instance, role: role}
	switch {
	case strings.HasPrefix(addr, "unix:"):
		s.network, s.address = "unix", strings.TrimPrefix(addr, "unix:")
	case strings.HasPrefix(addr, "/"):
		s.network, s.address = "unix", addr
	default:
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return s, fmt.Errorf("haproxy %s: %s address %q: want unix:/path or host:port", instance, role, addr)
		}
		s.network, s.address = "tcp", addr
	}
	if s.address == "" {
		return s, fmt.Errorf("haproxy %s: %s address is empty", instance, role)
	}
	return s, nil
}

// run sends one command and returns HAProxy's whole answer.
func (s socket) run(ctx context.Context, cmd string) (string, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultCommandTimeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, s.network, s.address)
	if err != nil {
		return "", s.fail(cmd, ctxErr(ctx, err))
	}
	defer conn.Close()
	// The context's end (deadline or cancellation) unblocks pending i/o;
	// by then ctx.Err() is set, so the error says which it was.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if _, err := io.WriteString(conn, cmd+"\n"); err != nil {
		return "", s.fail(cmd, ctxErr(ctx, err))
	}
	// The master CLI answers and closes only once it sees the end of the
	// input; the Runtime API accepts the same.
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return "", s.fail(cmd, ctxErr(ctx, err))
		}
	}
	body, err := io.ReadAll(io.LimitReader(conn, maxAnswer+1))
	if err != nil {
		return "", s.fail(cmd, ctxErr(ctx, err))
	}
	if len(body) > maxAnswer {
		return "", s.fail(cmd, fmt.Errorf("answer larger than %d bytes", maxAnswer))
	}
	return string(body), nil
}

// change sends a command that answers nothing on success; any answer is
// HAProxy's refusal and becomes the error.
func (s socket) change(ctx context.Context, cmd string) error {
	answer, err := s.run(ctx, cmd)
	if err != nil {
		return err
	}
	if a := strings.TrimSpace(answer); a != "" {
		return s.fail(cmd, &RefusedError{Answer: firstLines(a, 3)})
	}
	return nil
}

func (s socket) fail(cmd string, err error) error {
	return &CommandError{Instance: s.instance, Role: s.role, Command: cmd, Err: err}
}

// ctxErr prefers the context's reason over the i/o error it caused.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// CommandError says which instance and command failed, and why.
type CommandError struct {
	Instance string
	Role     string // runtime API or master CLI
	Command  string
	Err      error
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("haproxy %s: %s %q: %v", e.Instance, e.Role, e.Command, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// RefusedError carries HAProxy's own answer to a command it refused.
type RefusedError struct{ Answer string }

func (e *RefusedError) Error() string { return "haproxy answered: " + e.Answer }

// IsRefused reports whether err is HAProxy refusing a command (as opposed
// to the socket being unreachable).
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, " / ")
}

// validName matches what HAProxy accepts as a proxy, server or map key
// here. Names go into Runtime API command lines, where a space, ';' or
// newline would start another argument or command, so anything else is
// refused before a byte is sent.
var validName = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func checkName(what, name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("invalid %s %q: use letters, digits, '.', '_', ':' or '-'", what, name)
	}
	return nil
}
