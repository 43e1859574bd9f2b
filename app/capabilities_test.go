package app

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// everyCapability is a source that declares every capability slot. Each
// call notes the slot it came through, and every text it answers quotes
// a token, so a slot lost or left unscrubbed on the way to the runbook
// engine shows.
type everyCapability struct {
	mu    sync.Mutex
	slots []string
}

const everyName = "every-capability"

// leak is what a careless server echoes back.
const leak = "Authorization: Bearer abcdefgh12345678"

var errLeak = errors.New("the service answered: " + leak)

func (f *everyCapability) Name() string                          { return everyName }
func (f *everyCapability) Probe(context.Context) (string, error) { return "all of it", nil }
func (f *everyCapability) Run(ctx context.Context, _ integrations.Publisher) error {
	<-ctx.Done()
	return ctx.Err()
}

// Info fills every slot of integrations.Actions with the fake, found by
// reflection, so a slot added later is declared here without an edit
// (and the test fails to build its declaration until the fake offers it).
func (f *everyCapability) Info() integrations.SourceInfo {
	var acts integrations.Actions
	v := reflect.ValueOf(&acts).Elem()
	for i := range v.NumField() {
		v.Field(i).Set(reflect.ValueOf(f))
	}
	return integrations.SourceInfo{Name: everyName, Acts: acts}
}

func (f *everyCapability) note(slot string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.slots = append(f.slots, slot)
}

func (f *everyCapability) noted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.slots...)
}

// Scaler.
func (f *everyCapability) SetDesiredCapacity(context.Context, string, int) error { return errLeak }
func (f *everyCapability) DescribeGroup(context.Context, string) (integrations.Group, error) {
	f.note("Scaler")
	return integrations.Group{Name: "web", Activities: []integrations.ScalingActivity{{Description: leak}}}, nil
}

// CommandRunner and BoundedCommandRunner.
func (f *everyCapability) RunCommand(context.Context, []string, string, int) ([]integrations.CommandResult, error) {
	f.note("Commands")
	return []integrations.CommandResult{{Target: "i-1", Output: leak}}, nil
}

func (f *everyCapability) RunCommandBounded(context.Context, []string, string, integrations.CommandOptions) ([]integrations.CommandResult, error) {
	f.note("BoundedCommands")
	return []integrations.CommandResult{{Target: "i-1", Output: leak}}, nil
}

// LoadBalancer, ConfigChecker and TierMeter.
func (f *everyCapability) Instances() []string  { return []string{"edge-1"} }
func (f *everyCapability) Throttling() []string { return nil }
func (f *everyCapability) Servers(context.Context, string) ([]integrations.Backend, error) {
	f.note("LoadBalancer")
	return nil, errLeak
}

func (f *everyCapability) SetServerState(context.Context, string, string, string, integrations.ServerState) error {
	return errLeak
}

func (f *everyCapability) Throttles(context.Context, string) (map[string]int, error) {
	return nil, errLeak
}
func (f *everyCapability) SetThrottle(context.Context, string, string, int) error { return errLeak }
func (f *everyCapability) Reload(context.Context, string) (integrations.ProcessInfo, error) {
	return integrations.ProcessInfo{}, errLeak
}

func (f *everyCapability) Process(context.Context, string) (integrations.ProcessInfo, error) {
	return integrations.ProcessInfo{}, errLeak
}

func (f *everyCapability) Upstream(string) (integrations.UpstreamRef, bool) {
	return integrations.UpstreamRef{}, false
}

func (f *everyCapability) Reloadable() []string { return []string{"edge-1"} }
func (f *everyCapability) CheckConfig(context.Context, string) []integrations.Finding {
	f.note("ConfigChecks")
	return []integrations.Finding{{Level: integrations.FindingWarn, Text: "line 9: " + leak}}
}

func (f *everyCapability) TierRates(context.Context, string, string, time.Duration) (integrations.Rates, error) {
	f.note("TierMeter")
	return integrations.Rates{}, errLeak
}

// ChatPoster and ChatReader.
func (f *everyCapability) Post(_ context.Context, text, _ string) (integrations.Message, error) {
	f.note("Chat")
	return integrations.Message{Text: text + " " + leak}, nil
}

func (f *everyCapability) FindPosted(context.Context, string, time.Time) (integrations.Message, bool, error) {
	f.note("ChatReader")
	return integrations.Message{Text: leak}, true, nil
}

// AlertActor.
func (f *everyCapability) Acknowledge(context.Context, string) error     { return errLeak }
func (f *everyCapability) Resolve(context.Context, string) error         { return errLeak }
func (f *everyCapability) AddNote(context.Context, string, string) error { return errLeak }
func (f *everyCapability) ReadAlert(_ context.Context, id string) (integrations.Alert, error) {
	f.note("Alerts")
	return integrations.Alert{ID: id, Title: leak}, nil
}

// LoadShedder and ShedStatuser.
func (f *everyCapability) Sheddable(string) []string { return []string{"search"} }
func (f *everyCapability) Shedding(context.Context, string) (map[string]bool, error) {
	f.note("Shedder")
	return nil, errLeak
}

