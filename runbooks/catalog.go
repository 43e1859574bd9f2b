package runbooks

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed library/*.yaml
var library embed.FS

// Catalog is the set of runbooks a user can run: the built-ins and those
// in the user's folder.
type Catalog struct {
	byName map[string]*Runbook
}

// LoadCatalog loads the built-in runbooks and every *.yaml / *.yml file in
// userDir (none when userDir is ""). A bad user file does not hide the
// others: the catalog holds every valid runbook, and the error joins each
// file's problems (Errors with file:line:column) so they can be shown.
// A user runbook may not reuse a built-in's name.
func LoadCatalog(userDir string) (*Catalog, error) {
	c := &Catalog{byName: map[string]*Runbook{}}
	entries, err := fs.Glob(library, "library/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, name := range entries {
		data, err := library.ReadFile(name)
		if err != nil {
			return nil, err
		}
		rb, err := Parse(name, data)
		if err != nil {
			return nil, fmt.Errorf("built-in runbook is invalid: %w", err)
		}
		rb.Builtin = true
		c.byName[rb.Name] = rb
	}
	if userDir == "" {
		return c, nil
	}
	var errs []error
	files, err := userFiles(userDir)
	if err != nil {
		return c, err
	}
	for _, f := range files {
		rb, err := ParseFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := c.byName[rb.Name]; dup {
			errs = append(errs, Errors{{File: f, Line: rb.nameAt[0], Column: rb.nameAt[1],
				Msg: fmt.Sprintf("runbook %s is already defined by %s: choose another name", rb.Name, prev.Source)}})
			continue
		}
		c.byName[rb.Name] = rb
	}
	return c, errors.Join(errs...)
}

func userFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // no folder yet: built-ins only
	}
	if err != nil {
		return nil, fmt.Errorf("runbook folder: %w", err)
	}
	var out []string
	for _, e := range entries {
		ext := strings.ToLower(path.Ext(e.Name()))
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// List returns every runbook, sorted by name.
func (c *Catalog) List() []*Runbook {
	out := make([]*Runbook, 0, len(c.byName))
	for _, rb := range c.byName {
		out = append(out, rb)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the runbook called name.
func (c *Catalog) Lookup(name string) (*Runbook, error) {
	if rb, ok := c.byName[name]; ok {
		return rb, nil
	}
	names := make([]string, 0, len(c.byName))
	for n := range c.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("no runbook named %q (have %s)", name, strings.Join(names, ", "))
}
