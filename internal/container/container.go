// Package container deploys container images to Heroku apps on the
// container stack, without a Docker daemon, and promotes them, which
// Heroku pipelines cannot: an image from any registry is read and checked
// (internal/image) before anything changes, pushed to Heroku's registry,
// and released with the one formation update Heroku's CLI sends
// (docker-releases), followed through release phase like a source
// deploy's release, with config vars, maintenance mode and the health
// check's rollback as for source deploys (internal/deploy as a library). A
// promotion copies the exact image the source runs within Heroku's
// registry (mounts, no download) after the checks slug promotion makes,
// and releases it on each target.
//
// Its workflows take the session (internal/session) and how to reach
// Heroku's registry (Registry), and check their input before any request.
package container

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/credential"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/image"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Registry says how to reach Heroku's registry: with the API key, read
// again by its variable's name (KeyVar) through Creds, which reads the
// source registries' credentials too; at HEROKU_REGISTRY_URL when that is
// set (tests: https, or http to loopback only, as HEROKU_API_URL).
type Registry struct {
	Creds     *credential.Reader
	KeyVar    string
	UserAgent string
	// Idle bounds a request that makes no progress (the API's request
	// timeout; two minutes at least).
	Idle time.Duration
}

// client builds the client of Heroku's registry: every credential and
// token it sends is registered with s's redactor, and its retries start
// at s's pace. It makes no request.
func (r Registry) client(s *session.Session) (*image.Client, error) {
	key, err := r.Creds.Var(r.KeyVar, credential.HerokuKey)
	if err != nil {
		return nil, err
	}
	u := image.DefaultHerokuRegistry
	if raw, _ := r.Creds.Lookup("HEROKU_REGISTRY_URL"); raw != "" {
		if u, err = credential.CheckURL("HEROKU_REGISTRY_URL", raw, "the API key"); err != nil {
			return nil, err
		}
	}
	cfg := registry.Config{
		Secret:    s.Register,
		UserAgent: r.UserAgent,
		Retry:     registry.Retry{Attempts: 3, Delay: s.RetryWait},
		Idle:      max(2*time.Minute, r.Idle),
		DryRun:    s.DryRun, // a dry run reads the registries, never writes them
	}
	return image.New(cfg, u, key), nil
}

// Source is the image one process type runs.
type Source struct {
	Type  string
	Ref   string
	Creds registry.Credentials
}

// Ask is a deploy of images as deploy's flags give it: a source deploy's
// config, of which App, ConfigVars (set, only what differs, before the
// release; their values registered with the redactor), Maintenance (from
// before the config change to the end of release phase) and Health apply,
// and DirName, Buildpacks, Exclude and Rebuild are refused; and the images.
type Ask struct {
	deploy.Config
	Image        string   // the image of every type of ProcessTypes
	ProcessTypes []string // web when none is named
	ImageFor     []string // TYPE=REF, its $VARIABLES expanded
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
		return outcome.Input(
			fmt.Sprintf("app %s is a Fir-generation app: Fir runs no pushed container images (Heroku: \"Docker and monorepo apps are unsupported on Fir\"), only images it builds with Cloud Native Buildpacks", a.Name),
			"deploy the source instead (no container_image input), or use a Cedar app on the container stack",
		)
	case a.Stack.Name != "container" && a.BuildStack.Name != "container":
		return outcome.Input(
			fmt.Sprintf("app %s is on the %s stack, not the container stack: it cannot run a pushed image", a.Name, a.Stack.Name),
			fmt.Sprintf("set its stack once with 'heroku stack:set container --app %s' (the next release runs on it), or deploy the source instead", a.Name),
		)
	}
	return nil
}

