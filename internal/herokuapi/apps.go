package herokuapi

import (
	"context"
	"fmt"

	heroku "github.com/heroku/heroku-go/v6"
)

// App is a Heroku app.
type App = heroku.App

// AppInfo returns the app, by name or id.
func (c *Client) AppInfo(ctx context.Context, app string) (*App, error) {
	a, err := c.api.AppInfo(ctx, app)
	if err != nil {
		return nil, Clean(err)
	}
	return a, nil
}

// Generation is the app's platform generation: "cedar" or "fir". An answer
// without one is a Cedar app (the field arrived with Fir).
func Generation(a *App) string {
	if a.Generation.Name == "" {
		return "cedar"
	}
	return a.Generation.Name
}

// DefaultDomain returns the app's herokuapp.com URL from its domains (kind
// "heroku"), or "" when it has none. It stands in for a null web_url.
func (c *Client) DefaultDomain(ctx context.Context, app string) (string, error) {
	list, err := c.api.DomainList(ctx, app, nil)
	if err != nil {
		return "", Clean(err)
	}
	for _, d := range list {
		if d.Kind == "heroku" && d.Hostname != "" {
			return "https://" + d.Hostname + "/", nil
		}
	}
	return "", nil
}

// SetMaintenance turns the app's maintenance mode on or off. Setting it
// twice to the same value changes nothing, so it is retried like a read.
func (c *Client) SetMaintenance(ctx context.Context, app string, on bool) (*App, error) {
	a, err := c.api.AppUpdate(RetrySafe(ctx), app, heroku.AppUpdateOpts{Maintenance: &on})
	return a, Clean(err)
}

// URL is the app's web_url, or, where the schema's null stands in for
// it, its default domain (fromDomain is then true); "" if it has neither.
func (c *Client) URL(ctx context.Context, app *App) (u string, fromDomain bool, err error) {
	if app.WebURL != nil && *app.WebURL != "" {
		return *app.WebURL, false, nil
	}
	u, err = c.DefaultDomain(ctx, app.Name)
	if err != nil {
		return "", true, fmt.Errorf("look up the domains of app %s (its web_url is null): %w", app.Name, err)
	}
	return u, true, nil
}
