package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/release"
)

// rollbackCmd is `heroku-deploy rollback`.
type rollbackCmd struct {
	AppFlag `embed:"" set:"app_help=Heroku app to roll back."`
	To      string `placeholder:"vN|RELEASE_ID" help:"Release to roll back to; without it, the newest release before the current one that can still be rolled back to."`
	Dotenv  string `placeholder:"FILE" help:"Write the dotenv report of the new release here (as deploy's, without HEROKU_BUILD_ID)."`

	HerokuFlags `embed:""`
}

var (
	versionRE = regexp.MustCompile(`^v?[1-9][0-9]{0,8}$`)
	uuidRE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// Run rolls back.
func (c *rollbackCmd) Run(ctx context.Context, h *heroku) error {
	if c.To != "" && !versionRE.MatchString(c.To) && !uuidRE.MatchString(c.To) {
		return usagef("--to %q is neither a release version (v41) nor a release id", c.To)
	}
	if c.Dotenv != "" {
		if err := checkDotenv(c.Dotenv); err != nil {
			return err
		}
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	rel, r, err := c.rollback(ctx, h)
	if err != nil {
		var ie *release.Ineligible
		if errors.As(err, &ie) {
			return safety(fmt.Errorf("%w: nothing was changed", err),
				"pick another release with --to (heroku releases shows them); a redeploy of the commit builds it again")
		}
		return h.classify(ctx, err, c.App)
	}
	if c.Dotenv != "" {
		if err := ciout.WriteDotenv(c.Dotenv, r.vars("")); err != nil {
			return err
		}
	}
	h.Out.Step("Rolled %s back to v%d: release v%d (%s)", c.App, rel.Version, r.ReleaseVersion, r.artifact())
	if r.WebURL != "" {
		h.Out.Line("%s", r.WebURL)
	}
	return nil
}

// rollback picks the target, checks it and rolls back to it.
func (c *rollbackCmd) rollback(ctx context.Context, h *heroku) (*herokuapi.Release, report, error) {
	app, err := h.Client.AppInfo(ctx, c.App)
	if err != nil {
		return nil, report{}, fmt.Errorf("look up app %s: %w", c.App, err)
	}
	webURL, note, err := h.Client.URL(ctx, app)
	if err != nil {
		return nil, report{}, err
	}
	if note != "" {
		h.Out.Step("%s", note)
	}
	list, err := h.Client.RecentReleases(ctx, c.App, 50)
	if err != nil {
		return nil, report{}, fmt.Errorf("list the releases of %s: %w", c.App, err)
	}
	var to *herokuapi.Release
	switch {
	case c.To != "":
		to, err = h.Client.ReleaseInfo(ctx, c.App, strings.TrimPrefix(c.To, "v"))
		if herokuapi.Absent(err) {
			return nil, report{}, usagef("app %s has no release %s", c.App, c.To)
		}
		if err != nil {
			return nil, report{}, fmt.Errorf("look up release %s of %s: %w", c.To, c.App, err)
		}
	default:
		if to = release.Previous(list); to == nil {
			cur := "it has no current release"
			if r := release.Current(list); r != nil {
				cur = fmt.Sprintf("it runs v%d", r.Version)
			}
			return nil, report{}, &release.Ineligible{Msg: fmt.Sprintf("%s has no earlier release that can be rolled back to (%s; expired releases and those without a slug or image cannot be)", c.App, cur)}
		}
	}
	if err := release.Check(c.App, to); err != nil {
		return nil, report{}, err
	}
	// Heroku's rollback restores the release's code and config vars, not
	// add-ons or data (heroku/cli src/commands/releases/rollback.ts warns
	// the same after every rollback).
	runs := "has no current release"
	if cur := release.Current(list); cur != nil {
		runs = fmt.Sprintf("runs v%d", cur.Version)
	}
	h.Out.Step("%s %s; rolling back to v%d restores its code and config vars (add-ons and database data stay as they are)", c.App, runs, to.Version)
	f := &release.Follower{Client: h.Client, Wait: h.Wait, Out: h.Out}
	rel, err := f.Rollback(ctx, c.App, to)
	if rel == nil {
		return nil, report{}, err
	}
	return to, reportOf(app.Name, webURL, herokuapi.Generation(app), rel), err
}
