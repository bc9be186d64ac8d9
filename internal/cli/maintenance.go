package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
)

// maintenanceCmd is `heroku-deploy maintenance on|off`.
type maintenanceCmd struct {
	State   string `arg:"" enum:"on,off" help:"on: visitors get Heroku's maintenance page; off: the app serves again."`
	AppFlag `embed:"" set:"app_help=Heroku app."`

	FreezeFlag      `embed:""`
	DryRunFlag      `embed:""`
	AnnotationsFlag `embed:""`
	HerokuFlags     `embed:""`
}

// Run switches the mode. Failing to turn it off exits 6, as a deploy that
// cannot turn it off after its work does.
func (c *maintenanceCmd) Run(ctx context.Context, h *heroku) error {
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	act := maintenance.Off
	if c.State == "on" {
		act = maintenance.On
	}
	return act(ctx, h.Session, c.App)
}
