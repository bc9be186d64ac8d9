// Package deploy runs a source deploy on Heroku: package the directory,
// upload it, create exactly one build, stream its log, wait for the build and
// for release phase, check the app's health, and report what is live. A
// commit Heroku has built before, whose slug or image it still keeps, is
// released again instead: no upload, no build.
package deploy

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/ignore"
	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Config says what to deploy.
type Config struct {
	App           string
	Dir           string // the directory to pack, symlinks resolved
	DirName       string // how the user named it, for the log [Dir]
	SourceVersion string
	// Dirty says SourceVersion is git's HEAD but Dir holds what HEAD does
	// not record (a changed, untracked or ignored file): the version
	// recorded is then SourceVersion-dirty-<hash of the archive>, so this
	// build and one of the commit are never taken for each other.
	Dirty      bool
	Buildpacks []string
	Exclude    *ignore.Matcher
	// ConfigVars are set (only what differs) before the build; their values
	// must be registered with the redactor.
	ConfigVars map[string]string
	// Maintenance keeps the app in maintenance mode from before the config
	// change and the build to the end of release phase, and turns it off
	// whatever happens.
	Maintenance bool
	// Rebuild builds even when a build of SourceVersion could be
	// released again.
	Rebuild bool
	// Health, when its Check is set, checks the app once the release
	// serves (maintenance mode off), and rolls it back if the check fails.
	Health health.Options
}

// Result is what was deployed: the dotenv report's facts, and whether the
// build is an earlier one released again.
type Result struct {
	release.Report
	Reused bool // BuildID is an earlier build, released again
}

// Deploy deploys cfg.Dir: it releases again an earlier build of the same
// commit whose slug or image Heroku still keeps, or packages the
// directory, uploads it and builds it; config vars first, all of it in
// maintenance mode if asked. Then it waits for release phase and checks
// the app's health. Without a lookup to make, packaging comes first: it
// makes no request, so every problem with the directory surfaces before
// Heroku is contacted. The temporary archive is removed before Deploy
// returns.
func Deploy(ctx context.Context, s *session.Session, cfg Config) (*Result, error) {
	if cfg.DirName == "" {
		cfg.DirName = cfg.Dir
	}
	lookup := !cfg.Rebuild && cfg.SourceVersion != ""
	var src *archive.Result
	if !lookup || cfg.Dirty {
		var err error
		if src, err = pack(ctx, s, &cfg); err != nil {
			return nil, err
		}
		defer src.Remove()
	}
	res, err := readApp(ctx, s, cfg)
	if err != nil {
		return nil, err
	}
	guard, err := Guard(ctx, s, cfg.Health, cfg.App, res.WebURL)
	if err != nil {
		return nil, err
	}
	var old *reusable
	if lookup {
		if old, err = findReusable(ctx, s, cfg.App, cfg.SourceVersion); err != nil {
			return nil, err
		}
	}
	var req herokuapi.BuildRequest
	if old == nil {
		if src == nil {
			if src, err = pack(ctx, s, &cfg); err != nil {
				return nil, err
			}
			defer src.Remove()
		}
		// The upload changes nothing on the app: it comes before
		// maintenance mode.
		if req, err = upload(ctx, s, cfg, src); err != nil {
			return nil, err
		}
	}
	return res, Apply(ctx, s, cfg.App, cfg.ConfigVars, cfg.Maintenance, guard, func(ctx context.Context) error {
		if s.Dry() {
			return planRelease(ctx, s, cfg, old)
		}
		var rel *herokuapi.Release
		var err error
		if old != nil {
			res.BuildID, res.Reused = old.build.ID, true
			rel, err = rerelease(ctx, s, cfg, old)
		} else {
			rel, err = buildAndRelease(ctx, s, cfg.App, req, res)
		}
		if rel != nil {
			res.ReleaseID, res.ReleaseVersion = rel.ID, rel.Version
			if kind, id := herokuapi.Artifact(rel); kind != "" {
				res.ArtifactKind, res.ArtifactID = kind, id
			}
		}
		return err
	})
}

