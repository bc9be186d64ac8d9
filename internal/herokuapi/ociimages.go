package herokuapi

import (
	"context"

	heroku "github.com/heroku/heroku-go/v6"
)

// OCIImage is what a Fir build makes and a release runs; commit is the
// build's source_blob.version.
type OCIImage = heroku.OciImage

// OCIImageInfo returns one OCI image of the app. Heroku answers a list
// (the identity may be a digest); an id names one.
func (c *Client) OCIImageInfo(ctx context.Context, app, id string) (*OCIImage, error) {
	l, err := c.api.OciImageInfo(ctx, app, id)
	if err != nil {
		return nil, Clean(err)
	}
	if len(l) == 0 {
		return nil, unknownAnswer("GET", "/apps/"+app+"/oci-images/"+id, "an empty list")
	}
	return &l[0], nil
}
