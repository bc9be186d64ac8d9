package cli

import (
	"errors"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// FreezeFlag is --ignore-freeze, which every command that changes an app
// embeds: while GitLab's deploy freeze is active (CI_DEPLOY_FREEZE set, and
// not empty, in the job), such a command stops before it reads the key or
// sends any request, exit 5, unless --ignore-freeze. GitLab sets the
// variable when it creates the pipeline, from the project's freeze periods
// (doc/ci/environments/deployment_safety.md; predefined variables, since
// 13.2): a manual job started later carries the pipeline's value
// (gitlab#336354). A command that changes nothing this time (maintenance
// off, scale without changes, a sweep's dry run) defines changesApps; a
// --dry-run is never frozen.
type FreezeFlag struct {
	IgnoreFreeze bool `name:"ignore-freeze" env:"HEROKU_DEPLOY_IGNORE_FREEZE" help:"Run even while GitLab's deploy freeze is active (CI_DEPLOY_FREEZE set): otherwise the command stops before any request, exit 5."`
}

// AfterApply checks the freeze while parsing: after the flags' own checks,
// before the key is read.
func (f *FreezeFlag) AfterApply(kctx *kong.Context, env environment) error {
	if f.IgnoreFreeze || env.Getenv("CI_DEPLOY_FREEZE") == "" {
		return nil
	}
	if c, ok := target(kctx).(interface{ changesApps() bool }); isDryRun(kctx) || ok && !c.changesApps() {
		return nil // a dry run changes nothing: its plan is what a freeze is for
	}
	return outcome.New(outcome.Unsafe, errors.New("a deploy freeze is active for this project (CI_DEPLOY_FREEZE is set): nothing was done"),
		"GitLab sets CI_DEPLOY_FREEZE when it creates a pipeline during one of the project's freeze periods (Settings > CI/CD > Deploy freezes); a job started later, a manual one included, keeps that pipeline's value",
		"to act anyway, pass --ignore-freeze: for a component's job, run it with the variable HEROKU_DEPLOY_IGNORE_FREEZE=true (a manual job's Run form takes variables)")
}

// Turning maintenance mode off restores service: what an operator may need
// during a freeze (a deploy that left it on, an incident over), and the
// way out of exit 6. Turning it on takes the app down: a change.
func (c *maintenanceCmd) changesApps() bool { return c.State == "on" }

// scale without changes only prints the formation.
func (c *scaleCmd) changesApps() bool { return len(c.Changes) > 0 }

// A sweep's dry run deletes nothing.
func (c *reviewSweepCmd) changesApps() bool { return !c.DryRun }
