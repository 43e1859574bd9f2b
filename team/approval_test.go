package team

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/runbooks"
)

var approvalAuth = &Auth{Users: []AuthUser{
	{User: "alice", Password: "alice-secret-1", Role: RoleResponder},
	{User: "bob", Password: "bob-secret-22", Role: RoleResponder},
	{User: "olga", Password: "olga-secret-1", Role: RoleObserver},
}}

// group is one Auto Scaling group that counts the capacity changes sent
// to it: what a run changed, if anything.
type group struct {
	mu      sync.Mutex
	desired int
	sets    []int
	stuck   bool // no instance comes into service: a scale-up waits
	served  int
}

func (g *group) SetDesiredCapacity(_ context.Context, _ string, desired int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.stuck {
		g.served = desired
	}
	g.desired, g.sets = desired, append(g.sets, desired)
	return nil
}

func (g *group) DescribeGroup(_ context.Context, name string) (integrations.Group, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return integrations.Group{Name: name, Desired: g.desired, Min: 1, Max: 20, InService: max(g.served, min(g.desired, 4))}, nil
}

func (g *group) changes() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.sets...)
}

const approvedRunbook = `name: approved-scale
approval: required
steps:
  - action: aws.scale_group
    args: {group: web, desired: 8, poll: 10ms}
`

type approvalRun struct {
	report *runbooks.Report
	rec    *integrationstest.Recorder
	err    error
}

