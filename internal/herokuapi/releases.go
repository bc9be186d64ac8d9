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
		// Every app has a release from its creation on (v1).
		return nil, unknownAnswer("GET", "/apps/"+app+"/releases", "no release at all")
	}
	return &l[0], nil
}

// RecentReleases returns up to max releases of the app, newest first.
func (c *Client) RecentReleases(ctx context.Context, app string, max int) ([]Release, error) {
	l, err := c.api.ReleaseList(ctx, app, &heroku.ListRange{Field: "version", Max: max, Descending: true})
	if err != nil {
		return nil, Clean(err)
	}
	return l, nil
}

// ArtifactCommit returns the commit a slug or an OCI image was built
// from (its build's source_blob.version), "" when none was recorded.
func (c *Client) ArtifactCommit(ctx context.Context, app, kind, id string) (string, error) {
	switch kind {
	case "slug":
		s, err := c.SlugInfo(ctx, app, id)
		if err != nil || s.Commit == nil {
			return "", err
		}
		return *s.Commit, nil
	case "oci-image":
		img, err := c.OCIImageInfo(ctx, app, id)
		if err != nil {
			return "", err
		}
		return img.Commit, nil
	}
	return "", fmt.Errorf("artifact %s is a %q, neither a slug nor an OCI image", id, kind)
}

// ReleaseArtifact creates a release of a slug (Cedar) or an OCI image
// (Fir) with the app's config vars of today. heroku-go's ReleaseCreate
// always sends "slug" (the schema marks it required, from before Fir), so
// the body is written here. Not retried after an ambiguous failure.
func (c *Client) ReleaseArtifact(ctx context.Context, app, kind, id, description string) (*Release, error) {
	body := map[string]string{"description": description}
	switch kind {
	case "slug":
		body["slug"] = id
	case "oci-image":
		body["oci_image"] = id
	default:
		return nil, fmt.Errorf("artifact %s is a %q, neither a slug nor an OCI image", id, kind)
	}
	var r Release
	if err := c.api.Post(ctx, &r, fmt.Sprintf("/apps/%s/releases", app), body); err != nil {
		return nil, Clean(err)
	}
	return &r, nil
}

// Rollback creates a new release from an earlier one: Heroku restores its
// code and config vars (not add-ons or data). Not retried after an
// ambiguous failure.
func (c *Client) Rollback(ctx context.Context, app, releaseID string) (*Release, error) {
	r, err := c.api.ReleaseRollback(ctx, app, heroku.ReleaseRollbackOpts{Release: releaseID})
	if err != nil {
		return nil, Clean(err)
	}
	return r, nil
}
