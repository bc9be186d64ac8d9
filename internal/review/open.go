package review

import (
	"context"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/credential"
	"gitlab.com/heroku-deploy/heroku/internal/gitlabapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// GitLab is where the sweep reads the open merge requests: a project of
// GitLab's API, with the token in TokenVar or, without one, the job's.
type GitLab struct {
	URL      string // CI_API_V4_URL
	Project  string // CI_PROJECT_ID
	TokenVar string // "" for CI_JOB_TOKEN
	// RequestTimeout bounds each request; Trace, when set, gets a line
	// per answer (--verbose).
	RequestTimeout time.Duration
	Trace          func(string)
}

// OpenMRsError is a list of the open merge requests that failed: nothing
// is deleted on it.
type OpenMRsError struct {
	Err      error
	TokenVar string // "" for the job's token
	Project  string
}

func (e *OpenMRsError) Error() string { return e.Err.Error() }
func (e *OpenMRsError) Unwrap() error { return e.Err }

// Refused says GitLab refused the token or the project (a 4xx but 429,
// with GitLab's error JSON); anything else leaves it unknown.
func (e *OpenMRsError) Refused() bool {
	st := gitlabapi.StatusOf(e.Err)
	return st >= 400 && st < 500 && st != 429
}

// OpenMRs reads the IIDs of the project's open merge requests from
// GitLab's API, and says which source it used ("GitLab's API
// (CI_JOB_TOKEN)"). The token is read through creds before any request.
func OpenMRs(ctx context.Context, s *session.Session, creds *credential.Reader, g GitLab) (map[string]bool, string, error) {
	if g.URL == "" || g.Project == "" {
		return nil, "", outcome.Input("no list of open merge requests: pass --open-mrs, or run in a GitLab job (CI_API_V4_URL and CI_PROJECT_ID) to ask GitLab's API")
	}
	if _, err := credential.CheckURL("CI_API_V4_URL", g.URL, "the GitLab token"); err != nil {
		return nil, "", err
	}
	cfg := gitlabapi.Config{URL: g.URL, RetryWaitMin: s.RetryWait, RetryWaitMax: 30 * s.RetryWait, RequestTimeout: g.RequestTimeout, Notify: s.Warn, Trace: g.Trace}
	source := "GitLab's API (CI_JOB_TOKEN)"
	if g.TokenVar != "" {
		token, err := creds.Var(g.TokenVar, credential.GitLabToken)
		if err != nil {
			return nil, "", err
		}
		cfg.Token, cfg.Auth = token, gitlabapi.AccessToken
		source = "GitLab's API (" + g.TokenVar + ")"
	} else {
		token, err := creds.Var("CI_JOB_TOKEN", credential.JobToken)
		if err != nil {
			return nil, "", outcome.Input("no list of open merge requests: pass --open-mrs or --gitlab-token-var, or run in a GitLab job (CI_JOB_TOKEN)")
		}
		cfg.Token, cfg.Auth = token, gitlabapi.JobToken
	}
	iids, err := gitlabapi.New(cfg).OpenMergeRequests(ctx, g.Project)
	if err != nil {
		return nil, "", &OpenMRsError{Err: err, TokenVar: g.TokenVar, Project: g.Project}
	}
	open := map[string]bool{}
	for _, iid := range iids {
		open[iid] = true
	}
	return open, source, nil
}
