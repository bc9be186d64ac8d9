package deploy

import (
	"context"
	"fmt"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

// Upload packs cfg.Dir and uploads it, for a request that builds from a
// URL without Deploy (an app setup): the build request it would send. The
// GET URL in it is a credential. Packaging comes first and makes no
// request; the temporary archive is removed before Upload returns.
func (d *Deployer) Upload(ctx context.Context, cfg Config) (herokuapi.BuildRequest, error) {
	if cfg.DirName == "" {
		cfg.DirName = cfg.Dir
	}
	src, err := d.pack(ctx, cfg)
	if err != nil {
		return herokuapi.BuildRequest{}, err
	}
	defer src.Remove()
	return d.upload(ctx, cfg, src)
}

// Built is what a build that something else made and followed (an app
// setup) deployed on app: the app's generation and URL, the build's
// release and what it runs. The release must have ended.
func (d *Deployer) Built(ctx context.Context, app, buildID string) (*Result, error) {
	res, err := d.app(ctx, Config{App: app})
	if err != nil {
		return nil, err
	}
	res.BuildID = buildID
	b, err := d.Client.BuildInfo(ctx, app, buildID)
	if err != nil {
		return nil, fmt.Errorf("look up build %s: %w", buildID, err)
	}
	if b.Release == nil {
		return nil, fmt.Errorf("build %s of %s names no release", buildID, app)
	}
	rel, err := d.Client.ReleaseInfo(ctx, app, b.Release.ID)
	if err != nil {
		return nil, fmt.Errorf("look up release %s: %w", b.Release.ID, err)
	}
	res.ReleaseID, res.ReleaseVersion = rel.ID, rel.Version
	res.ArtifactKind, res.ArtifactID = herokuapi.Artifact(rel)
	return res, nil
}