// Deploy checks ask (Plan) and reads and checks every image, so that
// nothing changes until all of them can go; pushes them to Heroku's
// registry; then, in maintenance mode if asked, sets the config vars and
// makes the one release of them, follows it through release phase, and
// checks the app's health (deploy.Apply). Its result is a deploy's with no
// build: the images are its artifact (deploy.Report says so).
func Deploy(ctx context.Context, s *session.Session, r Registry, ask Ask) (*deploy.Result, error) {
	srcs, err := Plan(ask, r.Creds)
	if err != nil {
		return nil, err
	}
	reg, err := r.client(s)
	if err != nil {
		return nil, err
	}
	cfg := ask.Config
	app, err := s.Client.AppInfo(ctx, cfg.App)
	if err != nil {
		return nil, fmt.Errorf("look up app %s: %w", cfg.App, err)
	}
	if err := CheckApp(app); err != nil {
		return nil, err
	}
	res := &deploy.Result{Report: release.Report{App: app.Name, Generation: herokuapi.Generation(app)}}
	var note string
	if res.WebURL, note, err = s.Client.URL(ctx, app); err != nil {
		return nil, err
	}
	s.Links.URL(app.Name, res.WebURL)
	if note != "" {
		s.Out.Step("%s", note)
	}
	resolved := map[string]*image.Image{}
	var refs []string // in the order first given
	for _, src := range srcs {
		if resolved[src.Ref] != nil {
			continue
		}
		img, err := resolve(ctx, s, reg, src)
		if err != nil {
			return nil, err
		}
		resolved[src.Ref] = img
		refs = append(refs, src.Ref)
	}
	guard, err := deploy.Guard(ctx, s, cfg.Health, cfg.App, res.WebURL, release.Unregistered(NoCurl))
	if err != nil {
		return nil, err
	}

	// The push changes only the registry, not what the app runs: it comes
	// before maintenance mode.
	pushed := map[string]image.Pushed{}
	for _, ref := range refs {
		var types []string
		for _, src := range srcs {
			if src.Ref == ref {
				types = append(types, src.Type)
			}
		}
		if err := push(ctx, s, reg, app.Name, resolved[ref], types, pushed); err != nil {
			return nil, err
		}
	}
	var updates []herokuapi.DockerImage
	for _, src := range srcs {
		p := pushed[src.Type]
		updates = append(updates, herokuapi.DockerImage{Type: src.Type, Image: p.ImageID})
		res.Images = append(res.Images, release.Image{Type: src.Type, ManifestDigest: p.ManifestDigest, ImageID: p.ImageID})
	}
	return res, deploy.Apply(ctx, s, cfg.App, cfg.ConfigVars, cfg.Maintenance, guard, func(ctx context.Context) error {
		before, err := newest(ctx, s, cfg.App)
		if err != nil {
			if ctx.Err() != nil {
				return follow.StoppedAt(ctx, "the release of the images on "+cfg.App, "it was not sent: nothing was released")
			}
			return err
		}
		rel, err := releaseImages(ctx, s, cfg.App, updates, before)
		if rel != nil {
			res.ReleaseID, res.ReleaseVersion = rel.ID, rel.Version
		}
		return err
	})
}

// resolve reads and checks one source image, and says what it is.
func resolve(ctx context.Context, s *session.Session, reg *image.Client, src Source) (*image.Image, error) {
	s.Out.Step("Reading image %s (credentials: %s)", src.Ref, src.Creds.From)
	img, err := reg.Resolve(ctx, src.Ref, src.Creds)
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
	line := fmt.Sprintf("%s: image %s, %d %s, %s, %s", src.Ref, img.ImageID, img.Layers, layers, ciout.Size(img.Size), built)
	if len(how) > 0 {
		line += "; " + strings.Join(how, "; ")
	}
	s.Out.Line("    %s", line)
	return img, nil
}

// push pushes img to app's repositories for types and records what each
// holds, read back.
func push(ctx context.Context, s *session.Session, reg *image.Client, app string, img *image.Image, types []string, pushed map[string]image.Pushed) error {
	var repos []string
	for _, t := range types {
		repos = append(repos, app+"/"+t)
	}
	if s.Dry() {
		layers := "layers"
		if img.Layers == 1 {
			layers = "layer"
		}
		s.Would("push %s to Heroku's registry: %s (image %s, %d %s, %s; blobs it holds already are not sent again)",
			img.Ref, strings.Join(repos, ", "), short12(img.ImageID), img.Layers, layers, ciout.Size(img.Size))
		for _, t := range types {
			// What the repository holds now: a read of Heroku's registry
			// with the key, as the push would make first.
			cur, err := reg.Latest(ctx, app, t)
			switch {
			case isHeroku(err, registry.NotFound):
				s.Out.Line("    %s/%s: nothing pushed there yet", app, t)
			case err != nil:
				if ctx.Err() != nil {
					return follow.StoppedAt(ctx, "the read of "+app+"/"+t+":latest", "nothing was pushed or released")
				}
				return fmt.Errorf("read %s/%s:latest: %w; nothing was pushed or released", app, t, err)
			case cur.ImageID == img.ImageID:
				s.Out.Line("    %s/%s:latest holds this image already", app, t)
			default:
				s.Out.Line("    %s/%s:latest holds image %s now", app, t, short12(cur.ImageID))
			}
			pushed[t] = image.Pushed{Repository: app + "/" + t, ManifestDigest: img.ManifestDigest, ImageID: img.ImageID}
		}
		return nil
	}
	s.Out.Step("Pushing %s to Heroku's registry: %s", img.Ref, strings.Join(repos, ", "))
	ps, err := reg.Push(ctx, img, app, types...)
	for i, p := range ps {
		pushed[types[i]] = p
		s.Out.Line("    %s:latest %s (image %s): %s", p.Repository, p.ManifestDigest, p.ImageID, blobs(p))
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
	b := fmt.Sprintf("%d uploaded (%s), %d mounted, %d already there", p.Uploaded, ciout.Size(p.UploadedBytes), p.Mounted, p.Skipped)
	if p.FailedUploads > 0 {
		b += fmt.Sprintf(", %d failed upload(s) done again", p.FailedUploads)
	}
	if p.ManifestRetried {
		b += "; the manifest's answer was lost, and reading it back found it stored"
	}
	return b
}

// isHeroku reports whether err is a failure of Heroku's registry of kind k.
func isHeroku(err error, k registry.Kind) bool {
	var he *image.HerokuError
	return errors.As(err, &he) && registry.IsKind(he, k)
}
