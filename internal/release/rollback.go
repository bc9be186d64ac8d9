package release

import (
	"context"
	"fmt"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

// Heroku's retention (changelog 3395, 2025-10-01): slugs, OCI images and
// release artifacts older than 30 days and beyond the last 20 releases are
// deleted; their releases turn "expired" and cannot be rolled back to.
// eligible_for_rollback (Platform API v6) says whether one can.

// Ineligible is a release that cannot be rolled back to, found before
// anything was changed.
type Ineligible struct {
	Release *herokuapi.Release
	Msg     string
}

func (e *Ineligible) Error() string { return e.Msg }

// Check says why r cannot be rolled back to, or nil if it can.
func Check(app string, r *herokuapi.Release) error {
	switch {
	case r.Status == "expired":
		return &Ineligible{Release: r, Msg: fmt.Sprintf("release v%d of %s is expired: Heroku deleted its artifacts (releases older than 30 days beyond the last 20 lose them), and rolling back to it is not supported", r.Version, app)}
	case r.Status != "succeeded":
		return &Ineligible{Release: r, Msg: fmt.Sprintf("release v%d of %s is %s: only a release that succeeded can be rolled back to", r.Version, app, r.Status)}
	case !r.EligibleForRollback:
		what := "it is not eligible for rollback"
		if kind, _ := herokuapi.Artifact(r); kind == "" {
			what = "it carries no slug or image (a release made before the first deploy)"
		}
		return &Ineligible{Release: r, Msg: fmt.Sprintf("release v%d of %s cannot be rolled back to: %s", r.Version, app, what)}
	}
	return nil
}

// Current returns the current release among list, or nil.
func Current(list []herokuapi.Release) *herokuapi.Release {
	for i := range list {
		if list[i].Current {
			return &list[i]
		}
	}
	return nil
}

// Previous returns the newest release older than the current one that can
// be rolled back to, or nil. Unlike the CLI's default (the second eligible
// release of the ten newest), a pending or failed newer release is never
// picked, nor the current one.
func Previous(list []herokuapi.Release) *herokuapi.Release {
	cur := Current(list)
	var best *herokuapi.Release
	for i := range list {
		r := &list[i]
		if (cur != nil && r.Version >= cur.Version) || Check("", r) != nil {
			continue
		}
		if best == nil || r.Version > best.Version {
			best = r
		}
	}
	return best
}

// Rollback creates a release from to (Heroku restores its code and config
// vars, not add-ons or data) and follows its release phase. It checks to
// first: an Ineligible target changes nothing.
func (f *Follower) Rollback(ctx context.Context, app string, to *herokuapi.Release) (*herokuapi.Release, error) {
	if err := Check(app, to); err != nil {
		return nil, err
	}
	rel, err := f.Client.Rollback(ctx, app, to.ID)
	if err != nil {
		return nil, fmt.Errorf("roll %s back to v%d: %w", app, to.Version, err)
	}
	f.Out.Step("Rolling %s back to v%d: release v%d", app, to.Version, rel.Version)
	return f.Follow(ctx, app, rel.ID)
}

// CurrentOf returns the app's current release, nil if it has none yet.
func CurrentOf(ctx context.Context, c *herokuapi.Client, app string) (*herokuapi.Release, error) {
	list, err := c.RecentReleases(ctx, app, 50)
	if err != nil {
		return nil, fmt.Errorf("list the releases of %s: %w", app, err)
	}
	return Current(list), nil
}
