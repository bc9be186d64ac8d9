package herokuapi

import (
	"context"

	heroku "github.com/heroku/heroku-go/v6"
)

// AppSetup is an app made from a source tarball and its app.json: add-ons,
// env, a build, scripts.postdeploy.
type AppSetup = heroku.AppSetup

// AppSetupRequest is what an app setup is made from.
type AppSetupRequest struct {
	App       AppCreate
	SourceURL string // the source blob's GET URL
	Checksum  string // "SHA256:<hex>", or ""
	Version   string // recorded as SOURCE_VERSION, or ""
	// Env overrides app.json's env: config vars set before the build.
	// Every value is a secret.
	Env map[string]string
}

// AppSetupCreate starts an app setup. Heroku creates the app at once (or
// answers 422 when its name is taken); the rest follows while the setup is
// pending. It is not retried where it may have reached Heroku.
func (c *Client) AppSetupCreate(ctx context.Context, r AppSetupRequest) (*AppSetup, error) {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	var o heroku.AppSetupCreateOpts
	o.App = &struct {
		Locked       *bool   `json:"locked,omitempty" url:"locked,omitempty,key"`
		Name         *string `json:"name,omitempty" url:"name,omitempty,key"`
		Organization *string `json:"organization,omitempty" url:"organization,omitempty,key"`
		Personal     *bool   `json:"personal,omitempty" url:"personal,omitempty,key"`
		Region       *string `json:"region,omitempty" url:"region,omitempty,key"`
		Space        *string `json:"space,omitempty" url:"space,omitempty,key"`
		Stack        *string `json:"stack,omitempty" url:"stack,omitempty,key"`
	}{Name: opt(r.App.Name), Organization: opt(r.App.Team), Region: opt(r.App.Region), Space: opt(r.App.Space)}
	o.SourceBlob.URL = &r.SourceURL
	o.SourceBlob.Checksum = opt(r.Checksum)
	o.SourceBlob.Version = opt(r.Version)
	if len(r.Env) > 0 {
		o.Overrides = &struct {
			Buildpacks []*struct {
				URL *string `json:"url,omitempty" url:"url,omitempty,key"`
			} `json:"buildpacks,omitempty" url:"buildpacks,omitempty,key"`
			Env map[string]string `json:"env,omitempty" url:"env,omitempty,key"`
		}{Env: r.Env}
	}
	s, err := c.api.AppSetupCreate(ctx, o)
	if err != nil {
		return nil, Clean(err)
	}
	return s, nil
}

// AppSetupInfo reads an app setup's status.
func (c *Client) AppSetupInfo(ctx context.Context, id string) (*AppSetup, error) {
	s, err := c.api.AppSetupInfo(ctx, id)
	if err != nil {
		return nil, Clean(err)
	}
	return s, nil
}
