package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/container"
	"gitlab.com/heroku-deploy/heroku/internal/promote"
	"gitlab.com/heroku-deploy/heroku/internal/release"
)

// promoteCmd is `heroku-deploy promote`.
type promoteCmd struct {
	From          string   `env:"HEROKU_DEPLOY_FROM" required:"" placeholder:"APP" help:"App to promote from (development or staging stage of a pipeline): its current release, or its newest carrying --source-version; no build."`
	To            []string `env:"HEROKU_DEPLOY_TO" list:"or-item" sep:"none" required:"" placeholder:"APP" help:"App to promote to, downstream in the same pipeline; repeatable. Its variable holds one app or a list: [\"a\", \"b\"]."`
	SourceVersion string   `env:"CI_COMMIT_SHA" placeholder:"SHA" help:"The commit the promoted release must carry (its slug's or OCI image's commit): the source's current release, or its newest kept one with it (exit 5 if none, or if the source was rolled back away from it); without it, git rev-parse HEAD in the current directory, as deploy records it; not needed with --any-commit."`
	AnyCommit     bool     `env:"HEROKU_DEPLOY_ANY_COMMIT" help:"Promote whatever the source runs, without checking its commit."`
	Dotenv        string   `placeholder:"FILE" help:"Write the promotion's dotenv report here (HEROKU_APP_NAME, HEROKU_APP_URL, HEROKU_RELEASE_VERSION…; with several targets one set each, suffixed with the app's name; see docs/cli.md)."`

	PromoteImageFlags `embed:""`
	HealthFlags       `embed:""`
	FreezeFlag        `embed:""`
	DryRunFlag        `embed:""`
	AnnotationsFlag   `embed:""`
	HerokuFlags       `embed:""`
}

// Run promotes.
func (c *promoteCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	cfg := promote.Config{From: c.From, To: c.To, SourceVersion: c.SourceVersion, AnyCommit: c.AnyCommit, Health: c.HealthFlags.options()}
	if err := cfg.Check(ctx); err != nil { // before any request
		return err
	}
	if err := release.CheckDotenv(c.Dotenv); err != nil {
		return err
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	res, err := promote.Promote(ctx, h.Session, cfg)
	if from, ok := container.SourceApp(err, c.From); ok { // its images are promoted instead
		res, err = container.Promote(ctx, h.Session, h.registry(g), container.PromoteConfig{Config: cfg, App: from, Types: c.ProcessTypes, CommitUnknownOK: c.ImageCommitUnknownOK})
	}
	if err != nil {
		return err
	}
	return promote.Report(h.Session, res, c.Dotenv)
}

// appName is the app the outcome's hints name, unless the error names
// another.
func (c *promoteCmd) appName() string { return c.From }
