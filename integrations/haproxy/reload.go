package haproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// reloadPoll is how often Reload re-reads `show proc` while it waits.
const reloadPoll = 100 * time.Millisecond

// Process reads an instance's master: reload counts and workers.
func (f *Fleet) Process(ctx context.Context, name string) (integrations.ProcessInfo, error) {
	inst, err := f.instance(name)
	if err != nil {
		return integrations.ProcessInfo{}, err
	}
	return inst.process(ctx)
}

func (inst *instance) process(ctx context.Context) (integrations.ProcessInfo, error) {
	if inst.master == nil {
		return integrations.ProcessInfo{}, fmt.Errorf("haproxy %s: no master CLI address configured", inst.Name)
	}
	const cmd = "show proc"
	answer, err := inst.master.run(ctx, cmd)
	if err != nil {
		return integrations.ProcessInfo{}, err
	}
	info, err := parseProc(answer)
	if err != nil {
		return info, inst.master.fail(cmd, err)
	}
	return info, nil
}

// Reload checks the configuration, saves server states, reloads the
// instance through its master CLI and waits (bounded by ctx) until a new
// worker serves the Runtime API. HAProxy forgets runtime changes on
// reload, so it then compares the throttle map and every server's
// administrative state with what they were before, puts back what
// differs, and fails naming anything it could not put back.
func (f *Fleet) Reload(ctx context.Context, name string) (integrations.ProcessInfo, error) {
	inst, unlock, err := f.lockInstance(ctx, name)
	if err != nil {
		return integrations.ProcessInfo{}, err
	}
	defer unlock()
	return inst.reload(ctx, f.opts.Binary)
}

func (inst *instance) reload(ctx context.Context, binary string) (integrations.ProcessInfo, error) {
	if inst.master == nil {
		return integrations.ProcessInfo{}, fmt.Errorf("haproxy %s: cannot reload: no master CLI address configured", inst.Name)
	}
	if inst.ConfigPath == "" {
		return integrations.ProcessInfo{}, fmt.Errorf("haproxy %s: cannot reload: no configuration path configured to check first", inst.Name)
	}
	if err := inst.validate(ctx, binary); err != nil {
		return integrations.ProcessInfo{}, fmt.Errorf("haproxy %s: not reloaded: %w", inst.Name, err)
	}
	before, err := inst.process(ctx)
	if err != nil {
		return before, err
	}
	want, stateText, err := inst.snapshot(ctx)
	if err != nil {
		return before, fmt.Errorf("haproxy %s: not reloaded: %w", inst.Name, err)
	}
	if inst.StateFile != "" {
		if err := writeFileAtomic(inst.StateFile, []byte(stateText)); err != nil {
			return before, fmt.Errorf("haproxy %s: not reloaded: saving server states: %w", inst.Name, err)
		}
	}
	// `reload` answers nothing and closes the connection; the outcome
	// shows in `show proc`. Once the command may have been sent, a broken
	// connection does not mean it was not acted on: only `show proc`
	// tells.
	sendErr := inst.master.change(ctx, "reload")
	var op *net.OpError
	if sendErr != nil && (IsRefused(sendErr) || errors.As(sendErr, &op) && op.Op == "dial") {
		return before, sendErr
	}
	after, err := inst.awaitNewWorker(ctx, before)
	if err != nil {
		if sendErr != nil {
			err = fmt.Errorf("%w (sending reload: %v)", err, sendErr)
		}
		return after, err
	}
	if err := inst.restore(ctx, want); err != nil {
		return after, err
	}
	return after, nil
}

// validate runs `haproxy -c -f cfg` and fails with the checker's own
// message when the configuration is broken.
func (inst *instance) validate(ctx context.Context, binary string) error {
	cmd := exec.CommandContext(ctx, binary, "-c", "-f", inst.ConfigPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("configuration check cut short: %w", ctx.Err())
		}
		msg := checkerMessage(out.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("configuration check `%s -c -f %s` failed: %s", binary, inst.ConfigPath, msg)
	}
	return nil
}

// checkerMessage keeps the checker's alerts and warnings; its notices
// (version, executable path) say nothing about what is wrong.
func checkerMessage(out string) string {
	var keep []string
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "[NOTICE]") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// awaitNewWorker waits until the master counts one more reload and either
// a new worker answers the Runtime API or the reload is counted failed.
func (inst *instance) awaitNewWorker(ctx context.Context, before integrations.ProcessInfo) (integrations.ProcessInfo, error) {
	last := before
	for {
		p, err := inst.process(ctx)
		if err == nil {
			last = p
			switch {
			case p.FailedReloads > before.FailedReloads:
				return p, fmt.Errorf("haproxy %s: reload failed [failed: %d]; the old worker %d keeps serving", inst.Name, p.FailedReloads, p.CurrentPID)
			case p.Reloads > before.Reloads && p.CurrentPID != 0 && p.CurrentPID != before.CurrentPID && inst.servesFrom(ctx, p.CurrentPID):
				return p, nil
			}
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("haproxy %s: no new worker serving after reload (reloads %d → %d, worker %d → %d): %w",
				inst.Name, before.Reloads, last.Reloads, before.CurrentPID, last.CurrentPID, ctx.Err())
		case <-time.After(reloadPoll):
		}
	}
}

