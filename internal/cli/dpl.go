package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/credential"
	"gitlab.com/heroku-deploy/heroku/internal/dpl"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/redact"
)

// MainAs runs the program under the name it was called by. In the image,
// dpl and gem are links to heroku-deploy, so that a job written for dpl
// runs with only its image changed: `gem install dpl` does nothing and dpl's
// command line deploys as `heroku-deploy deploy` does.
func MainAs(name, version string, args []string) int {
	switch filepath.Base(name) {
	case "dpl":
		return withSignals(func(ctx context.Context, env environment) int {
			return runDpl(ctx, versionString(version), args, env)
		})
	case "gem":
		return runGem(args, environment{Stderr: os.Stderr})
	}
	return Main(version, args)
}

// runGem answers `gem install dpl`: nothing to install.
func runGem(args []string, env environment) int {
	v := &voice{w: env.Stderr}
	if err := dpl.Gem(args); err != nil {
		return v.report(err)
	}
	v.say("", "gem install dpl: nothing to install, dpl is built into this image (heroku-deploy answers to it)")
	return outcome.Done.Code()
}

// dplKeyVar names the key in the environment of the commands a dpl line
// runs, when the key is in no variable of the job (written literally on
// the command line).
const dplKeyVar = "HEROKU_DEPLOY_DPL_API_KEY"

// docsURL is the migration guide.
const docsURL = "https://gitlab.com/heroku-deploy/heroku/-/blob/main/docs/migrating-from-dpl.md"

// runDpl carries out a dpl command line: the deploy, then each --run,
// each as heroku-deploy's own command with its exit codes, stopping at the
// first that fails.
func runDpl(ctx context.Context, version string, args []string, env environment) int {
	red := &redact.Redactor{}
	red.Add(dpl.Secrets(args)...) // before anything can print one
	v := &voice{w: env.Stderr, redact: red}
	plan, err := dpl.Parse(args, env.Lookup)
	if err != nil {
		return v.report(err)
	}
	switch {
	case plan.Help:
		fmt.Fprintf(env.Stdout, "dpl, as heroku-deploy %s answers to it: the Heroku provider, through the Build API\n\n"+
			"  dpl --provider=heroku --app=NAME --api-key=$KEY_VARIABLE [--run=restart|--run=COMMAND]...\n"+
			"  dpl heroku api --app NAME --api_key $KEY_VARIABLE [--run restart|--run COMMAND]...\n\n"+
			"Options and exit codes: %s\n", version, docsURL)
		return outcome.Done.Code()
	case plan.ShowVersion:
		fmt.Fprintf(env.Stdout, "heroku-deploy %s (answering as dpl)\n", version)
		return outcome.Done.Code()
	}
	// The key passes the checks of a key read from a variable.
	creds := &credential.Reader{Lookup: env.Lookup, Register: red.Add}
	spec := credential.HerokuKey
	spec.Flag = plan.APIKeyFrom
	key, err := creds.Check(plan.APIKeyFrom, plan.APIKey, spec)
	if err != nil {
		return v.report(err)
	}
	if err := checkApp(plan.App); err != nil {
		return v.report(err)
	}
	keyVar := holding(env, key)
	sub := env
	if keyVar == "" {
		v.warn("the API key on dpl's command line is in no variable of the job: whoever reads the job's script reads the key; move it to a masked CI/CD variable")
		keyVar = dplKeyVar
		sub.Lookup = func(name string) (string, bool) {
			if name == dplKeyVar {
				return key, true
			}
			return env.Lookup(name)
		}
		sub.Getenv = func(name string) string { s, _ := sub.Lookup(name); return s }
	}
	if plan.Strategy == "git" {
		v.warn("--strategy=git: dpl pushed with git; this deploys through Heroku's Build API instead (one build, the same release)")
	}
	if slices.Contains(plan.Ignored, "--cleanup") {
		v.warn("--cleanup: dpl stashed untracked files before deploying; heroku-deploy uploads the directory as it is (.git left out)")
	}
	v.say("hint", migration(version, plan.App, keyVar, env))

	common := []string{"--app", plan.App, "--api-key-var", keyVar}
	if plan.Verbose {
		common = append(common, "--verbose")
	}
	deploy := append([]string{"deploy"}, common...)
	if plan.SourceVersion != "" {
		deploy = append(deploy, "--source-version", plan.SourceVersion)
	}
	if code := run(ctx, version, deploy, sub); code != outcome.Done.Code() {
		return code
	}
	for i, cmd := range plan.Run {
		if ctx.Err() != nil {
			return outcome.Stopped.Code()
		}
		argv := append([]string{"restart"}, common...)
		if cmd != "restart" {
			v.warn(fmt.Sprintf("--run command %d of %d runs on a one-off dyno as heroku-deploy run does: unlike with dpl, its exit status is the job's", i+1, len(plan.Run)))
			argv = append(append([]string{"run"}, common...), "--", cmd)
		}
		if code := run(ctx, version, argv, sub); code != outcome.Done.Code() {
			return code
		}
	}
	return outcome.Done.Code()
}

// holding names the variable of the job that holds value, the one dpl's
// command line expanded ($HEROKU_PRODUCTION_KEY): "" if none does. GitLab's
// own variables are passed over; among the rest the first name wins.
func holding(env environment, value string) string {
	if env.Environ == nil || value == "" {
		return ""
	}
	var names []string
	for _, kv := range env.Environ() {
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
func migration(version, app, keyVar string, env environment) string {
	at := version
	if !semverRE.MatchString(at) {
		at = "<version>"
	}
	appIn := app
	if name := holding(env, app); name != "" {
		appIn = "$" + name
	}
	keyIn := keyVar
	if keyVar == dplKeyVar {
		keyIn = "<a masked variable holding the key>"
	}
	branch := ""
	if b := env.Getenv("CI_COMMIT_BRANCH"); b != "" {
		branch = ", branch: " + b
	}
	return fmt.Sprintf("this is heroku-deploy answering as dpl; to move to its component, include $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@%s with inputs app: %s, api_key_variable: %s%s (%s)",
		at, appIn, keyIn, branch, docsURL)
}