// Guard prepares the health check of app, whose URL is webURL, when o
// asks for one (nil when it does not), reading the release a failed check
// rolls back to before anything changes; opts say how that rollback's
// release is followed.
func Guard(ctx context.Context, s *session.Session, o health.Options, app, webURL string, opts ...release.Option) (*health.Guard, error) {
	if o.Check == "" {
		return nil, nil
	}
	guard, err := o.NewGuard(s, app, webURL, nil, opts...)
	if err != nil {
		return nil, outcome.Input(err.Error(), "pass a full URL to --health-check (the health_check input)")
	}
	if o.Rollback {
		if guard.Before, err = release.CurrentOf(ctx, s.Client, app); err != nil {
			return nil, err
		}
	}
	return guard, nil
}

// Apply runs makeRelease, the work that makes app's new release, after
// setting config (only what differs), all of it in maintenance mode when
// maint; then, the release serving (release phase over, maintenance mode
// off: Heroku's router answers 503 while it is on), guard's health check
// (nil: none). Deploy and container deploys share it.
//
// In a dry run it makes the reads and says what it would do instead:
// maintenance mode (read), the config change (SetConfig's plan),
// makeRelease's plan (makeRelease is called: it says its own), the
// health check.
func Apply(ctx context.Context, s *session.Session, app string, config map[string]string, maint bool, guard *health.Guard, makeRelease func(context.Context) error) error {
	if s.Dry() {
		return planApply(ctx, s, app, config, maint, guard, makeRelease)
	}
	s.Links.Changed(app)
	work := func(ctx context.Context) error {
		if len(config) > 0 {
			if _, err := SetConfig(ctx, s, app, config, nil); err != nil {
				return err
			}
		}
		return makeRelease(ctx)
	}
	var err error
	if maint {
		err = maintenance.Around(ctx, s, app, work)
	} else {
		err = work(ctx)
	}
	if err != nil || guard == nil {
		return err
	}
	return guard.Verify(ctx)
}

// planApply is Apply in a dry run.
func planApply(ctx context.Context, s *session.Session, app string, config map[string]string, maint bool, guard *health.Guard, makeRelease func(context.Context) error) error {
	if maint {
		on, err := maintenance.Read(ctx, s, app)
		switch {
		case err != nil:
			return err
		case on:
			s.Out.Step("(dry run) Maintenance mode is already on for %s (before this job): it would stay on, as found", app)
		default:
			s.Would("turn maintenance mode on for %s first, and off again after release phase", app)
		}
	}
	if len(config) > 0 {
		if _, err := SetConfig(ctx, s, app, config, nil); err != nil {
			return err
		}
	}
	if err := makeRelease(ctx); err != nil {
		return err
	}
	if guard != nil {
		s.Would("%s", guard.Plan())
	}
	return nil
}

// planRelease says, in a dry run, what would make the new release: the
// build of the upload, or old's artifact released again.
func planRelease(ctx context.Context, s *session.Session, cfg Config, old *reusable) error {
	now, err := Newest(ctx, s, cfg.App)
	if err != nil {
		return err
	}
	if old != nil {
		s.Would("release build %s of %s from %s again (its %s %s): no upload, no build; that new release would become current (%s)",
			old.build.ID, short(cfg.SourceVersion), day(old.build), noun(old.kind), old.id, now)
		return nil
	}
	what := "the upload"
	if cfg.SourceVersion != "" {
		what = short(cfg.SourceVersion)
	}
	with := ""
	if len(cfg.Buildpacks) > 0 {
		with = " with " + strings.Join(cfg.Buildpacks, ", ")
	}
	s.Would("build %s on %s%s (one build): its release would become current (%s)", what, cfg.App, with, now)
	return nil
}

