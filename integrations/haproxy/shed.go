package haproxy

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/warroomhq/warroom/integrations"
)

// ShedSnippet is the frontend configuration that sheds optional features
// named in the shed map, written for the map file /etc/haproxy/shed.map
// and the status 503.
//
//go:embed shed.cfg
var ShedSnippet string

// DefaultShedStatus is what a shed feature is answered with when no
// status is configured.
const DefaultShedStatus = 503

const (
	shedHeader  = "# feature shed - written by warroom; edited at runtime through the Runtime API"
	shedMarker  = "shed" // the map value of a shed feature
	snippetMap  = "/etc/haproxy/shed.map"
	snippetCode = "status 503 "
)

var _ integrations.LoadShedder = (*Fleet)(nil)

// ShedConfig returns ShedSnippet reading the map file at mapPath and
// answering status.
func ShedConfig(mapPath string, status int) string {
	if status == 0 {
		status = DefaultShedStatus
	}
	s := strings.ReplaceAll(ShedSnippet, snippetMap, mapPath)
	return strings.ReplaceAll(s, snippetCode, "status "+strconv.Itoa(status)+" ")
}

// checkShed checks the shed settings: features that go into Runtime API
// commands, a map to hold them, and an HTTP status.
func (o InstanceOptions) checkShed() error {
	if len(o.ShedFeatures) > 0 && o.ShedMap == "" {
		return errors.New("shed features need a shed map")
	}
	for _, feature := range o.ShedFeatures {
		if err := checkName("feature", feature); err != nil {
			return err
		}
		if feature != strings.ToLower(feature) {
			return fmt.Errorf("feature %q: the shed rule lower-cases what it looks up, so name it in lower case", feature)
		}
	}
	if o.ShedStatus != 0 && (o.ShedStatus < 200 || o.ShedStatus > 599) {
		return fmt.Errorf("shed status %d is not an HTTP status 200-599", o.ShedStatus)
	}
	return nil
}

// Sheddable names the optional features an instance is configured to
// shed (none without a shed map).
func (f *Fleet) Sheddable(name string) []string {
	inst, ok := f.byName[name]
	if !ok || inst.ShedMap == "" {
		return nil
	}
	return slices.Clone(inst.ShedFeatures)
}

// ShedStatus is the status an instance answers a shed feature with.
func (f *Fleet) ShedStatus(name string) int {
	if inst, ok := f.byName[name]; ok && inst.ShedStatus != 0 {
		return inst.ShedStatus
	}
	return DefaultShedStatus
}

// Shedding reads which features the running shed map of an instance sheds.
func (f *Fleet) Shedding(ctx context.Context, name string) (map[string]bool, error) {
	inst, err := f.instance(name)
	if err != nil {
		return nil, err
	}
	return inst.shedding(ctx)
}

func (inst *instance) shedding(ctx context.Context) (map[string]bool, error) {
	entries, err := inst.readMap(ctx, "shed", inst.ShedMap)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(entries))
	for feature := range entries {
		out[feature] = true
	}
	return out, nil
}

// SetShedding sheds a configured optional feature on an instance, or
// serves it again. The running map and the map file change together: if
// the file cannot be written the running map is put back, so a shed never
// exists only until the next reload.
func (f *Fleet) SetShedding(ctx context.Context, name, feature string, shed bool) error {
	inst, unlock, err := f.lockInstance(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	return inst.setShedding(ctx, strings.ToLower(feature), shed)
}

func (inst *instance) setShedding(ctx context.Context, feature string, shed bool) error {
	if inst.ShedMap == "" {
		return fmt.Errorf("haproxy %s: no shed map configured", inst.Name)
	}
	if !slices.Contains(inst.ShedFeatures, feature) {
		return fmt.Errorf("haproxy %s: %q is not an optional feature it may shed (shed_features: %s)", inst.Name, feature, orNothing(inst.ShedFeatures))
	}
	current, err := inst.shedding(ctx)
	if err != nil {
		return err
	}
	was := current[feature]
	if was == shed {
		return nil
	}
	if err := inst.setMapValue(ctx, inst.ShedMap, feature, shedValue(shed), was); err != nil {
		return err
	}
	next := maps.Clone(current)
	next[feature] = shed
	if err := writeMapFile(inst.ShedMap, shedHeader, shedValues(next)); err != nil {
		if uerr := inst.setMapValue(ctx, inst.ShedMap, feature, shedValue(was), shed); uerr != nil {
			return fmt.Errorf("haproxy %s: feature %s is %s in the running map but could not be saved (%v) nor undone (%v); a reload will undo it", inst.Name, feature, shedWord(shed), err, uerr)
		}
		return fmt.Errorf("haproxy %s: feature %s not changed: %w", inst.Name, feature, err)
	}
	return nil
}

// shedValue is a feature's map value: "" (no entry) when served.
func shedValue(shed bool) string {
	if shed {
		return shedMarker
	}
	return ""
}

func shedValues(m map[string]bool) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = shedValue(v)
	}
	return out
}

func shedWord(shed bool) string {
	if shed {
		return "shed"
	}
	return "served"
}

// shedFinding says whether an instance's configuration file reads the
// shed map it is configured with: without the rule, editing the map sheds
// nothing.
func (inst *instance) shedFinding() (integrations.Finding, bool) {
	if inst.ShedMap == "" {
		return integrations.Finding{}, false
	}
	data, err := os.ReadFile(inst.ConfigPath)
	if err != nil {
		return findingWarn("%s: cannot read %s to check that it reads the shed map %s (%v)", inst.Name, inst.ConfigPath, inst.ShedMap, shortPathError(err)), true
	}
	if !bytes.Contains(data, []byte(inst.ShedMap)) {
		return findingFail("%s: %s does not read the shed map %s: shedding would change nothing; add the shed rule (README, HAProxy configuration)", inst.Name, inst.ConfigPath, inst.ShedMap), true
	}
	return findingOk("%s: %s reads the shed map %s (features %s)", inst.Name, inst.ConfigPath, inst.ShedMap, strings.Join(inst.ShedFeatures, ", ")), true
}
