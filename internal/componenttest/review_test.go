package componenttest

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabfake"
)

// The review components in gitlab-ci-local against the simulator: a merge
// request pipeline deploys the merge request's review app (its job has the
// environment, and the stop job waits, manual, beside it); the stop job
// deletes the app; branch pipelines have neither job; a scheduled pipeline
// sweeps the apps of merge requests GitLab's API no longer lists as open.

const reviewPipeline = `
stages: [test, deploy]
include:
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/review@{{SHA}}
    inputs:
      name: shop
      api_key_variable: HEROKU_PRODUCTION_KEY
      dir: apps/node-express
      config_from: my-app-production
      config_vars: [SENTRY_DSN]
      auto_stop_in: 3 days
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/review-sweep@{{SHA}}
    inputs:
      name: shop
      api_key_variable: HEROKU_PRODUCTION_KEY
      gitlab_token_variable: GITLAB_REVIEW_TOKEN
unit-tests:
  stage: test
  script: [echo tests pass]
`

// mergeRequest are gitlab-ci-local's arguments for a merge request
// pipeline of merge request iid.
func mergeRequest(iid string) []string {
	return []string{"--variable", "CI_PIPELINE_SOURCE=merge_request_event", "--variable", "CI_MERGE_REQUEST_IID=" + iid,
		"--variable", "SENTRY_DSN=https://sentry-SECRET-mr@example.com/1"}
}

func TestReviewAppsMergeRequestPipeline(t *testing.T) {
	p := newProject(t)
	p.pipeline(reviewPipeline)

	// A branch pipeline has no review job.
	out, err := p.gcl("--list")
	if err != nil || strings.Contains(out, "heroku-review") {
		t.Fatalf("branch pipeline lists review jobs: %v\n%s", err, out)
	}
	out, err = p.gcl(append(mergeRequest("7"), "--list")...)
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	for _, re := range []string{`(?m)^heroku-review:shop\s+deploy\s+on_success\s+false\s+review/shop/7`,
		`(?m)^heroku-review:shop:stop\s+deploy\s+manual\s+true\s+review/shop/7`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("merge request pipeline: no line %s in\n%s", re, out)
		}
	}
	if strings.Contains(out, "heroku-review-sweep") {
		t.Errorf("the sweep runs in a merge request pipeline:\n%s", out)
	}

	out, err = p.gcl(mergeRequest("7")...)
	if err != nil {
		t.Fatalf("merge request pipeline failed: %v\n%s", err, out)
	}
	for _, want := range []string{"==> Review app shop-mr-7 (merge request !7)", "==> Creating app shop-mr-7",
		"==> Deployed shop-mr-7: release v", "PASS  heroku-review:shop", "SENTRY_DSN  added"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "heroku-review:shop:stop  starting") || !slices.Contains(p.sim.Apps(), "shop-mr-7") {
		t.Fatalf("after the deploy: apps %v, the stop job ran:\n%s", p.sim.Apps(), out)
	}
	dotenv := p.dotenv("heroku-review", "shop")
	if !regexp.MustCompile(`(?m)^HEROKU_APP_NAME=shop-mr-7$`).Match(dotenv) ||
		!regexp.MustCompile(`(?m)^HEROKU_APP_URL=https://shop-mr-7-[0-9a-f]{12}\.herokuapp\.com/$`).Match(dotenv) {
		t.Errorf("dotenv report:\n%s", dotenv)
	}
	// (gitlab-ci-local shows the environment's URL as the job began, before
	// the report: GitLab reads the report when the job has finished.)

	// GitLab runs the stop job when the merge request closes: it deletes
	// the app, without a clone; a second run finds it does not exist.
	for _, want := range []string{"==> Deleted app shop-mr-7", "==> App shop-mr-7 does not exist (never created, or already deleted)"} {
		out, err = p.gcl(append(mergeRequest("7"), "heroku-review:shop:stop")...)
		if err != nil || !strings.Contains(out, want) || !strings.Contains(out, "PASS  heroku-review:shop:stop") {
			t.Errorf("stop job: %v, want %q:\n%s", err, want, out)
		}
	}
	if slices.Contains(p.sim.Apps(), "shop-mr-7") {
		t.Errorf("the stop job left shop-mr-7: %v", p.sim.Apps())
	}
}

func TestReviewAppsScheduledSweep(t *testing.T) {
	p := newProject(t)
	p.pipeline(reviewPipeline)
	for _, iid := range []string{"3", "4"} {
		if out, err := p.gcl(mergeRequest(iid)...); err != nil {
			t.Fatalf("merge request !%s: %v\n%s", iid, err, out)
		}
	}
	const token = "glpat-sweep-SECRET-0123456789"
	gl, err := gitlabfake.Start(gitlabfake.Options{Project: "42", Token: token, MRs: []string{"3:merged", "4"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gl.Close() })
	schedule := []string{"--variable", "CI_PIPELINE_SOURCE=schedule", "--variable", "GITLAB_REVIEW_TOKEN=" + token,
		"--variable", "CI_API_V4_URL=" + gl.URL, "--variable", "CI_PROJECT_ID=42"}
	out, err := p.gcl(append(schedule, "--list")...)
	if err != nil || !strings.Contains(out, "heroku-review-sweep:shop") || strings.Contains(out, "heroku-review:shop") {
		t.Fatalf("scheduled pipeline: want the sweep alone: %v\n%s", err, out)
	}
	out, err = p.gcl(schedule...)
	if err != nil {
		t.Fatalf("scheduled pipeline failed: %v\n%s", err, out)
	}
	if strings.Contains(out, token) {
		t.Error("the pipeline output shows the GitLab token")
	}
	for _, want := range []string{"==> Open merge requests, from GitLab's API (GITLAB_REVIEW_TOKEN): !4", "==> Deleted app shop-mr-3", "PASS  heroku-review-sweep:shop"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if apps := p.sim.Apps(); slices.Contains(apps, "shop-mr-3") || !slices.Contains(apps, "shop-mr-4") {
		t.Errorf("after the sweep: %v, want shop-mr-4 and not shop-mr-3", apps)
	}
}
