package herokuapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	if err != nil {
		return nil, Clean(err)
	}
	return b, nil
}

// createTries bounds the build-create attempts after ambiguous failures.
const createTries = 5

// stopGrace is how long a build POST already sent may still complete after
// a stop (at most; never longer than a request may take): the build it
// creates must be known, to be cancelled.
const stopGrace = 5 * time.Second

// BuildCreateOnce creates exactly one build, and never loses track of it.
//
// A POST that failed ambiguously (a 5xx, an answer that is not JSON, a
// connection lost after sending) may have created the build anyway, and
// Heroku's list can show a new build only seconds later: so before each new
// attempt it looks for a build of this source blob for up to LookupWindow.
//
// A stop (ctx done) does not abandon a POST in flight: it may complete for
// a few seconds more, and the build it created is returned together with
// the context's error, so the caller can cancel it. A nil build with that
// error means the POST's outcome is unknown: look for it with AwaitBuild.
func (c *Client) BuildCreateOnce(ctx context.Context, app string, r BuildRequest) (*Build, error) {
	for attempt := 1; ; attempt++ {
		pctx, cancel := outlive(ctx, min(stopGrace, c.cfg.RequestTimeout))
		b, err := c.BuildCreate(pctx, app, r)
		cancel()
		switch {
		case ctx.Err() != nil:
			return b, ctx.Err()
		case err == nil:
			return b, nil
		case !ambiguous(err) || attempt >= createTries:
			return nil, err
		}
		c.cfg.Notify(fmt.Sprintf("creating the build failed ambiguously (%v); looking for it for up to %s before trying again", err, roundWait(c.cfg.LookupWindow)))
		found, ferr := c.AwaitBuild(ctx, app, r.SourceURL, c.cfg.LookupWindow)
		switch {
		case ctx.Err() != nil:
			return found, ctx.Err()
		case ferr != nil:
			return nil, fmt.Errorf("%w; then could not check for it: %v", err, ferr)
		case found != nil:
			c.cfg.Notify(fmt.Sprintf("Heroku did create build %s; following it", found.ID))
			return found, nil
		}
	}
}

// AwaitBuild looks for the build of sourceURL for up to window: Heroku's
// list can show a new build only seconds later. Nil means none showed.
func (c *Client) AwaitBuild(ctx context.Context, app, sourceURL string, window time.Duration) (*Build, error) {
	deadline := time.Now().Add(window)
	for {
		b, err := c.FindBuild(ctx, app, sourceURL)
		if err != nil || b != nil || !time.Now().Before(deadline) {
			return b, err
		}
		if err := pause.For(ctx, window/5); err != nil {
			return nil, err
		}
	}
}

// outlive returns a context that ends grace after ctx ends.
func outlive(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-out.Done():
		}
	})
	return out, func() { stop(); cancel() }
}

// ambiguous: the request may have been processed: a 5xx, an answer that is
// not JSON, a connection lost after sending. 429 and dial errors were
// retried already by the transport; 3xx and 4xx are definite answers.
func ambiguous(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		// An answer that is not Heroku's (an HTML 404 from a proxy) says
		// nothing of what happened: as ambiguous as a 5xx.
		return e.Status >= 500 || e.ID == "invalid_response" || e.Unknown
	}
	return Unavailable(err)
}

// FindBuild returns the app's recent build made from this source blob, or nil.
func (c *Client) FindBuild(ctx context.Context, app, sourceURL string) (*Build, error) {
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
	if err != nil {
		return nil, Clean(err)
	}
	return b, nil
}

// RecentBuilds returns up to max builds of the app, newest first.
func (c *Client) RecentBuilds(ctx context.Context, app string, max int) ([]Build, error) {
	l, err := c.api.BuildList(ctx, app, &heroku.ListRange{Field: "created_at", Max: max, Descending: true})
	if err != nil {
		return nil, Clean(err)
	}
	return l, nil
}

// CancelBuild cancels a pending build. A build no longer pending is
// refused with a 422 (inferred: internal/herokusim/README.md, "Sources,
// builds, streams"; the CLI cancels only pending builds), so callers read
// the build back before they trust the refusal.
func (c *Client) CancelBuild(ctx context.Context, app, id string) error {
	var out Build
	return Clean(c.cancel.Delete(ctx, &out, fmt.Sprintf("/apps/%s/builds/%s", app, id)))
}