// PlanNew says, in a dry run, what Deploy would do on an app that does not
// exist yet (a review app created first): it packs cfg.Dir for its size
// and hash, and reads nothing of the app.
func PlanNew(ctx context.Context, s *session.Session, cfg Config) error {
	if cfg.DirName == "" {
		cfg.DirName = cfg.Dir
	}
	src, err := pack(ctx, s, &cfg)
	if err != nil {
		return err
	}
	defer src.Remove()
	if _, err := upload(ctx, s, cfg, src); err != nil {
		return err
	}
	if len(cfg.ConfigVars) > 0 {
		s.Would("set the config vars of %s: %s (one request, which makes a release)", cfg.App, strings.Join(slices.Sorted(maps.Keys(cfg.ConfigVars)), ", "))
	}
	what := "the upload"
	if cfg.SourceVersion != "" {
		what = short(cfg.SourceVersion)
	}
	s.Would("build %s on %s (one build): its release would become current", what, cfg.App)
	if cfg.Health.Check != "" {
		s.Would("check %s of %s once the release serves", cfg.Health.Check, cfg.App)
	}
	return nil
}

// Newest says, for a dry run's plan, which release an app runs before the
// change: "the newest release now: v41".
func Newest(ctx context.Context, s *session.Session, app string) (string, error) {
	rel, err := s.Client.LatestRelease(ctx, app)
	if err != nil {
		return "", fmt.Errorf("read the newest release of %s: %w", app, err)
	}
	return fmt.Sprintf("the newest release of %s now: v%d", app, rel.Version), nil
}

// pack writes the archive of cfg.Dir; for a dirty tree, it sets the
// version it is recorded under.
func pack(ctx context.Context, s *session.Session, cfg *Config) (*archive.Result, error) {
	s.Out.Step("Packaging %s", cfg.DirName)
	src, err := archive.Create(ctx, archive.Options{Dir: cfg.Dir, Exclude: cfg.Exclude, Warn: s.Warn})
	if err != nil {
		return nil, err
	}
	noun := "entries"
	if src.Stats.Files == 1 {
		noun = "entry"
	}
	s.Out.Step("Packaged %d %s, %s compressed", src.Stats.Files, noun, ciout.Size(src.Size))
	if cfg.Dirty && cfg.SourceVersion != "" {
		commit := cfg.SourceVersion
		cfg.SourceVersion, cfg.Dirty = dirtyVersion(commit, src.SHA256), false
		s.Out.Step("%s holds files git does not record at HEAD (changed, untracked or ignored): recorded as version %s, never as commit %s", cfg.DirName, short(cfg.SourceVersion), short(commit))
	}
	return src, nil
}

// dirtyVersion is the version of a tree that differs from commit: the
// commit, "-dirty-", and the first 12 hex digits of the archive's SHA-256.
// The archive's bytes are deterministic (archive.TestDeterministic), so
// the same tree gets the same version, and a second deploy of it may
// release its build again, as for a commit; any change to a packed file,
// its mode or name, or to --exclude, makes another version.
func dirtyVersion(commit, sha256 string) string {
	return commit + "-dirty-" + sha256[:12]
}

// readApp reads the app: its generation, which must fit the flags, and its URL.
func readApp(ctx context.Context, s *session.Session, cfg Config) (*Result, error) {
	app, err := s.Client.AppInfo(ctx, cfg.App)
	if err != nil {
		return nil, fmt.Errorf("look up app %s: %w", cfg.App, err)
	}
	res := &Result{Report: release.Report{App: app.Name, Generation: herokuapi.Generation(app)}}
	if res.Generation == "fir" && len(cfg.Buildpacks) > 0 {
		// Heroku takes a build's buildpacks on Cedar only; on Fir they come
		// from project.toml and the field would be ignored.
		return nil, outcome.Input(
			fmt.Sprintf("app %s is a Fir-generation app: it takes its buildpacks from project.toml, not from --buildpack", app.Name),
			"declare them in project.toml ([[io.buildpacks.group]] id = \"heroku/nodejs\"), commit it in --dir, and drop --buildpack (the buildpacks input)",
		)
	}
	if res.WebURL, err = webURL(ctx, s, app); err != nil {
		return nil, err
	}
	s.Links.URL(app.Name, res.WebURL)
	return res, nil
}

