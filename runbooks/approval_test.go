package runbooks

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/integrationstest"
)

const approvedScale = `name: approved-scale
approval: required
params:
  - name: desired
    type: int
steps:
  - action: aws.scale_group
    args:
      group: web
      desired: ${desired}
      poll: 10ms
`

// answering is an Approver that hands each request to the test and
// returns the answer the test sends, or waits for ctx to end.
type answering struct {
	asked   chan ApprovalRequest
	answers chan ApprovalAnswer
}

func newAnswering() *answering {
	return &answering{asked: make(chan ApprovalRequest, 1), answers: make(chan ApprovalAnswer, 1)}
}

func (a *answering) Approve(ctx context.Context, req ApprovalRequest) (ApprovalAnswer, error) {
	a.asked <- req
	select {
	case ans := <-a.answers:
		return ans, nil
	case <-ctx.Done():
		return ApprovalAnswer{}, ctx.Err()
	}
}

// runApproved plans approvedScale to desired 8 and runs it with opts in
// the background; the report comes on the returned channel.
func runApproved(t *testing.T, ctx context.Context, s *fakeScaler, limits Limits, opts RunOptions) (<-chan *Report, *integrationstest.Recorder) {
	t.Helper()
	p, err := NewPlan(ctx, mustParse(t, approvedScale), map[string]string{"desired": "8"}, integrations.Actions{Scaler: s}, limits)
	if err != nil {
		t.Fatal(err)
	}
	opts.StateDir, opts.Confirmed, opts.Holder = t.TempDir(), true, "alice"
	rec := &integrationstest.Recorder{}
	done := make(chan *Report, 1)
	go func() {
		r, _ := Run(ctx, p, integrations.Actions{Scaler: s}, rec.Sink, opts)
		done <- r
	}()
	return done, rec
}

func TestApprovalRequiredWaitsForAnotherResponder(t *testing.T) {
	s, a := webScaler(), newAnswering()
	done, rec := runApproved(t, context.Background(), s, Limits{}, RunOptions{Approver: a})
	req := <-a.asked
	if req.Requester != "alice" || req.Runbook != "approved-scale" || !strings.Contains(req.Plan, "approval: another responder must approve") ||
		!strings.Contains(req.Checks, "web") || !slices.Equal(req.Targets, []string{"aws:web"}) {
		t.Fatalf("request = %+v", req)
	}
	time.Sleep(50 * time.Millisecond)
	if w := s.all(); len(w) != 0 {
		t.Fatalf("sent before the approval: %v", w)
	}
	a.answers <- ApprovalAnswer{Approved: true, By: "bob", At: time.Now()}
	r := <-done
	if r.Status != RunDone || len(s.mentioning("SetDesiredCapacity web 8")) != 1 {
		t.Fatalf("status %s, writes %v, err %v", r.Status, s.all(), r.Err)
	}
	kinds := recordKinds(rec)
	want := []string{integrations.KindRunbookRequested, integrations.KindRunbookPlan, integrations.KindRunbookConfirmed, integrations.KindRunbookApprovalRequested, integrations.KindRunbookApproved, integrations.KindRunbookStepStart, integrations.KindRunbookStepEnd, integrations.KindRunbookDone}
	if !slices.Equal(kinds, want) {
		t.Errorf("records %v\nwant    %v", kinds, want)
	}
	if got := rec.Records(integrations.KindRunbookApproved); len(got) != 1 || got[0].Fields["by"] != "bob" || got[0].Text != "run "+r.RunID+" approved by bob" {
		t.Errorf("approval record %+v", got)
	}
}

func TestApprovalRefusedOrTimedOutChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind string
		want string
		opts func(a *answering) RunOptions
	}{
		{"refused", integrations.KindRunbookApprovalRefused, "refused by bob: not during the sale", func(a *answering) RunOptions {
			a.answers <- ApprovalAnswer{By: "bob", Why: "not during the sale"}
			return RunOptions{Approver: a}
		}},
		{"timeout", integrations.KindRunbookApprovalTimeout, "no other responder approved the run within 100ms", func(a *answering) RunOptions {
			return RunOptions{Approver: a, ApprovalTimeout: 100 * time.Millisecond}
		}},
		{"no team", "", ErrNoApprover.Error(), func(*answering) RunOptions { return RunOptions{} }},
		{"requester's own answer", "", "approval by the requester alice does not count", func(a *answering) RunOptions {
			a.answers <- ApprovalAnswer{Approved: true, By: "alice"}
			return RunOptions{Approver: a}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, a := webScaler(), newAnswering()
			done, rec := runApproved(t, context.Background(), s, Limits{}, tc.opts(a))
			r := <-done
			if r.Status != RunRefused || r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
				t.Fatalf("status %s, err %v; want refused: %s", r.Status, r.Err, tc.want)
			}
			if w := s.all(); len(w) != 0 {
				t.Errorf("sent %v", w)
			}
			if rec.Records(integrations.KindRunbookStepStart) != nil || rec.Records(integrations.KindRunbookApproved) != nil {
				t.Errorf("records %v", recordKinds(rec))
			}
			if tc.kind != "" && len(rec.Records(tc.kind)) != 1 {
				t.Errorf("no %s record in %v", tc.kind, recordKinds(rec))
			}
		})
	}
}

func TestAbortWhileWaitingForApproval(t *testing.T) {
	s, a := webScaler(), newAnswering()
	ctx, cancel := context.WithCancelCause(context.Background())
	done, _ := runApproved(t, ctx, s, Limits{}, RunOptions{Approver: a})
	<-a.asked
	cancel(errors.New("aborted by alice"))
	r := <-done
	if r.Status != RunAborted || len(s.all()) != 0 {
		t.Fatalf("status %s, writes %v", r.Status, s.all())
	}
}

func TestSelfApprovalOnlyByTheConfigurationThePlanNames(t *testing.T) {
	s := webScaler()
	limits := Limits{Approval: ApprovalPolicy{SelfAllowedBy: "team.self_approval"}}
	done, rec := runApproved(t, context.Background(), s, limits, RunOptions{})
	r := <-done
	if r.Status != RunDone {
		t.Fatalf("status %s: %v", r.Status, r.Err)
	}
	if got := rec.Records(integrations.KindRunbookPlan); len(got) != 1 {
		t.Fatalf("plan records %v", got)
	}
	approved := rec.Records(integrations.KindRunbookApproved)
	if len(approved) != 1 || approved[0].Fields["self_allowed_by"] != "team.self_approval" ||
		!strings.Contains(approved[0].Text, "approved by its requester alice, as team.self_approval allows") {
		t.Errorf("approval record %+v", approved)
	}
}

func TestApprovalPolicyCoversDangerousRunbooks(t *testing.T) {
	rb := builtin(t, "scale-up")
	rb.Dangerous, rb.Confirm = true, "web"
	a := integrations.Actions{Scaler: webScaler()}
	params := map[string]string{"group": "web", "desired": "12"}
	p, err := NewPlan(context.Background(), rb, params, a, Limits{})
	if err != nil || p.NeedsApproval {
		t.Fatalf("without the policy: needs approval %v (%v)", p.NeedsApproval, err)
	}
	p, err = NewPlan(context.Background(), rb, params, a, Limits{Approval: ApprovalPolicy{Dangerous: true, SelfAllowedBy: "team.self_approval"}})
	if err != nil || !p.NeedsApproval {
		t.Fatalf("with approval: dangerous: needs approval %v (%v)", p.NeedsApproval, err)
	}
	if text := p.String(); !strings.Contains(text, "self-approval allowed by team.self_approval") {
		t.Errorf("plan:\n%s", text)
	}
}

func TestApprovalFieldIsChecked(t *testing.T) {
	_, err := Parse("rb.yaml", []byte("name: x\napproval: maybe\nsteps:\n  - action: wait\n    args:\n      duration: 1s\n"))
	if err == nil || err.Error() != `rb.yaml:2:11: approval "maybe": want required (another responder approves each run) or none` {
		t.Errorf("err = %v", err)
	}
}
