package classify

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/container"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/image"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
)

// TestImages: registries' and images' errors, and a container promotion's
// checks, each with its exit code, wrapped as the workflows wrap them: the
// image cannot go, the source refuses or lacks it (2, nothing changed), the
// source fails (4), Heroku's registry refuses the key (3, naming the app
// the error is about) or fails (4), a push reads back as another image
// (4), a promotion's check (5). A stop outranks a registry's error.
func TestImages(t *testing.T) {
	c := Context{App: "my-app", KeyVar: "HEROKU_PROD_KEY"}
	regErr := func(k registry.Kind) error { return &registry.Error{Op: "reading manifest", Kind: k} }
	src := func(k registry.Kind) error {
		return fmt.Errorf("read image r/app:v1: %w; nothing was pushed or released", &image.SourceError{Err: regErr(k)})
	}
	heroku := func(k registry.Kind) error {
		return fmt.Errorf("push r/app:v1 to my-app: %w", &image.HerokuError{Err: regErr(k)})
	}
	for _, tc := range []struct {
		name  string
		err   error
		kind  outcome.Kind
		hints string
	}{
		{"unsupported", &image.Unsupported{Ref: "r/app:v1", Reason: image.Zstd, Fix: "push it with gzip layers"}, outcome.BadInput, "push it with gzip layers"},
		{"a reference", &registry.RefError{Ref: "UPPER", Err: fmt.Errorf("bad")}, outcome.BadInput, "REGISTRY/PATH:TAG"},
		{"DOCKER_AUTH_CONFIG", &registry.ConfigError{Variable: "DOCKER_AUTH_CONFIG", Problem: "not JSON"}, outcome.BadInput, "holds a Docker config.json"},
		{"source denied", src(registry.Denied), outcome.BadInput, "the source registry refused the credentials"},
		{"source not found", src(registry.NotFound), outcome.BadInput, "check the reference"},
		{"source down", src(registry.Unavailable), outcome.Unknown, "the source registry failed after retries"},
		{"heroku denied", heroku(registry.Denied), outcome.Denied, "refused the key in HEROKU_PROD_KEY for my-app"},
		{"heroku denied on a target", &outcome.AppError{App: "my-app-prod", Err: heroku(registry.Denied)}, outcome.Denied, "for my-app-prod"},
		{"heroku down", heroku(registry.Unavailable), outcome.Unknown, "Heroku's registry failed after retries"},
		{"heroku malformed", heroku(registry.Malformed), outcome.Unknown, "what answered was not Heroku's registry, or its answer did not parse"},
		{"source malformed", src(registry.Malformed), outcome.Unknown, "what answered was not the source registry"},
		{"read back", &image.ReadBackError{Repository: "my-app/web", Want: "a", Got: "b"}, outcome.Unknown, "when no one else pushes"},
		{"latest not pushed", &container.NotPushedError{App: "stg", Type: "web"}, outcome.Unsafe, "deploy the image to the source app"},
		{"not running", &container.NotRunningError{App: "stg", Type: "web", Listed: 50}, outcome.Unsafe, "deploy the image to the source app"},
		{"latest mismatch", &container.LatestMismatchError{App: "stg", Type: "web", Latest: "sha256:aa", Running: "bb"}, outcome.Unsafe, "release what the registry holds"},
		{"no revision", &container.NoRevisionError{App: "stg", Type: "web", ImageID: "sha256:aa"}, outcome.Unsafe, "--image-commit-unknown-ok"},
		{"mixed commits", &container.MixedCommitsError{App: "stg", Commits: map[string]string{"web": "a", "worker": "b"}}, outcome.Unsafe, "from one commit"},
		{"a stop during a push", &follow.Stopped{Err: heroku(registry.Unavailable), During: "the push"}, outcome.Unknown, "raise --timeout"},
	} {
		o := Of(context.Background(), tc.err, c)
		if o.Kind != tc.kind {
			t.Errorf("%s: kind %d (exit %d), want %d", tc.name, o.Kind, o.ExitCode(), tc.kind)
		}
		if hints := strings.Join(o.Hints, " | "); !strings.Contains(hints, tc.hints) {
			t.Errorf("%s: hints %q, want %q", tc.name, hints, tc.hints)
		}
	}
}
