package health

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Options are the health-check flags a command passes on.
type Options struct {
	Check    string // a path or a URL; "" for no check
	Contains string
	Timeout  time.Duration
	Rollback bool // roll back when the check fails
}

// Validate checks the options before any request: input refused names
// the flags that gave them.
func (o Options) Validate() error {
	if o.Check == "" {
		if o.Contains != "" {
			return outcome.Input("--health-check-contains needs --health-check")
		}
		return nil
	}
	if err := CheckSpec(o.Check); err != nil {
		return outcome.Input(err.Error(), "give a path such as /healthz (joined to the app's URL) or a full https:// URL")
	}
	if o.Timeout <= 0 {
		return outcome.Inputf("--health-check-timeout must be positive, got %s", o.Timeout)
	}
	return nil
}

// CheckFailed is a release that served but failed its health check, and
// what was done about it (rolled back, or why not). It is a
// *follow.Failed too; what explains it is the app's answers and logs, not
// Heroku's output.
type CheckFailed struct {
	App string
	follow.Failed
}

func (e *CheckFailed) Unwrap() error { return &e.Failed }

// Guard checks a new release and, if the check fails, rolls the app back
// to the release that was current before (Before, read before anything
// changed; nil when the app had none).
type Guard struct {
	App      string
	Check    Check
	Rollback bool
	Before   *herokuapi.Release
	Session  *session.Session // the rollback's
	Follow   []release.Option // how the rollback's release is followed
}

// NewGuard is the guard of app, whose URL is webURL, in session s (its job
// log, its retry pace, its client for the rollback; nil: no client); opts
// say how a rollback's release is followed (release.Follow's).
func (o *Options) NewGuard(s *session.Session, app, webURL string, before *herokuapi.Release, opts ...release.Option) (*Guard, error) {
	u, err := resolveURL(o.Check, webURL)
	if err != nil {
		return nil, err
	}
	g := &Guard{
		App:      app,
		Check:    Check{URL: u, Contains: o.Contains, Timeout: o.Timeout, Wait: s.RetryWait, Out: s.Out},
		Rollback: o.Rollback, Before: before, Session: s, Follow: opts,
	}
	if s.Client != nil {
		g.Check.Maintenance = func(ctx context.Context) (bool, error) { return s.Client.Maintenance(ctx, app) }
	}
	return g, nil
}

// Verify runs the check. When it fails, the app is rolled back (if asked
// and possible) and the error, a *follow.Failed, says what was done:
// "health check failed: rolled back to v41 …". A stop is returned as is.
//
// An app in maintenance mode (someone else's: the deploy's own is off
// before the check) answers 503 with Heroku's maintenance page whatever
// the release does: that is no failure of the release. The check stops,
// says the release is live but unchecked, and Verify returns nil: the
// release succeeded, and rolling it back would undo a good release on a
// page that says nothing about it. A check that failed on a 503 is rolled
// back only after a read shows maintenance mode off; if it cannot be read,
// nothing is rolled back and the error (exit 4) says so.
func (g *Guard) Verify(ctx context.Context) error {
	err := g.Check.Run(ctx)
	var f *Failure
	var im *InMaintenanceError
	if errors.As(err, &im) {
		g.unchecked()
		return nil
	}
	if errors.As(err, &f) && f.Status == http.StatusServiceUnavailable && g.Check.Maintenance != nil {
		on, merr := g.Check.Maintenance(ctx)
		switch {
		case ctx.Err() != nil:
			return follow.StoppedAt(ctx, "the health check of "+g.App,
				"the new release is live, not health-checked and not rolled back")
		case merr != nil:
			return fmt.Errorf("health check failed (%v), and whether %s is in maintenance mode (which answers 503 too) could not be read: not rolled back, the new release stays live: %w", f, g.App, merr)
		case on:
			g.unchecked()
			return nil
		}
	}
	if !errors.As(err, &f) {
		if err != nil {
			return follow.StoppedAt(ctx, "the health check of "+g.App,
				"the new release is live, not health-checked and not rolled back")
		}
		return nil
	}
	fail := func(format string, args ...any) error {
		return &CheckFailed{App: g.App, Failed: follow.Failed{Msg: "health check failed: " + fmt.Sprintf(format, args...) + "; " + f.Error()}}
	}
	switch {
	case !g.Rollback:
		return fail("not rolled back (--no-rollback-on-failure): the new release of %s stays live", g.App)
	case g.Before == nil:
		return fail("not rolled back: %s had no release before this one", g.App)
	}
	if err := release.Check(g.App, g.Before); err != nil {
		return fail("could not roll back: %v; the new release stays live", err)
	}
	rel, err := release.Rollback(ctx, g.Session, g.App, g.Before, g.Follow...)
	switch {
	case follow.IsStopped(err):
		return err
	case err != nil && rel != nil:
		return fail("the rollback to v%d (release v%d) failed too: %v", g.Before.Version, rel.Version, err)
	case err != nil:
		return fail("rolling back to v%d failed: %v; the new release stays live", g.Before.Version, err)
	}
	return fail("rolled back to v%d (release v%d)", g.Before.Version, rel.Version)
}

// unchecked says that the app is in maintenance mode, so the release was
// not checked.
func (g *Guard) unchecked() {
	g.Check.Out.Step("%s is in maintenance mode: Heroku's router answers every request with its maintenance page (503), so the new release is live but unchecked, and not rolled back", g.App)
}

// Plan says what Verify would do, for a dry run's plan: "check URL after
// release phase (…), and if it fails roll back to v41".
func (g *Guard) Plan() string {
	what := "2xx or 3xx"
	if g.Check.Contains != "" {
		what += fmt.Sprintf(" with %q in it", g.Check.Contains)
	}
	plan := fmt.Sprintf("check %s once the release serves (%s within %s)", g.Check.URL, what, g.Check.Timeout)
	switch {
	case !g.Rollback:
		return plan + ", and if it fails, fail without rolling back"
	case g.Before == nil:
		return plan + ", and if it fails, fail: " + g.App + " has no release to roll back to"
	}
	return fmt.Sprintf("%s, and if it fails roll %s back to v%d", plan, g.App, g.Before.Version)
}
