package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// TestVerifyWithoutURLIsAFailure: a path health check on an app set up
// without a URL is found only after the app and its release exist, so it
// is a failure (exit 1) that says the release is live, not bad input
// (exit 2, "found before any change").
func TestVerifyWithoutURLIsAFailure(t *testing.T) {
	err := Verify(context.Background(), &session.Session{}, &Result{Report: release.Report{App: "review-app", ReleaseVersion: 3}}, health.Options{Check: "/health", Rollback: true})
	var failed *follow.Failed
	if !errors.As(err, &failed) {
		t.Fatalf("got %T %v, want *follow.Failed", err, err)
	}
	var input *outcome.Error
	if errors.As(err, &input) || !strings.Contains(err.Error(), "release v3 is live, unchecked") {
		t.Errorf("got %q", err)
	}
}
