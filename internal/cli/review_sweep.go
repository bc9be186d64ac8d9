package cli

import (
	"context"

	"gitlab.com/heroku-deploy/heroku/internal/review"
)

// reviewSweepCmd is `heroku-deploy review sweep`.
type reviewSweepCmd struct {
	Name           string `env:"HEROKU_DEPLOY_NAME" required:"" placeholder:"PREFIX" help:"Prefix of the review apps: only apps the naming rule gives for it are considered."`
	OpenMRs        string `name:"open-mrs" env:"HEROKU_DEPLOY_OPEN_MRS" placeholder:"LIST" help:"IIDs of the open merge requests, separated by commas or spaces (none: there is none); their apps are kept. Without it, GitLab's API is asked."`
	GitLabTokenVar string `name:"gitlab-token-var" env:"HEROKU_DEPLOY_GITLAB_TOKEN_VARIABLE" placeholder:"NAME" help:"NAME of the variable holding a GitLab access token with read_api, to list the open merge requests; without it, CI_JOB_TOKEN where the instance lets it list them."`
	GitLabURL      string `name:"gitlab-api-url" env:"CI_API_V4_URL" placeholder:"URL" help:"GitLab's API (default: CI_API_V4_URL)."`
	Project        string `name:"gitlab-project" env:"CI_PROJECT_ID" placeholder:"ID" help:"The project whose merge requests count (default: CI_PROJECT_ID)."`
	DryRun         bool   `name:"dry-run" env:"HEROKU_DEPLOY_DRY_RUN" help:"Say what would be deleted, delete nothing."`

	HerokuFlags `embed:""`
}

// dryRun: a dry run's session refuses every change (its own --dry-run,
// older than DryRunFlag, keeps its variable).
func (c *reviewSweepCmd) dryRun() bool { return c.DryRun }

// Run deletes the review apps of the prefix whose merge request is not
// open (review.Sweep): the open ones from --open-mrs, or GitLab's API.
func (c *reviewSweepCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	if err := review.CheckName(c.Name); err != nil {
		return err
	}
	open, err := review.ParseOpenMRs(c.OpenMRs)
	if err != nil {
		return err
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	source := "--open-mrs"
	if open == nil {
		open, source, err = review.OpenMRs(ctx, h.Session, g.creds(), review.GitLab{URL: c.GitLabURL, Project: c.Project,
			TokenVar: c.GitLabTokenVar, RequestTimeout: c.RequestTimeout, Trace: g.trace()})
		if err != nil {
			return err
		}
	}
	return review.Sweep(ctx, h.Session, c.Name, open, source, c.DryRun)
}
