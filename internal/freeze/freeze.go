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

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// Variable is the predefined variable GitLab sets during a freeze.
const Variable = "CI_DEPLOY_FREEZE"

// Check is the refusal of a change while the freeze getenv shows is
// active (nil: none is), naming ignoreVar, the switch that acts anyway.
func Check(getenv func(string) string, ignoreVar string) error {
	if getenv(Variable) == "" {
		return nil
	}
	return outcome.New(outcome.Unsafe, errors.New("a deploy freeze is active for this project ("+Variable+" is set): nothing was done"),
		"GitLab sets "+Variable+" when it creates a pipeline during one of the project's freeze periods (Settings > CI/CD > Deploy freezes); a job started later, a manual one included, keeps that pipeline's value",
		"to act anyway, pass --ignore-freeze: for a component's job, run it with the variable "+ignoreVar+"=true (a manual job's Run form takes variables)")
}
