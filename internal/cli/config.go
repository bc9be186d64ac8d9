package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

// ConfigCmd groups the config var commands.
type ConfigCmd struct {
	Set ConfigSetCmd `cmd:"" help:"Set config vars from CI/CD variables, changing only what differs; values are never printed."`
}

// ConfigSetCmd is `heroku-deploy config set`.
type ConfigSetCmd struct {
	App   string   `env:"HEROKU_DEPLOY_APP,HEROKU_APP" required:"" placeholder:"NAME" help:"Heroku app."`
	Vars  []string `arg:"" optional:"" name:"var" placeholder:"NAME[=CI_VAR]" help:"Set config var NAME to the value of the CI/CD variable CI_VAR (NAME alone: the variable NAME)."`
	Unset []string `sep:"none" placeholder:"NAME" help:"Remove config var NAME; repeatable."`

	HerokuFlags `embed:""`
}

// Run reads the wanted values, compares them with the app's config and
// sends one PATCH of what differs, if anything does; then follows the
// release it made, release phase included.
func (c *ConfigSetCmd) Run(ctx context.Context, g *Globals, h *Heroku) error {
	if err := checkApp(c.App); err != nil {
		return err
	}
	if len(c.Vars) == 0 && len(c.Unset) == 0 {
		return usage("nothing to set or unset", "heroku-deploy config set --app NAME NAME[=CI_VAR]... [--unset NAME]...")
	}
	wanted, err := configvars.Resolve(c.Vars, g.Env.Lookup)
	if err != nil {
		return varError("config set:", err)
	}
	for _, v := range wanted {
		g.redact.Add(v) // a release phase that prints one shows it masked
	}
	if _, err := configvars.Diff(nil, wanted, c.Unset); err != nil {
		return usagef("config set: %v", err) // bad or conflicting --unset names, before any request
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	current, err := h.Client.ConfigVars(ctx, c.App)
	if err != nil {
		return c.refused(ctx, h, fmt.Errorf("read config vars of %s: %w", c.App, err))
	}
	plan, _ := configvars.Diff(current, wanted, c.Unset)
	h.Out.Step("Config vars of %s: %d added, %d changed, %d unchanged, %d removed", c.App,
		plan.Count(configvars.Added), plan.Count(configvars.Changed), plan.Count(configvars.Unchanged), plan.Count(configvars.Removed))
	width := 0
	for _, ch := range plan.Changes {
		width = max(width, len(ch.Name))
	}
	for _, ch := range plan.Changes {
		h.Out.Line("    %-*s  %s", width, ch.Name, ch.Kind)
	}
	if plan.Empty() {
		h.Out.Step("Nothing to change: no release made")
		return nil
	}
	if err := h.Client.UpdateConfigVars(ctx, c.App, plan.Patch()); err != nil {
		return c.refused(ctx, h, fmt.Errorf("update config vars of %s: %w", c.App, err))
	}
	rel, err := h.Client.LatestRelease(ctx, c.App)
	if err != nil {
		return h.classify(ctx, fmt.Errorf("config vars set, but their release could not be found: %w", err), c.App)
	}
	rel, err = followConfigRelease(ctx, h, c.App, rel)
	if err == nil && rel.Status != "succeeded" {
		err = &follow.Failed{Msg: fmt.Sprintf("release v%d of %s %s: the config vars are set, but the release phase failed", rel.Version, c.App, rel.Status)}
	}
	if err != nil {
		return h.classify(ctx, err, c.App)
	}
	h.Out.Step("Config vars set: release v%d of %s", rel.Version, c.App)
	return nil
}

// followConfigRelease waits for the release a config change made, and for
// its release phase when the app has one.
func followConfigRelease(ctx context.Context, h *Heroku, app string, rel *herokuapi.Release) (*herokuapi.Release, error) {
	job := follow.Job[*herokuapi.Release]{
		Kind: "release", What: fmt.Sprintf("release v%d", rel.Version), Out: h.Out,
		Fetch:    func(ctx context.Context) (*herokuapi.Release, error) { return h.Client.ReleaseInfo(ctx, app, rel.ID) },
		State:    func(r *herokuapi.Release) string { return r.Status },
		Final:    func(r *herokuapi.Release) bool { return r.Status != "pending" },
		StopNote: "release phase goes on on Heroku; the config vars are already set",
	}
	if rel.OutputStreamURL != nil && *rel.OutputStreamURL != "" {
		job.Stream = *rel.OutputStreamURL
		end := h.Out.Section("heroku_release", fmt.Sprintf("Release phase (release v%d)", rel.Version))
		defer end()
	}
	return follow.Wait(ctx, h.Wait, job, rel)
}

// refused explains a 403 from a key whose OAuth scope cannot touch config
// vars: "read" and "write" keys exclude them, by Heroku's design.
func (c *ConfigSetCmd) refused(ctx context.Context, h *Heroku, err error) error {
	var he *herokuapi.Error
	if errors.As(err, &he) && he.Status == 403 && he.Scope != "" {
		scopes := strings.FieldsFunc(he.Scope, func(r rune) bool { return r == ',' || r == ' ' })
		if !slices.Contains(scopes, "global") && !slices.Contains(scopes, "write-protected") {
			return &ExitError{Code: ExitRefused, Err: err, Hints: []string{
				fmt.Sprintf("the key in %s has OAuth scope %q, which cannot read or change config vars: config set needs write-protected (or global)", c.APIKeyVar, he.Scope),
				"create such a key with 'heroku authorizations:create --scope write-protected' and store it in the variable",
			}}
		}
	}
	return h.classify(ctx, err, c.App)
}
