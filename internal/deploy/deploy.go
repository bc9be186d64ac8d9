// Package deploy runs a source deploy on Heroku: package the directory,
// upload it, create exactly one build, stream its log, wait for the build and
// for release phase, and report what is live.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	heroku "github.com/heroku/heroku-go/v6"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/ignore"
	"gitlab.com/heroku-deploy/heroku/internal/logstream"
)

// Config says what to deploy and how patiently.
type Config struct {
	App           string
	Dir           string
	SourceVersion string
	Buildpacks    []string
	Exclude       *ignore.Matcher
	TmpDir        string

	PollInterval time.Duration // between status polls [2s]
	StreamWait   time.Duration // how long a stream may answer 404 [30s]
	RetryWait    time.Duration // first wait between attempts [1s]
	CreateTries  int           // attempts to create the build [5]
}

// Result is what was deployed.
type Result struct {
	App            string
	WebURL         string
	BuildID        string
	ReleaseID      string
	ReleaseVersion int
}

// FailedError means Heroku ran the build or the release command and it
// failed: the code or its configuration must change.
type FailedError struct{ Msg string }

func (e *FailedError) Error() string { return e.Msg }

// StoppedError means the deploy was stopped (timeout or signal) while Heroku
// was working. Err is the context's cause.
type StoppedError struct {
	Err    error
	During string // "build b000… (last status: pending)"
	Note   string // what was done about it
}

func (e *StoppedError) Error() string {
	msg := e.Err.Error()
	if e.During != "" {
		msg += " while waiting for " + e.During
	}
	if e.Note != "" {
		msg += "; " + e.Note
	}
	return msg
}

func (e *StoppedError) Unwrap() error { return e.Err }

// Deployer carries the client and the log.
type Deployer struct {
	Client *herokuapi.Client
	Out    *ciout.Writer
	Warn   func(string)
}

func (c *Config) defaults() {
	if c.PollInterval <= 0 {
		c.PollInterval = 2 * time.Second
	}
	if c.StreamWait <= 0 {
		c.StreamWait = 30 * time.Second
	}
	if c.RetryWait <= 0 {
		c.RetryWait = time.Second
	}
	if c.CreateTries <= 0 {
		c.CreateTries = 5
	}
}

// Package builds the archive. It makes no request, so every problem with
// the directory surfaces before Heroku is contacted.
func (d *Deployer) Package(ctx context.Context, cfg Config) (*archive.Result, error) {
	d.Out.Step("Packaging %s", cfg.Dir)
	res, err := archive.Create(ctx, cfg.TmpDir, archive.Options{Dir: cfg.Dir, Exclude: cfg.Exclude, Warn: d.Warn})
	if err != nil {
		return nil, err
	}
	noun := "entries"
	if res.Stats.Files == 1 {
		noun = "entry"
	}
	d.Out.Step("Packaged %d %s, %s compressed", res.Stats.Files, noun, humanBytes(res.Size))
	return res, nil
}

// Run deploys an archive made by Package.
func (d *Deployer) Run(ctx context.Context, cfg Config, src *archive.Result) (*Result, error) {
	cfg.defaults()
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
	if err := d.upload(ctx, source.SourceBlob.PutURL, src); err != nil {
		return nil, err
	}

	b, err := d.createBuild(ctx, cfg, source.SourceBlob.GetURL, src.SHA256)
	if err != nil {
		return nil, err
	}
	res.BuildID = b.ID
	b, err = d.followBuild(ctx, cfg, b)
	if err != nil {
		return res, err
	}
	if b.Status != "succeeded" {
		return res, &FailedError{fmt.Sprintf("build %s %s", b.ID, b.Status)}
	}
	if b.Release == nil {
		return res, &FailedError{fmt.Sprintf("build %s succeeded but Heroku reported no release", b.ID)}
	}
	rel, err := d.followRelease(ctx, cfg, b.Release.ID)
	if rel != nil {
		res.ReleaseID, res.ReleaseVersion = rel.ID, rel.Version
	}
	return res, err
}

