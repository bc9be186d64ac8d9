package cli

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
