package tui

import (
	"strings"
	"testing"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/runbooks"
)

// The abort question follows the run it would abort: its figures are the
// Fleet pane's as they change, and when the run ends before an answer the
// question is withdrawn, so y no longer aborts anything and nothing
// offers to abort a run that is over.
func TestAbortPromptFollowsTheRunAndEndsWithIt(t *testing.T) {
	running := runbooks.StepState{Index: 1, Name: "scale", Status: runbooks.StepRunning}
	m := runningModel(t, scalePlan(), running, fixtureNow)
	m.flow.hidden = true
	m = pressAll(m, "1", "x")
	if s := screen(m); !strings.Contains(s, "web in service 4/12, pending 8") {
		t.Fatalf("the question does not say what it cancels:\n%s", s)
	}
	groups := fixtureGroups()
	groups[0].InService, groups[0].Pending = 9, 3
	m.apply(integrations.Batch{Fleet: map[string][]integrations.Group{"aws": groups}})
	if s := screen(m); !strings.Contains(s, "web in service 9/12, pending 3") || strings.Contains(s, "4/12") {
		t.Fatalf("the question quotes figures the Fleet pane no longer shows:\n%s", s)
	}
	next, _ := m.Update(integrations.Batch{RunsEnded: []integrations.RunEnded{{RunID: m.flow.runID, Runbook: "scale-up", Status: runbooks.RunDone,
		Steps: []runbooks.StepState{{Index: 1, Name: "scale", Status: runbooks.StepDone}}}}})
	m = next.(Model)
	if m.confirming() != nil || strings.Contains(screen(m), "Abort runbook") {
		t.Fatalf("still asking to abort a finished run:\n%s", screen(m))
	}
	if _, cmd := m.Update(keyMsg("y")); cmd != nil {
		for _, msg := range run(cmd) {
			if _, ok := msg.(abortMsg); ok {
				t.Fatal("y after the run ended still sends an abort")
			}
		}
	}
}
