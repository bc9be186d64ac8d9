package container

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/image"
	"gitlab.com/heroku-deploy/heroku/internal/promote"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
	"gitlab.com/heroku-deploy/heroku/internal/release"
)

// Promoter carries what a container promotion needs: the deploy's
// carrier and the registry client.
type Promoter struct {
	Client *herokuapi.Client
	Wait   *follow.Waiter
	Out    *ciout.Writer
	Warn   func(string)
	Images *image.Client
}

// PromoteConfig says what to promote where.
type PromoteConfig struct {
	// From is the source app, read already (on the container stack).
	From *herokuapi.App
	To   []string
	// Types are the process types whose images are promoted.
	Types []string
	// SourceVersion is the commit the images must carry in their revision
	// label, unless AnyCommit.
	SourceVersion string
	AnyCommit     bool
	// CommitUnknownOK promotes an image without a revision label (its
	// commit unchecked); an image with one is checked all the same.
	CommitUnknownOK bool
	Health          health.Options
}

// Staged is one process type's image on the source, as promoted.
type Staged struct {
	Type           string
	ManifestDigest string
	ImageID        string
	Revision       string
}

// Target is one target app and what the promotion did to it.
type Target struct {
	App, WebURL, Generation string
	Release                 *herokuapi.Release
	guard                   *health.Guard
}

// PromoteResult is what was promoted.
type PromoteResult struct {
	Source  string
	Version int    // the source release that deployed what it runs
	Commit  string // the images' revision, "" when unknown
	Images  []Staged
	Targets []*Target
}

