// Package deploy runs a source deploy on Heroku: package the directory,
// upload it, create exactly one build, stream its log, wait for the build and
// for release phase, and report what is live.
package deploy

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/ignore"
	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
)

// Config says what to deploy.
type Config struct {
	App           string
	Dir           string // the directory to pack, symlinks resolved
	DirName       string // how the user named it, for the log [Dir]
	SourceVersion string
	Buildpacks    []string
	Exclude       *ignore.Matcher
	// ConfigVars are set (only what differs) before the build; their values
	// must be registered with the redactor.
	ConfigVars map[string]string
	// Maintenance keeps the app in maintenance mode from before the config
	// change and the build to the end of release phase, and turns it off
	// whatever happens.
	Maintenance bool
}

// Result is what was deployed.
type Result struct {
	App            string
	Generation     string // "cedar" or "fir"
	WebURL         string // "" when the app has none
	BuildID        string
	ReleaseID      string
	ReleaseVersion int
	ArtifactKind   string // "slug" (Cedar) or "oci-image" (Fir)
	ArtifactID     string
}

// InputError is a deploy that cannot work as asked, found before the
// upload: the flags must change.
type InputError struct {
	Msg  string
	Hint string
}

func (e *InputError) Error() string { return e.Msg }

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
	if cfg.DirName == "" {
		cfg.DirName = cfg.Dir
	}
	d.Out.Step("Packaging %s", cfg.DirName)
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
	res := &Result{App: app.Name, Generation: herokuapi.Generation(app)}
	if res.Generation == "fir" && len(cfg.Buildpacks) > 0 {
		// Heroku takes a build's buildpacks on Cedar only; on Fir they come
		// from project.toml and the field would be ignored.
		return nil, &InputError{
			Msg:  fmt.Sprintf("app %s is a Fir-generation app: it takes its buildpacks from project.toml, not from --buildpack", app.Name),
			Hint: "declare them in project.toml ([[io.buildpacks.group]] id = \"heroku/nodejs\"), commit it in --dir, and drop --buildpack (the buildpacks input)",
		}
	}
	if res.WebURL, err = d.webURL(ctx, app); err != nil {
		return nil, err
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

	req := herokuapi.BuildRequest{
		SourceURL: source.SourceBlob.GetURL, Checksum: "SHA256:" + src.SHA256,
		Version: cfg.SourceVersion, Buildpacks: cfg.Buildpacks,
	}
	work := func(ctx context.Context) error {
		if len(cfg.ConfigVars) > 0 {
			if _, err := d.SetConfig(ctx, cfg.App, cfg.ConfigVars, nil); err != nil {
				return err
			}
		}
		return d.buildAndRelease(ctx, cfg.App, req, res)
	}
	if cfg.Maintenance {
		sw := &maintenance.Switch{Client: d.Client, Out: d.Out}
		return res, sw.Around(ctx, cfg.App, work)
	}
	return res, work(ctx)
}

// buildAndRelease creates exactly one build, follows it, and follows the
// release it makes, recording both in res.
func (d *Deployer) buildAndRelease(ctx context.Context, app string, req herokuapi.BuildRequest, res *Result) error {
	b, err := d.Client.BuildCreateOnce(ctx, app, req)
	if ctx.Err() != nil {
		return d.stoppedCreating(ctx, app, req, b)
	}
	if err != nil {
		return fmt.Errorf("create build: %w", err)
	}
	res.BuildID = b.ID
	end := d.Out.Section("heroku_build", fmt.Sprintf("Building on Heroku (build %s)", b.ID))
	b, err = follow.Wait(ctx, d.Wait, d.buildJob(app, b), b)
	end()
	if err != nil {
		return err
	}
	if b.Status != "succeeded" {
		return &follow.Failed{Msg: fmt.Sprintf("build %s %s", b.ID, b.Status)}
	}
	rel, err := d.followRelease(ctx, app, b.Release.ID)
	if rel != nil {
		res.ReleaseID, res.ReleaseVersion = rel.ID, rel.Version
		res.ArtifactKind, res.ArtifactID = herokuapi.Artifact(rel)
	}
	return err
}

