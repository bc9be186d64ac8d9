package herokuapi

import (
	"context"
	"fmt"

	heroku "github.com/heroku/heroku-go/v6"
)

// The Platform API calls the tool makes. Each returns errors through Clean,
// so callers see *Error (status, id, request id) rather than net/http's
// `Get "URL":` wrapper, and never an unredacted URL.

// AppInfo returns the app, by name or id.
func (c *Client) AppInfo(ctx context.Context, app string) (*heroku.App, error) {
	a, err := c.api.AppInfo(ctx, app)
	return a, Clean(err)
}

// SourceCreate hands out a presigned upload slot. It is safe to repeat.
func (c *Client) SourceCreate(ctx context.Context) (*heroku.Source, error) {
	s, err := c.api.SourceCreate(RetrySafe(ctx))
	return s, Clean(err)
}

// BuildCreate creates a build. It is retried only where nothing reached
// Heroku; see deploy for what follows an ambiguous failure.
func (c *Client) BuildCreate(ctx context.Context, app string, o heroku.BuildCreateOpts) (*heroku.Build, error) {
	b, err := c.api.BuildCreate(ctx, app, o)
	return b, Clean(err)
}

// BuildInfo returns one build.
func (c *Client) BuildInfo(ctx context.Context, app, id string) (*heroku.Build, error) {
	b, err := c.api.BuildInfo(ctx, app, id)
	return b, Clean(err)
}

// RecentBuilds returns up to max builds of the app, newest first.
func (c *Client) RecentBuilds(ctx context.Context, app string, max int) (heroku.BuildListResult, error) {
	l, err := c.api.BuildList(ctx, app, &heroku.ListRange{Field: "created_at", Max: max, Descending: true})
	return l, Clean(err)
}

// CancelBuild cancels a pending build. Heroku answers 422 when the build
// is no longer pending.
func (c *Client) CancelBuild(ctx context.Context, app, id string) error {
	var out heroku.Build
	return Clean(c.cancel.Delete(ctx, &out, fmt.Sprintf("/apps/%s/builds/%s", app, id)))
}

// ReleaseInfo returns a release by id or version.
func (c *Client) ReleaseInfo(ctx context.Context, app, id string) (*heroku.Release, error) {
	r, err := c.api.ReleaseInfo(ctx, app, id)
	return r, Clean(err)
}