// Promote checks, before anything changes, the targets (container stack,
// Cedar), the pipeline and stages (as slug promotion), which image the
// source runs for each type (its releases' descriptions) and that its
// registry's latest tag holds that very image, and the commit the image
// was built from (its revision label) against SourceVersion, refusing one
// the source was rolled back away from. Then it copies the images to each
// target's repositories within Heroku's registry (mounts, nothing
// downloaded), releases them there with one formation update per target,
// follows each release, and checks health.
func (p *Promoter) Promote(ctx context.Context, cfg PromoteConfig) (*PromoteResult, error) {
	src := cfg.From
	if err := CheckApp(src); err != nil {
		return nil, err
	}
	res := &PromoteResult{Source: src.Name}
	for _, name := range cfg.To {
		a, err := p.Client.AppInfo(ctx, name)
		if err != nil {
			return nil, &promote.AppError{App: name, Err: fmt.Errorf("look up app %s: %w", name, err)}
		}
		if err := CheckApp(a); err != nil {
			var ie *follow.InputError
			if errors.As(err, &ie) {
				ie.Msg = fmt.Sprintf("%s is promoted as a container image, but target %s", src.Name, strings.TrimPrefix(ie.Msg, "app "))
				ie.Hint = "promote between apps of one kind: container-stack Cedar apps here"
			}
			return nil, err
		}
		u, note, err := p.Client.URL(ctx, a)
		if err != nil {
			return nil, &promote.AppError{App: name, Err: err}
		}
		if note != "" {
			p.Out.Step("%s", note)
		}
		res.Targets = append(res.Targets, &Target{App: a.Name, WebURL: u, Generation: herokuapi.Generation(a)})
	}
	if err := promote.CheckPipeline(ctx, p.Client, src.Name, cfg.To); err != nil {
		return nil, err
	}
	if err := p.check(ctx, cfg, res); err != nil {
		return nil, err
	}

	if cfg.Health.Check != "" {
		for _, t := range res.Targets {
			out := p.Out.Prefixed("[" + t.App + "] ")
			f := &release.Follower{Client: p.Client, Wait: p.Wait, Out: out, Unregistered: NoCurl}
			g, err := cfg.Health.NewGuard(t.App, t.WebURL, nil, f, out)
			if err != nil {
				return nil, &follow.InputError{Msg: err.Error(), Hint: "pass a full URL to --health-check (the health_check input), or give the app a URL"}
			}
			if cfg.Health.Rollback {
				if g.Before, err = release.CurrentOf(ctx, p.Client, t.App); err != nil {
					return nil, &promote.AppError{App: t.App, Err: err}
				}
			}
			t.guard = g
		}
	}

	commit := "commit unknown (no revision label)"
	if res.Commit != "" {
		commit = "commit " + shortCommit(res.Commit)
	}
	var each []string
	for _, s := range res.Images {
		each = append(each, fmt.Sprintf("%s %s", s.Type, short12(s.ImageID)))
	}
	p.Out.Step("Promoting %s v%d (%s; %s) to %s", src.Name, res.Version, commit, strings.Join(each, ", "), strings.Join(cfg.To, ", "))
	// Copies change only the registry: every target gets its images before
	// any is released, so a registry failure releases nothing anywhere.
	for _, t := range res.Targets {
		for _, s := range res.Images {
			pu, err := p.Images.Copy(ctx, src.Name, t.App, s.Type, s.ManifestDigest)
			if err != nil {
				if ctx.Err() != nil {
					return res, follow.StoppedAt(ctx, fmt.Sprintf("the copy of %s/%s to %s", src.Name, s.Type, t.App), "nothing was released on any target")
				}
				return res, &promote.AppError{App: t.App, Err: fmt.Errorf("copy %s/%s@%s to %s: %w; nothing was released on any target", src.Name, s.Type, s.ManifestDigest, t.App, err)}
			}
			p.Out.Line("    %s:latest %s (image %s): %s", pu.Repository, pu.ManifestDigest, pu.ImageID, blobs(pu))
		}
	}
	var updates []herokuapi.DockerImage
	for _, s := range res.Images {
		updates = append(updates, herokuapi.DockerImage{Type: s.Type, Image: s.ImageID})
	}
	for i, t := range res.Targets {
		out := p.Out.Prefixed("[" + t.App + "] ")
		r := &releaser{Client: p.Client, Wait: p.Wait, Out: out}
		f := &release.Follower{Client: p.Client, Wait: p.Wait, Out: out, Unregistered: NoCurl}
		before, err := r.newest(ctx, t.App)
		if err == nil {
			t.Release, err = r.release(ctx, t.App, updates, before, f)
		}
		out.Flush()
		if err != nil {
			if rest := others(res.Targets[i+1:]); rest != "" {
				err = fmt.Errorf("%w (nothing was released on %s)", err, rest)
			}
			return res, &promote.AppError{App: t.App, Err: err}
		}
	}
	for _, t := range res.Targets {
		if t.guard != nil {
			if err := t.guard.Verify(ctx); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// check makes the source's checks: which image it runs for each type,
// that its registry's latest holds it, and the commit.
func (p *Promoter) check(ctx context.Context, cfg PromoteConfig, res *PromoteResult) error {
	src := cfg.From.Name
	list, err := p.Client.RecentReleases(ctx, src, 50)
	if err != nil {
		return &promote.AppError{App: src, Err: fmt.Errorf("list the releases of %s: %w", src, err)}
	}
	if !anyDeployed(list) {
		return &follow.InputError{Msg: fmt.Sprintf("%s has no release of a container image to promote", src), Hint: "deploy an image to it first (deploy --image, the container_image input)"}
	}
	revisions := map[string]string{}
	for _, typ := range cfg.Types {
		run, ok := runningImage(list, typ)
		if !ok {
			return &NotRunningError{App: src, Type: typ, Listed: len(list)}
		}
		latest, err := p.Images.Latest(ctx, src, typ)
		switch {
		case IsHeroku(err, registry.NotFound):
			return &NotPushedError{App: src, Type: typ}
		case err != nil:
			return &promote.AppError{App: src, Err: fmt.Errorf("read %s/%s:latest: %w", src, typ, err)}
		}
		if short12(latest.ImageID) != run.Short {
			// The pushed image is one the app was rolled back away from,
			// or one never released at all.
			if d := deployedOf(list, typ, short12(latest.ImageID)); d != nil {
				if rb := release.MovedAway(list, d.Version); rb != nil {
					return &promote.RolledBackError{App: src, Commit: orUnknown(latest.Revision), Version: d.Version, Rollback: rb}
				}
			}
			return &LatestMismatchError{App: src, Type: typ, Latest: latest.ImageID, Running: run.Short, RunningVersion: run.Version}
		}
		if rb := release.MovedAway(list, run.Version); rb != nil && !cfg.AnyCommit {
			return &promote.RolledBackError{App: src, Commit: orUnknown(latest.Revision), Version: run.Version, Rollback: rb}
		}
		res.Version = max(res.Version, run.Version)
		res.Images = append(res.Images, Staged{Type: typ, ManifestDigest: latest.ManifestDigest, ImageID: latest.ImageID, Revision: latest.Revision})
		revisions[typ] = latest.Revision
		if latest.Revision == "" && !cfg.AnyCommit && !cfg.CommitUnknownOK {
			return &NoRevisionError{App: src, Type: typ, ImageID: latest.ImageID}
		}
	}
	for _, s := range res.Images {
		if res.Commit == "" {
			res.Commit = s.Revision
		}
		if s.Revision != "" && s.Revision != res.Commit && !cfg.AnyCommit {
			return &MixedCommitsError{App: src, Commits: revisions}
		}
	}
	switch {
	case cfg.AnyCommit:
	case res.Commit == "":
		p.Out.Step("The images %s runs carry no %s label: their commit is not checked (--image-commit-unknown-ok)", src, revisionLabel)
	case res.Commit != cfg.SourceVersion:
		return &promote.ProvenanceError{App: src, Version: res.Version, Commit: res.Commit, Want: cfg.SourceVersion}
	}
	return nil
}

func orUnknown(c string) string {
	if c == "" {
		return "an image without a revision label"
	}
	return c
}

func others(ts []*Target) string {
	var names []string
	for _, t := range ts {
		names = append(names, t.App)
	}
	return strings.Join(names, ", ")
}
