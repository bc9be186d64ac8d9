package componenttest

import (
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabci"
)

// jobRuns is gitlabci.JobRuns; a rule it cannot parse fails the test.
func jobRuns(t testing.TB, job *gitlabci.Map, vars map[string]string) bool {
	t.Helper()
	runs, err := gitlabci.JobRuns(job, vars)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// TestBranchInputSelectsPipelines renders every component that has a
// `branch` input with the branch written the ways a consumer writes it,
// and evaluates the rendered rules: the job exists in pipelines for that
// branch only. expand_vars resolves variables at include time, so the
// quoted right side already holds the name (GitLab 18.5+ compares a quoted
// right side as a literal); gitlab-ci-local cannot show this, it runs no
// functions.
func TestBranchInputSelectsPipelines(t *testing.T) {
	tested := 0
	for _, name := range templateNames(t) {
		c := loadComponent(t, name)
		if _, ok := c.Input("branch"); !ok {
			continue
		}
		tested++
		s := loadSamples(t, name)
		for branch, want := range map[string]string{
			"$CI_DEFAULT_BRANCH":  "main",
			"main":                "main",
			"release/2.x":         "release/2.x",
			"$CI_COMMIT_REF_NAME": "feature/x",
		} {
			inputs := gitlabci.DeepCopy(s.minimal).(*gitlabci.Map)
			inputs.Set("branch", branch)
			a := &assembler{vars: includeVars("feature/x")}
			p, errs := consumerPipeline(t, a, consumerFor(name, c, inputs))
			if len(errs) > 0 {
				t.Fatalf("%s with branch %q:%s", name, branch, joinErrors(errs))
			}
			for _, job := range gitlabci.Jobs(p) {
				for _, pipe := range []struct {
					vars map[string]string
					runs bool
				}{
					{map[string]string{"CI_COMMIT_BRANCH": want, "CI_COMMIT_REF_NAME": want, "CI_PIPELINE_SOURCE": "push"}, true},
					{map[string]string{"CI_COMMIT_BRANCH": "other", "CI_COMMIT_REF_NAME": "other", "CI_PIPELINE_SOURCE": "push"}, false},
					{map[string]string{"CI_COMMIT_TAG": want, "CI_COMMIT_REF_NAME": want, "CI_PIPELINE_SOURCE": "push"}, false},
				} {
					if got := jobRuns(t, p.Sub(job), pipe.vars); got != pipe.runs {
						t.Errorf("%s, branch input %q: job %s in a pipeline with %v: runs=%v, want %v", name, branch, job, pipe.vars, got, pipe.runs)
					}
				}
			}
		}
	}
	if tested == 0 {
		t.Skip("no component has a branch input")
	}
}
