package herokuapi

import (
	"context"

	heroku "github.com/heroku/heroku-go/v6"
)

// Release is one release of an app.
type Release = heroku.Release

// ReleaseInfo returns a release by id or version.
func (c *Client) ReleaseInfo(ctx context.Context, app, id string) (*Release, error) {
	r, err := c.api.ReleaseInfo(ctx, app, id)
	return r, Clean(err)
}
