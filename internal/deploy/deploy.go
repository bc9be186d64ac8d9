// Package deploy runs a source deploy on Heroku: package the directory,
// upload it, create exactly one build, stream its log, wait for the build and
// for release phase, and report what is live.
package deploy

import (
	"context"
	"fmt"
	"io"
	"os"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/ignore"
)

// Config says what to deploy.
type Config struct {
	App           string
	Dir           string
	SourceVersion string
	Buildpacks    []string
	Exclude       *ignore.Matcher
}

// Result is what was deployed.
type Result struct {
	App            string
	WebURL         string
	BuildID        string
	ReleaseID      string
	ReleaseVersion int
}

// Deployer carries the client, the waiting engine and the job log.
type Deployer struct {
	Client *herokuapi.Client
	Wait   *follow.Waiter
	Out    *ciout.Writer
	Warn   func(string)
}

// Deploy packages cfg.Dir and deploys it. Packaging makes no request, so
// every problem with the directory surfaces before Heroku is contacted; the
// temporary archive is removed before Deploy returns.
func (d *Deployer) Deploy(ctx context.Context, cfg Config) (*Result, error) {
	d.Out.Step("Packaging %s", cfg.Dir)
	src, err := archive.Create(ctx, archive.Options{Dir: cfg.Dir, Exclude: cfg.Exclude, Warn: d.Warn})
	if err != nil {
		return nil, err
	}
	defer src.Remove()
	noun := "entries"
	if src.Stats.Files == 1 {
		noun = "entry"
	}
	d.Out.Step("Packaged %d %s, %s compressed", src.Stats.Files, noun, humanBytes(src.Size))

	app, err := d.Client.AppInfo(ctx, cfg.App)
	if err != nil {
		return nil, fmt.Errorf("look up app %s: %w", cfg.App, err)
	}
	res := &Result{App: app.Name}
	if app.WebURL != nil {
		res.WebURL = *app.WebURL
	}

	d.Out.Step("Uploading source (%s)", humanBytes(src.Size))
	source, err := d.Client.SourceCreate(ctx)
	if err != nil {
		return nil, fmt.Errorf("create source slot: %w", err)
	}
	err = d.Client.Upload(ctx, source.SourceBlob.PutURL, src.Size, func() (io.ReadCloser, error) { return os.Open(src.Path) })
	if err != nil {
		return nil, fmt.Errorf("upload source: %w", err)
	}

	b, err := d.Client.BuildCreateOnce(ctx, cfg.App, herokuapi.BuildRequest{
		SourceURL: source.SourceBlob.GetURL, Checksum: "SHA256:" + src.SHA256,
		Version: cfg.SourceVersion, Buildpacks: cfg.Buildpacks,
	})
	if err != nil {
		return nil, fmt.Errorf("create build: %w", err)
	}
	res.BuildID = b.ID
	b, err = d.followBuild(ctx, cfg.App, b)
	if err != nil {
		return res, err
	}
	if b.Status != "succeeded" {
		return res, &follow.Failed{Msg: fmt.Sprintf("build %s %s", b.ID, b.Status)}
	}
	if b.Release == nil {
		return res, &follow.Failed{Msg: fmt.Sprintf("build %s succeeded but Heroku reported no release", b.ID)}
	}
	rel, err := d.followRelease(ctx, cfg.App, b.Release.ID)
	if rel != nil {
		res.ReleaseID, res.ReleaseVersion = rel.ID, rel.Version
	}
	return res, err
}

// followBuild streams the build log, then polls until the build leaves
// "pending" (it can linger there after the stream ends). A stop cancels the
// build, so nothing keeps running behind the user's back.
func (d *Deployer) followBuild(ctx context.Context, app string, b *herokuapi.Build) (*herokuapi.Build, error) {
	end := d.Out.Section("heroku_build", fmt.Sprintf("Building on Heroku (build %s)", b.ID))
	defer end()
	return follow.Wait(ctx, d.Wait, follow.Job[*herokuapi.Build]{
		Kind: "build", What: "build " + b.ID, Stream: b.OutputStreamURL, Out: d.Out,
		Fetch: func(ctx context.Context) (*herokuapi.Build, error) { return d.Client.BuildInfo(ctx, app, b.ID) },
		State: func(b *herokuapi.Build) string { return b.Status },
		Final: func(b *herokuapi.Build) bool { return b.Status != "pending" },
		Cancel: func(ctx context.Context, b *herokuapi.Build) string {
			err := d.Client.CancelBuild(ctx, app, b.ID)
			switch {
			case err == nil:
				return "cancelled build " + b.ID + " on Heroku"
			case herokuapi.StatusOf(err) == 422:
				// Either it finished, or an earlier attempt of this DELETE did cancel it.
				return "build " + b.ID + " was no longer pending (finished or already cancelled)"
			default:
				return fmt.Sprintf("could not cancel build %s (%v): it may still run", b.ID, err)
			}
		},
	}, b)
}

// followRelease waits for release phase when the release has one.
func (d *Deployer) followRelease(ctx context.Context, app, id string) (*herokuapi.Release, error) {
	rel, err := d.Client.ReleaseInfo(ctx, app, id)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &follow.Stopped{Err: context.Cause(ctx), During: "release " + id}
		}
		return nil, fmt.Errorf("look up release %s: %w", id, err)
	}
	job := follow.Job[*herokuapi.Release]{
		Kind: "release", What: fmt.Sprintf("release v%d", rel.Version), Out: d.Out,
		Fetch:    func(ctx context.Context) (*herokuapi.Release, error) { return d.Client.ReleaseInfo(ctx, app, id) },
		State:    func(r *herokuapi.Release) string { return r.Status },
		Final:    func(r *herokuapi.Release) bool { return r.Status != "pending" },
		StopNote: "release phase goes on on Heroku; the previous release serves until it succeeds",
	}
	// Show release phase's log even when it already ended: a failure's
	// reason is in it.
	if rel.OutputStreamURL != nil && *rel.OutputStreamURL != "" {
		job.Stream = *rel.OutputStreamURL
		end := d.Out.Section("heroku_release", fmt.Sprintf("Running release phase (v%d)", rel.Version))
		defer end()
	}
	rel, err = follow.Wait(ctx, d.Wait, job, rel)
	if err != nil {
		return rel, err
	}
	if rel.Status != "succeeded" {
		return rel, &follow.Failed{Msg: fmt.Sprintf("release v%d %s in release phase: it was not deployed, the previous release keeps serving", rel.Version, rel.Status)}
	}
	return rel, nil
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
