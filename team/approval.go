package team

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/warroomhq/warroom/runbooks"
)

// ApprovalTTL is how long the approvals bucket keeps a request and its
// answers; a request older than its own expiry is no longer pending.
const ApprovalTTL = 24 * time.Hour

// The keys of one run in the approvals bucket. The last token is the
// identity of whoever wrote the key; with an auth file the server lets
// each responder write only keys ending in its own identity, so the
// writer of a key is who the server authenticated, not a name the client
// chose.
//
//	<run>.request.<requester>   the request: the plan and its checks
//	<run>.answer.<approver>     an answer: approve or refuse, and why
//	<run>.outcome.<requester>   how the request was settled
const (
	keyRequest = "request"
	keyAnswer  = "answer"
	keyOutcome = "outcome"
)

// Request is a run waiting for another responder's approval.
type Request struct {
	runbooks.ApprovalRequest
	Incident string `json:"incident"`
	// RequesterID is the identity that wrote the request (its key's last
	// token), which an approver must differ from.
	RequesterID string `json:"-"`
}

// Approvals carry the two-person rule between responders: a requester's
// run publishes its request and waits for an answer from another
// identity; other responders list what is pending and answer.
type Approvals struct {
	c  *Client
	kv jetstream.KeyValue
	// Incident is recorded in this warroom's requests.
	Incident string
	// Waiting, if set, is told when a request is published, so the
	// requester can say how to approve it.
	Waiting func(Request)
}

// Approvals binds to the approvals bucket, creating it if needed.
func (c *Client) Approvals(incident string) (*Approvals, error) {
	ctx, cancel := opContext()
	defer cancel()
	kv, err := c.ensureBucket(ctx, ApprovalsBucket, ApprovalTTL)
	if err != nil {
		return nil, fmt.Errorf("team approvals: %w", err)
	}
	return &Approvals{c: c, kv: kv, Incident: incident}, nil
}

func approvalKey(run, kind, who string) string { return token(run) + "." + kind + "." + token(who) }

// put writes key (created: it must be absent), failing at once if the
// server refuses the write.
func (a *Approvals) put(key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return a.c.guard(func(ctx context.Context) error {
		_, err := a.kv.Create(ctx, key, data)
		return err
	}, "$KV."+ApprovalsBucket+"."+key)
}

// Approve publishes the run's request and waits for the first answer from
// another identity (or from the requester, when the request says the
// configuration allows it). It implements runbooks.Approver; ctx bounds
// the wait. However it ends, the request's outcome is recorded, so it is
// no longer listed as pending.
func (a *Approvals) Approve(ctx context.Context, req runbooks.ApprovalRequest) (runbooks.ApprovalAnswer, error) {
	me := a.c.Identity()
	if me == "" {
		return runbooks.ApprovalAnswer{}, errors.New("team approvals: this connection has no identity (set user credentials or a name)")
	}
	r := Request{ApprovalRequest: req, Incident: a.Incident, RequesterID: me}
	r.Requester = me
	if err := a.put(approvalKey(req.RunID, keyRequest, me), r); err != nil {
		return runbooks.ApprovalAnswer{}, fmt.Errorf("publishing the approval request: %w", err)
	}
	if a.Waiting != nil {
		a.Waiting(r)
	}
	ans, err := a.await(ctx, r)
	outcome := "approved"
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded):
		outcome = "timeout"
	case err != nil:
		outcome = "withdrawn"
	case !ans.Approved:
		outcome = "refused"
	}
	// Best effort: an unrecorded outcome still expires with the request.
	_ = a.put(approvalKey(req.RunID, keyOutcome, me), map[string]any{"outcome": outcome, "at": time.Now().UTC()})
	return ans, err
}

// await follows the run's answers until one counts or ctx ends; a watch
// lost across a reconnect is started again.
func (a *Approvals) await(ctx context.Context, r Request) (runbooks.ApprovalAnswer, error) {
	for {
		w, err := a.kv.Watch(ctx, token(r.RunID)+"."+keyAnswer+".*")
		if err != nil {
			if ctx.Err() != nil {
				return runbooks.ApprovalAnswer{}, ctx.Err()
			}
			select {
			case <-ctx.Done():
				return runbooks.ApprovalAnswer{}, ctx.Err()
			case <-time.After(250 * time.Millisecond):
				continue
			}
		}
		ans, ok, err := a.firstAnswer(ctx, w, r)
		w.Stop()
		if ok || err != nil {
			return ans, err
		}
	}
}