func (f *everyCapability) SetShedding(context.Context, string, string, bool) error { return errLeak }
func (f *everyCapability) ShedStatus(string) int {
	f.note("ShedStatus")
	return 429
}

// ReplicaPool.
func (f *everyCapability) Replicas(context.Context) ([]integrations.Replica, error) {
	f.note("Replicas")
	return nil, errLeak
}

func (f *everyCapability) SetReplicaStatus(context.Context, string, int, integrations.ReplicaStatus) error {
	return errLeak
}

// throughSlot calls one method of each slot of what a runbook acts
// through and says what came back.
var throughSlot = map[string]func(ctx context.Context, a integrations.Actions) string{
	"Scaler": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.Scaler.DescribeGroup(ctx, "web"))
	},
	"Commands": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.Commands.RunCommand(ctx, []string{"i-1"}, "true", 100))
	},
	"BoundedCommands": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.BoundedCommands.RunCommandBounded(ctx, []string{"i-1"}, "true", integrations.CommandOptions{}))
	},
	"LoadBalancer": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.LoadBalancer.Servers(ctx, "edge-1"))
	},
	"ConfigChecks": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.ConfigChecks.CheckConfig(ctx, "edge-1"))
	},
	"TierMeter": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.TierMeter.TierRates(ctx, "front", "edges", time.Second))
	},
	"Chat": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.Chat.Post(ctx, "status", ""))
	},
	"ChatReader": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.ChatReader.FindPosted(ctx, "status", time.Now()))
	},
	"Alerts": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.Alerts.ReadAlert(ctx, "A1"))
	},
	"Shedder": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.Shedder.Shedding(ctx, "edge-1"))
	},
	"ShedStatus": func(_ context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.ShedStatus.ShedStatus("edge-1"))
	},
	"Replicas": func(ctx context.Context, a integrations.Actions) string {
		return fmt.Sprint(a.Replicas.Replicas(ctx))
	},
}

// everyCapabilityName is each capability a source can declare.
var everyCapabilityName = []integrations.Capability{
	integrations.CanAcknowledge, integrations.CanResolve, integrations.CanNote, integrations.CanReadAlert,
	integrations.CanPost, integrations.CanReadChat, integrations.CanScale, integrations.CanRunCommands,
	integrations.CanBoundCommands, integrations.CanBalance, integrations.CanCheckConfig, integrations.CanMeterTiers,
	integrations.CanShed, integrations.CanShedStatus, integrations.CanReplicas,
}

// TestNoDeclaredCapabilityIsLostOnTheWayToTheRunbookEngine opens a
// session on a source that declares every slot, and calls each slot of
// what the session hands the runbook engine (Session.Actions, the one
// value its runs act through): every slot is there, reaches the source,
// and answers scrubbed; the session says the source can do each thing.
func TestNoDeclaredCapabilityIsLostOnTheWayToTheRunbookEngine(t *testing.T) {
	fake := &everyCapability{}
	registerEverywhere(t, fake)
	s, err := Open(configuredOptions(t, "incident: {title: Every capability, id: INC-CAPS}\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })

	acts := s.Actions()
	v := reflect.ValueOf(acts)
	for i := range v.NumField() {
		slot := v.Type().Field(i).Name
		if v.Field(i).IsNil() {
			t.Errorf("slot %s: declared by the source, absent from what runbooks act through", slot)
			continue
		}
		call, ok := throughSlot[slot]
		if !ok {
			t.Errorf("slot %s: no call in throughSlot; add one", slot)
			continue
		}
		before := len(fake.noted())
		got := call(t.Context(), acts)
		if n := fake.noted(); len(n) != before+1 || n[before] != slot {
			t.Errorf("slot %s: the call reached the source as %v", slot, n[before:])
		}
		if strings.Contains(got, "abcdefgh12345678") {
			t.Errorf("slot %s: answered %q, want the token scrubbed", slot, got)
		}
	}
	for _, c := range everyCapabilityName {
		if !s.Can(everyName, c) || !s.Can("", c) {
			t.Errorf("the session says the source cannot %s", c)
		}
	}
}

// checksOnly is a second load balancer that also checks configurations.
type checksOnly struct{ checkingLB }

// An optional capability comes from the source that gives the one it
// extends: with a first load balancer that cannot check its
// configuration, a roll is not handed a second one's checks (which would
// name instances the first does not have).
func TestComposeKeepsAnOptionalCapabilityWithItsOwnSource(t *testing.T) {
	first, second := checkingLB{}, checksOnly{}
	a := compose([]integrations.Actions{
		{LoadBalancer: first},
		{LoadBalancer: second, ConfigChecks: second, Chat: readingChat{}, ChatReader: readingChat{}},
	}, nil)
	if a.LoadBalancer != first || a.ConfigChecks != nil {
		t.Errorf("load balancer %T with checks %T, want the first's, without checks", a.LoadBalancer, a.ConfigChecks)
	}
	if a.Chat == nil || a.ChatReader == nil {
		t.Error("the chat and its read-back, from the one source that has them, were lost")
	}
}