// upload sends src to a new source slot and returns the build request for
// it.
func upload(ctx context.Context, s *session.Session, cfg Config, src *archive.Result) (herokuapi.BuildRequest, error) {
	if s.Dry() {
		// Packed for its size and hash; nothing is uploaded: the slot
		// (POST /sources) and the PUT are changes too.
		s.Would("upload the source (%s, SHA-256 %s) to Heroku's storage", ciout.Size(src.Size), src.SHA256[:12])
		return herokuapi.BuildRequest{Checksum: "SHA256:" + src.SHA256, Version: cfg.SourceVersion, Buildpacks: cfg.Buildpacks}, nil
	}
	s.Out.Step("Uploading source (%s)", ciout.Size(src.Size))
	source, err := s.Client.SourceCreate(ctx)
	if err != nil {
		return herokuapi.BuildRequest{}, fmt.Errorf("create source slot: %w", err)
	}
	err = s.Client.Upload(ctx, source.SourceBlob.PutURL, src.Size, func() (io.ReadCloser, error) { return os.Open(src.Path) })
	if err != nil {
		return herokuapi.BuildRequest{}, fmt.Errorf("upload source: %w", err)
	}
	return herokuapi.BuildRequest{
		SourceURL: source.SourceBlob.GetURL, Checksum: "SHA256:" + src.SHA256,
		Version: cfg.SourceVersion, Buildpacks: cfg.Buildpacks,
	}, nil
}

// buildAndRelease creates exactly one build, follows it, and follows the
// release it makes.
func buildAndRelease(ctx context.Context, s *session.Session, app string, req herokuapi.BuildRequest, res *Result) (*herokuapi.Release, error) {
	b, err := s.Client.BuildCreateOnce(ctx, app, req)
	if ctx.Err() != nil {
		return nil, stoppedCreating(ctx, s, app, req, b)
	}
	if err != nil {
		return nil, fmt.Errorf("create build: %w", err)
	}
	res.BuildID = b.ID
	s.Links.Build(app, b.ID, b.Status)
	end := s.Out.Section("heroku_build", fmt.Sprintf("Building on Heroku (build %s)", b.ID))
	id := b.ID
	b, err = follow.Wait(ctx, s.Wait, buildJob(s, app, b), b)
	end()
	if b != nil {
		s.Links.Build(app, id, b.Status)
	}
	if err != nil {
		return nil, err
	}
	if b.Status != "succeeded" {
		return nil, &follow.Failed{Msg: fmt.Sprintf("build %s %s", b.ID, b.Status)}
	}
	if b.Slug != nil && b.Slug.ID != "" {
		res.ArtifactKind, res.ArtifactID = "slug", b.Slug.ID // the release says so too, when it can be read
	}
	// The build made the release: reading it follows release phase, which
	// a key that cannot read releases skips, said (docs/keys.md).
	return release.Follow(ctx, s, app, b.Release.ID, release.MayBeUnreadable())
}

// webURL is the app's web_url, or, where the schema's null stands in for
// it, the app's default domain; "" if it has neither.
func webURL(ctx context.Context, s *session.Session, app *herokuapi.App) (string, error) {
	u, note, err := s.Client.URL(ctx, app)
	if note != "" {
		s.Out.Step("%s", note)
	}
	return u, err
}

// buildJob describes a build to follow.Wait. A build is done when it
// failed, or succeeded and names its release: Heroku can report success a
// moment before the release exists.
func buildJob(s *session.Session, app string, b *herokuapi.Build) follow.Job[*herokuapi.Build] {
	return follow.Job[*herokuapi.Build]{
		Kind: "build", What: "build " + b.ID, Stream: b.OutputStreamURL, Out: s.Out,
		Fetch: func(ctx context.Context) (*herokuapi.Build, error) { return s.Client.BuildInfo(ctx, app, b.ID) },
		State: func(b *herokuapi.Build) string { return b.Status },
		Final: func(b *herokuapi.Build) bool {
			return b.Status != "pending" && (b.Status != "succeeded" || b.Release != nil)
		},
		Cancel: func(ctx context.Context, b *herokuapi.Build) string { return cancelBuild(ctx, s, app, b) },
	}
}

