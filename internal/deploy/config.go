package deploy

import (
	"context"
	"fmt"

	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

// SetConfig brings the app's config vars to wanted (and removes unset) in
// the smallest change: it reads the config, prints each name's fate (never
// a value), sends one PATCH of what differs, or none, and follows the
// release the change makes, release phase included. It returns that
// release, or nil when nothing changed. Values must be registered with the
// redactor before: a release phase may print one.
func (d *Deployer) SetConfig(ctx context.Context, app string, wanted map[string]string, unset []string) (*herokuapi.Release, error) {
	current, err := d.Client.ConfigVars(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("read config vars of %s: %w", app, err)
	}
	plan, err := configvars.Diff(current, wanted, unset)
	if err != nil {
		return nil, err
	}
	d.Out.Step("Config vars of %s: %d added, %d changed, %d unchanged, %d removed", app,
		plan.Count(configvars.Added), plan.Count(configvars.Changed), plan.Count(configvars.Unchanged), plan.Count(configvars.Removed))
	width := 0
	for _, ch := range plan.Changes {
		width = max(width, len(ch.Name))
	}
	for _, ch := range plan.Changes {
		d.Out.Line("    %-*s  %s", width, ch.Name, ch.Kind)
	}
	if plan.Empty() {
		d.Out.Step("Nothing to change: no release made")
		return nil, nil
	}
	// The answer holds every config value of the app: it is never read.
	if err := d.Client.UpdateConfigVars(ctx, app, plan.Patch()); err != nil {
		return nil, fmt.Errorf("update config vars of %s: %w", app, err)
	}
	rel, err := d.Client.LatestRelease(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("config vars set, but their release could not be found: %w", err)
	}
	rel, err = d.Wait.Release(ctx, d.Out, app, rel, "release phase goes on on Heroku; the config vars are already set")
	if err != nil {
		return rel, err
	}
	if err := follow.ReleaseOutcome(rel, fmt.Sprintf("the config vars of %s are set, but the release with them does not serve", app)); err != nil {
		return rel, err
	}
	d.Out.Step("Config vars set: release v%d of %s", rel.Version, app)
	return rel, nil
}