// servesFrom reports whether the Runtime API is answered by process pid,
// i.e. the new worker has taken over the listeners.
func (inst *instance) servesFrom(ctx context.Context, pid int) bool {
	answer, err := inst.runtime.run(ctx, "show info")
	if err != nil {
		return false
	}
	for line := range strings.Lines(answer) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Pid:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return err == nil && n == pid
		}
	}
	return false
}

// carried is what a reload must not lose.
type carried struct {
	throttles map[string]int                      // nil when no throttle map is configured
	shed      map[string]bool                     // features shed; nil when no shed map is configured
	admin     map[string]integrations.ServerState // backend/server → UP, DRAIN or MAINT
}

// snapshot reads the runtime state to carry across a reload, and the raw
// `show servers state` answer for the state file.
func (inst *instance) snapshot(ctx context.Context) (carried, string, error) {
	var c carried
	const cmd = "show servers state"
	text, err := inst.runtime.run(ctx, cmd)
	if err != nil {
		return c, "", err
	}
	states, err := parseServersState(text)
	if err != nil {
		return c, "", inst.runtime.fail(cmd, err)
	}
	c.admin = adminStates(states)
	if inst.ThrottleMap != "" {
		if c.throttles, err = inst.throttles(ctx); err != nil {
			return c, "", err
		}
	}
	if inst.ShedMap != "" {
		if c.shed, err = inst.shedding(ctx); err != nil {
			return c, "", err
		}
	}
	return c, text, nil
}

func adminStates(states []serverState) map[string]integrations.ServerState {
	m := make(map[string]integrations.ServerState, len(states))
	for _, s := range states {
		m[s.Backend+"/"+s.Server] = s.adminState()
	}
	return m
}

// restore compares the new worker's runtime state with want, re-applies
// every difference, then checks again.
func (inst *instance) restore(ctx context.Context, want carried) error {
	got, _, err := inst.snapshot(ctx)
	if err != nil {
		return fmt.Errorf("haproxy %s: reloaded, but could not verify throttles and server states: %w", inst.Name, err)
	}
	diffs := diff(want, got)
	if len(diffs) == 0 {
		return nil
	}
	var failed []string
	for _, d := range diffs {
		if err := d.apply(ctx, inst); err != nil {
			failed = append(failed, fmt.Sprintf("%s (%v)", d, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("haproxy %s: reloaded, but lost and could not restore: %s", inst.Name, strings.Join(failed, "; "))
	}
	if got, _, err = inst.snapshot(ctx); err != nil {
		return fmt.Errorf("haproxy %s: reloaded and restored %d settings, but could not verify them: %w", inst.Name, len(diffs), err)
	}
	if still := diff(want, got); len(still) > 0 {
		return fmt.Errorf("haproxy %s: reloaded, but still differs after restoring: %s", inst.Name, joinDiffs(still))
	}
	return nil
}

// difference is one setting the new worker lost.
type difference struct {
	throttleTier  string // set for a throttle difference
	inMap         bool   // the tier has an entry in the running map
	server        string // backend/server, set for a state difference
	want, got     int
	wantSt, gotSt integrations.ServerState
	shedFeature   string // set for a shed difference: want says whether it is shed
	wantShed      bool
}

func (d difference) String() string {
	if d.server != "" {
		return fmt.Sprintf("server %s %s (was %s)", d.server, d.gotSt, d.wantSt)
	}
	if d.shedFeature != "" {
		return fmt.Sprintf("feature %s %s (was %s)", d.shedFeature, shedWord(!d.wantShed), shedWord(d.wantShed))
	}
	return fmt.Sprintf("throttle %s %d%% (was %d%%)", d.throttleTier, d.got, d.want)
}

func (d difference) apply(ctx context.Context, inst *instance) error {
	if d.server != "" {
		backend, server, _ := strings.Cut(d.server, "/")
		return inst.setServerState(ctx, backend, server, d.wantSt)
	}
	if d.shedFeature != "" {
		return inst.setMapValue(ctx, inst.ShedMap, d.shedFeature, shedValue(d.wantShed), !d.wantShed)
	}
	return inst.setMapValue(ctx, inst.ThrottleMap, d.throttleTier, percentValue(d.want), d.inMap)
}

// diff lists what got lost relative to want. Servers that no longer exist
// after the reload (removed from the configuration) are not differences.
func diff(want, got carried) []difference {
	var out []difference
	for _, tier := range slices.Sorted(maps.Keys(union(want.throttles, got.throttles))) {
		if want.throttles[tier] != got.throttles[tier] {
			_, inMap := got.throttles[tier]
			out = append(out, difference{throttleTier: tier, inMap: inMap, want: want.throttles[tier], got: got.throttles[tier]})
		}
	}
	for _, feature := range slices.Sorted(maps.Keys(union(want.shed, got.shed))) {
		if want.shed[feature] != got.shed[feature] {
			out = append(out, difference{shedFeature: feature, wantShed: want.shed[feature]})
		}
	}
	for _, srv := range slices.Sorted(maps.Keys(want.admin)) {
		g, ok := got.admin[srv]
		if ok && g != want.admin[srv] {
			out = append(out, difference{server: srv, wantSt: want.admin[srv], gotSt: g})
		}
	}
	return out
}

func union[V any](a, b map[string]V) map[string]V {
	m := maps.Clone(a)
	if m == nil {
		m = map[string]V{}
	}
	maps.Copy(m, b)
	return m
}

func joinDiffs(ds []difference) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ", ")
}