// cancelBuild stops a pending build, so nothing keeps running behind the
// user's back, or says what a finished one means.
func cancelBuild(ctx context.Context, s *session.Session, app string, b *herokuapi.Build) string {
	if b.Status != "pending" {
		return ended(b)
	}
	err := s.Client.CancelBuild(ctx, app, b.ID)
	switch {
	case err == nil:
		return "cancelled build " + b.ID + " on Heroku"
	case herokuapi.StatusOf(err) == 422:
		// It finished, or an earlier attempt of this DELETE cancelled it.
		// The status we cancelled on may be stale (its fresh read failed):
		// only a fresh one says whether a release goes live.
		if now, err := s.Client.BuildInfo(ctx, app, b.ID); err == nil && now.Status != "pending" {
			return ended(now)
		}
		return fmt.Sprintf("build %s was no longer pending and its status could not be read: if it succeeded, its release goes live; roll back on Heroku if it must not%s", b.ID, dashboard(app))
	default:
		return fmt.Sprintf("could not cancel build %s (%v): it may still run%s", b.ID, err, dashboard(app))
	}
}

// ended says what a build that is no longer pending leaves behind.
func ended(b *herokuapi.Build) string {
	switch {
	case b.Status == "succeeded" && b.Release != nil:
		return fmt.Sprintf("build %s had already succeeded: its release %s goes live; roll back on Heroku if it must not", b.ID, b.Release.ID)
	case b.Status == "succeeded":
		return fmt.Sprintf("build %s had already succeeded: its release goes live; roll back on Heroku if it must not", b.ID)
	}
	return fmt.Sprintf("build %s had already ended (%s): nothing goes live", b.ID, b.Status)
}

// stoppedCreating handles a stop that came while the build was being
// created: the POST may have created a build Heroku will run and release.
// It finds that build (the POST's answer, else the list by source blob)
// and cancels it; if it cannot tell, it says so.
func stoppedCreating(ctx context.Context, s *session.Session, app string, req herokuapi.BuildRequest, b *herokuapi.Build) error {
	if b == nil {
		// The list can lag: look for the whole budget, not once.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupBudget+time.Second)
		found, err := s.Client.AwaitBuild(lctx, app, req.SourceURL, lookupBudget)
		cancel()
		if err != nil || found == nil {
			// Not finding it proves nothing: the request may have arrived
			// after the last look.
			note := fmt.Sprintf("no build from this upload showed in the app's build list within %s: if Heroku created one, it will run and release%s", lookupBudget, dashboard(app))
			if err != nil {
				note = fmt.Sprintf("could not tell whether Heroku created a build from this upload (%v): if it did, it will run and release%s", err, dashboard(app))
			}
			return follow.StoppedAt(ctx, "the build to be created", note)
		}
		b = found
	}
	s.Links.Build(app, b.ID, b.Status)
	return follow.Stop(ctx, buildJob(s, app, b), b)
}

// lookupBudget bounds the search for a build after a stop.
const lookupBudget = 5 * time.Second

func dashboard(app string) string {
	return fmt.Sprintf("; see https://dashboard.heroku.com/apps/%s/activity", app)
}

var bpNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// CheckBuildpack checks a --buildpack before any request: an http(s) URL,
// or a registry name such as heroku/nodejs.
func CheckBuildpack(bp string) error {
	if u, err := url.Parse(bp); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return nil
	}
	if !bpNameRE.MatchString(bp) {
		return outcome.Input(fmt.Sprintf("--buildpack %q is neither a URL nor a buildpack name", bp),
			"use a registry name such as heroku/nodejs or an https:// URL")
	}
	return nil
}
