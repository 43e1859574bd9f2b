package tui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/warroomhq/warroom/runbooks"
)

// paramKind is what a runbook parameter names, learned from the action
// argument it feeds. The form fills a parameter of a known kind from the
// Fleet pane's selection and offers, completes and checks its values from
// what the screen already shows.
type paramKind int

const (
	kindOther   paramKind = iota
	kindGroup             // an Auto Scaling group
	kindHost              // an instance of a group (EC2)
	kindHAProxy           // an HAProxy instance
	kindBackend           // an HAProxy backend
	kindServer            // a server of an HAProxy backend
)

// kindOf is the kind of rb's parameter name: the first action argument
// (steps and preconditions, arguments by name) that refers to it decides.
func kindOf(rb *runbooks.Runbook, name string) paramKind {
	ref := "${" + name + "}"
	for _, s := range slices.Concat(rb.Preconditions, rb.Steps) {
		ns, _, _ := strings.Cut(s.Action, ".")
		for _, arg := range slices.Sorted(maps.Keys(s.Args)) {
			if !refers(s.Args[arg], ref) {
				continue
			}
			switch {
			case ns == "aws" && arg == "group":
				return kindGroup
			case ns == "aws" && arg == "instances":
				return kindHost
			case ns == "haproxy" && (arg == "instance" || arg == "instances"):
				return kindHAProxy
			case ns == "haproxy" && arg == "backend":
				return kindBackend
			case ns == "haproxy" && arg == "server":
				return kindServer
			}
		}
	}
	return kindOther
}

// refers reports whether a step argument's template mentions ref.
func refers(v any, ref string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, ref)
	case []any:
		return slices.ContainsFunc(x, func(e any) bool { return refers(e, ref) })
	case []string:
		return slices.ContainsFunc(x, func(e string) bool { return strings.Contains(e, ref) })
	}
	return false
}

// selection is what the Fleet pane's cursor is on, by kind: a group, or a
// group and one of its instances; an HAProxy instance, or an HAProxy
// instance and one of its servers (with its backend).
func (p *fleetPane) selection() map[paramKind]string {
	sel := map[paramKind]string{}
	kind, name, _ := strings.Cut(p.zoomIn, ":")
	switch {
	case p.zoomIn == "":
		if c := p.list.cursor; c < len(p.allGroups) {
			sel[kindGroup] = p.allGroups[c].Name
		} else if c-len(p.allGroups) < len(p.haproxy) {
			sel[kindHAProxy] = p.haproxy[c-len(p.allGroups)].name
		}
		return sel
	case kind == "group":
		sel[kindGroup] = name
	default:
		sel[kindHAProxy] = name
	}
	n := p.innerLen()
	if p.inner.count(n) == 0 {
		return sel
	}
	i := p.inner.item(p.inner.cursor)
	if kind == "group" {
		sel[kindHost] = p.group(name).Instances[i].ID
		return sel
	}
	b := p.servers[name][i]
	sel[kindBackend], sel[kindServer] = b.Backend, b.Server
	return sel
}

// known lists the values of a kind the Fleet pane holds, in the order it
// shows them. within narrows them by the form's other fields: the
// instances of the chosen group, the servers of the chosen HAProxy
// instance and backend.
func (p *fleetPane) known(k paramKind, within map[paramKind]string) []string {
	var out []string
	add := func(v string) {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	switch k {
	case kindGroup:
		for _, g := range p.allGroups {
			out = append(out, g.Name)
		}
	case kindHost:
		for _, g := range p.allGroups {
			if want := within[kindGroup]; want == "" || want == g.Name || p.group(want).Name == "" {
				for _, in := range g.Instances {
					out = append(out, in.ID)
				}
			}
		}
	case kindHAProxy:
		for _, s := range p.haproxy {
			out = append(out, s.name)
		}
	case kindBackend, kindServer:
		for _, s := range p.haproxy {
			if want := within[kindHAProxy]; want != "" && want != s.name && len(p.servers[want]) > 0 {
				continue
			}
			for _, b := range p.servers[s.name] {
				switch {
				case k == kindBackend:
					add(b.Backend)
				case within[kindBackend] == "" || within[kindBackend] == b.Backend:
					add(b.Server)
				}
			}
		}
	}
	return out
}

// shownKnown is a list of known values short enough for one line.
func shownKnown(values []string) string {
	const most = 8
	if len(values) <= most {
		return strings.Join(values, ", ")
	}
	return strings.Join(values[:most], ", ") + fmt.Sprintf(" … (%d in all)", len(values))
}

// completion cycles a field through the known values that start with what
// was typed when it began.
type completion struct {
	field  int
	prefix string
	next   int
	value  string // what the last step put in the field
}

// complete steps the focused field through its known values (step 1
// forward, -1 back) and returns the new value.
func (c *completion) complete(field int, typed string, known []string, step int) string {
	if c.field != field || c.value != typed {
		*c = completion{field: field, prefix: typed, next: 0}
		if step < 0 {
			c.next = -1
		}
	} else {
		c.next += step
	}
	matches := slices.DeleteFunc(slices.Clone(known), func(v string) bool {
		return !strings.HasPrefix(strings.ToLower(v), strings.ToLower(c.prefix))
	})
	if len(matches) == 0 {
		matches = known // nothing starts so: offer them all
	}
	i := ((c.next % len(matches)) + len(matches)) % len(matches)
	c.value = matches[i]
	return c.value
}
