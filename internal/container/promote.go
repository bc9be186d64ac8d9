package container

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/image"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/promote"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// PromoteConfig says what to promote where: a promotion's config (From,
// To, SourceVersion, AnyCommit, Health) and the container promotion's own.
type PromoteConfig struct {
	promote.Config
	// App is the source app, read already (on the container stack):
	// promote.Promote's *promote.ContainerStackError gives it (SourceApp).
	App *herokuapi.App
	// Types are the process types whose images are promoted (web when none
	// is named).
	Types []string
	// CommitUnknownOK promotes an image without a revision label (its
	// commit unchecked); an image with one is checked all the same.
	CommitUnknownOK bool
}

// SourceApp is the source app of a promotion when it is on the container
// stack, as promote.Promote read it before it refused to go on: its
// images are promoted here instead.
func SourceApp(err error, from string) (*herokuapi.App, bool) {
	var cs *promote.ContainerStackError
	if errors.As(err, &cs) && cs.App.Name == from {
		return cs.App, true
	}
	return nil, false
}

// Promote checks, before anything changes, the process types, the targets
// (container stack, Cedar), the pipeline and stages (as slug promotion),
// which image the source runs for each type (its releases' descriptions)
// and that its registry's latest tag holds that very image, and the
// commit the image was built from (its revision label) against
// SourceVersion, refusing one the source was rolled back away from. Then
// it copies the images to each target's repositories within Heroku's
// registry (mounts, nothing downloaded), releases them there with one
// formation update per target, follows each release, and checks health.
// Its result is a promotion's, its Images what every target runs
// (promote.Report reports it).
func Promote(ctx context.Context, s *session.Session, r Registry, cfg PromoteConfig) (*promote.Result, error) {
	src := cfg.App
	if err := CheckApp(src); err != nil {
		return nil, err
	}
	types, err := checkTypes(cfg.Types)
	if err != nil {
		return nil, err
	}
	reg, err := r.client(s)
	if err != nil {
		return nil, err
	}
	res := &promote.Result{Source: src.Name}
	for _, name := range cfg.To {
		a, err := s.Client.AppInfo(ctx, name)
		if err != nil {
			return nil, &outcome.AppError{App: name, Err: fmt.Errorf("look up app %s: %w", name, err)}
		}
		if err := CheckApp(a); err != nil {
			return nil, outcome.Input(fmt.Sprintf("%s is promoted as a container image, but target %s", src.Name, strings.TrimPrefix(err.Error(), "app ")),
				"promote between apps of one kind: container-stack Cedar apps here")
		}
		u, note, err := s.Client.URL(ctx, a)
		if err != nil {
			return nil, &outcome.AppError{App: name, Err: err}
		}
		if note != "" {
			s.Out.Step("%s", note)
		}
		s.Links.URL(a.Name, u)
		res.Targets = append(res.Targets, &promote.Target{App: a.Name, WebURL: u, Generation: herokuapi.Generation(a), Status: "pending"})
	}
	if err := promote.CheckPipeline(ctx, s.Client, src.Name, cfg.To); err != nil {
		return nil, err
	}
	staged, err := check(ctx, s, reg, cfg, types, res)
	if err != nil {
		return nil, err
	}
	if cfg.Health.Check != "" {
		if err := promote.Guards(ctx, s, cfg.Health, res.Targets, release.Unregistered(NoCurl)); err != nil {
			return nil, err
		}
	}

	commit := "commit unknown (no revision label)"
	if res.Commit != "" {
		commit = "commit " + shortCommit(res.Commit)
	}
	var each []string
	for _, i := range res.Images {
		each = append(each, fmt.Sprintf("%s %s", i.Type, short12(i.ImageID)))
	}
	s.Out.Step("Promoting %s v%d (%s; %s) to %s", src.Name, res.Release.Version, commit, strings.Join(each, ", "), strings.Join(cfg.To, ", "))
	if s.Dry() {
		return res, plan(ctx, s, cfg, staged, res)
	}
	// Copies change only the registry: every target gets its images before
	// any is released, so a registry failure releases nothing anywhere.
	for _, t := range res.Targets {
		for _, i := range staged {
			pu, err := reg.Copy(ctx, src.Name, t.App, i.Type, i.ManifestDigest)
			if err != nil {
				if ctx.Err() != nil {
					return res, follow.StoppedAt(ctx, fmt.Sprintf("the copy of %s/%s to %s", src.Name, i.Type, t.App), "nothing was released on any target")
				}
				return res, &outcome.AppError{App: t.App, Err: fmt.Errorf("copy %s/%s@%s to %s: %w; nothing was released on any target", src.Name, i.Type, i.ManifestDigest, t.App, err)}
			}
			s.Out.Line("    %s:latest %s (image %s): %s", pu.Repository, pu.ManifestDigest, pu.ImageID, blobs(pu))
		}
	}
	var updates []herokuapi.DockerImage
	for _, i := range res.Images {
		updates = append(updates, herokuapi.DockerImage{Type: i.Type, Image: i.ImageID})
	}
	for n, t := range res.Targets {
		out := s.Out.Prefixed("[" + t.App + "] ")
		ts := s.WithOut(out)
		before, err := newest(ctx, ts, t.App)
		if err == nil {
			t.Release, err = releaseImages(ctx, ts, t.App, updates, before)
		}
		out.Flush()
		if err != nil {
			if rest := others(res.Targets[n+1:]); rest != "" {
				err = fmt.Errorf("%w (nothing was released on %s)", err, rest)
			}
			return res, &outcome.AppError{App: t.App, Err: err}
		}
		t.Status = t.Release.Status
	}
	for _, t := range res.Targets {
		if err := t.Verify(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

// plan says, in a dry run, what Promote would copy and release: the reads
// (each target's newest release) are made, the copies and releases are
// not.
func plan(ctx context.Context, s *session.Session, cfg PromoteConfig, staged []staged, res *promote.Result) error {
	s.Would("copy within Heroku's registry (mounts, nothing downloaded), then release on each target:")
	for _, t := range res.Targets {
		for _, i := range staged {
			s.Out.Line("    %s/%s@%s to %s/%s:latest", cfg.App.Name, i.Type, i.ManifestDigest, t.App, i.Type)
		}
	}
	var updates []herokuapi.DockerImage
	for _, i := range res.Images {
		updates = append(updates, herokuapi.DockerImage{Type: i.Type, Image: i.ImageID})
	}
	for _, t := range res.Targets {
		before, err := newest(ctx, s, t.App)
		if err != nil {
			return &outcome.AppError{App: t.App, Err: err}
		}
		if _, err := releaseImages(ctx, s, t.App, updates, before); err != nil {
			return err
		}
	}
	for _, t := range res.Targets {
		t.Plan(s)
	}
	return nil
}

// staged is one process type's image on the source, as promoted.
type staged struct {
	release.Image
	Revision string // org.opencontainers.image.revision, "" without
}

// check makes the source's checks: which image it runs for each type,
// that its registry's latest holds it, and the commit. It sets res's
// Release (the source's that deployed what it runs), Commit and Images,
// and returns the images to copy.
func check(ctx context.Context, s *session.Session, reg *image.Client, cfg PromoteConfig, types []string, res *promote.Result) ([]staged, error) {
	src := cfg.App.Name
	list, err := s.Client.RecentReleases(ctx, src, 50)
	if err != nil {
		return nil, &outcome.AppError{App: src, Err: fmt.Errorf("list the releases of %s: %w", src, err)}
	}
	if !anyDeployed(list) {
		return nil, outcome.Input(fmt.Sprintf("%s has no release of a container image to promote", src), "deploy an image to it first (deploy --image, the container_image input)")
	}
	var out []staged
	revisions := map[string]string{}
	version := 0 // the newest release that deployed one of the images
	for _, typ := range types {
		run, ok := runningImage(list, typ)
		if !ok {
			return nil, &NotRunningError{App: src, Type: typ, Listed: len(list)}
		}
		latest, err := reg.Latest(ctx, src, typ)
		switch {
		case isHeroku(err, registry.NotFound):
			return nil, &NotPushedError{App: src, Type: typ}
		case err != nil:
			return nil, &outcome.AppError{App: src, Err: fmt.Errorf("read %s/%s:latest: %w", src, typ, err)}
		}
		if short12(latest.ImageID) != run.Short {
			// The pushed image is one the app was rolled back away from
			// (what it runs is no rollback's: that is checked below), or
			// one never released at all: either way not what it runs.
			mismatch := &LatestMismatchError{App: src, Type: typ, Latest: latest.ImageID, Running: run.Short, RunningVersion: run.Version}
			if d := deployedOf(list, typ, short12(latest.ImageID)); d != nil {
				if rb := release.MovedAway(list, d.Version); rb != nil {
					if latest.Revision == "" || latest.Revision == cfg.SourceVersion {
						// The commit this pipeline promotes was rejected.
						return nil, &promote.RolledBackError{App: src, Commit: orUnknown(latest.Revision), Version: d.Version, Rollback: rb}
					}
					mismatch.RolledBack = d.Version // another commit's push, rejected
				}
			}
			return nil, mismatch
		}
		if rb := release.MovedAway(list, run.Version); rb != nil && !cfg.AnyCommit {
			return nil, &promote.RolledBackError{App: src, Commit: orUnknown(latest.Revision), Version: run.Version, Rollback: rb}
		}
		version = max(version, run.Version)
		i := release.Image{Type: typ, ManifestDigest: latest.ManifestDigest, ImageID: latest.ImageID}
		res.Images = append(res.Images, i)
		out = append(out, staged{Image: i, Revision: latest.Revision})
		revisions[typ] = latest.Revision
		if latest.Revision == "" && !cfg.AnyCommit && !cfg.CommitUnknownOK {
			return nil, &NoRevisionError{App: src, Type: typ, ImageID: latest.ImageID}
		}
	}
	res.Release = byVersion(list, version)
	for _, i := range out {
		if res.Commit == "" {
			res.Commit = i.Revision
		}
		if i.Revision != "" && i.Revision != res.Commit && !cfg.AnyCommit {
			return nil, &MixedCommitsError{App: src, Commits: revisions}
		}
	}
	switch {
	case cfg.AnyCommit:
	case res.Commit == "":
		s.Out.Step("The images %s runs carry no %s label: their commit is not checked (--image-commit-unknown-ok)", src, revisionLabel)
	case res.Commit != cfg.SourceVersion:
		return nil, &promote.ProvenanceError{App: src, Version: version, Commit: res.Commit, Want: cfg.SourceVersion}
	}
	return out, nil
}

func orUnknown(c string) string {
	if c == "" {
		return "an image without a revision label"
	}
	return c
}

func others(ts []*promote.Target) string {
	var names []string
	for _, t := range ts {
		names = append(names, t.App)
	}
	return strings.Join(names, ", ")
}
