package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// configCmd groups the config var commands.
type configCmd struct {
	Set configSetCmd `cmd:"" help:"Set config vars from CI/CD variables, changing only what differs; values are never printed."`
}

// configSetCmd is `heroku-deploy config set`.
type configSetCmd struct {
	AppFlag `embed:"" set:"app_help=Heroku app."`
	Vars    []string `arg:"" optional:"" name:"var" placeholder:"NAME[=CI_VAR]" help:"Set config var NAME to the value of the CI/CD variable CI_VAR (NAME alone: the variable NAME)."`
	Unset   []string `sep:"none" placeholder:"NAME" help:"Remove config var NAME; repeatable."`

	FreezeFlag      `embed:""`
	DryRunFlag      `embed:""`
	AnnotationsFlag `embed:""`
	HerokuFlags     `embed:""`
}

// Run reads the wanted values, compares them with the app's config and
// sends one PATCH of what differs, if anything does; then follows the
// release it made, release phase included.
func (c *configSetCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	if len(c.Vars) == 0 && len(c.Unset) == 0 {
		return outcome.Input("nothing to set or unset", "heroku-deploy config set --app NAME NAME[=CI_VAR]... [--unset NAME]...")
	}
	// A release phase that prints a value shows it masked.
	wanted, err := g.configVars(c.Vars, "config set:", "config var", "release phase")
	if err != nil {
		return err
	}
	if _, err := configvars.Diff(nil, wanted, c.Unset); err != nil {
		return outcome.Inputf("config set: %v", err) // bad or conflicting --unset names, before any request
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	_, err = deploy.SetConfig(ctx, h.Session, c.App, wanted, c.Unset)
	return err
}
