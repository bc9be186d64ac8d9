package herokuapi

import (
	"context"

	heroku "github.com/heroku/heroku-go/v6"
)

// App is a Heroku app.
type App = heroku.App

// AppInfo returns the app, by name or id.
func (c *Client) AppInfo(ctx context.Context, app string) (*App, error) {
	a, err := c.api.AppInfo(ctx, app)
	return a, Clean(err)
}
