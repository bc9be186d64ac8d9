package cli

import (
	"context"

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

// Run rolls back (release.Back: the rule a retry follows).
func (c *rollbackCmd) Run(ctx context.Context, h *heroku) error {
	to, err := release.CheckTarget(c.To)
	if err != nil {
		return err
	}
	if err := release.CheckDotenv(c.Dotenv); err != nil {
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