func (a *Approvals) firstAnswer(ctx context.Context, w jetstream.KeyWatcher, r Request) (runbooks.ApprovalAnswer, bool, error) {
	for {
		select {
		case <-ctx.Done():
			return runbooks.ApprovalAnswer{}, false, ctx.Err()
		case e, open := <-w.Updates():
			if !open {
				return runbooks.ApprovalAnswer{}, false, nil
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			if ans, ok := countingAnswer(e, r); ok {
				return ans, true, nil
			}
		}
	}
}

// countingAnswer decodes an answer key and reports whether it counts: its
// writer is not the requester, unless self-approval is allowed. The
// approver is the key's writer, whatever the answer's body says.
func countingAnswer(e jetstream.KeyValueEntry, r Request) (runbooks.ApprovalAnswer, bool) {
	parts := strings.Split(e.Key(), ".")
	if len(parts) != 3 {
		return runbooks.ApprovalAnswer{}, false
	}
	who := untoken(parts[2])
	var ans runbooks.ApprovalAnswer
	if json.Unmarshal(e.Value(), &ans) != nil {
		return ans, false
	}
	ans.By, ans.Self = who, who == r.RequesterID
	if ans.Self && (r.SelfAllowedBy == "" || !ans.Approved) {
		return ans, false
	}
	return ans, true
}

// Pending lists the requests not yet settled nor expired, oldest first.
func (a *Approvals) Pending() ([]Request, error) {
	all, settled, err := a.scan()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var out []Request
	for _, r := range all {
		if !settled[r.RunID] && now.Before(r.Expires) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(x, y Request) int { return x.Requested.Compare(y.Requested) })
	return out, nil
}

// scan reads every request and which runs are settled.
func (a *Approvals) scan() ([]Request, map[string]bool, error) {
	ctx, cancel := opContext()
	defer cancel()
	w, err := a.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, nil, fmt.Errorf("team approvals: %w", err)
	}
	defer w.Stop()
	var reqs []Request
	settled := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("team approvals: %w", ctx.Err())
		case e := <-w.Updates():
			if e == nil {
				return reqs, settled, nil
			}
			parts := strings.Split(e.Key(), ".")
			if len(parts) != 3 {
				continue
			}
			switch parts[1] {
			case keyOutcome:
				settled[untoken(parts[0])] = true
			case keyRequest:
				var r Request
				if json.Unmarshal(e.Value(), &r) == nil {
					r.RequesterID = untoken(parts[2])
					reqs = append(reqs, r)
				}
			}
		}
	}
}

// Lookup finds the pending request of run.
func (a *Approvals) Lookup(run string) (Request, error) {
	pending, err := a.Pending()
	if err != nil {
		return Request{}, err
	}
	for _, r := range pending {
		if r.RunID == run {
			return r, nil
		}
	}
	return Request{}, fmt.Errorf("no run %s is waiting for approval (see warroom runbook pending)", run)
}

// Answer approves (or refuses, with why) the pending run as this
// client's identity. The requester cannot approve their own run unless
// the request says the configuration allows it.
func (a *Approvals) Answer(run string, approve bool, why string) (Request, error) {
	r, err := a.Lookup(run)
	if err != nil {
		return r, err
	}
	me := a.c.Identity()
	if me == r.RequesterID && approve && r.SelfAllowedBy == "" {
		return r, fmt.Errorf("you (%s) requested run %s: another responder must approve it", me, run)
	}
	ans := runbooks.ApprovalAnswer{Approved: approve, By: me, Why: why, At: time.Now().UTC()}
	err = a.put(approvalKey(run, keyAnswer, me), ans)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return r, fmt.Errorf("you (%s) answered run %s already", me, run)
	}
	if err != nil {
		return r, fmt.Errorf("answering run %s: %w", run, err)
	}
	return r, nil
}
