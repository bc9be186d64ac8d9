// Package container deploys container images to Heroku apps on the
// container stack, without a Docker daemon, and promotes them, which
// Heroku pipelines cannot: an image from any registry is read and checked
// (internal/image) before anything changes, pushed to Heroku's registry,
// and released with the one formation update Heroku's CLI sends
// (docker-releases), followed through release phase like a source
// deploy's release, with config vars, maintenance mode and the health
// check's rollback as for source deploys. A promotion copies the exact
// image the source runs within Heroku's registry (mounts, no download)
// after the checks slug promotion makes, and releases it on each target.
package container

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/image"
	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
	"gitlab.com/heroku-deploy/heroku/internal/release"
)

// Deployer carries the client, the waiting engine, the job log and the
// registry client.
type Deployer struct {
	Client *herokuapi.Client
	Wait   *follow.Waiter
	Out    *ciout.Writer
	Warn   func(string)
	Images *image.Client
}

// Source is the image one process type runs.
type Source struct {
	Type  string
	Ref   string
	Creds registry.Credentials
}

// Config says what to deploy.
type Config struct {
	App string
	// Images, one per process type, in the order given.
	Images []Source
	// ConfigVars are set (only what differs) before the release; their
	// values must be registered with the redactor.
	ConfigVars map[string]string
	// Maintenance keeps the app in maintenance mode from before the config
	// change and the release to the end of release phase.
	Maintenance bool
	Health      health.Options
}

// Image is what one process type runs after the deploy.
type Image struct {
	Type           string
	Ref            string
	ManifestDigest string // as pushed to Heroku's registry (HEROKU_IMAGE_DIGEST)
	ImageID        string // the config digest released (HEROKU_IMAGE_ID)
	Revision       string // org.opencontainers.image.revision, "" without
}

// Result is what was deployed.
type Result struct {
	App, WebURL, Generation string
	ReleaseID               string
	ReleaseVersion          int
	Images                  []Image
}

// CheckApp refuses an app that cannot run pushed images, before anything
// changes: a Fir app (no pushed images on Fir: Dev Center, "Migrating
// apps from Cedar Spaces to Fir Spaces", 2025-09-10: "Docker and monorepo
// apps are unsupported on Fir"; the CLI's container commands refuse Fir
// apps, whose stack is cnb), or a Cedar app on another stack than
// container (the CLI's ensureContainerStack, heroku/cli
// src/lib/container/helpers.ts, reads build_stack and stack).
func CheckApp(a *herokuapi.App) error {
	switch {
	case herokuapi.Generation(a) == "fir":
		return &follow.InputError{
			Msg:  fmt.Sprintf("app %s is a Fir-generation app: Fir runs no pushed container images (Heroku: \"Docker and monorepo apps are unsupported on Fir\"), only images it builds with Cloud Native Buildpacks", a.Name),
			Hint: "deploy the source instead (no container_image input), or use a Cedar app on the container stack",
		}
	case a.Stack.Name != "container" && a.BuildStack.Name != "container":
		return &follow.InputError{
			Msg:  fmt.Sprintf("app %s is on the %s stack, not the container stack: it cannot run a pushed image", a.Name, a.Stack.Name),
			Hint: fmt.Sprintf("set its stack once with 'heroku stack:set container --app %s' (the next release runs on it), or deploy the source instead", a.Name),
		}
	}
	return nil
}

