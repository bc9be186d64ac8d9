package herokuapi

import (
	"context"
	"fmt"
	"strings"

	heroku "github.com/heroku/heroku-go/v6"

	"gitlab.com/heroku-deploy/heroku/internal/pause"
)

// Build is one build of an app.
type Build = heroku.Build

// BuildRequest is what a build is made from.
type BuildRequest struct {
	SourceURL string // the source blob's GET URL
	Checksum  string // "SHA256:<hex>", or ""
	Version   string // recorded as SOURCE_VERSION, or ""
	// Buildpacks, in order: registry names (heroku/nodejs) or URLs.
	Buildpacks []string
}

func (r BuildRequest) opts() heroku.BuildCreateOpts {
	var o heroku.BuildCreateOpts
	o.SourceBlob.URL = &r.SourceURL
	if r.Checksum != "" {
		o.SourceBlob.Checksum = &r.Checksum
	}
	if r.Version != "" {
		o.SourceBlob.Version = &r.Version
	}
	for _, bp := range r.Buildpacks {
		entry := &struct {
			Name *string `json:"name,omitempty" url:"name,omitempty,key"`
			URL  *string `json:"url,omitempty" url:"url,omitempty,key"`
		}{}
		if strings.Contains(bp, "://") {
			entry.URL = &bp
		} else {
			entry.Name = &bp
		}
		o.Buildpacks = append(o.Buildpacks, entry)
	}
	return o
}

// BuildCreate sends one build create. It is retried only where nothing
// reached Heroku; BuildCreateOnce is what callers want.
func (c *Client) BuildCreate(ctx context.Context, app string, r BuildRequest) (*Build, error) {
	b, err := c.api.BuildCreate(ctx, app, r.opts())
	return b, Clean(err)
}

// createTries bounds the build-create attempts after ambiguous failures.
const createTries = 5

// BuildCreateOnce creates exactly one build. A POST that failed
// ambiguously (a 5xx, or a connection lost after the request went out) may
// have created the build anyway, so before each new attempt it looks for a
// build of this source blob.
func (c *Client) BuildCreateOnce(ctx context.Context, app string, r BuildRequest) (*Build, error) {
	for attempt := 1; ; attempt++ {
		b, err := c.BuildCreate(ctx, app, r)
		if err == nil {
			return b, nil
		}
		if !ambiguous(ctx, err) || attempt >= createTries {
			return nil, err
		}
		c.notify(fmt.Sprintf("creating the build failed ambiguously (%v); checking whether Heroku created it", err))
		found, ferr := c.findBuild(ctx, app, r.SourceURL)
		switch {
		case ferr != nil:
			return nil, fmt.Errorf("%w; then could not check for it: %v", err, ferr)
		case found != nil:
			c.notify(fmt.Sprintf("Heroku did create build %s; following it", found.ID))
			return found, nil
		}
		if err := pause.For(ctx, backoff(c.waitMin, c.waitMax, attempt-1, nil)); err != nil {
			return nil, err
		}
	}
}

// ambiguous: the request may have been processed. 429 and dial errors were
// retried already by the transport; 4xx are definite answers.
func ambiguous(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if s := StatusOf(err); s != 0 {
		return s >= 500
	}
	return Unavailable(err)
}

// findBuild returns the app's recent build made from this source blob, or nil.
func (c *Client) findBuild(ctx context.Context, app, sourceURL string) (*Build, error) {
	list, err := c.RecentBuilds(ctx, app, 10)
	if err != nil {
		return nil, err
	}
	want := Redact(sourceURL)
	for i := range list {
		if Redact(list[i].SourceBlob.URL) == want {
			return &list[i], nil
		}
	}
	return nil, nil
}

// BuildInfo returns one build.
func (c *Client) BuildInfo(ctx context.Context, app, id string) (*Build, error) {
	b, err := c.api.BuildInfo(ctx, app, id)
	return b, Clean(err)
}

// RecentBuilds returns up to max builds of the app, newest first.
func (c *Client) RecentBuilds(ctx context.Context, app string, max int) ([]Build, error) {
	l, err := c.api.BuildList(ctx, app, &heroku.ListRange{Field: "created_at", Max: max, Descending: true})
	return l, Clean(err)
}

// CancelBuild cancels a pending build. Heroku answers 422 when the build
// is no longer pending.
func (c *Client) CancelBuild(ctx context.Context, app, id string) error {
	var out Build
	return Clean(c.cancel.Delete(ctx, &out, fmt.Sprintf("/apps/%s/builds/%s", app, id)))
}
