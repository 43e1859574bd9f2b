// Package crashtest is the harness of the durability tests: it re-executes
// the test binary as a child that writes and reports each write once it
// is durable, and kills it with SIGKILL while other writes are in flight.
package crashtest

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RunAndKill starts the test binary with env=value (its TestMain runs the
// child when it sees env), hands report the fields after "durable" of each
// line the child prints, and kills it once min lines have come. Lines
// already in the pipe are still read after the kill. A line that is not a
// report, or one report rejects, fails the test, and so does a child that
// was not killed as planned.
func RunAndKill(t testing.TB, env, value string, min int, report func(fields []string) error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+value)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() }) // bound the test if the child stalls
	defer timer.Stop()
	seen, killed := 0, false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "durable" || report(f[1:]) != nil {
			t.Fatalf("child: %s", sc.Text())
		}
		if seen++; !killed && seen >= min {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !killed || !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed as planned (killed=%v): %v", killed, err)
	}
}
