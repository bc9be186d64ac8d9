package container

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// NoCurl is what a release-phase stream that never registers means for a
// container app: Heroku streams a container's release phase only when the
// image has curl (Dev Center, "Container Registry & Runtime", quoted in
// ../shared/reference: the output goes to the app's logs otherwise).
const NoCurl = "the image probably lacks curl, which Heroku needs to stream a container's release phase (its output is in the app's logs: heroku logs --ps release); judging by the release's status"

// lookupBudget bounds the reads made after a stop to find what a PATCH in
// flight did (GitLab Runner waits a little after SIGTERM, no more).
const lookupBudget = 10 * time.Second

// newest is the version of app's newest release: what the release of
// images is told apart from. It is read before the PATCH.
func newest(ctx context.Context, s *session.Session, app string) (int, error) {
	rel, err := s.Client.LatestRelease(ctx, app)
	if err != nil {
		return 0, fmt.Errorf("read the newest release of %s: %w", app, err)
	}
	return rel.Version, nil
}

// releaseImages sends the one PATCH that releases images on app, finds the
// release it made (the newest with a version above before), and follows
// it, release phase included. The PATCH is never sent twice: after an
// ambiguous answer (a 5xx, an answer that is not Heroku's, a lost
// connection, a stop while it was in flight) the releases say whether it
// went through, and only a release whose description names these images
// is taken for it.
func releaseImages(ctx context.Context, s *session.Session, app string, images []herokuapi.DockerImage, before int) (*herokuapi.Release, error) {
	desc := Description(images)
	if ctx.Err() != nil {
		return nil, follow.StoppedAt(ctx, "the release of "+desc+" on "+app, "it was not sent: nothing was released, "+app+" runs what it ran before")
	}
	if s.Dry() {
		s.Would("release on %s: %s (one formation update): that new release would become current (the newest release of %s now: v%d)",
			app, strings.TrimPrefix(desc, "Deployed "), app, before)
		return nil, nil
	}
	s.Out.Step("Releasing on %s: %s", app, strings.TrimPrefix(desc, "Deployed "))
	s.Links.Changed(app)
	err := s.Client.ReleaseImages(ctx, app, images)
	var rel *herokuapi.Release
	switch {
	case err == nil:
		// Accepted: the release is the newest one above before.
		found, lerr := release.Await(ctx, s, app, before, nil)
		switch {
		case found != nil:
			rel = found
		case ctx.Err() != nil:
			return nil, follow.StoppedAt(ctx, "the release of "+desc+" on "+app, "Heroku accepted it: it goes on on Heroku; see https://dashboard.heroku.com/apps/"+app+"/activity")
		case lerr != nil:
			return nil, &follow.Unknown{App: app, Msg: fmt.Sprintf("Heroku accepted the release of %s on %s, but its releases could not be read (%v): whether it serves is unknown", desc, app, lerr)}
		default:
			return nil, &follow.Unknown{App: app, Msg: fmt.Sprintf("Heroku accepted the release of %s on %s, but lists no release newer than v%d within %s: whether it serves is unknown", desc, app, before, roundWait(s.Client.LookupWindow()))}
		}
	case ctx.Err() == nil && !herokuapi.Ambiguous(err):
		// A definite refusal (4xx): nothing was released.
		return nil, fmt.Errorf("release %s on %s: %w; nothing was released", desc, app, err)
	default:
		if rel, err = afterAmbiguous(ctx, s, app, images, before, err); err != nil {
			return rel, err
		}
		s.Out.Step("Heroku did make release v%d of %s (%s): following it", rel.Version, app, rel.Description)
	}
	s.Links.Describe(app, rel.ID, imagesNote(images))
	got, err := release.Follow(ctx, s, app, rel.ID, release.Unregistered(NoCurl))
	if got != nil {
		return got, err
	}
	what := fmt.Sprintf("release v%d of %s (%s when Heroku made it)", rel.Version, app, rel.Status)
	if follow.IsStopped(err) {
		return rel, follow.StoppedAt(ctx, what, "release phase goes on on Heroku; the previous release serves until it succeeds")
	}
	return rel, fmt.Errorf("%s was made, but reading it failed, so whether it serves is unknown: %w", what, err)
}

// afterAmbiguous finds the release an ambiguous PATCH made: it returns it
// to be followed, or an error that says what is known.
func afterAmbiguous(ctx context.Context, s *session.Session, app string, images []herokuapi.DockerImage, before int, cause error) (*herokuapi.Release, error) {
	lctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), lookupBudget)
		defer cancel()
	}
	var other *herokuapi.Release
	found, err := release.Await(lctx, s, app, before, func(rel *herokuapi.Release) bool {
		if names(rel.Description, images) {
			return true
		}
		if other == nil {
			c := *rel
			other = &c
		}
		return false
	})
	desc := Description(images)
	var note string
	switch {
	case err != nil:
		note = fmt.Sprintf("could not read the releases of %s to see whether it made one (%v): a release %q newer than v%d may exist; see https://dashboard.heroku.com/apps/%s/activity", app, err, desc, before, app)
	case found == nil && other != nil:
		// Not ours by its description, not proven someone else's either.
		note = fmt.Sprintf("%s shows release v%d (%q), which does not name these images: whether this request made it is unknown; nothing was sent again; see https://dashboard.heroku.com/apps/%s/activity", app, other.Version, other.Description, app)
		if ctx.Err() != nil {
			return nil, follow.StoppedAt(ctx, "the release of "+desc+" on "+app, note)
		}
		return nil, &follow.Unknown{App: app, Msg: fmt.Sprintf("release %s on %s: %v; %s", desc, app, cause, note)}
	case found == nil && herokuapi.StatusOf(cause) != 0:
		// Heroku answered, with an error: it made no release.
		note = fmt.Sprintf("Heroku lists no release of %s newer than v%d: nothing was released", app, before)
	case found == nil:
		// No answer (a stop, a timeout, a cut connection): the request may
		// still be applied after the lookup gave up.
		note = fmt.Sprintf("Heroku lists no release of %s newer than v%d yet, but the request got no answer: it may still take effect; see https://dashboard.heroku.com/apps/%s/activity before running the job again", app, before, app)
	case ctx.Err() != nil:
		return found, follow.StoppedAt(ctx, "the release of "+desc+" on "+app,
			fmt.Sprintf("Heroku did make release v%d (%s when read); release phase goes on on Heroku", found.Version, found.Status))
	default:
		return found, nil
	}
	if ctx.Err() != nil {
		return nil, follow.StoppedAt(ctx, "the release of "+desc+" on "+app, note)
	}
	return nil, fmt.Errorf("release %s on %s: %w; %s", desc, app, cause, note)
}

// names reports whether a release description names every image.
func names(desc string, images []herokuapi.DockerImage) bool {
	d := deployed(desc)
	for _, i := range images {
		if d[i.Type] != short12(i.Image) {
			return false
		}
	}
	return d != nil
}

func roundWait(d time.Duration) string {
	if d >= time.Second {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}
