// Package freeze is GitLab's deploy freeze as heroku-deploy keeps it:
// while a freeze is active (CI_DEPLOY_FREEZE set, and not empty, in the
// job), a command that changes an app stops before it reads the key or
// sends any request, exit 5, unless told to ignore it. GitLab sets the
// variable when it creates the pipeline, from the project's freeze periods
// (doc/ci/environments/deployment_safety.md; a predefined variable since
// 13.2): a manual job started later carries the pipeline's value
// (gitlab#336354). Which commands change nothing this time (maintenance
// off, scale without changes, a dry run) is the command line's to say.
package freeze

import (
	"errors"

	"gitlab.com/heroku-deploy/heroku/internal/civar"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// Variable is the predefined variable GitLab sets during a freeze.
const Variable = "CI_DEPLOY_FREEZE"

// DryRunNote is what a dry run says during a freeze: it plans (a plan is
// what a freeze is for), and says what the real run would do.
const DryRunNote = "a deploy freeze is active (" + Variable + " is set): this plan is what the real run would do with --ignore-freeze; without it, the real run stops before any request, exit 5"

// Check is the refusal of a change while the freeze getenv shows is
// active (nil: none is, or the variable ignoreVar says to act anyway).
// flag is the command line's switch that does, "" if there is none (the
// dpl drop-in, which takes dpl's options only).
func Check(getenv func(string) string, ignoreVar, flag string) error {
	if getenv(Variable) == "" {
		return nil
	}
	ignore, err := civar.Bool(ignoreVar, getenv(ignoreVar))
	switch {
	case err != nil:
		return outcome.Input(err.Error())
	case ignore:
		return nil
	}
	how := "set the variable " + ignoreVar + "=true for the job (a manual job's Run form takes variables)"
	if flag != "" {
		how = "pass " + flag + ": for a component's job, run it with the variable " + ignoreVar + "=true (a manual job's Run form takes variables)"
	}
	return outcome.New(outcome.Unsafe, errors.New("a deploy freeze is active for this project ("+Variable+" is set): nothing was done"),
		"GitLab sets "+Variable+" when it creates a pipeline during one of the project's freeze periods (Settings > CI/CD > Deploy freezes); a job started later, a manual one included, keeps that pipeline's value",
		"to act anyway, "+how)
}
