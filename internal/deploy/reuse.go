package deploy

import (
	"context"
	"fmt"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/release"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// A commit Heroku has built before need not be built again: the build's
// slug (Cedar) or its release's OCI image (Fir) can be released again
// with today's config vars (POST /apps/{app}/releases with slug or
// oci_image), as long as Heroku still keeps it. Its retention (changelog
// 3395, 2025-10-01) deletes artifacts older than 30 days beyond the last
// 20 releases; a release that carries one still kept is eligible for
// rollback and not expired. This is what makes GitLab's Rollback and
// Re-deploy buttons, which run an old deploy job again, a re-release of
// exactly the slug that was live then.

// lookupDepth is how many builds and releases the lookup reads: beyond
// the last 20 releases, artifacts live 30 days at most.
const lookupDepth = 100

// findReusable is an earlier build whose artifact can be released again.
type reusable struct {
	build    herokuapi.Build
	kind, id string
}

// findReusable finds the newest succeeded build of version on app whose
// artifact Heroku still keeps, or nil.
func findReusable(ctx context.Context, s *session.Session, app, version string) (*reusable, error) {
	builds, err := s.Client.RecentBuilds(ctx, app, lookupDepth)
	if err != nil {
		return nil, fmt.Errorf("look for an earlier build of %s: %w", short(version), err)
	}
	var same []herokuapi.Build
	for _, b := range builds {
		if b.Status == "succeeded" && b.SourceBlob.Version != nil && *b.SourceBlob.Version == version && b.Release != nil {
			same = append(same, b)
		}
	}
	if len(same) == 0 {
		return nil, nil
	}
	releases, err := s.Client.RecentReleases(ctx, app, lookupDepth)
	if err != nil {
		err = fmt.Errorf("look for an earlier build of %s: %w", short(version), err)
		if herokuapi.ScopeRefused(err) != nil {
			// Whether to release again decides what goes live: no guess.
			return nil, outcome.Note(err, fmt.Sprintf("Heroku built %s before: releasing that build again reads and makes releases; --rebuild (the rebuild input) builds it anew instead, which needs no release read", short(version)))
		}
		return nil, err
	}
	for _, b := range same { // newest first
		if kind, id := artifactOf(b, releases); kind != "" && kept(kind, id, releases) {
			return &reusable{build: b, kind: kind, id: id}, nil
		}
	}
	older := ""
	if len(same) > 1 {
		older = fmt.Sprintf(" (nor those of %d older builds of it)", len(same)-1)
	}
	kind, _ := artifactOf(same[0], releases)
	s.Out.Step("Build %s of %s from %s cannot be released again: Heroku no longer keeps its %s%s", same[0].ID, short(version), day(same[0]), noun(kind), older)
	return nil, nil
}

// artifactOf is what a build made: its slug on Cedar; on Fir, builds name
// no artifact, so the OCI image of the release the build made.
func artifactOf(b herokuapi.Build, releases []herokuapi.Release) (kind, id string) {
	if b.Slug != nil && b.Slug.ID != "" {
		return "slug", b.Slug.ID
	}
	for i := range releases {
		if releases[i].ID == b.Release.ID {
			return herokuapi.Artifact(&releases[i])
		}
	}
	return "", ""
}

// kept: some release that carries the artifact can still be rolled back
// to, so Heroku still has it.
func kept(kind, id string, releases []herokuapi.Release) bool {
	for i := range releases {
		k, a := herokuapi.Artifact(&releases[i])
		if k == kind && a == id && release.Check("", &releases[i]) == nil {
			return true
		}
	}
	return false
}

// rerelease releases old's artifact with today's config vars and follows
// the release.
func rerelease(ctx context.Context, s *session.Session, cfg Config, old *reusable) (*herokuapi.Release, error) {
	s.Out.Step("Reusing build %s from %s (%s): no upload, no build", old.build.ID, day(old.build), short(cfg.SourceVersion))
	s.Links.Build(cfg.App, old.build.ID, "released again")
	desc := fmt.Sprintf("Deploy %s (build %s again)", short(cfg.SourceVersion), old.build.ID)
	rel, err := s.Client.ReleaseArtifact(ctx, cfg.App, old.kind, old.id, desc)
	if err != nil {
		return nil, fmt.Errorf("release %s %s of build %s again: %w", noun(old.kind), old.id, old.build.ID, err)
	}
	return release.Follow(ctx, s, cfg.App, rel.ID)
}

// short is a version as the log shows it: a commit's first 8 hex digits,
// the whole tail of a dirty tree's (abcdef12-dirty-0123456789ab).
func short(version string) string {
	if i := strings.Index(version, "-dirty-"); i >= 0 {
		return version[:min(8, i)] + version[i:]
	}
	return version[:min(8, len(version))]
}

func day(b herokuapi.Build) string { return b.CreatedAt.UTC().Format("2006-01-02 15:04 UTC") }

func noun(kind string) string {
	if kind == "oci-image" {
		return "OCI image"
	}
	return "slug"
}
