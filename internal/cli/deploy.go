package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/container"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
)

// deployCmd is `heroku-deploy deploy`.
type deployCmd struct {
	AppFlag       `embed:"" set:"app_help=Heroku app to deploy to (Heroku's name rule: 3-30 lowercase letters, digits and dashes)."`
	Dir           string   `env:"HEROKU_DEPLOY_DIR" default:"." placeholder:"PATH" help:"Directory to ship (default ${default}); .git is always left out."`
	SourceVersion string   `env:"CI_COMMIT_SHA" placeholder:"STR" help:"Version recorded on the build (SOURCE_VERSION at build time); without it, git rev-parse HEAD in --dir."`
	Buildpack     []string `env:"HEROKU_DEPLOY_BUILDPACKS" list:"" sep:"none" placeholder:"URL|NAME" help:"Buildpack for this build, repeatable, in order (e.g. heroku/nodejs); without it, the app's own or detection. Cedar apps only: Fir takes project.toml. Its variable holds a list: [\"a\", \"b\"]."`
	Exclude       []string `env:"HEROKU_DEPLOY_EXCLUDE" list:"" sep:"none" placeholder:"PATTERN" help:"Leave out paths matching this gitignore-style pattern; repeatable. Its variable holds a list: [\"a\", \"b\"]."`
	Dotenv        string   `placeholder:"FILE" help:"Write the deploy's dotenv report here (HEROKU_APP_NAME, HEROKU_APP_URL, HEROKU_RELEASE_VERSION…; see docs/deploy.md), for artifacts:reports:dotenv."`
	ConfigVar     []string `name:"config-var" env:"HEROKU_DEPLOY_CONFIG_VARS" list:"" sep:"none" placeholder:"NAME[=CI_VAR]" help:"Before the build, set config var NAME to the value of the CI/CD variable CI_VAR (NAME alone: the variable NAME), changing only what differs; repeatable. Values are never printed. Its variable holds a list: [\"a\", \"b\"]."`
	Maintenance   bool     `env:"HEROKU_DEPLOY_MAINTENANCE" help:"Keep the app in maintenance mode from before the build to the end of release phase, and turn it off whatever happens, confirmed by a read (exit 6 if it cannot be). Left on, untouched, if it was on before."`
	Rebuild       bool     `env:"HEROKU_DEPLOY_REBUILD" help:"Build again even when Heroku still keeps a build of this --source-version, which is otherwise released again (no upload, no build)."`

	ImageFlags      `embed:""`
	HealthFlags     `embed:""`
	FreezeFlag      `embed:""`
	DryRunFlag      `embed:""`
	AnnotationsFlag `embed:""`
	HerokuFlags     `embed:""`
}

// Run deploys a directory, or container images (--image: internal/container).
func (c *deployCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	cfg, err := deploy.Source{App: c.App, Dir: c.Dir, Version: c.SourceVersion, Buildpacks: c.Buildpack, Excludes: c.Exclude,
		Dotenv: c.Dotenv, Health: c.options()}.Check()
	if err != nil {
		return err
	}
	if cfg.ConfigVars, err = g.configVars(c.ConfigVar, "--config-var:", "--config-var", "the build log or release phase"); err != nil {
		return err
	}
	cfg.Maintenance, cfg.Rebuild = c.Maintenance, c.Rebuild
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	var res *deploy.Result
	if c.Image != "" || len(c.ImageFor)+len(c.ProcessTypes) > 0 { // the flags of source deploys are refused
		res, err = container.Deploy(ctx, h.Session, h.registry(g), container.Ask{Config: cfg, Image: c.Image, ProcessTypes: c.ProcessTypes, ImageFor: c.ImageFor})
	} else {
		cfg.SourceVersion, cfg.Dirty = deploy.Version(ctx, c.SourceVersion, c.Dir)
		res, err = deploy.Deploy(ctx, h.Session, cfg)
	}
	if err != nil {
		return err
	}
	return deploy.Report(h.Session, res, c.Dotenv)
}
