package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
)

// maintenanceCmd is `heroku-deploy maintenance on|off`.
type maintenanceCmd struct {
	State   string `arg:"" enum:"on,off" help:"on: visitors get Heroku's maintenance page; off: the app serves again."`
	AppFlag `embed:"" set:"app_help=Heroku app."`

	HerokuFlags `embed:""`
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
	err := act(ctx, h.Session, c.App)
	if err != nil {
		return h.classify(ctx, err, c.App)
	}
	return nil
}

// stillOn is exit 6 for an app left in maintenance mode: it outranks what
// went wrong before, and keeps the hints of why turning it off failed
// (inner, classified).
func stillOn(inner, err error, app string) error {
	var hints []string
	if ee, ok := inner.(*exitError); ok {
		hints = ee.Hints
	}
	hints = append(hints, offByHand(app))
	return &exitError{Code: exitMaintenance, Err: err, Hints: hints}
}

// offByHand is the hint for an app left in maintenance mode.
func offByHand(app string) string {
	return "turn it off by hand: heroku-deploy maintenance off --app " + app + ", or in the Heroku dashboard"
}
