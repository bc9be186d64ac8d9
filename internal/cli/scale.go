package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/formation"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// scaleCmd is `heroku-deploy scale`.
type scaleCmd struct {
	AppFlag `embed:"" set:"app_help=Heroku app to scale."`
	Changes []string `arg:"" optional:"" name:"type=quantity[:size]" help:"Process types to scale, e.g. web=2:standard-1x worker=0; quantities are absolute. None: print the formation."`

	FreezeFlag      `embed:""`
	DryRunFlag      `embed:""`
	AnnotationsFlag `embed:""`
	HerokuFlags     `embed:""`
}

// Run scales in one request and prints the formation read back.
func (c *scaleCmd) Run(ctx context.Context, h *heroku) error {
	changes, err := formation.ParseChanges(c.Changes)
	if err != nil {
		return outcome.Input(err.Error(), "heroku-deploy scale --app NAME web=2:standard-1x worker=0")
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	if len(changes) == 0 {
		f, err := formation.Read(ctx, h.Session, c.App)
		if err != nil {
			return err
		}
		h.Out.Step("Formation of %s: %s", c.App, formation.Describe(f))
		return nil
	}
	res, err := formation.Scale(ctx, h.Session, c.App, changes)
	switch {
	case err != nil:
		return err
	case res.Planned: // a dry run: formation.Scale said its plan
	case !res.Sent:
		h.Out.Step("Formation of %s already as asked, nothing sent: %s", c.App, formation.Describe(res.Formation))
	default:
		h.Out.Step("Scaled %s; its formation now reads %s", c.App, formation.Describe(res.Formation))
	}
	return nil
}
