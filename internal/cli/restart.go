package cli

import (
	"context"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/formation"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// restartCmd is `heroku-deploy restart`.
type restartCmd struct {
	AppFlag `embed:"" set:"app_help=Heroku app whose dynos to restart."`
	Types   []string `arg:"" optional:"" name:"type" help:"Process types to restart (web, worker…). None: every dyno of the app."`

	HerokuFlags `embed:""`
}

// Run restarts.
func (c *restartCmd) Run(ctx context.Context, h *heroku) error {
	var types []string
	seen := map[string]bool{}
	for _, t := range c.Types {
		if !herokuapi.ValidProcessType(t) {
			return outcome.Inputf("%q is not a process type name (letters, digits, _ and -)", t)
		}
		if !seen[t] {
			types = append(types, t)
		}
		seen[t] = true
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	if err := formation.Restart(ctx, h.Session, c.App, types); err != nil {
		return err
	}
	if len(types) == 0 {
		h.Out.Step("Restart of every dyno of %s accepted by Heroku", c.App)
	} else {
		h.Out.Step("Restart of the %s dynos of %s accepted by Heroku", strings.Join(types, ", "), c.App)
	}
	return nil
}
