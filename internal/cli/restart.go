package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/formation"
)

// restartCmd is `heroku-deploy restart`.
type restartCmd struct {
	AppFlag `embed:"" set:"app_help=Heroku app whose dynos to restart."`
	Types   []string `arg:"" optional:"" name:"type" help:"Process types to restart (web, worker…). None: every dyno of the app."`

	FreezeFlag      `embed:""`
	DryRunFlag      `embed:""`
	AnnotationsFlag `embed:""`
	HerokuFlags     `embed:""`
}

// Run restarts (formation.Restart checks the types first).
func (c *restartCmd) Run(ctx context.Context, h *heroku) error {
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	return formation.Restart(ctx, h.Session, c.App, c.Types)
}
