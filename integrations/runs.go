package integrations

import "time"

// A runbook run's progress reaches the front ends in the pump's batch
// (Batch.Steps, Batch.RunsEnded), the same road as every other event, so
// its types live here in the domain package; the runbooks package makes
// and uses them.

// StepStatus is where a step is.
type StepStatus string

const (
	StepPending StepStatus = "pending"
	StepRunning StepStatus = "running"
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed"
	StepAborted StepStatus = "aborted" // stopped by the user mid-step
	StepSkipped StepStatus = "skipped" // dry run, or not reached after a halt or abort
)

// StepResult is what one step's action returned.
type StepResult struct {
	Summary string
	Output  string
	Fields  map[string]string
	// Cut names what the action was doing when it was stopped or failed
	// midway ("the wait for in-service"), so the run's record can say that
	// only this was cancelled and what it had changed stays.
	Cut string
}

// StepState is one step's state, as a run's progress and its report give it.
type StepState struct {
	RunID   string
	Index   int // from 1
	Name    string
	Action  string
	Mutates bool
	Status  StepStatus
	Started time.Time     // real time
	Elapsed time.Duration // so far while running; total once ended
	Message string        // the action's latest progress, or why it was skipped
	Result  StepResult
	Err     string
	// Began and Ended are when the step started and ended on the
	// incident's clock (the drill's scenario time); the application
	// stamps them as the states pass, zero until then.
	Began, Ended time.Time
}

// RunStatus is how a run ended.
type RunStatus string

const (
	RunDone    RunStatus = "done"
	RunDryRun  RunStatus = "dry-run"
	RunFailed  RunStatus = "failed"
	RunAborted RunStatus = "aborted"
	RunRefused RunStatus = "refused" // not confirmed, checks failed, or a target is locked
)

// RunEnded is a run's end, delivered once after its last step state.
type RunEnded struct {
	RunID   string
	Runbook string
	Status  RunStatus
	Steps   []StepState // every step's final state
	// Err says why a run that is not done or a dry run ended so (its
	// aftermath included), scrubbed of secrets; "" otherwise.
	Err string
	// Elapsed is the run's length on the incident's clock.
	Elapsed time.Duration
}

func (StepState) event() {}
func (RunEnded) event()  {}
