package herokuapi

import (
	"context"

	heroku "github.com/heroku/heroku-go/v6"
)

// Slug is what a Cedar build makes and a release runs; commit is the
// build's source_blob.version.
type Slug = heroku.Slug

// SlugInfo returns one slug of the app.
func (c *Client) SlugInfo(ctx context.Context, app, id string) (*Slug, error) {
	s, err := c.api.SlugInfo(ctx, app, id)
	if err != nil {
		return nil, Clean(err)
	}
	return s, nil
}
