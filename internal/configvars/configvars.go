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
	"unicode/utf8"
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

// Unmet lists the names, sorted, whose state in current (the config after
// a change) is not what was asked: a wanted name missing or with another
// value, an unset name still there. It compares values and returns names
// only. A plan is computed from a read of the config; checking the config
// the change left against the whole ask, not against the plan, catches a
// read that was not the app's config (an answer that was not Heroku's).
func Unmet(current, wanted map[string]string, unset []string) []string {
	var out []string
	for name, v := range wanted {
		if cur, ok := current[name]; !ok || cur != v {
			out = append(out, name)
		}
	}
	for _, name := range unset {
		if _, ok := current[name]; ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

var (
	// nameRE is Heroku's rule for config var names.
	nameRE = regexp.MustCompile(`^\w+$`)
	// varRE is a CI/CD variable's name.
	varRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// IsVarName reports whether s can name a CI/CD variable.
func IsVarName(s string) bool { return varRE.MatchString(s) }

// ArgError is a NAME[=CI_VAR] argument refused before any request. Its
// message and hints name config vars and CI/CD variables, never a value:
// a token that may be one (it is not a name, or the shell expanded it) is
// described, not repeated.
type ArgError struct {
	Msg   string
	Hints []string
}

func (e *ArgError) Error() string { return e.Msg }

// protectedHint is why a variable that is set in the project reads unset.
const protectedHint = "a protected variable is only visible to pipelines on protected branches and tags"

// Resolve reads NAME[=CI_VAR] specs: each NAME takes the value of the
// CI/CD variable CI_VAR (of NAME itself when there is no "="). An empty
// variable is refused: a protected variable reads empty on an unprotected
// branch, and an app's config would silently lose its value.
//
// environ (NAME=VALUE, as os.Environ) recognises an argument the shell
// expanded: `STRIPE_KEY=$STRIPE_LIVE` arrives as `STRIPE_KEY=sk_live_…`,
// whose right side is not a variable. It is refused, naming the variable
// whose value it is. A right side that is not set is never repeated
// either, name-shaped or not: `sk_live_51H…` passes for a variable's name.
// Only names are printed: the config var's, and a CI/CD variable's that
// is set (or, NAME alone, NAME).
func Resolve(specs []string, lookup func(string) (string, bool), environ []string) (map[string]string, error) {
	out := make(map[string]string, len(specs))
	from := map[string]string{}
	for i, spec := range specs {
		name, src, eq := strings.Cut(spec, "=")
		if !eq {
			src = name
		}
		v, set := lookup(src)
		set = set && IsVarName(src)
		if err := refuse(fmt.Sprintf("#%d", i+1), spec, name, src, eq, set, environ); err != nil {
			return nil, err
		}
		if prev, dup := from[name]; dup && prev != src {
			return nil, &ArgError{Msg: fmt.Sprintf("%s is given twice, from %s and from %s", name, prev, src)}
		}
		if v == "" {
			return nil, &ArgError{Msg: fmt.Sprintf("%s: CI/CD variable %s is empty", name, src), Hints: []string{protectedHint}}
		}
		out[name], from[name] = v, src
	}
	return out, nil
}

// refuse checks argument arg (spec: name, and src after an "=" if eq),
// whose source variable is set or not: nil when src names a variable that
// is set.
func refuse(arg, spec, name, src string, eq, set bool, environ []string) error {
	if set && nameRE.MatchString(name) {
		return nil
	}
	if v := expandedFrom(spec, environ); v != "" && !set {
		// The whole argument is a variable's value: `config set $STRIPE_KEY`.
		return &ArgError{
			Msg:   fmt.Sprintf("%s is the value of CI/CD variable %s, not NAME[=CI_VAR]: the shell expanded $%[2]s (the value is not shown)", arg, v),
			Hints: []string{fmt.Sprintf("write %s or NAME=%[1]s, without the $: heroku-deploy reads the value itself and never prints it", v)},
		}
	}
	if !nameRE.MatchString(name) {
		return &ArgError{
			Msg:   fmt.Sprintf("%s: what comes before \"=\" is not a config var name (letters, digits and underscores); it is not shown, in case it is a value", arg),
			Hints: []string{"write NAME=CI_VAR: the config var's NAME, then the NAME of the CI/CD variable that holds the value"},
		}
	}
	if !eq { // NAME alone: the name is the config var's, and it is printed
		return &ArgError{Msg: fmt.Sprintf("%s: CI/CD variable %[1]s is not set", name), Hints: []string{protectedHint}}
	}
	if src == "" {
		return &ArgError{
			Msg: fmt.Sprintf("%s: nothing after \"=\": give the NAME of the CI/CD variable that holds the value", name),
			Hints: []string{fmt.Sprintf("if you wrote %s=$VAR, VAR is unset or empty and the shell expanded it to nothing: write %[1]s=VAR", name),
				protectedHint},
		}
	}
	if v := expandedFrom(src, environ); v != "" {
		return &ArgError{
			Msg:   fmt.Sprintf("%s: the right side of \"=\" is the value of CI/CD variable %s, not a variable's NAME: the shell expanded $%[2]s (the value is not shown)", name, v),
			Hints: []string{fmt.Sprintf("write %s=%s, without the $: heroku-deploy reads the value itself and never prints it", name, v)},
		}
	}
	e := &ArgError{
		Msg:   fmt.Sprintf("%s: the right side of \"=\" is not a CI/CD variable name; it is not shown, in case it is a value", name),
		Hints: []string{fmt.Sprintf("the right side must be the NAME of a CI/CD variable; if you wrote %s=$VAR, the shell expanded it: write %[1]s=VAR", name)},
	}
	if IsVarName(src) {
		// Name-shaped (sk_live_51H… is too): unset, and not repeated.
		e.Msg = fmt.Sprintf("%s: no CI/CD variable is set under the name after \"=\" (not shown, in case it is a value)", name)
		e.Hints = append(e.Hints, protectedHint)
	}
	return e
}

// expandedFrom returns the name of a variable in environ whose value is
// token, or "". Values under 5 characters are left out (redact's MinLen):
// "true" is the value of many variables and tells nothing.
func expandedFrom(token string, environ []string) string {
	if utf8.RuneCountInString(token) < 5 {
		return ""
	}
	var names []string
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && v == token && IsVarName(k) {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names) // several: the same answer on every run
	return names[0]
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
