package aws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/warroomhq/warroom/integrations"
)

func TestRunCommandWaitsForEveryInstance(t *testing.T) {
	f := newFakeAWS(t)
	f.hidden = 2        // InvocationDoesNotExist twice, as right after sending
	f.pollsToFinish = 2 // then InProgress twice
	f.run = func(instance, command string) fakeResult {
		if instance == "i-2" {
			return fakeResult{status: "Failed", code: 1, stdout: "partial", stderr: "df: /data: No such file"}
		}
		return fakeResult{status: "Success", stdout: "Filesystem Use%\n/dev/xvda1 97%\n"}
	}
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	res, err := s.RunCommand(ctx, []string{"i-1", "i-2"}, "df -h /", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []integrations.CommandResult{
		{Target: "i-1", Status: "Success", ExitCode: 0, Output: "Filesystem Use%\n/dev/xvda1 97%\n"},
		{Target: "i-2", Status: "Failed", ExitCode: 1, Output: "partial\ndf: /data: No such file"},
	}
	if fmt.Sprint(res) != fmt.Sprint(want) {
		t.Fatalf("results = %+v\nwant %+v", res, want)
	}
	f.edit(func() {
		c := f.commands["cmd-1"]
		if c.command != "df -h /" || len(c.parameters["commands"]) != 1 {
			t.Errorf("sent parameters %v", c.parameters)
		}
		if et := c.parameters["executionTimeout"]; len(et) != 1 || et[0] == "0" || len(et[0]) > 2 {
			t.Errorf("no executionTimeout from the deadline: %v", c.parameters)
		}
		if c.polls["i-1"] != 5 {
			t.Errorf("polled i-1 %d times, want 5 (2 missing, 2 in progress, 1 done)", c.polls["i-1"])
		}
	})
}

func TestRunCommandBoundsOutput(t *testing.T) {
	f := newFakeAWS(t)
	f.run = func(string, string) fakeResult {
		return fakeResult{status: "Success", stdout: strings.Repeat("é", 50000)}
	}
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	res, err := s.RunCommand(context.Background(), []string{"i-1"}, "cat big.log", 1001)
	if err != nil {
		t.Fatal(err)
	}
	out := res[0].Output
	if len(out) > 1001 || !utf8.ValidString(out) || !strings.HasSuffix(out, truncatedMark) {
		t.Fatalf("output of %d bytes, valid UTF-8 %v, marked %v", len(out), utf8.ValidString(out), strings.HasSuffix(out, truncatedMark))
	}
}

func TestRunCommandGivesUpAtDeadlineAndCancels(t *testing.T) {
	f := newFakeAWS(t)
	f.pollsToFinish = 1 << 30 // never finishes
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	res, err := s.RunCommand(ctx, []string{"i-1"}, "sleep 3600", 100)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not finish on i-1") {
		t.Fatalf("err = %v", err)
	}
	if len(res) != 1 || res[0].Status != "InProgress" {
		t.Fatalf("results = %+v", res)
	}
	if f.callCount("CancelCommand") != 1 {
		t.Fatalf("the command was not cancelled on the host")
	}
}

func TestRunCommandRidesOutThrottling(t *testing.T) {
	f := newFakeAWS(t)
	throttled := 0
	f.setFault(func(w http.ResponseWriter, action string) bool {
		if action != "GetCommandInvocation" || throttled >= 2 {
			return false
		}
		throttled++
		ssmError(w, 400, "ThrottlingException", "Rate exceeded")
		return true
	})
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.RunCommand(ctx, []string{"i-1"}, "uptime", 100)
	if err != nil || res[0].Status != "Success" {
		t.Fatalf("RunCommand = %+v, %v", res, err)
	}
}

func TestRunCommandRefusesBadInput(t *testing.T) {
	f := newFakeAWS(t)
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	if _, err := s.RunCommand(context.Background(), nil, "uptime", 100); err == nil {
		t.Error("no targets accepted")
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("i-%d", i)
	}
	if _, err := s.RunCommand(context.Background(), many, "uptime", 100); err == nil || !strings.Contains(err.Error(), "at most 50") {
		t.Errorf("51 targets: %v", err)
	}
	if f.callCount("SendCommand") != 0 {
		t.Error("refused commands reached SSM")
	}
}

func TestRunCommandMalformedJSON(t *testing.T) {
	f := newFakeAWS(t)
	f.setFault(func(w http.ResponseWriter, action string) bool {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprint(w, `{"Command": {"CommandId": 42`)
		return true
	})
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	if _, err := s.RunCommand(context.Background(), []string{"i-1"}, "uptime", 100); err == nil {
		t.Fatal("malformed JSON accepted")
	}
}

func TestBoundOutput(t *testing.T) {
	tests := []struct {
		stdout, stderr string
		limit          int
		want           string
	}{
		{"a\n", "", 10, "a\n"},
		{"a", "b", 10, "a\nb"},
		{"", "err", 10, "err"},
		{"héllo", "", 2, "h"}, // never half a character
	}
	for _, tt := range tests {
		if got := boundOutput(tt.stdout, tt.stderr, tt.limit); got != tt.want {
			t.Errorf("boundOutput(%q, %q, %d) = %q, want %q", tt.stdout, tt.stderr, tt.limit, got, tt.want)
		}
	}
}

func TestRunCommandBoundedSendsMaxConcurrencyAndMaxErrors(t *testing.T) {
	f := newFakeAWS(t)
	f.run = func(instance, command string) fakeResult {
		if instance == "i-2" {
			return fakeResult{status: "Failed", code: 1, stderr: "systemctl: unit failed"}
		}
		return fakeResult{status: "Success", stdout: "active\n"}
	}
	s := newTestSource(t, f, Options{Groups: []string{"web"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hosts := []string{"i-1", "i-2", "i-3", "i-4"}

	// The zero options: one host at a time, stop at the first failure.
	res, err := s.RunCommandBounded(ctx, hosts, "systemctl restart app", integrations.CommandOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		got = append(got, r.Target+"="+r.Status)
	}
	if want := "i-1=Success i-2=Failed i-3=Cancelled i-4=Cancelled"; strings.Join(got, " ") != want {
		t.Errorf("results %s, want %s", strings.Join(got, " "), want)
	}
	if _, err := s.RunCommandBounded(ctx, hosts, "systemctl restart app", integrations.CommandOptions{MaxConcurrency: 2, MaxErrors: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunCommand(ctx, hosts, "uptime", 0); err != nil {
		t.Fatal(err)
	}
	f.edit(func() {
		for id, want := range map[string][2]string{"cmd-1": {"1", "0"}, "cmd-2": {"2", "1"}, "cmd-3": {"4", "4"}} {
			c := f.commands[id]
			if c.maxConcurrency != want[0] || c.maxErrors != want[1] {
				t.Errorf("%s sent MaxConcurrency %q MaxErrors %q, want %q %q", id, c.maxConcurrency, c.maxErrors, want[0], want[1])
			}
		}
	})
}