// Deploy reads and checks every image (nothing changes until all of them
// can go), pushes them, then, in maintenance mode if asked, sets the
// config vars and makes the one release of them, follows it through
// release phase, and checks the app's health.
func (d *Deployer) Deploy(ctx context.Context, cfg Config) (*Result, error) {
	app, err := d.Client.AppInfo(ctx, cfg.App)
	if err != nil {
		return nil, fmt.Errorf("look up app %s: %w", cfg.App, err)
	}
	if err := CheckApp(app); err != nil {
		return nil, err
	}
	res := &Result{App: app.Name, Generation: herokuapi.Generation(app)}
	var note string
	if res.WebURL, note, err = d.Client.URL(ctx, app); err != nil {
		return nil, err
	}
	if note != "" {
		d.Out.Step("%s", note)
	}
	resolved := map[string]*image.Image{}
	var refs []string // in the order first given
	for _, src := range cfg.Images {
		if resolved[src.Ref] != nil {
			continue
		}
		img, err := d.resolve(ctx, src)
		if err != nil {
			return nil, err
		}
		resolved[src.Ref] = img
		refs = append(refs, src.Ref)
	}

	follower := &release.Follower{Client: d.Client, Wait: d.Wait, Out: d.Out, Unregistered: NoCurl}
	var guard *health.Guard
	if cfg.Health.Check != "" {
		if guard, err = cfg.Health.NewGuard(cfg.App, res.WebURL, nil, follower, d.Out); err != nil {
			return nil, &follow.InputError{Msg: err.Error(), Hint: "pass a full URL to --health-check (the health_check input)"}
		}
		if cfg.Health.Rollback {
			if guard.Before, err = release.CurrentOf(ctx, d.Client, cfg.App); err != nil {
				return nil, err
			}
		}
	}

	// The push changes only the registry, not what the app runs: it comes
	// before maintenance mode.
	pushed := map[string]image.Pushed{}
	for _, ref := range refs {
		var types []string
		for _, src := range cfg.Images {
			if src.Ref == ref {
				types = append(types, src.Type)
			}
		}
		if err := d.push(ctx, app.Name, resolved[ref], types, pushed); err != nil {
			return nil, err
		}
	}
	var updates []herokuapi.DockerImage
	for _, src := range cfg.Images {
		p := pushed[src.Type]
		updates = append(updates, herokuapi.DockerImage{Type: src.Type, Image: p.ImageID})
		res.Images = append(res.Images, Image{Type: src.Type, Ref: src.Ref, ManifestDigest: p.ManifestDigest, ImageID: p.ImageID, Revision: resolved[src.Ref].Revision})
	}

	r := &releaser{Client: d.Client, Wait: d.Wait, Out: d.Out}
	work := func(ctx context.Context) error {
		if len(cfg.ConfigVars) > 0 {
			dd := &deploy.Deployer{Client: d.Client, Wait: d.Wait, Out: d.Out, Warn: d.Warn}
			if _, err := dd.SetConfig(ctx, cfg.App, cfg.ConfigVars, nil); err != nil {
				return err
			}
		}
		before, err := r.newest(ctx, cfg.App)
		if err != nil {
			if ctx.Err() != nil {
				return follow.StoppedAt(ctx, "the release of the images on "+cfg.App, "it was not sent: nothing was released")
			}
			return err
		}
		rel, err := r.release(ctx, cfg.App, updates, before, follower)
		if rel != nil {
			res.ReleaseID, res.ReleaseVersion = rel.ID, rel.Version
		}
		return err
	}
	if cfg.Maintenance {
		sw := &maintenance.Switch{Client: d.Client, Out: d.Out}
		err = sw.Around(ctx, cfg.App, work)
	} else {
		err = work(ctx)
	}
	if err != nil {
		return res, err
	}
	if guard != nil {
		return res, guard.Verify(ctx)
	}
	return res, nil
}

// resolve reads and checks one source image, and says what it is.
func (d *Deployer) resolve(ctx context.Context, src Source) (*image.Image, error) {
	d.Out.Step("Reading image %s (credentials: %s)", src.Ref, src.Creds.From)
	img, err := d.Images.Resolve(ctx, src.Ref, src.Creds)
	if err != nil {
		if ctx.Err() != nil {
			return nil, follow.StoppedAt(ctx, "the image "+src.Ref, "nothing was pushed or released")
		}
		return nil, fmt.Errorf("read image %s: %w; nothing was pushed or released", src.Ref, err)
	}
	var how []string
	if img.FromIndex {
		how = append(how, "linux/amd64 taken from an index")
	}
	if img.Converted {
		how = append(how, "OCI manifest relabelled as Docker v2 schema 2, blobs as they are")
	}
	built := "no " + revisionLabel + " label"
	if img.Revision != "" {
		built = "built from commit " + shortCommit(img.Revision)
	}
	layers := "layers"
	if img.Layers == 1 {
		layers = "layer"
	}
	line := fmt.Sprintf("%s: image %s, %d %s, %s, %s", src.Ref, img.ImageID, img.Layers, layers, humanBytes(img.Size), built)
	if len(how) > 0 {
		line += "; " + strings.Join(how, "; ")
	}
	d.Out.Line("    %s", line)
	return img, nil
}

// push pushes img to app's repositories for types and records what each
// holds, read back.
func (d *Deployer) push(ctx context.Context, app string, img *image.Image, types []string, pushed map[string]image.Pushed) error {
	var repos []string
	for _, t := range types {
		repos = append(repos, app+"/"+t)
	}
	d.Out.Step("Pushing %s to Heroku's registry: %s", img.Ref, strings.Join(repos, ", "))
	ps, err := d.Images.Push(ctx, img, app, types...)
	for i, p := range ps {
		pushed[types[i]] = p
		d.Out.Line("    %s:latest %s (image %s): %s", p.Repository, p.ManifestDigest, p.ImageID, blobs(p))
	}
	if err != nil {
		if ctx.Err() != nil {
			return follow.StoppedAt(ctx, "the push of "+img.Ref+" to "+app, "nothing was released: "+app+" runs what it ran before")
		}
		return fmt.Errorf("push %s to %s: %w; nothing was released", img.Ref, app, err)
	}
	return nil
}

// blobs says what happened to a push's blobs.
func blobs(p image.Pushed) string {
	s := fmt.Sprintf("%d uploaded (%s), %d mounted, %d already there", p.Uploaded, humanBytes(p.UploadedBytes), p.Mounted, p.Skipped)
	if p.FailedUploads > 0 {
		s += fmt.Sprintf(", %d failed upload(s) done again", p.FailedUploads)
	}
	if p.ManifestRetried {
		s += "; the manifest's answer was lost, and reading it back found it stored"
	}
	return s
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// IsHeroku reports whether err is a failure of Heroku's registry of kind k.
func IsHeroku(err error, k registry.Kind) bool {
	var he *image.HerokuError
	return errors.As(err, &he) && registry.IsKind(he, k)
}
