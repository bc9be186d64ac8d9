package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"gitlab.com/heroku-deploy/heroku/internal/credential"
	"gitlab.com/heroku-deploy/heroku/internal/dpl"
	"gitlab.com/heroku-deploy/heroku/internal/freeze"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/redact"
	"gitlab.com/heroku-deploy/heroku/internal/voice"
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
	v := &voice.Voice{W: env.Stderr}
	if err := dpl.Gem(args); err != nil {
		return v.Report(err)
	}
	v.Say("", "gem install dpl: nothing to install, dpl is built into this image (heroku-deploy answers to it)")
	return outcome.Done.Code()
}

// runDpl carries out a dpl command line: the plan's steps (dpl.Steps),
// each as heroku-deploy's own command with its exit codes, stopping at the
// first that fails.
func runDpl(ctx context.Context, version string, args []string, env environment) int {
	red := &redact.Redactor{}
	red.Add(dpl.Secrets(args)...) // before anything can print one
	v := &voice.Voice{W: env.Stderr, Redact: red}
	plan, err := dpl.Parse(args, env.Lookup)
	if err != nil {
		return v.Report(err)
	}
	if text, ok := plan.Info(version); ok {
		fmt.Fprint(env.Stdout, text)
		return outcome.Done.Code()
	}
	// A freeze stops it before the key is read, as it does a command.
	if err := freeze.Check(env.Getenv, "HEROKU_DEPLOY_IGNORE_FREEZE", ""); err != nil {
		return v.Report(err)
	}
	// The key passes the checks of a key read from a variable (a path: a
	// file-type variable's, read from its file).
	spec := credential.HerokuKey
	spec.Flag = plan.APIKeyFrom
	key, err := (&credential.Reader{Lookup: env.Lookup, Register: red.Add}).Value(plan.APIKeyFrom, plan.APIKey, spec)
	if err != nil {
		return v.Report(err)
	}
	if err := checkApp(plan.App); err != nil {
		return v.Report(err)
	}
	steps := plan.Steps(version, env.environ(), env.Getenv("CI_COMMIT_BRANCH"))
	sub := env
	sub.Lookup = steps.Lookup(env.Lookup, key)
	sub.Getenv = func(name string) string { s, _ := sub.Lookup(name); return s }
	for _, w := range steps.Warnings {
		v.Warn(w)
	}
	v.Say("hint", steps.Hint)
	for i, c := range steps.Commands {
		if i > 0 && ctx.Err() != nil {
			return outcome.Stopped.Code()
		}
		if c.Warning != "" {
			v.Warn(c.Warning)
		}
		if code := run(ctx, version, c.Args, sub); code != outcome.Done.Code() {
			return code
		}
	}
	return outcome.Done.Code()
}
