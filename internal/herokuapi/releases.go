package herokuapi

import (
	"context"
	"fmt"

	heroku "github.com/heroku/heroku-go/v6"
)

// Release is one release of an app.
type Release = heroku.Release

// ReleaseInfo returns a release by id or version.
func (c *Client) ReleaseInfo(ctx context.Context, app, id string) (*Release, error) {
	r, err := c.api.ReleaseInfo(ctx, app, id)
	if err != nil {
		return nil, Clean(err)
	}
	return r, nil
}

// Artifact names what a release runs: a slug on Cedar, an OCI image on
// Fir. Kind is "slug" or "oci-image"; both are empty when the release
// carries neither (a config-only release of a new app).
func Artifact(r *Release) (kind, id string) {
	for _, a := range r.Artifacts {
		if a.Type == "slug" || a.Type == "oci-image" {
			return a.Type, a.ID
		}
	}
	if r.Slug != nil && r.Slug.ID != "" {
		return "slug", r.Slug.ID
	}
	return "", ""
}

// LatestRelease returns the app's newest release, such as the one a config
// change just made (Heroku's answer to the change does not name it).
func (c *Client) LatestRelease(ctx context.Context, app string) (*Release, error) {
	l, err := c.api.ReleaseList(ctx, app, &heroku.ListRange{Field: "version", Max: 1, Descending: true})
	if err != nil {
		return nil, Clean(err)
	}
	if len(l) == 0 {
		return nil, fmt.Errorf("app %s has no release", app)
	}
	return &l[0], nil
}
