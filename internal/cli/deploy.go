package cli

import (
	"context"
	"errors"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/container"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/gitrev"
	"gitlab.com/heroku-deploy/heroku/internal/ignore"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
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

// checkSource checks, before any request, what deploy and review deploy
// share: the directory (symlinks resolved: the walk packs exactly what was
// checked), --buildpack, --exclude, --source-version, the health check and
// --dotenv. It returns the deploy's config so far.
func checkSource(app, dirFlag, version string, buildpacks, excludes []string, dotenv string, hf *HealthFlags) (deploy.Config, error) {
	dir, err := archive.CheckDir(dirFlag)
	switch {
	case errors.Is(err, archive.ErrNotDir):
		return deploy.Config{}, outcome.Inputf("--dir %s %v", dirFlag, err)
	case err != nil:
		return deploy.Config{}, outcome.Inputf("--dir %s: %v", dirFlag, err)
	}
	for _, bp := range buildpacks {
		if err := deploy.CheckBuildpack(bp); err != nil {
			return deploy.Config{}, err
		}
	}
	exclude, err := ignore.New(excludes)
	if err != nil {
		return deploy.Config{}, outcome.Inputf("--exclude: %v", err)
	}
	if strings.ContainsAny(version, "\r\n") {
		return deploy.Config{}, outcome.Inputf("--source-version must be one line")
	}
	if err := hf.options().Validate(); err != nil {
		return deploy.Config{}, err
	}
	cfg := deploy.Config{App: app, Dir: dir, DirName: dirFlag, SourceVersion: version, Buildpacks: buildpacks, Exclude: exclude, Health: hf.options()}
	return cfg, checkDotenv(dotenv)
}

// Run deploys a directory, or container images (--image: internal/container).
func (c *deployCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	cfg, err := checkSource(c.App, c.Dir, c.SourceVersion, c.Buildpack, c.Exclude, c.Dotenv, &c.HealthFlags)
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
		cfg.SourceVersion, cfg.Dirty = version(ctx, c.SourceVersion, c.Dir)
		res, err = deploy.Deploy(ctx, h.Session, cfg)
	}
	if err != nil {
		return err
	}
	return deploy.Report(h.Session, res, c.Dotenv)
}

// checkDotenv checks --dotenv, if given, before any change.
func checkDotenv(p string) error {
	if p == "" {
		return nil
	}
	if err := ciout.CheckDotenv(p); err != nil {
		return outcome.Inputf("--dotenv %s %v", p, err)
	}
	return nil
}

// version is what the build is recorded under: --source-version
// (CI_COMMIT_SHA), else git's HEAD in dir. HEAD names the tree only if
// nothing in it is uncommitted or ignored (the archive packs ignored files
// too): otherwise it is dirty, and the deploy records another version.
func version(ctx context.Context, given, dir string) (version string, dirty bool) {
	if given != "" {
		return given, false
	}
	head, clean := gitrev.Head(ctx, dir)
	return head, head != "" && !clean
}
