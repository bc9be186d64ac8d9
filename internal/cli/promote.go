package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/container"
	"gitlab.com/heroku-deploy/heroku/internal/gitrev"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/promote"
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

// check validates the flags before any request. Without --source-version,
// the commit is git's HEAD here, as deploy records it: a tree that holds
// what HEAD does not record has no commit to promote.
func (c *promoteCmd) check(ctx context.Context) error {
	if err := checkApp(c.From); err != nil {
		return err
	}
	if len(c.To) == 0 {
		return outcome.Input("--to: no target app", "name the app to promote to: --to my-app-production")
	}
	for i, to := range c.To {
		if strings.Contains(to, ",") {
			return outcome.Input(fmt.Sprintf("--to %q: one app per --to", to), "repeat --to for each target: --to my-app-eu --to my-app-us")
		}
		if err := checkApp(to); err != nil {
			return err
		}
		switch {
		case to == c.From:
			return outcome.Inputf("--to %s is the app promoted from: a promotion goes to other apps", to)
		case slices.Contains(c.To[:i], to):
			return outcome.Inputf("--to %s is given twice", to)
		}
	}
	if strings.ContainsAny(c.SourceVersion, "\r\n") {
		return outcome.Inputf("--source-version must be one line")
	}
	if c.SourceVersion == "" && !c.AnyCommit {
		head, clean := gitrev.Head(ctx, ".")
		switch {
		case head == "":
			return outcome.Input("no --source-version: promote checks that the source runs the commit this pipeline tested",
				"GitLab CI sets CI_COMMIT_SHA; elsewhere run it in the commit's git checkout, or pass --source-version SHA, or --any-commit to promote whatever the source runs")
		case !clean:
			return outcome.Input(fmt.Sprintf("no --source-version, and this directory holds files git does not record at HEAD %s (changed, untracked or ignored): there is no commit to promote", head),
				"a deploy of this tree is recorded under a -dirty- version, never as the commit: pass --source-version SHA, or --any-commit to promote whatever the source runs")
		}
		c.SourceVersion = head
	}
	if err := c.HealthFlags.options().Validate(); err != nil {
		return err
	}
	if c.HealthCheck != "" && !strings.HasPrefix(c.HealthCheck, "/") && len(c.To) > 1 {
		return outcome.Input("--health-check is a URL, but there are several targets: give a path, joined to each app's URL")
	}
	return checkDotenv(c.Dotenv)
}

// Run promotes.
func (c *promoteCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	if err := c.check(ctx); err != nil {
		return err
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	cfg := promote.Config{From: c.From, To: c.To, SourceVersion: c.SourceVersion, AnyCommit: c.AnyCommit, Health: c.HealthFlags.options()}
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
