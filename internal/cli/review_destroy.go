package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/review"
)

// reviewDestroyCmd is `heroku-deploy review destroy`.
type reviewDestroyCmd struct {
	ReviewFlags `embed:""`
	App         string `placeholder:"NAME" help:"Delete this app instead of the one --name and --mr name; it must still be a review app of --name."`

	DryRunFlag  `embed:""`
	HerokuFlags `embed:""`
}

// Run deletes the review app (review.Destroy: the safety checks first).
func (c *reviewDestroyCmd) Run(ctx context.Context, h *heroku) error {
	app, err := review.DestroyTarget(c.Name, c.MR, c.App)
	if err != nil {
		return err
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	return review.Destroy(ctx, h.Session, c.Name, app)
}

// appName is the review app, for the outcome's hints.
func (c *reviewDestroyCmd) appName() string {
	app, _ := review.AppName(c.Name, c.MR, c.App)
	return app
}
