package haproxy

import (
	"context"
	_ "embed"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ThrottleSnippet is the frontend configuration that applies the throttle
// map, written for the map file /etc/haproxy/throttle.map (see doc.go).
//
//go:embed throttle.cfg
var ThrottleSnippet string

// ThrottleConfig returns ThrottleSnippet reading the map file at mapPath.
func ThrottleConfig(mapPath string) string {
	return strings.ReplaceAll(ThrottleSnippet, "/etc/haproxy/throttle.map", mapPath)
}

// Throttles reads the running throttle map of an instance: tier → percent
// of its requests rejected. Tiers not listed are not throttled.
func (f *Fleet) Throttles(ctx context.Context, name string) (map[string]int, error) {
	inst, err := f.instance(name)
	if err != nil {
		return nil, err
	}
	return inst.throttles(ctx)
}

func (inst *instance) throttles(ctx context.Context) (map[string]int, error) {
	entries, err := inst.readMap(ctx, "throttle", inst.ThrottleMap)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(entries))
	for tier, v := range entries {
		pct, err := strconv.Atoi(v)
		if err != nil {
			return nil, inst.runtime.fail("show map "+inst.ThrottleMap, fmt.Errorf("tier %s: percent %q is not a number", tier, v))
		}
		out[tier] = pct
	}
	return out, nil
}

// readMap reads the running map at path (the instance's throttle or shed
// map, as what names): key → value.
func (inst *instance) readMap(ctx context.Context, what, path string) (map[string]string, error) {
	if path == "" {
		return nil, fmt.Errorf("haproxy %s: no %s map configured", inst.Name, what)
	}
	cmd := "show map " + path
	answer, err := inst.runtime.run(ctx, cmd)
	if err != nil {
		return nil, err
	}
	entries, err := parseMap(answer)
	if err != nil {
		return nil, inst.runtime.fail(cmd, err)
	}
	return entries, nil
}

// SetThrottle sets the percentage of tier's requests an instance rejects;
// 0 removes the tier from the map. Other tiers are untouched. The running
// map and the map file change together: if the file cannot be written the
// running map is put back, so a setting never exists only until the next
// reload.
func (f *Fleet) SetThrottle(ctx context.Context, name, tier string, percent int) error {
	inst, unlock, err := f.lockInstance(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	return inst.setThrottle(ctx, strings.ToLower(tier), percent)
}

func (inst *instance) setThrottle(ctx context.Context, tier string, percent int) error {
	if err := checkName("tier", tier); err != nil {
		return fmt.Errorf("haproxy %s: %w", inst.Name, err)
	}
	if percent < 0 || percent > 100 {
		return fmt.Errorf("haproxy %s: throttle for tier %s must be 0–100%%, got %d", inst.Name, tier, percent)
	}
	current, err := inst.throttles(ctx)
	if err != nil {
		return err
	}
	old, had := current[tier]
	if err := inst.setMapValue(ctx, inst.ThrottleMap, tier, percentValue(percent), had); err != nil {
		return err
	}
	next := maps.Clone(current)
	if percent == 0 {
		delete(next, tier)
	} else {
		next[tier] = percent
	}
	if err := writeMapFile(inst.ThrottleMap, throttleHeader, percentValues(next)); err != nil {
		// Put the running map back so it matches the file again.
		undo := 0
		if had {
			undo = old
		}
		if uerr := inst.setMapValue(ctx, inst.ThrottleMap, tier, percentValue(undo), percent != 0); uerr != nil {
			return fmt.Errorf("haproxy %s: tier %s is at %d%% in the running map but could not be saved (%v) nor undone (%v); it will be lost on reload", inst.Name, tier, percent, err, uerr)
		}
		return fmt.Errorf("haproxy %s: throttle for tier %s not changed: %w", inst.Name, tier, err)
	}
	return nil
}

const throttleHeader = "# tier percent - written by warroom; edited at runtime through the Runtime API"

// percentValue is a throttle's map value: "" (no entry) for 0.
func percentValue(percent int) string {
	if percent == 0 {
		return ""
	}
	return strconv.Itoa(percent)
}

func percentValues(m map[string]int) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = percentValue(v)
	}
	return out
}

// setMapValue makes the running map at path hold key=value, or no entry
// for key when value is ""; present says whether key is in the running
// map now.
func (inst *instance) setMapValue(ctx context.Context, path, key, value string, present bool) error {
	switch {
	case value == "" && !present:
		return nil
	case value == "":
		return inst.runtime.change(ctx, fmt.Sprintf("del map %s %s", path, key))
	case present:
		return inst.runtime.change(ctx, fmt.Sprintf("set map %s %s %s", path, key, value))
	default:
		return inst.runtime.change(ctx, fmt.Sprintf("add map %s %s %s", path, key, value))
	}
}

// writeMapFile replaces the map file atomically (temporary file in the
// same directory, then rename), so a reload never reads half a file. It
// holds header, then a "key value" line per entry with a value.
func writeMapFile(path, header string, entries map[string]string) error {
	var b strings.Builder
	b.WriteString(header + "\n")
	for _, key := range slices.Sorted(maps.Keys(entries)) {
		if entries[key] != "" {
			fmt.Fprintf(&b, "%s %s\n", key, entries[key])
		}
	}
	return writeFileAtomic(path, []byte(b.String()))
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
