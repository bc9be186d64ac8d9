// Package dpl reads the command lines of dpl's Heroku provider, in both of
// its syntaxes, into what heroku-deploy does instead: a deploy through the
// Build API, then dpl's --run commands. It parses and checks; it makes no
// request and prints nothing.
//
// dpl v1 (1.10.x; `dpl --provider=heroku --app=… --api-key=…`) takes
// --option=value or a bare --flag, dashes and underscores alike, a repeated
// option becoming a list (lib/dpl/cli.rb OPTION_PATTERN). dpl v2 (`dpl
// heroku api|git --app …`) takes --option value or --option=value, and
// reads each option also from HEROKU_<OPTION> (lib/dpl/cli.rb,
// providers/heroku.rb, helper/env.rb). Options and what becomes of them:
// ../../docs/migrating-from-dpl.md.
package dpl

import (
	"fmt"
	"slices"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// Plan is what a dpl command line asks for.
type Plan struct {
	// Syntax is "v1" (--provider=heroku: --option=value only) or "v2"
	// (dpl heroku api|git: --option value too, HEROKU_<OPTION> variables).
	Syntax string
	App    string
	// APIKey is the key, a secret; APIKeyFrom says where it was found:
	// "--api-key" (dpl's command line) or "HEROKU_API_KEY" (v2's variable).
	APIKey     string
	APIKeyFrom string
	Strategy   string // "api" or "git"; both deploy through the Build API
	// SourceVersion is --version: the version recorded on the build
	// ("" for heroku-deploy's default, CI_COMMIT_SHA).
	SourceVersion string
	// Run are the --run commands, in order; "restart" restarts the app's
	// dynos, anything else runs on a one-off dyno.
	Run     []string
	Verbose bool // --log_level=debug
	// Ignored lists the options accepted and ignored, as written (never
	// with their values).
	Ignored []string
	// Help and ShowVersion: dpl --help, dpl --version (alone).
	Help, ShowVersion bool
}

// errorf is a command line that cannot be carried out: input refused
// (exit 2), nothing done. Its text never quotes a value (one may be a key).
func errorf(hints []string, format string, args ...any) *outcome.Error {
	return outcome.Input(fmt.Sprintf(format, args...), hints...)
}

// kind of option: takes a value, or is a switch.
type kind int

const (
	value kind = iota
	flag
)

// options are the Heroku provider's options of either version, by their
// name with dashes as underscores, plus those every provider takes.
var options = map[string]kind{
	"provider": value, "app": value, "api_key": value, "strategy": value, "version": value,
	"run": value, "log_level": value, "stage": value, "git": value,
	"username": value, "user": value, "password": value,
	"skip_cleanup": flag, "cleanup": flag, "fold": flag, "edge": flag, "debug": flag, "backtrace": flag,
}

// lists are the options a repetition adds to rather than repeats.
var lists = []string{"run", "stage"}

// ignored are accepted and do nothing here: heroku-deploy never stashes or
// cleans the working tree (cleanup), folds its own log, and has no stages.
var ignored = []string{"skip_cleanup", "cleanup", "fold", "edge", "debug", "backtrace", "stage", "log_level"}

// envOptions are what dpl v2 also reads from HEROKU_<OPTION>: the
// options of the API strategy. A command-line option wins.
var envOptions = []string{"api_key", "app", "strategy", "version", "log_level"}

// usageHint is the command line to write.
const usageHint = "dpl --provider=heroku --app=NAME --api-key=$YOUR_KEY_VARIABLE, or dpl heroku api --app NAME --api_key $YOUR_KEY_VARIABLE"

// Parse reads a dpl command line (without the program name). lookup reads
// the process environment, for v2's HEROKU_<OPTION> variables.
func Parse(args []string, lookup func(string) (string, bool)) (*Plan, error) {
	p := &Plan{}
	if slices.Contains(args, "--help") || slices.Contains(args, "-h") {
		p.Help = true
		return p, nil
	}
	if len(args) == 1 && args[0] == "--version" {
		p.ShowVersion = true
		return p, nil
	}
	rest, err := p.syntax(args)
	if err != nil {
		return nil, err
	}
	opts, err := p.options(rest)
	if err != nil {
		return nil, err
	}
	fromEnv := map[string]bool{}
	if p.Syntax == "v2" {
		for _, name := range envOptions {
			if _, given := opts[name]; given {
				continue
			}
			// An empty key is kept, to be reported as one; an empty app or
			// version is no value.
			if v, ok := lookup("HEROKU_" + strings.ToUpper(name)); ok && (v != "" || name == "api_key") {
				opts[name], fromEnv[name] = []string{v}, true
			}
		}
	}
	return p, p.apply(opts, fromEnv)
}

// syntax finds the provider, which decides the syntax, and returns the
// arguments left to read as options.
func (p *Plan) syntax(args []string) ([]string, error) {
	if len(args) > 0 && args[0] == "heroku" {
		p.Syntax = "v2"
		rest := args[1:]
		if len(rest) > 0 && (rest[0] == "api" || rest[0] == "git") {
			p.Strategy = rest[0]
			rest = rest[1:]
		}
		return rest, nil
	}
	for i, a := range args {
		name, v, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || norm(name) != "provider" {
			continue
		}
		rest := slices.Concat(args[:i], args[i+1:])
		p.Syntax = "v1"
		if !hasValue {
			// v2's CLI also takes --provider NAME (cli.rb with_cmd_opts).
			if i+1 >= len(args) {
				return nil, errorf([]string{usageHint}, "--provider needs a value: heroku")
			}
			v, rest = args[i+1], slices.Concat(args[:i], args[i+2:])
			p.Syntax = "v2"
		}
		if norm(strings.ToLower(v)) != "heroku" {
			return nil, errorf([]string{"use the image of a tool for that provider, or keep the dpl job for it"},
				"provider %q is not emulated: this image deploys to Heroku only", safeName(strings.ToLower(v)))
		}
		return rest, nil
	}
	return nil, errorf([]string{usageHint}, "no provider: this image answers to dpl's Heroku provider only")
}

// options reads --options into their values, by normalised name.
func (p *Plan) options(args []string) (map[string][]string, error) {
	opts := map[string][]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") || len(a) < 3 {
			// Not quoted: it may be a key given after a space where dpl v1
			// wants --api-key=KEY.
			hint := []string{usageHint}
			if p.Syntax == "v1" {
				hint = []string{"with --provider=heroku, options take --option=value, as dpl 1.x did: no space before the value"}
			}
			return nil, errorf(hint, "argument %d is not an --option (it is not shown: it may be a key)", i+1)
		}
		name, v, hasValue := strings.Cut(a[2:], "=")
		name = norm(name)
		k, known := options[name]
		switch {
		case !known:
			return nil, errorf([]string{"see docs/migrating-from-dpl.md for the options this image takes"},
				"--%s is not an option of dpl's Heroku provider that this image emulates", safeName(name))
		case k == flag:
			v = "" // a switch's value (--skip_cleanup=true) changes nothing here
		case !hasValue && p.Syntax == "v2" && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--"):
			i++
			v = args[i]
		case !hasValue && p.Syntax == "v2":
			return nil, errorf([]string{emptyHintFor(name)}, "--%s has no value", name)
		case !hasValue:
			return nil, errorf([]string{"with --provider=heroku, options take --option=value, as dpl 1.x did", emptyHintFor(name)},
				"--%s has no value: --%[1]s=VALUE", name)
		}
		if _, twice := opts[name]; twice && !slices.Contains(lists, name) {
			return nil, errorf(nil, "--%s is given twice", name)
		}
		opts[name] = append(opts[name], v)
	}
	return opts, nil
}

