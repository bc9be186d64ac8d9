package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/review"
)

// reviewDeployCmd is `heroku-deploy review deploy`.
type reviewDeployCmd struct {
	ReviewFlags   `embed:""`
	App           string   `placeholder:"NAME" help:"Deploy to this app instead of the one --name and --mr name (created the same way when missing); review destroy and sweep never delete one outside their names."`
	Dir           string   `env:"HEROKU_DEPLOY_DIR" default:"." placeholder:"PATH" help:"Directory to ship (default ${default}); with an app.json in it, a new app is created from it (an app setup: add-ons, env, postdeploy script)."`
	SourceVersion string   `env:"CI_COMMIT_SHA" placeholder:"STR" help:"Version recorded on the build; without it, git rev-parse HEAD in --dir."`
	Exclude       []string `env:"HEROKU_DEPLOY_EXCLUDE" list:"" sep:"none" placeholder:"PATTERN" help:"Leave out paths matching this gitignore-style pattern; repeatable. Its variable holds a list: [\"a\", \"b\"]."`
	Team          string   `env:"HEROKU_DEPLOY_TEAM" placeholder:"TEAM" help:"Create the app in this Heroku team (default: the key's account)."`
	Region        string   `env:"HEROKU_DEPLOY_REGION" placeholder:"REGION" help:"Create the app in this region (us, eu); not with --space."`
	Space         string   `env:"HEROKU_DEPLOY_SPACE" placeholder:"SPACE" help:"Create the app in this private space, which decides its region and generation (a Fir space makes a Fir app)."`
	Pipeline      string   `env:"HEROKU_DEPLOY_PIPELINE" placeholder:"PIPELINE" help:"Couple the app to this Heroku pipeline at stage review when it is in none (a new app, or one whose coupling failed)."`
	ConfigFrom    string   `env:"HEROKU_DEPLOY_CONFIG_FROM" placeholder:"APP" help:"Copy the config vars of this app (values never printed), but those its add-ons set and those --config-skip names."`
	ConfigSkip    []string `env:"HEROKU_DEPLOY_CONFIG_SKIP" list:"" sep:"none" placeholder:"NAME" help:"Do not copy config var NAME from --config-from; repeatable. Its variable holds a list: [\"a\", \"b\"]."`
	ConfigVar     []string `name:"config-var" env:"HEROKU_DEPLOY_CONFIG_VARS" list:"" sep:"none" placeholder:"NAME[=CI_VAR]" help:"Set config var NAME to the value of the CI/CD variable CI_VAR (NAME alone: the variable NAME); repeatable; it wins over --config-from. Its variable holds a list: [\"a\", \"b\"]."`
	Dotenv        string   `placeholder:"FILE" help:"Write the dotenv report here (HEROKU_APP_NAME, HEROKU_APP_URL…, as deploy's), for artifacts:reports:dotenv and the environment's URL."`
	Rebuild       bool     `env:"HEROKU_DEPLOY_REBUILD" help:"Build again even when Heroku still keeps a build of this --source-version, which is otherwise released again (no upload, no build)."`

	HealthFlags     `embed:""`
	FreezeFlag      `embed:""`
	DryRunFlag      `embed:""`
	AnnotationsFlag `embed:""`
	HerokuFlags     `embed:""`
}

// Run creates the app if it is missing (review.Deploy), then deploys.
func (c *reviewDeployCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	cfg, err := review.DeployAsk{Prefix: c.Name, MR: c.MR, App: c.App, Team: c.Team, Region: c.Region, Space: c.Space,
		Pipeline: c.Pipeline, ConfigFrom: c.ConfigFrom, ConfigSkip: c.ConfigSkip, Rebuild: c.Rebuild,
		Source: deploy.Source{Dir: c.Dir, Version: c.SourceVersion, Excludes: c.Exclude, Dotenv: c.Dotenv, Health: c.options()},
	}.Check(func() (map[string]string, error) {
		return g.configVars(c.ConfigVar, "--config-var:", "--config-var", "the build log or release phase")
	})
	if err != nil {
		return err
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	cfg.Deploy.SourceVersion, cfg.Deploy.Dirty = deploy.Version(ctx, c.SourceVersion, c.Dir)
	res, err := review.Deploy(ctx, h.Session, cfg)
	if err != nil {
		return err
	}
	return deploy.Report(h.Session, res, c.Dotenv)
}

// appName is the review app, for the outcome's hints.
func (c *reviewDeployCmd) appName() string { app, _ := review.AppName(c.Name, c.MR, c.App); return app }
