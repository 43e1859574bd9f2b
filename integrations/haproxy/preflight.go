package haproxy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"slices"
	"strings"

	"github.com/warroomhq/warroom/integrations"
)

var _ integrations.ConfigChecker = (*Fleet)(nil)

// Reloadable names, in rolling order, the instances with a master CLI.
func (f *Fleet) Reloadable() []string {
	var names []string
	for _, inst := range f.instances {
		if inst.master != nil {
			names = append(names, inst.Name)
		}
	}
	return names
}

// CheckConfig checks, without changing anything, what a reload of an
// instance depends on beyond the Runtime API: that the backends it is
// configured to watch exist, that its configuration file is valid
// (`haproxy -c`), and whether the file sets IdleCloseOption. What cannot
// be checked from here (the file or the haproxy binary is out of reach)
// is a warning naming what went unchecked.
func (f *Fleet) CheckConfig(ctx context.Context, name string) []integrations.Finding {
	inst, err := f.instance(name)
	if err != nil {
		return []integrations.Finding{findingFail("%v", err)}
	}
	out := inst.checkBackends(ctx)
	if inst.ConfigPath == "" {
		return append(out, findingFail("%s has no configuration path (config:): a reload checks the configuration first, so %s cannot be reloaded", name, name))
	}
	cf, err := ReadConfigFile(inst.ConfigPath)
	if err != nil {
		return append(out, findingWarn("%s: cannot read %s from here (%v): `haproxy -c` and %s not checked; a reload from here checks the file first and refuses while it cannot",
			name, inst.ConfigPath, shortPathError(err), IdleCloseOption))
	}
	out = append(out, idleCloseFinding(name, cf))
	if f, ok := inst.shedFinding(); ok {
		out = append(out, f)
	}
	if _, err := exec.LookPath(f.opts.Binary); err != nil {
		return append(out, findingWarn("%s: configuration not validated: the haproxy binary %q cannot be run from here (%v); a reload from here runs it first and refuses without it",
			name, f.opts.Binary, shortPathError(err)))
	}
	if err := inst.validate(ctx, f.opts.Binary); err != nil {
		return append(out, findingFail("%s: %v", name, err))
	}
	return append(out, findingOk("%s: configuration valid (`%s -c -f %s`)", name, f.opts.Binary, inst.ConfigPath))
}

// checkBackends reports each configured backend the running instance
// does not have.
func (inst *instance) checkBackends(ctx context.Context) []integrations.Finding {
	if len(inst.Backends) == 0 {
		return nil
	}
	states, err := inst.serversState(ctx)
	if err != nil {
		return []integrations.Finding{findingFail("%s: cannot read its backends to check %s: %v", inst.Name, strings.Join(inst.Backends, ", "), err)}
	}
	var have []string
	for _, s := range states {
		if !slices.Contains(have, s.Backend) {
			have = append(have, s.Backend)
		}
	}
	var out []integrations.Finding
	for _, b := range inst.Backends {
		if !slices.Contains(have, b) {
			out = append(out, findingFail("%s has no backend %s (backends with servers: %s)", inst.Name, b, orNothing(have)))
		}
	}
	if len(out) == 0 {
		out = append(out, findingOk("%s has its backends %s", inst.Name, strings.Join(inst.Backends, ", ")))
	}
	return out
}

func idleCloseFinding(name string, cf *ConfigFile) integrations.Finding {
	missing := cf.WithoutIdleClose()
	if len(missing) == 0 {
		if !cf.HasHTTP() {
			return findingOk("%s: no HTTP frontend in %s; %s does not apply", name, cf.Path, IdleCloseOption)
		}
		return findingOk("%s: %s is set: on reload the old worker answers one last request on each idle keep-alive connection with Connection: close", name, IdleCloseOption)
	}
	where := make([]string, len(missing))
	for i, fr := range missing {
		where[i] = fmt.Sprintf("%s (%s:%d)", fr.Name, cf.Path, fr.Line)
	}
	return findingWarn("%s: %s is not set for frontend %s: a reload with sessions still open lets the old worker close idle keep-alive connections, which races a client's next request on them (it fails with EOF); add `%s` to the defaults section",
		name, IdleCloseOption, strings.Join(where, ", "), IdleCloseOption)
}

// shortPathError drops the path an os error repeats.
func shortPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

func orNothing(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func findingOk(format string, args ...any) integrations.Finding {
	return integrations.Finding{Level: integrations.FindingOK, Text: fmt.Sprintf(format, args...)}
}

func findingWarn(format string, args ...any) integrations.Finding {
	return integrations.Finding{Level: integrations.FindingWarn, Text: fmt.Sprintf(format, args...)}
}

func findingFail(format string, args ...any) integrations.Finding {
	return integrations.Finding{Level: integrations.FindingFail, Text: fmt.Sprintf(format, args...)}
}