// upload sends the archive to the presigned URL Heroku handed out.
func (d *Deployer) upload(ctx context.Context, putURL string, src *archive.Result) error {
	resp, err := d.Client.Upload(ctx, putURL, src.Size, func() (io.ReadCloser, error) { return os.Open(src.Path) })
	if err != nil {
		return fmt.Errorf("upload source: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		code := s3Code(resp.Body)
		err := &herokuapi.Error{Method: "PUT", Path: "(source upload)", Status: resp.StatusCode, ID: code, Message: http.StatusText(resp.StatusCode)}
		return fmt.Errorf("upload source: %w", err)
	}
	return nil
}

func s3Code(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 4096))
	s := string(b)
	i, j := strings.Index(s, "<Code>"), strings.Index(s, "</Code>")
	if i < 0 || j < i {
		return ""
	}
	return s[i+6 : j]
}

// createBuild creates exactly one build. A POST that failed ambiguously (a
// 5xx or a dropped connection after the request went out) may have created
// the build anyway, so before each new attempt it looks for a build of this
// source blob.
func (d *Deployer) createBuild(ctx context.Context, cfg Config, getURL, sum string) (*heroku.Build, error) {
	var opts heroku.BuildCreateOpts
	opts.SourceBlob.URL = &getURL
	checksum := "SHA256:" + sum
	opts.SourceBlob.Checksum = &checksum
	if cfg.SourceVersion != "" {
		opts.SourceBlob.Version = &cfg.SourceVersion
	}
	for _, bp := range cfg.Buildpacks {
		bp := bp
		entry := &struct {
			Name *string `json:"name,omitempty" url:"name,omitempty,key"`
			URL  *string `json:"url,omitempty" url:"url,omitempty,key"`
		}{}
		if strings.Contains(bp, "://") {
			entry.URL = &bp
		} else {
			entry.Name = &bp
		}
		opts.Buildpacks = append(opts.Buildpacks, entry)
	}
	wait := cfg.RetryWait
	for attempt := 1; ; attempt++ {
		b, err := d.Client.BuildCreate(ctx, cfg.App, opts)
		if err == nil {
			return b, nil
		}
		if !ambiguous(ctx, err) || attempt >= cfg.CreateTries {
			return nil, fmt.Errorf("create build: %w", err)
		}
		d.Warn(fmt.Sprintf("creating the build failed ambiguously (%v); checking whether Heroku created it", err))
		if b, ferr := d.findBuild(ctx, cfg.App, getURL); ferr == nil && b != nil {
			d.Warn(fmt.Sprintf("Heroku did create build %s; following it", b.ID))
			return b, nil
		} else if ferr != nil {
			return nil, fmt.Errorf("create build: %w; then could not check for it: %v", err, ferr)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// ambiguous: the request may have been processed. 429 and dial errors were
// retried already by the client; 4xx are definite answers.
func ambiguous(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if s := herokuapi.StatusOf(err); s != 0 {
		return s >= 500
	}
	return herokuapi.Unavailable(err)
}

func (d *Deployer) findBuild(ctx context.Context, app, getURL string) (*heroku.Build, error) {
	list, err := d.Client.RecentBuilds(ctx, app, 10)
	if err != nil {
		return nil, err
	}
	want := herokuapi.Redact(getURL)
	for i := range list {
		if herokuapi.Redact(list[i].SourceBlob.URL) == want {
			return &list[i], nil
		}
	}
	return nil, nil
}

// followBuild streams the build log, then polls until the build leaves
// "pending" (it can linger there after the stream ends).
func (d *Deployer) followBuild(ctx context.Context, cfg Config, b *heroku.Build) (*heroku.Build, error) {
	end := d.Out.Section("heroku_build", fmt.Sprintf("Building on Heroku (build %s)", b.ID))
	_, err := logstream.Follow(ctx, b.OutputStreamURL, d.Out, d.streamOpts(cfg))
	end()
	if err != nil && ctx.Err() == nil {
		d.Warn(fmt.Sprintf("build output unavailable (%v); waiting for the build result", err))
	}
	last := b.Status
	for {
		if ctx.Err() != nil {
			return b, d.stopped(ctx, cfg.App, b.ID, last)
		}
		cur, err := d.Client.BuildInfo(ctx, cfg.App, b.ID)
		switch {
		case err == nil:
			b, last = cur, cur.Status
			if cur.Status != "pending" {
				return cur, nil
			}
		case ctx.Err() != nil:
			continue
		case herokuapi.Unavailable(err):
			d.Warn(fmt.Sprintf("checking build status: %v; still waiting", err))
		default:
			return b, fmt.Errorf("check build %s: %w", b.ID, err)
		}
		_ = sleep(ctx, d.pollInterval(cfg))
	}
}

// pollInterval slows down when the account's rate-limit budget runs low, so
// a long deploy never starves the team's other tools.
func (d *Deployer) pollInterval(cfg Config) time.Duration {
	if r := d.Client.RateLimitRemaining(); r >= 0 && r < 100 {
		return 4 * cfg.PollInterval
	}
	return cfg.PollInterval
}

// stopped cancels a pending build when the deploy is interrupted, so nothing
// keeps running behind the user's back, and says what was done.
func (d *Deployer) stopped(ctx context.Context, app, buildID, last string) error {
	e := &StoppedError{Err: context.Cause(ctx), During: fmt.Sprintf("build %s (last status: %s)", buildID, last)}
	if last != "pending" {
		return e
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := d.Client.CancelBuild(cctx, app, buildID)
	switch {
	case err == nil:
		e.Note = "cancelled build " + buildID + " on Heroku"
	case herokuapi.StatusOf(err) == 422:
		// Either it finished, or an earlier attempt of this DELETE did cancel it.
		e.Note = "build " + buildID + " was no longer pending (finished or already cancelled)"
	default:
		e.Note = fmt.Sprintf("could not cancel build %s (%v): it may still run", buildID, err)
	}
	return e
}

// followRelease waits for release phase when the release has one.
func (d *Deployer) followRelease(ctx context.Context, cfg Config, id string) (*heroku.Release, error) {
	rel, err := d.Client.ReleaseInfo(ctx, cfg.App, id)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &StoppedError{Err: context.Cause(ctx), During: "release " + id}
		}
		return nil, fmt.Errorf("look up release %s: %w", id, err)
	}
	// Show release phase's log even when it already ended: a failure's
	// reason is in it.
	if rel.OutputStreamURL != nil && *rel.OutputStreamURL != "" {
		end := d.Out.Section("heroku_release", fmt.Sprintf("Running release phase (v%d)", rel.Version))
		_, err := logstream.Follow(ctx, *rel.OutputStreamURL, d.Out, d.streamOpts(cfg))
		end()
		if err != nil && ctx.Err() == nil {
			d.Warn(fmt.Sprintf("release output unavailable (%v); waiting for the release result", err))
		}
	}
	for rel.Status == "pending" {
		if ctx.Err() != nil {
			return rel, &StoppedError{Err: context.Cause(ctx),
				During: fmt.Sprintf("release v%d (last status: pending)", rel.Version),
				Note:   "release phase goes on on Heroku; the previous release serves until it succeeds"}
		}
		if err := sleep(ctx, d.pollInterval(cfg)); err != nil {
			continue
		}
		cur, err := d.Client.ReleaseInfo(ctx, cfg.App, id)
		switch {
		case err == nil:
			rel = cur
		case ctx.Err() != nil || herokuapi.Unavailable(err):
			if ctx.Err() == nil {
				d.Warn(fmt.Sprintf("checking release status: %v; still waiting", err))
			}
		default:
			return rel, fmt.Errorf("check release v%d: %w", rel.Version, err)
		}
	}
	if rel.Status != "succeeded" {
		return rel, &FailedError{fmt.Sprintf("release v%d %s in release phase: it was not deployed, the previous release keeps serving", rel.Version, rel.Status)}
	}
	return rel, nil
}

func (d *Deployer) streamOpts(cfg Config) logstream.Options {
	return logstream.Options{Client: d.Client.Plain, NotFoundWindow: cfg.StreamWait, RetryWait: cfg.RetryWait}
}

func sleep(ctx context.Context, dur time.Duration) error {
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
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

// IsStopped reports whether err is a timeout or cancellation.
func IsStopped(err error) bool {
	var s *StoppedError
	return errors.As(err, &s) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
