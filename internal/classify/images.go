package classify

import (
	"errors"
	"fmt"

	"gitlab.com/heroku-deploy/heroku/internal/container"
	"gitlab.com/heroku-deploy/heroku/internal/image"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
)

// images maps the failures of registries and images, and the safety
// checks of a container promotion: the image or its reference cannot go
// (2, found before any change), the source registry refused or lacks it
// (2) or failed (4), Heroku's registry refused the key (3) or failed (4),
// a push read back as another image (4); a promotion's checks (5). ok
// false: err is none of those.
func images(err error, c Context) (o *outcome.Error, ok bool) {
	var (
		un *image.Unsupported
		re *registry.RefError
		ce *registry.ConfigError
		se *image.SourceError
		he *image.HerokuError
		rb *image.ReadBackError
		np *container.NotPushedError
		lm *container.LatestMismatchError
		nr *container.NoRevisionError
		nn *container.NotRunningError
		mc *container.MixedCommitsError
	)
	as := func(kind outcome.Kind, hints ...string) (*outcome.Error, bool) {
		return outcome.New(kind, err, hints...), true
	}
	switch {
	case errors.As(err, &un):
		return as(outcome.BadInput, un.Fix)
	case errors.As(err, &re):
		return as(outcome.BadInput, "an image reference is REGISTRY/PATH:TAG or REGISTRY/PATH@sha256:DIGEST, e.g. $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA")
	case errors.As(err, &ce):
		return as(outcome.BadInput, "DOCKER_AUTH_CONFIG holds a Docker config.json: {\"auths\": {\"registry.example.com\": {\"auth\": \"<base64 of user:password>\"}}}")
	case errors.As(err, &se) && registry.IsKind(se, registry.Denied):
		return as(outcome.BadInput,
			"the source registry refused the credentials: in $CI_REGISTRY the job token reads this project's images (and those of projects that allow its job token); elsewhere set DOCKER_AUTH_CONFIG with a token that can pull the image")
	case errors.As(err, &se) && registry.IsKind(se, registry.NotFound):
		return as(outcome.BadInput, "check the reference: the build job pushes $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA before this job runs (needs:)")
	case errors.As(err, &se) && registry.IsKind(se, registry.Malformed):
		return as(outcome.Unknown, malformedHint("the source registry", "the image reference's registry"))
	case errors.As(err, &se):
		return as(outcome.Unknown, "the source registry failed after retries; run the job again")
	case errors.As(err, &he) && registry.IsKind(he, registry.Denied):
		return as(outcome.Denied,
			fmt.Sprintf("Heroku's registry refused the key in %s for %s: the key's account must be able to deploy the app (a collaborator or team member)", c.KeyVar, c.App))
	case errors.As(err, &he) && registry.IsKind(he, registry.Malformed):
		return as(outcome.Unknown, malformedHint("Heroku's registry", "HEROKU_REGISTRY_URL, if set,"))
	case errors.As(err, &he):
		return as(outcome.Unknown, "Heroku's registry failed after retries (see https://status.heroku.com); nothing was released: run the job again")
	case errors.As(err, &rb):
		return as(outcome.Unknown, "nothing was released: run the job again when no one else pushes to the app")
	case errors.As(err, &np), errors.As(err, &nn):
		return as(outcome.Unsafe, "deploy the image to the source app with this component (deploy --image), then promote")
	case errors.As(err, &lm) && lm.RolledBack != 0:
		return as(outcome.Unsafe, fmt.Sprintf("to promote what %s runs (v%d), push its image again: re-run the deploy job of the commit it runs, then this job; a promotion ships only what the registry holds and the source runs", lm.App, lm.RunningVersion))
	case errors.As(err, &lm):
		return as(outcome.Unsafe, "release what the registry holds on the source first (re-run its deploy job), or push again the image it runs; a promotion ships only what the source runs")
	case errors.As(err, &nr):
		return as(outcome.Unsafe, "build the image with --label "+image.RevisionLabel+"=$CI_COMMIT_SHA (buildah and docker build take it), or pass --image-commit-unknown-ok (the image_commit_unknown_ok input) to promote it unchecked")
	case errors.As(err, &mc):
		return as(outcome.Unsafe, "build every process type's image from one commit, or promote them in separate jobs")
	}
	return nil, false
}

// malformedHint is the hint for an answer no registry gives: a retry
// meets the same page, so it points at what stands between.
func malformedHint(who, address string) string {
	return fmt.Sprintf("what answered was not %s, or its answer did not parse (a proxy's or a router's page, a 401 without a challenge, storage refusing a redirected read, a malformed manifest): nothing was decided on it; check %s and any proxy between the runner and it before running the job again", who, address)
}
