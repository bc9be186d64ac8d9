package deploy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// SetConfig brings the app's config vars to wanted (and removes unset) in
// the smallest change: it reads the config, prints each name's fate (never
// a value), sends one PATCH of what differs, or none, and follows the
// release the change makes, release phase included. It returns that
// release, or nil when nothing changed. Values must be registered with the
// redactor before: a release phase may print one.
func SetConfig(ctx context.Context, s *session.Session, app string, wanted map[string]string, unset []string) (*herokuapi.Release, error) {
	current, err := s.Client.ConfigVars(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("read config vars of %s: %w", app, err)
	}
	plan, err := configvars.Diff(current, wanted, unset)
	if err != nil {
		return nil, err
	}
	s.Out.Step("Config vars of %s: %d added, %d changed, %d unchanged, %d removed", app,
		plan.Count(configvars.Added), plan.Count(configvars.Changed), plan.Count(configvars.Unchanged), plan.Count(configvars.Removed))
	width := 0
	for _, ch := range plan.Changes {
		width = max(width, len(ch.Name))
	}
	for _, ch := range plan.Changes {
		s.Out.Line("    %-*s  %s", width, ch.Name, ch.Kind)
	}
	if plan.Empty() {
		s.Out.Step("Nothing to change: no release made")
		return nil, nil
	}
	if s.Dry() {
		s.Would("change them in one request, which makes a release of %s", app)
		return nil, nil
	}
	// The answer holds every config var of the app after the change: its
	// values are compared, never printed.
	s.Links.Changed(app)
	after, err := s.Client.UpdateConfigVars(ctx, app, plan.Patch())
	if err != nil {
		if ctx.Err() == nil && !herokuapi.Ambiguous(err) {
			return nil, fmt.Errorf("update config vars of %s: %w", app, err) // refused: nothing changed
		}
		if after, err = readBack(ctx, s, app, plan, err); err != nil {
			return nil, err
		}
	}
	// Verify after: the plan came from a read, and a read that was not the
	// app's config ({} from a proxy is well-formed) makes a plan that
	// leaves the config other than asked. Reported done, it would be a lie.
	if unmet := configvars.Unmet(after, wanted, unset); len(unmet) > 0 {
		return nil, &follow.Unknown{App: app, Msg: fmt.Sprintf(
			"the config vars of %s are not as asked after the change (%s): Heroku's answer to it shows them otherwise, so the config read before it, which the change was computed from, was not the app's; the change made a release; config set again sends what still differs",
			app, strings.Join(unmet, ", "))}
	}
	rel, err := s.Client.LatestRelease(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("config vars set, but their release could not be found: %w", err)
	}
	id := rel.ID
	s.Links.Release(app, id, rel.Version, rel.Status)
	s.Links.Describe(app, id, "config vars")
	rel, err = s.Wait.Release(ctx, s.Out, app, rel, "release phase goes on on Heroku; the config vars are already set")
	if rel != nil {
		s.Links.Release(app, id, rel.Version, rel.Status)
	}
	if err != nil {
		return rel, err
	}
	if err := follow.ReleaseOutcome(rel, fmt.Sprintf("the config vars of %s are set, but the release with them does not serve", app)); err != nil {
		return rel, err
	}
	s.Out.Step("Config vars set: release v%d of %s", rel.Version, app)
	return rel, nil
}

// readBack reads the config back after a PATCH that failed ambiguously (a
// 5xx, a lost connection, a stop while it was in flight) and says whether
// the change is live, by name only. It returns the config read when every
// change is live and the run goes on (the change's release is followed);
// otherwise the error to return, which says what was read.
func readBack(ctx context.Context, s *session.Session, app string, plan configvars.Plan, cause error) (map[string]string, error) {
	rctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), readBackBudget)
		defer cancel()
	}
	var note string
	current, err := s.Client.ConfigVars(rctx, app)
	live, before := plan.Live(current)
	switch {
	case err != nil:
		note = fmt.Sprintf("reading the config vars back failed too (%v): whether the change is live is unknown; config set again sends only what differs", err)
	case len(before) == 0 && ctx.Err() == nil:
		s.Out.Step("Heroku's answer was lost (%v), but the config read back shows the change live (%s): following its release", cause, strings.Join(live, ", "))
		return current, nil
	case len(before) == 0:
		note = fmt.Sprintf("read back, the change is live (%s): it made a release, which goes on on Heroku", strings.Join(live, ", "))
	case len(live) == 0:
		note = fmt.Sprintf("read back, the change is not live (%s as before): nothing changed", strings.Join(before, ", "))
	default:
		note = fmt.Sprintf("read back, part of the change is live (%s) and part is not (%s as before); config set again sends only what differs", strings.Join(live, ", "), strings.Join(before, ", "))
	}
	if ctx.Err() != nil {
		return nil, follow.StoppedAt(ctx, "the config vars of "+app+" to be set", note)
	}
	return nil, fmt.Errorf("update config vars of %s: %w; %s", app, cause, note)
}

// readBackBudget bounds the read after a stop (GitLab Runner waits a
// little after SIGTERM, no more).
const readBackBudget = 10 * time.Second
