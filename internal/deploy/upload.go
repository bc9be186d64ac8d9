package deploy

import (
	"context"
	"fmt"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Upload packs cfg.Dir and uploads it, for a request that builds from a
// URL without Deploy (an app setup): the build request it would send. The
// GET URL in it is a credential. Packaging comes first and makes no
// request; the temporary archive is removed before Upload returns.
func Upload(ctx context.Context, s *session.Session, cfg Config) (herokuapi.BuildRequest, error) {
	if cfg.DirName == "" {
		cfg.DirName = cfg.Dir
	}
	src, err := pack(ctx, s, &cfg)
	if err != nil {
		return herokuapi.BuildRequest{}, err
	}
	defer src.Remove()
	return upload(ctx, s, cfg, src)
}

// Built is what a build that something else made and followed (an app
// setup) deployed on app: the app's generation and URL, the build's
// release and what it runs. The release must have ended.
func Built(ctx context.Context, s *session.Session, app, buildID string) (*Result, error) {
	res, err := readApp(ctx, s, Config{App: app})
	if err != nil {
		return nil, err
	}
	res.BuildID = buildID
	b, err := s.Client.BuildInfo(ctx, app, buildID)
	if err != nil {
		return nil, fmt.Errorf("look up build %s: %w", buildID, err)
	}
	if b.Release == nil {
		return nil, fmt.Errorf("build %s of %s names no release", buildID, app)
	}
	rel, err := s.Client.ReleaseInfo(ctx, app, b.Release.ID)
	if err != nil {
		return nil, fmt.Errorf("look up release %s: %w", b.Release.ID, err)
	}
	res.ReleaseID, res.ReleaseVersion = rel.ID, rel.Version
	res.ArtifactKind, res.ArtifactID = herokuapi.Artifact(rel)
	s.Links.Release(app, b.Release.ID, rel.Version, rel.Status)
	return res, nil
}

// Verify runs the health check of what Built reports, as Deploy runs its
// own after release phase. Deploy reads the release to roll back to and
// the URL before anything changes; here the app and its release were made
// together (an app setup), so both are read now: the newest release older
// than res's. A path check on an app without a URL is found only now too.
func Verify(ctx context.Context, s *session.Session, res *Result, o health.Options) error {
	if o.Check == "" {
		return nil
	}
	guard, err := o.NewGuard(s, res.App, res.WebURL, nil)
	if err != nil {
		// Not exit 2: the app and its release exist by now.
		return &follow.Failed{Msg: fmt.Sprintf("health check not run: %v; release v%d is live, unchecked (pass a full URL to --health-check, the health_check input)", err, res.ReleaseVersion)}
	}
	if o.Rollback {
		list, err := s.Client.RecentReleases(ctx, res.App, 50)
		if err != nil {
			return fmt.Errorf("list the releases of %s: %w", res.App, err)
		}
		for i := range list {
			r := &list[i]
			if r.Version < res.ReleaseVersion && (guard.Before == nil || r.Version > guard.Before.Version) {
				guard.Before = r
			}
		}
	}
	return guard.Verify(ctx)
}
