package cli

import (
	"context"
	"regexp"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/release"
)

// rollbackCmd is `heroku-deploy rollback`.
type rollbackCmd struct {
	AppFlag `embed:"" set:"app_help=Heroku app to roll back."`
	// To is a pointer: an explicitly empty --to is an error, not the default.
	To     *string `placeholder:"vN|RELEASE_ID" help:"Release to roll back to; without it, the newest release before the current one that can still be rolled back to, unless an earlier rollback is the app's latest act (see docs/cli.md)."`
	Dotenv string  `placeholder:"FILE" help:"Write the dotenv report of the new release here (as deploy's, without HEROKU_BUILD_ID)."`

	FreezeFlag      `embed:""`
	DryRunFlag      `embed:""`
	AnnotationsFlag `embed:""`
	HerokuFlags     `embed:""`
}

var (
	versionRE = regexp.MustCompile(`^v?[1-9][0-9]{0,8}$`)
	uuidRE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// Run rolls back (release.Back: the rule a retry follows).
func (c *rollbackCmd) Run(ctx context.Context, h *heroku) error {
	to := ""
	if c.To != nil {
		if to = *c.To; to == "" {
			return outcome.Input("--to is empty: nothing was changed",
				"name a release (--to v41, or a release id), or leave --to out for the default target")
		}
		if !versionRE.MatchString(to) && !uuidRE.MatchString(to) {
			return outcome.Inputf("--to %q is neither a release version (v41) nor a release id", to)
		}
	}
	if err := checkDotenv(c.Dotenv); err != nil {
		return err
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	out, err := release.Back(ctx, h.Session, c.App, to)
	if err != nil {
		return err
	}
	return release.ReportBack(h.Session, out, c.Dotenv)
}
