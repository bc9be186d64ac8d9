package cli

import (
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/review"
)

// reviewCmd groups the review app commands: one Heroku app per merge
// request, named by internal/review's rule.
type reviewCmd struct {
	Deploy  reviewDeployCmd  `cmd:"" help:"Create the merge request's review app if it is missing (from app.json when there is one), then deploy to it."`
	Destroy reviewDestroyCmd `cmd:"" help:"Delete the merge request's review app; refuses any app that is not one."`
	Sweep   reviewSweepCmd   `cmd:"" help:"Delete the review apps of merge requests that are no longer open."`
}

// ReviewFlags name a merge request's review app.
type ReviewFlags struct {
	Name string `env:"HEROKU_DEPLOY_NAME" placeholder:"PREFIX" help:"Prefix of the review apps: merge request IID's app is PREFIX-mr-IID, cut and hashed to Heroku's 30 characters (see docs/review.md)."`
	MR   string `name:"mr" env:"CI_MERGE_REQUEST_IID" placeholder:"IID" help:"The merge request's IID (default: CI_MERGE_REQUEST_IID, set in merge request pipelines)."`
}

// app returns the review app's name, checked before any request. override
// (--app) replaces it whole.
func (f *ReviewFlags) app(override string) (string, error) {
	if override != "" {
		return override, checkApp(override)
	}
	if f.Name == "" {
		return "", outcome.Input("--name is required: the prefix of the review apps (the component's name input)")
	}
	if err := review.CheckPrefix(f.Name); err != nil {
		return "", outcome.Inputf("--name: %v", err)
	}
	if f.MR == "" {
		return "", outcome.Input("no merge request: --mr is empty and CI_MERGE_REQUEST_IID is not set",
			"run it in a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == \"merge_request_event\"), or pass --mr IID")
	}
	if err := review.CheckMR(f.MR); err != nil {
		return "", outcome.Inputf("--mr: %v", err)
	}
	return review.Name(f.Name, f.MR), nil
}
