package dpl

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// KeyVar names the key in the environment of the commands a plan runs,
// when the key is in no variable of the job (written literally on dpl's
// command line).
const KeyVar = "HEROKU_DEPLOY_DPL_API_KEY"

// DocsURL is the migration guide.
const DocsURL = "https://gitlab.com/heroku-deploy/heroku/-/blob/main/docs/migrating-from-dpl.md"

// Info is what dpl --help or --version prints instead of deploying, and
// whether p asks for it.
func (p *Plan) Info(version string) (string, bool) {
	switch {
	case p.Help:
		return Usage(version), true
	case p.ShowVersion:
		return "heroku-deploy " + version + " (answering as dpl)\n", true
	}
	return "", false
}

// Usage is dpl --help, as heroku-deploy answers it.
func Usage(version string) string {
	return fmt.Sprintf("dpl, as heroku-deploy %s answers to it: the Heroku provider, through the Build API\n\n"+
		"  dpl --provider=heroku --app=NAME --api-key=$KEY_VARIABLE [--run=restart|--run=COMMAND]...\n"+
		"  dpl heroku api --app NAME --api_key $KEY_VARIABLE [--run restart|--run COMMAND]...\n\n"+
		"Options and exit codes: %s\n", version, DocsURL)
}

// Steps is how heroku-deploy carries out a plan: heroku-deploy's own
// commands, in order, each with its exit codes, stopping at the first that
// fails.
type Steps struct {
	// KeyVar is the variable the commands read the key from: the job's
	// variable that holds it, or KeyVar (the const), which the caller must
	// then set to the key.
	KeyVar string
	// Warnings come first, then Hint, the one line that says how the job
	// moves to the component.
	Warnings []string
	Hint     string
	// Commands are heroku-deploy's argument lists: the deploy, then each
	// --run as restart or run. Warning, when set, goes just before its
	// command.
	Commands []Command
}

// Lookup is lookup as the plan's commands read their environment: with the
// key under KeyVar (the const) when no variable of the job holds it.
func (st Steps) Lookup(lookup func(string) (string, bool), key string) func(string) (string, bool) {
	if st.KeyVar != KeyVar {
		return lookup
	}
	return func(name string) (string, bool) {
		if name == KeyVar {
			return key, true
		}
		return lookup(name)
	}
}

// Command is one heroku-deploy command line of a plan.
type Command struct {
	Args    []string
	Warning string
}

// Steps says how to carry out p, a plan whose key and app were checked.
// environ is the job's environment (NAME=VALUE), which tells the variables
// that hold the key and the app; branch is CI_COMMIT_BRANCH.
func (p *Plan) Steps(version string, environ []string, branch string) Steps {
	var st Steps
	if st.KeyVar = holding(environ, p.APIKey); st.KeyVar == "" {
		st.KeyVar = KeyVar
		st.Warnings = append(st.Warnings, "the API key on dpl's command line is in no variable of the job: whoever reads the job's script reads the key; move it to a masked CI/CD variable")
	}
	if p.Strategy == "git" {
		st.Warnings = append(st.Warnings, "--strategy=git: dpl pushed with git; this deploys through Heroku's Build API instead (one build, the same release)")
	}
	if slices.Contains(p.Ignored, "--cleanup") {
		st.Warnings = append(st.Warnings, "--cleanup: dpl stashed untracked files before deploying; heroku-deploy uploads the directory as it is (.git left out)")
	}
	st.Hint = p.migration(version, st.KeyVar, environ, branch)
	common := []string{"--app", p.App, "--api-key-var", st.KeyVar}
	if p.Verbose {
		common = append(common, "--verbose")
	}
	deploy := append([]string{"deploy"}, common...)
	if p.SourceVersion != "" {
		deploy = append(deploy, "--source-version", p.SourceVersion)
	}
	st.Commands = append(st.Commands, Command{Args: deploy})
	for i, cmd := range p.Run {
		c := Command{Args: append([]string{"restart"}, common...)}
		if cmd != "restart" {
			c.Warning = fmt.Sprintf("--run command %d of %d runs on a one-off dyno as heroku-deploy run does: unlike with dpl, its exit status is the job's", i+1, len(p.Run))
			c.Args = append(append([]string{"run"}, common...), "--", cmd)
		}
		st.Commands = append(st.Commands, c)
	}
	return st
}

// holding names the variable of the job that holds value, the one dpl's
// command line expanded ($HEROKU_PRODUCTION_KEY): "" if none does. GitLab's
// own variables are passed over; among the rest the first name wins.
func holding(environ []string, value string) string {
	if value == "" {
		return ""
	}
	var names []string
	for _, kv := range environ {
		name, v, ok := strings.Cut(kv, "=")
		if ok && v == value && varNameRE.MatchString(name) && !strings.HasPrefix(name, "CI_") && !strings.HasPrefix(name, "GITLAB_") && !strings.HasPrefix(name, "HEROKU_DEPLOY_") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

var (
	varNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	semverRE  = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
)

// migration is the one line that says how the job moves to the component.
func (p *Plan) migration(version, keyVar string, environ []string, branch string) string {
	at := version
	if !semverRE.MatchString(at) {
		at = "<version>"
	}
	appIn := p.App
	if name := holding(environ, p.App); name != "" {
		appIn = "$" + name
	}
	keyIn := keyVar
	if keyVar == KeyVar {
		keyIn = "<a masked variable holding the key>"
	}
	if branch != "" {
		branch = ", branch: " + branch
	}
	return fmt.Sprintf("this is heroku-deploy answering as dpl; to move to its component, include $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@%s with inputs app: %s, api_key_variable: %s%s (%s)",
		at, appIn, keyIn, branch, DocsURL)
}