// requestRun plans approvedRunbook and runs it with alice's approvals in
// the background; it returns once the request is on the server.
func requestRun(t *testing.T, ap *Approvals, g *group, timeout time.Duration) (runbooks.ApprovalRequest, <-chan approvalRun) {
	t.Helper()
	rb, err := runbooks.Parse("approved.yaml", []byte(approvedRunbook))
	if err != nil {
		t.Fatal(err)
	}
	actions := integrations.Actions{Scaler: g}
	plan, err := runbooks.NewPlan(context.Background(), rb, nil, actions, runbooks.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	asked := make(chan Request, 1)
	ap.Waiting = func(r Request) { asked <- r }
	done := make(chan approvalRun, 1)
	go func() {
		rec := &integrationstest.Recorder{}
		r, err := runbooks.Run(context.Background(), plan, actions, rec.Sink, runbooks.RunOptions{
			Confirmed: true, StateDir: t.TempDir(), Holder: "alice", Approver: ap, ApprovalTimeout: timeout})
		done <- approvalRun{r, rec, err}
	}()
	select {
	case r := <-asked:
		return r.ApprovalRequest, done
	case r := <-done:
		t.Fatalf("the run ended without asking: %v", r.err)
	case <-time.After(10 * time.Second):
		t.Fatal("no approval request")
	}
	return runbooks.ApprovalRequest{}, nil
}

func TestTheRequesterCannotApproveASecondResponderCan(t *testing.T) {
	ts := startTestServer(t, approvalAuth)
	alice := dial(t, Options{URL: ts.url(), User: "alice", Password: "alice-secret-1"})
	bob := dial(t, Options{URL: ts.url(), User: "bob", Password: "bob-secret-22"})
	aliceAp, err := alice.Approvals("INC-7")
	if err != nil {
		t.Fatal(err)
	}
	bobAp, err := bob.Approvals("INC-7")
	if err != nil {
		t.Fatal(err)
	}
	g := &group{desired: 4, served: 4}
	req, done := requestRun(t, aliceAp, g, time.Minute)

	if _, err := aliceAp.Answer(req.RunID, true, ""); err == nil || !strings.Contains(err.Error(), "another responder must approve") {
		t.Fatalf("the requester's own approval: %v", err)
	}
	// Written by hand in bob's name, the server itself refuses it.
	forged := aliceAp.put(approvalKey(req.RunID, keyAnswer, "bob"), runbooks.ApprovalAnswer{Approved: true, By: "bob"})
	var refused *RefusedError
	if !errors.As(forged, &refused) {
		t.Fatalf("alice writing bob's answer: %v, want the server's refusal", forged)
	}
	if got := g.changes(); len(got) != 0 {
		t.Fatalf("changed before any approval: %v", got)
	}

	pending, err := bobAp.Pending()
	if err != nil || len(pending) != 1 {
		t.Fatalf("bob's pending = %+v (%v)", pending, err)
	}
	p := pending[0]
	if p.RequesterID != "alice" || p.Incident != "INC-7" || !strings.Contains(p.Plan, "SetDesiredCapacity") && !strings.Contains(p.Plan, "web") || p.Checks == "" {
		t.Fatalf("bob is shown %+v", p)
	}
	if _, err := bobAp.Answer(req.RunID, true, "looks right"); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.report.Status != runbooks.RunDone {
		t.Fatalf("run: %v", r.err)
	}
	if got := g.changes(); len(got) != 1 || got[0] != 8 {
		t.Errorf("changes %v", got)
	}
	approved := r.rec.Records(integrations.KindRunbookApproved)
	if len(approved) != 1 || approved[0].Fields["by"] != "bob" {
		t.Errorf("approval records %+v", approved)
	}
	if pending, _ := bobAp.Pending(); len(pending) != 0 {
		t.Errorf("still pending after the approval: %+v", pending)
	}
}

func TestARefusalOrATimeoutLeavesNothingChanged(t *testing.T) {
	ts := startTestServer(t, approvalAuth)
	alice := dial(t, Options{URL: ts.url(), User: "alice", Password: "alice-secret-1"})
	bob := dial(t, Options{URL: ts.url(), User: "bob", Password: "bob-secret-22"})
	olga := dial(t, Options{URL: ts.url(), User: "olga", Password: "olga-secret-1"})
	aliceAp, _ := alice.Approvals("INC-7")
	bobAp, _ := bob.Approvals("INC-7")
	olgaAp, err := olga.Approvals("INC-7")
	if err != nil {
		t.Fatalf("an observer cannot even read the approvals: %v", err)
	}

	g := &group{desired: 4, served: 4}
	req, done := requestRun(t, aliceAp, g, time.Minute)
	start := time.Now()
	_, err = olgaAp.Answer(req.RunID, true, "")
	var refused *RefusedError
	if !errors.As(err, &refused) || time.Since(start) > time.Second {
		t.Fatalf("the observer's approval: %v after %s, want the server's refusal at once", err, time.Since(start))
	}
	if _, err := bobAp.Answer(req.RunID, false, "not during the sale"); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.report.Status != runbooks.RunRefused || !strings.Contains(fmt.Sprint(r.err), "refused by bob: not during the sale") {
		t.Fatalf("refused run: %s %v", r.report.Status, r.err)
	}
	if len(r.rec.Records(integrations.KindRunbookApprovalRefused)) != 1 || len(g.changes()) != 0 {
		t.Fatalf("records %v, changes %v", r.rec.Records(""), g.changes())
	}

	_, done = requestRun(t, aliceAp, g, 300*time.Millisecond)
	r = <-done
	if r.report.Status != runbooks.RunRefused || len(r.rec.Records(integrations.KindRunbookApprovalTimeout)) != 1 || len(g.changes()) != 0 {
		t.Fatalf("timed-out run: %s %v, changes %v", r.report.Status, r.err, g.changes())
	}
	if pending, _ := bobAp.Pending(); len(pending) != 0 {
		t.Errorf("settled requests still pending: %+v", pending)
	}
}

func TestSelfApprovalCountsOnlyWhenTheRequestAllowsIt(t *testing.T) {
	ts := startTestServer(t, nil)
	alice := dial(t, Options{URL: ts.url(), Name: "alice"})
	ap, err := alice.Approvals("INC-7")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan runbooks.ApprovalAnswer, 1)
	go func() {
		ans, err := ap.Approve(ctx, runbooks.ApprovalRequest{RunID: "r1", Runbook: "x", Expires: time.Now().Add(time.Minute), SelfAllowedBy: "team.self_approval"})
		if err != nil {
			t.Error(err)
		}
		got <- ans
	}()
	eventually(t, 5*time.Second, "the request is pending", func() bool { p, _ := ap.Pending(); return len(p) == 1 })
	if _, err := ap.Answer("r1", true, ""); err != nil {
		t.Fatal(err)
	}
	if ans := <-got; !ans.Approved || !ans.Self || ans.By != "alice" {
		t.Errorf("answer %+v", ans)
	}
}
