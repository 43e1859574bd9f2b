// Package ledger keeps account of what warroom changed in the world and
// what is still in force: throttles, servers out of rotation, raised
// capacity. Runbook actions describe each change they make as a Change,
// recorded on the timeline the moment it happens; the Ledger is a fold over
// those records, so it survives restarts, takes in runs made by other
// processes, and a revert or a later change clears or updates its entry.
// It also finds runs a crash left unfinished. It does no I/O.
package ledger

import (
	"encoding/json"
	"fmt"
	"strings"
)

// What changed.
const (
	Capacity = "capacity" // an Auto Scaling group's desired capacity
	Throttle = "throttle" // the percentage of a tier rejected on an HAProxy instance
	Server   = "server"   // a server's admin state on an HAProxy instance
	Reload   = "reload"   // an HAProxy instance reloaded (nothing to revert)
	Command  = "command"  // a command run on hosts (warroom cannot undo it)
	Message  = "message"  // a chat post or alert note (nothing to revert)
	Shed     = "shed"     // an optional feature shed (answered with an error) on an HAProxy instance
	Replica  = "replica"  // a database replica's status at its proxy layer (in or out of rotation)
)

// The values of a Shed change.
const (
	Served = "served"
	IsShed = "shed"
)

// Change is one change an action made to the world. The fields that name
// the thing changed depend on Kind; From and To are its value before and
// after (a capacity, a percentage, a server state).
type Change struct {
	Kind     string `json:"kind"`
	Group    string `json:"group,omitempty"`    // Capacity
	Instance string `json:"instance,omitempty"` // Throttle, Server, Reload: the HAProxy instance
	Tier     string `json:"tier,omitempty"`     // Throttle
	Backend  string `json:"backend,omitempty"`  // Server
	Server   string `json:"server,omitempty"`   // Server
	Target   string `json:"target,omitempty"`   // Command: the hosts
	Feature  string `json:"feature,omitempty"`  // Shed: the optional feature
	Replica  string `json:"replica,omitempty"`  // Replica: host:port
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"` // Command: the command line; Message: what was sent where
	// Unconfirmed marks a change whose request got no answer and could not
	// be read back: it may or may not have landed.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
}

// Encode is the change as a record field (JSON).
func (c Change) Encode() string {
	b, _ := json.Marshal(c) // a struct of strings and a bool always marshals
	return string(b)
}

// Decode reads a change from a record field.
func Decode(field string) (Change, error) {
	var c Change
	if err := json.Unmarshal([]byte(field), &c); err != nil {
		return c, fmt.Errorf("change field: %w", err)
	}
	if c.Kind == "" {
		return c, fmt.Errorf("change field %q names no kind", field)
	}
	return c, nil
}

// key names the thing a change is about, for the kinds that stay in force
// ("" for the others).
func (c Change) key() string {
	switch c.Kind {
	case Capacity:
		return Capacity + ":" + c.Group
	case Throttle:
		return Throttle + ":" + c.Tier + ":" + c.Instance
	case Server:
		return Server + ":" + c.Instance + ":" + c.Backend + "/" + c.Server
	case Shed:
		return Shed + ":" + c.Feature + ":" + c.Instance
	case Replica:
		return Replica + ":" + c.Replica
	}
	return ""
}

// String says what changed: "web desired 4 → 20".
func (c Change) String() string {
	var s string
	switch c.Kind {
	case Capacity:
		s = fmt.Sprintf("%s desired %s → %s", c.Group, c.From, c.To)
	case Throttle:
		s = fmt.Sprintf("tier %s %s%% → %s%% on %s", c.Tier, orZero(c.From), orZero(c.To), c.Instance)
	case Server:
		s = fmt.Sprintf("%s/%s on %s %s → %s", c.Backend, c.Server, c.Instance, c.From, c.To)
	case Shed:
		s = fmt.Sprintf("feature %s %s → %s on %s", c.Feature, c.normal(c.From), c.normal(c.To), c.Instance)
	case Replica:
		s = fmt.Sprintf("replica %s %s → %s", c.Replica, c.From, c.To)
	case Reload:
		s = c.Instance + " reloaded"
	case Command:
		s = fmt.Sprintf("ran %q on %s", c.To, c.Target)
	case Message:
		s = c.To
	default:
		s = c.Kind + " " + c.To
	}
	if c.Unconfirmed {
		s += " (unconfirmed: the request got no answer and could not be read back)"
	}
	return s
}

// Stays says what the change leaves in force: "web desired stays 20".
func (c Change) Stays() string {
	switch c.Kind {
	case Capacity:
		return fmt.Sprintf("%s desired stays %s", c.Group, c.To)
	case Throttle:
		return fmt.Sprintf("tier %s stays %s%% on %s", c.Tier, orZero(c.To), c.Instance)
	case Server:
		return fmt.Sprintf("%s/%s on %s stays %s", c.Backend, c.Server, c.Instance, c.To)
	case Shed:
		return fmt.Sprintf("feature %s stays %s on %s", c.Feature, c.normal(c.To), c.Instance)
	case Replica:
		return fmt.Sprintf("replica %s stays %s", c.Replica, c.To)
	case Command:
		return fmt.Sprintf("whatever %q changed on %s stays", c.To, c.Target)
	}
	return ""
}

// normal is a value as far as being in force goes: a server in rotation
// reads UP or DOWN by its health check, and both mean "not set aside".
func (c Change) normal(v string) string {
	switch c.Kind {
	case Server:
		if v == "DRAIN" || v == "MAINT" {
			return v
		}
		return "ready"
	case Throttle:
		return orZero(v)
	case Shed:
		if v == IsShed {
			return v
		}
		return Served
	}
	return v
}

func orZero(v string) string {
	if v == "" {
		return "0"
	}
	return v
}

// Net is what a sequence of changes leaves in force, in the order each
// thing was first changed: for each thing, its value before the first
// change and after the last, kept when they differ. A host command stays
// too: nothing undoes it.
func Net(changes []Change) []Change {
	var out []Change
	at := map[string]int{}
	for _, c := range changes {
		k := c.key()
		if k == "" {
			if c.Kind == Command {
				out = append(out, c)
			}
			continue
		}
		if i, seen := at[k]; seen {
			from := out[i].From
			out[i] = c
			out[i].From = from
			continue
		}
		at[k] = len(out)
		out = append(out, c)
	}
	kept := out[:0]
	for _, c := range out {
		if c.Kind == Command || c.normal(c.From) != c.normal(c.To) {
			kept = append(kept, c)
		}
	}
	return kept
}

// Aftermath is what a stopped run leaves: what it changed, and what of it
// stays. cut names what was cancelled or cut short ("the wait for
// in-service"), or is "".
func Aftermath(changes []Change, cut string, aborted bool) (changed, stays, text string) {
	var did, left []string
	for _, c := range changes {
		did = append(did, c.String())
	}
	for _, c := range Net(changes) {
		left = append(left, c.Stays())
	}
	changed, stays = strings.Join(did, "; "), strings.Join(left, "; ")
	var parts []string
	switch {
	case len(did) == 0:
		parts = append(parts, "nothing was changed")
	case len(left) == 0:
		parts = append(parts, "changed: "+changed, "nothing of it stays")
	default:
		parts = append(parts, "changed: "+changed, stays)
	}
	if cut != "" {
		verb := "was cut short"
		if aborted {
			verb = "was cancelled"
		}
		if len(left) > 0 {
			parts = append(parts, "only "+cut+" "+verb)
		} else {
			parts = append(parts, cut+" "+verb)
		}
	}
	return changed, stays, strings.Join(parts, "; ")
}
