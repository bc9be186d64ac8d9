// Package configvars turns "set these config vars from these CI/CD
// variables, remove those" into the smallest change to an app's config: a
// PATCH of only what differs, or none at all, since every change makes a
// release and restarts the app's dynos. It knows names and values but
// reports only names: values are secrets.
package configvars

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Kind is what happens to one config var.
type Kind string

const (
	Added     Kind = "added"
	Changed   Kind = "changed"
	Unchanged Kind = "unchanged"
	Removed   Kind = "removed"
)

// Change is one config var's fate, by name only.
type Change struct {
	Name string
	Kind Kind
}

// Plan is the difference between an app's config and what is wanted.
type Plan struct {
	Changes []Change // sorted by name
	patch   map[string]*string
}

// Empty reports whether nothing differs: no PATCH is needed.
func (p Plan) Empty() bool { return len(p.patch) == 0 }

// Patch is the body of the one PATCH that makes the change: new values,
// and nil (JSON null) for each removal. It is nil when the plan is empty.
func (p Plan) Patch() map[string]*string { return p.patch }

// Count returns how many config vars change in each way.
func (p Plan) Count(k Kind) int {
	n := 0
	for _, c := range p.Changes {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// Live splits the names the plan changes by what current, the config read
// back after the change was sent, shows: live (the value set, or the var
// gone) or as before. It compares values and returns names only.
func (p Plan) Live(current map[string]string) (live, before []string) {
	for _, ch := range p.Changes {
		v, changed := p.patch[ch.Name]
		if !changed {
			continue
		}
		cur, ok := current[ch.Name]
		if (v == nil && !ok) || (v != nil && ok && cur == *v) {
			live = append(live, ch.Name)
		} else {
			before = append(before, ch.Name)
		}
	}
	return live, before
}

var (
	// nameRE is Heroku's rule for config var names.
	nameRE = regexp.MustCompile(`^\w+$`)
	// varRE is a CI/CD variable's name.
	varRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// IsVarName reports whether s can name a CI/CD variable.
func IsVarName(s string) bool { return varRE.MatchString(s) }

// MissingError means a CI/CD variable named as a source has no value.
type MissingError struct {
	Name, From string
	Empty      bool // set, but to ""
}

func (e *MissingError) Error() string {
	if e.Empty {
		return fmt.Sprintf("%s: CI/CD variable %s is empty", e.Name, e.From)
	}
	return fmt.Sprintf("%s: CI/CD variable %s is not set", e.Name, e.From)
}

// Resolve reads NAME[=CI_VAR] specs: each NAME takes the value of the
// CI/CD variable CI_VAR (of NAME itself when there is no "="). An empty
// variable is refused: a protected variable reads empty on an unprotected
// branch, and an app's config would silently lose its value. Errors name
// variables, never values.
func Resolve(specs []string, lookup func(string) (string, bool)) (map[string]string, error) {
	out := make(map[string]string, len(specs))
	from := map[string]string{}
	for _, spec := range specs {
		name, src, ok := strings.Cut(spec, "=")
		if !ok {
			src = name
		}
		if err := CheckName(name); err != nil {
			return nil, err
		}
		if !IsVarName(src) {
			return nil, fmt.Errorf("%s: %q is not a CI/CD variable name: give the NAME of the variable that holds the value, never the value", name, short(src))
		}
		if prev, dup := from[name]; dup && prev != src {
			return nil, fmt.Errorf("%s is given twice, from %s and from %s", name, prev, src)
		}
		v, set := lookup(src)
		if !set || v == "" {
			return nil, &MissingError{Name: name, From: src, Empty: set}
		}
		out[name], from[name] = v, src
	}
	return out, nil
}

// CheckName applies Heroku's rule for config var names.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%q is not a config var name (letters, digits and underscores)", short(name))
	}
	return nil
}

// Diff compares the app's current config with the wanted values and the
// names to remove.
func Diff(current, wanted map[string]string, unset []string) (Plan, error) {
	p := Plan{}
	patch := map[string]*string{}
	for name, v := range wanted {
		cur, ok := current[name]
		switch {
		case !ok:
			p.Changes = append(p.Changes, Change{name, Added})
		case cur != v:
			p.Changes = append(p.Changes, Change{name, Changed})
		default:
			p.Changes = append(p.Changes, Change{name, Unchanged})
			continue
		}
		patch[name] = &v
	}
	seen := map[string]bool{}
	for _, name := range unset {
		if err := CheckName(name); err != nil {
			return Plan{}, err
		}
		if _, both := wanted[name]; both {
			return Plan{}, fmt.Errorf("%s is both set and unset", name)
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		if _, ok := current[name]; !ok {
			p.Changes = append(p.Changes, Change{name, Unchanged})
			continue
		}
		p.Changes = append(p.Changes, Change{name, Removed})
		patch[name] = nil
	}
	slices.SortFunc(p.Changes, func(a, b Change) int { return strings.Compare(a.Name, b.Name) })
	if len(patch) > 0 {
		p.patch = patch
	}
	return p, nil
}

// short keeps a mistaken argument, possibly a pasted secret, out of
// messages beyond its first characters.
func short(s string) string {
	if r := []rune(s); len(r) > 12 {
		return string(r[:4]) + "…"
	}
	return s
}