// emptyHintFor explains a value that is not there: for the key, in the
// words heroku-deploy uses for an empty key variable.
func emptyHintFor(name string) string {
	if name == "api_key" {
		return "a protected variable is empty in pipelines on unprotected branches (and the shell drops an empty $VARIABLE): protect the branch or unprotect the variable"
	}
	return "an unset variable, or a protected one in a pipeline of an unprotected branch, reads as empty, and the shell then drops it"
}

// apply checks the options and fills the plan; fromEnv names those read
// from HEROKU_<OPTION>.
func (p *Plan) apply(opts map[string][]string, fromEnv map[string]bool) error {
	one := func(name string) string {
		if v := opts[name]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for _, name := range []string{"username", "user", "password"} {
		if _, ok := opts[name]; ok {
			return errorf([]string{"give an API key instead: --api-key=$YOUR_KEY_VARIABLE (heroku authorizations:create makes one)"},
				"--%s: dpl's git strategy signed in with a user and password; heroku-deploy deploys through the API with an API key only", name)
		}
	}
	if s := one("strategy"); s != "" {
		if p.Strategy != "" && p.Strategy != s {
			return errorf(nil, "the strategy is given twice: %s and --strategy=%s", p.Strategy, s)
		}
		p.Strategy = s
	}
	switch p.Strategy {
	case "":
		p.Strategy = "api"
	case "api", "git":
	default:
		return errorf([]string{"--strategy=api (the default)"}, "--strategy=%s: dpl knows api and git", safeName(p.Strategy))
	}
	p.App = one("app")
	if p.App == "" {
		return errorf([]string{"name the app: --app=NAME (a protected or unset variable in --app=$VAR reads as empty)"},
			"--app is required: heroku-deploy never takes the app's name from the directory's, as dpl did (a typo there deployed to someone else's app)")
	}
	if v, ok := opts["api_key"]; ok {
		p.APIKey, p.APIKeyFrom = v[0], "--api-key"
		if fromEnv["api_key"] {
			p.APIKeyFrom = "HEROKU_API_KEY"
		}
	} else {
		hint := "--api-key=$YOUR_KEY_VARIABLE, the name of a masked CI/CD variable holding the key"
		if p.Syntax == "v2" {
			hint += ", or a variable HEROKU_API_KEY"
		}
		return errorf([]string{hint}, "no API key")
	}
	p.SourceVersion = one("version")
	p.Run = opts["run"]
	for _, r := range p.Run {
		if strings.TrimSpace(r) == "" {
			return errorf(nil, "--run is empty")
		}
	}
	p.Verbose = strings.EqualFold(one("log_level"), "debug")
	for _, name := range ignored {
		if _, ok := opts[name]; ok && !(name == "log_level" && p.Verbose) {
			p.Ignored = append(p.Ignored, "--"+name)
		}
	}
	return nil
}

// norm writes an option's name as dpl does: dashes are underscores.
func norm(name string) string { return strings.ReplaceAll(name, "-", "_") }

// safeName keeps an option name printable and short: a name is never a
// value, but a mistyped argument might hold one.
func safeName(s string) string {
	if len(s) > 30 || strings.ContainsFunc(s, func(r rune) bool { return !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		return "(an option whose name is not shown)"
	}
	return s
}

// Secrets returns every argument that may be a secret, before anything is
// parsed or said: the values of --api-key and --password in every spelling
// (--api-key=K, --api_key K), and an argument that follows them.
func Secrets(args []string) []string {
	var out []string
	for i, a := range args {
		name, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch norm(name) {
		case "api_key", "password":
		default:
			continue
		}
		if hasValue {
			out = append(out, v)
		} else if i+1 < len(args) {
			out = append(out, args[i+1])
		}
	}
	return out
}
