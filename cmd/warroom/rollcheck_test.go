package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
	"github.com/warroomhq/warroom/runbooks"
)

// TestAbortedStepSaysWhereTheRollStopped: the command's output says which
// instances were done, in progress and untouched when a roll is aborted,
// as it does when one fails.
func TestAbortedStepSaysWhereTheRollStopped(t *testing.T) {
	var out bytes.Buffer
	print := progressPrinter(&out)
	const status = "done: edge-1; in progress: edge-2 (returned to rotation); untouched: edge-3"
	print(runbooks.StepState{Index: 1, Name: "rolling reload", Status: runbooks.StepRunning})
	print(runbooks.StepState{Index: 1, Name: "rolling reload", Status: runbooks.StepAborted, Elapsed: 2 * time.Second,
		Err: status + "; edge-2: waiting for sessions to drain: aborted", Result: runbooks.Result{Output: "edge-2 returned to rotation"}})
	if got := out.String(); !strings.Contains(got, "[1] rolling reload ABORTED after 2s: "+status) || !strings.Contains(got, "| edge-2 returned to rotation") {
		t.Errorf("output:\n%s", got)
	}
}

// rollingConfig is a configuration naming a real front and its edges, the
// last edge's upstream server being server.
func rollingConfig(tp *haproxytest.Topology, server string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "haproxy:\n  instances:\n    - name: front\n      runtime: unix:%s\n", tp.Front.RuntimeSock)
	for i, e := range tp.Edges {
		up := e.Name
		if i == len(tp.Edges)-1 {
			up = server
		}
		fmt.Fprintf(&b, "    - name: %s\n      runtime: unix:%s\n      master: unix:%s\n      config: %s\n      upstream: {instance: front, backend: %s, server: %s}\n",
			e.Name, e.RuntimeSock, e.MasterSock, e.ConfigPath, tp.FrontBackend, up)
	}
	return b.String()
}

func TestConfigCheckRunsTheRollingRestartChecks(t *testing.T) {
	t.Setenv("PATH", os.Getenv("PATH")+":/usr/sbin")
	tp := haproxytest.StartTopologyWith(t, haproxytest.TopologyOptions{Edges: 2, Backends: 1, TCPFront: true})

	out, _, err := runConfig(t, rollingConfig(tp, "edge-2"), "check")
	if err != nil {
		t.Fatalf("err = %v\n%s", err, out)
	}
	for _, want := range []string{
		"ok   edge-1: configuration valid",
		"WARN edge-1: option idle-close-on-response is not set for frontend web",
		"add `option idle-close-on-response` to the defaults section",
		"ok   batch 1 leaves at least 1 of the 2 servers of front/edges in rotation",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out, _, err = runConfig(t, rollingConfig(tp, "edge9"), "check")
	if err == nil || err.Error() != "1 rolling restart check failed" {
		t.Fatalf("err = %v\n%s", err, out)
	}
	if !strings.Contains(out, "FAIL edge-2: upstream edges/edge9 is not a server on front (edges has edge-1, edge-2)") {
		t.Errorf("output does not name the missing server:\n%s", out)
	}
}
