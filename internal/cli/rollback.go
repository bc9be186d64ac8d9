package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/release"
)

// rollbackCmd is `heroku-deploy rollback`.
type rollbackCmd struct {
	AppFlag `embed:"" set:"app_help=Heroku app to roll back."`
	// To is a pointer: an explicitly empty --to is an error, not the default.
	To     *string `placeholder:"vN|RELEASE_ID" help:"Release to roll back to; without it, the newest release before the current one that can still be rolled back to, unless an earlier rollback is the app's latest act (see the README)."`
	Dotenv string  `placeholder:"FILE" help:"Write the dotenv report of the new release here (as deploy's, without HEROKU_BUILD_ID)."`

	HerokuFlags `embed:""`
}

var (
	versionRE = regexp.MustCompile(`^v?[1-9][0-9]{0,8}$`)
	uuidRE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// Run rolls back (release.Follower.Back: the rule a retry follows).
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
	if c.Dotenv != "" {
		if err := checkDotenv(c.Dotenv); err != nil {
			return err
		}
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	app, err := h.Client.AppInfo(ctx, c.App)
	if err != nil {
		return fmt.Errorf("look up app %s: %w", c.App, err)
	}
	webURL, note, err := h.Client.URL(ctx, app)
	if err != nil {
		return err
	}
	if note != "" {
		h.Out.Step("%s", note)
	}
	out, err := release.Back(ctx, h.Session, c.App, to)
	var ie *release.Ineligible
	switch {
	case errors.As(err, &ie):
		return fmt.Errorf("%w: nothing was changed", err)
	case err != nil:
		return err
	}
	if out.Release == nil { // Back reports a success only with its release
		return &follow.Unknown{App: c.App, Msg: "the rollback ended without its release: it may have been made"}
	}
	r := reportOf(app.Name, webURL, herokuapi.Generation(app), out.Release)
	if c.Dotenv != "" {
		if err := ciout.WriteDotenv(c.Dotenv, r.vars("")); err != nil {
			return err
		}
	}
	h.Out.Step("Rolled %s back to v%d: release v%d (%s)", c.App, out.Target, r.ReleaseVersion, r.artifact())
	if r.WebURL != "" {
		h.Out.Line("%s", r.WebURL)
	}
	if out.Act == release.Done {
		if len(out.Further) == 0 {
			h.Out.Line("No release older than v%d can still be rolled back to: see https://dashboard.heroku.com/apps/%s/activity", out.Target, c.App)
		} else {
			h.Out.Line("To go further back: heroku-deploy rollback --app %s --to vN%s", c.App, release.Listing(out.Further))
		}
	}
	return nil
}
