// Package release waits for and makes Heroku releases: follow a release
// through release phase to a final state, release an artifact or roll back
// to an earlier release, and tell which releases can still be rolled back
// to under Heroku's retention.
package release

import (
	"context"
	"fmt"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Option changes how Follow follows a release.
type Option func(*options)

type options struct {
	unregistered string
	unreadable   bool
}

// MayBeUnreadable: the release was made by a change already confirmed (a
// build that succeeded names it), and reading it only follows its release
// phase. A key whose OAuth scope cannot read releases (write: releases are
// protected subresources [inferred], docs/keys.md) skips it instead of
// failing: a warning says what was not checked, and Follow returns the
// release with its id alone (Version 0), no error.
func MayBeUnreadable() Option {
	return func(o *options) { o.unreadable = true }
}

// Unregistered says what a release-phase stream that never registers
// means (a container image without curl: Heroku streams its release phase
// only with curl); the wait goes on by the release's status, as for any
// lost stream, with that said instead of a generic warning.
func Unregistered(note string) Option {
	return func(o *options) { o.unregistered = note }
}

// stopNote is what a stop leaves behind while a release is pending.
const stopNote = "release phase goes on on Heroku; the previous release serves until it succeeds"

// Follow reads release id of app and waits for it to end
// (follow.Waiter.Release: its release phase streamed, if it has one), and
// returns it. A release that ends other than succeeded returns
// *follow.Failed; a stop returns *follow.Stopped.
func Follow(ctx context.Context, s *session.Session, app, id string, opts ...Option) (*herokuapi.Release, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s.Links.Release(app, id, 0, "") // its page is worth a link whatever happens next
	rel, err := s.Client.ReleaseInfo(ctx, app, id)
	if err != nil {
		if ctx.Err() != nil {
			return nil, follow.StoppedAt(ctx, "release "+id, "")
		}
		if he := herokuapi.ScopeRefused(err); he != nil && o.unreadable {
			s.Warn(Unfollowed(app, id, he))
			return &herokuapi.Release{ID: id}, nil
		}
		return nil, fmt.Errorf("look up release %s of %s: %w", id, app, err)
	}
	s.Links.Release(app, id, rel.Version, rel.Status)
	rel, err = s.Wait.ReleaseNoting(ctx, s.Out, app, rel, stopNote, o.unregistered)
	if rel != nil {
		s.Links.Release(app, id, rel.Version, rel.Status)
	}
	if err != nil {
		return rel, err
	}
	return rel, follow.ReleaseOutcome(rel, "it was not deployed, the previous release keeps serving")
}

// Unfollowed says what skipping a release the key's scope cannot read
// (he, the 403) leaves unchecked.
func Unfollowed(app, id string, he *herokuapi.Error) string {
	_, fix := herokuapi.ScopeFix(he.Scope, he.Accepted, "")
	return fmt.Sprintf("release %s of %s not followed: the key's OAuth scope %q cannot read releases (Heroku accepts %q there), so its release phase, if the app has one, is not checked, and a failure of it would not fail this job; a key with scope %s follows it (docs/keys.md)", id, app, he.Scope, he.Accepted, fix)
}