// webURL is the app's web_url, or, where the schema's null stands in for
// it, the app's default domain; "" if it has neither.
func (d *Deployer) webURL(ctx context.Context, app *herokuapi.App) (string, error) {
	if app.WebURL != nil && *app.WebURL != "" {
		return *app.WebURL, nil
	}
	u, err := d.Client.DefaultDomain(ctx, app.Name)
	if err != nil {
		return "", fmt.Errorf("look up the domains of app %s (its web_url is null): %w", app.Name, err)
	}
	if u == "" {
		d.Out.Step("App %s has no web_url and no default domain: the deploy reports no URL", app.Name)
	} else {
		d.Out.Step("App %s has no web_url: using its default domain %s", app.Name, u)
	}
	return u, nil
}

// buildJob describes a build to follow.Wait. A build is done when it
// failed, or succeeded and names its release: Heroku can report success a
// moment before the release exists.
func (d *Deployer) buildJob(app string, b *herokuapi.Build) follow.Job[*herokuapi.Build] {
	return follow.Job[*herokuapi.Build]{
		Kind: "build", What: "build " + b.ID, Stream: b.OutputStreamURL, Out: d.Out,
		Fetch: func(ctx context.Context) (*herokuapi.Build, error) { return d.Client.BuildInfo(ctx, app, b.ID) },
		State: func(b *herokuapi.Build) string { return b.Status },
		Final: func(b *herokuapi.Build) bool {
			return b.Status != "pending" && (b.Status != "succeeded" || b.Release != nil)
		},
		Cancel: func(ctx context.Context, b *herokuapi.Build) string { return d.cancelBuild(ctx, app, b) },
	}
}

// cancelBuild stops a pending build, so nothing keeps running behind the
// user's back, or says what a finished one means.
func (d *Deployer) cancelBuild(ctx context.Context, app string, b *herokuapi.Build) string {
	switch b.Status {
	case "pending":
	case "succeeded":
		if b.Release != nil {
			return fmt.Sprintf("build %s had already succeeded: its release %s goes live; roll back on Heroku if it must not", b.ID, b.Release.ID)
		}
		return fmt.Sprintf("build %s had already succeeded: its release goes live; roll back on Heroku if it must not", b.ID)
	default:
		return fmt.Sprintf("build %s had already ended (%s): nothing goes live", b.ID, b.Status)
	}
	err := d.Client.CancelBuild(ctx, app, b.ID)
	switch {
	case err == nil:
		return "cancelled build " + b.ID + " on Heroku"
	case herokuapi.StatusOf(err) == 422:
		// Either it finished, or an earlier attempt of this DELETE did cancel it.
		return "build " + b.ID + " was no longer pending (finished or already cancelled)"
	default:
		return fmt.Sprintf("could not cancel build %s (%v): it may still run%s", b.ID, err, dashboard(app))
	}
}

// stoppedCreating handles a stop that came while the build was being
// created: the POST may have created a build Heroku will run and release.
// It finds that build (the POST's answer, else the list by source blob)
// and cancels it; if it cannot tell, it says so.
func (d *Deployer) stoppedCreating(ctx context.Context, app string, req herokuapi.BuildRequest, b *herokuapi.Build) error {
	if b == nil {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupBudget)
		found, err := d.Client.FindBuild(lctx, app, req.SourceURL)
		cancel()
		if err != nil || found == nil {
			note := "no build from this upload was found: the build request did not reach Heroku"
			if err != nil {
				note = fmt.Sprintf("could not tell whether Heroku created a build from this upload (%v): if it did, it will run and release%s", err, dashboard(app))
			}
			return &follow.Stopped{Err: context.Cause(ctx), During: "the build to be created", Note: note}
		}
		b = found
	}
	return follow.Stop(ctx, d.buildJob(app, b), b, true)
}

// lookupBudget bounds the search for a build after a stop.
const lookupBudget = 5 * time.Second

func dashboard(app string) string {
	return fmt.Sprintf("; see https://dashboard.heroku.com/apps/%s/activity", app)
}

// followRelease waits for a deploy's release, release phase included.
func (d *Deployer) followRelease(ctx context.Context, app, id string) (*herokuapi.Release, error) {
	rel, err := d.Client.ReleaseInfo(ctx, app, id)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &follow.Stopped{Err: context.Cause(ctx), During: "release " + id}
		}
		return nil, fmt.Errorf("look up release %s: %w", id, err)
	}
	rel, err = d.Wait.Release(ctx, d.Out, app, rel, "release phase goes on on Heroku; the previous release serves until it succeeds")
	if err != nil {
		return rel, err
	}
	return rel, follow.ReleaseOutcome(rel, "it was not deployed, the previous release keeps serving")
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
