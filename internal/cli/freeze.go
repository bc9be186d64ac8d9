package cli

import (
	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/freeze"
	"gitlab.com/heroku-deploy/heroku/internal/voice"
)

// FreezeFlag is --ignore-freeze, which every command that changes an app
// embeds (not review destroy and sweep: deleting review apps touches no
// environment a freeze protects, and a stop job that failed would leave
// them running): internal/freeze's rule, checked while parsing, after the
// flags' own checks and before the key is read. A command that changes
// nothing this time (maintenance off, scale without changes) defines
// changesApps; a --dry-run plans, saying the real run would stop.
type FreezeFlag struct {
	IgnoreFreeze bool `name:"ignore-freeze" env:"HEROKU_DEPLOY_IGNORE_FREEZE" help:"Run even while GitLab's deploy freeze is active (CI_DEPLOY_FREEZE set): otherwise the command stops before any request, exit 5."`
}

// AfterApply checks the freeze while parsing.
func (f *FreezeFlag) AfterApply(kctx *kong.Context, env environment) error {
	if c, ok := target(kctx).(interface{ changesApps() bool }); f.IgnoreFreeze || ok && !c.changesApps() {
		return nil
	}
	err := freeze.Check(env.Getenv, "HEROKU_DEPLOY_IGNORE_FREEZE", "--ignore-freeze")
	if err != nil && isDryRun(kctx) {
		(&voice.Voice{W: env.Stderr}).Warn(freeze.DryRunNote)
		return nil
	}
	return err
}

// Turning maintenance mode off restores service: what an operator may need
// during a freeze (a deploy that left it on, an incident over), and the
// way out of exit 6. Turning it on takes the app down: a change.
func (c *maintenanceCmd) changesApps() bool { return c.State == "on" }

// scale without changes only prints the formation.
func (c *scaleCmd) changesApps() bool { return len(c.Changes) > 0 }
