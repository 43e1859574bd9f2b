package integrations

import (
	"fmt"
	"strings"
)

// DriftBinding says which HAProxy backend serves an Auto Scaling group.
type DriftBinding struct {
	Group    string
	Instance string // HAProxy instance
	Backend  string
	Port     int // the port servers must use; 0 = any
}

func (b DriftBinding) String() string {
	return fmt.Sprintf("%s ↔ %s/%s", b.Group, b.Instance, b.Backend)
}

// DriftFinding is one binding whose backend and group disagree.
type DriftFinding struct {
	Binding DriftBinding
	// DeadSlots are servers in rotation ("server addr") whose address no
	// in-service instance of the group has.
	DeadSlots []string
	// Missing are in-service instances ("id addr") that no server points at.
	Missing []string
	// FreeSlots counts servers in maintenance that point at no in-service
	// instance (an empty server-template slot, or one a sync freed):
	// where missing instances could be placed.
	FreeSlots int
}

// Text is the one-line description used on the Fleet pane and the timeline.
func (f DriftFinding) Text() string {
	dead, missing := "none", "none"
	if len(f.DeadSlots) > 0 {
		dead = strings.Join(f.DeadSlots, ", ")
	}
	if len(f.Missing) > 0 {
		missing = strings.Join(f.Missing, ", ")
	}
	return fmt.Sprintf("slot drift %s: dead slots %s; missing %s; %d free slots", f.Binding, dead, missing, f.FreeSlots)
}
