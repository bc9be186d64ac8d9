package deploy

import (
	"context"
	"errors"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/gitrev"
	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/ignore"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/release"
)

// Source is what a source deploy is asked, as its flags say it (deploy's
// and review deploy's), before its checks.
type Source struct {
	App        string
	Dir        string // --dir, as given
	Version    string // --source-version, "" for git's HEAD in Dir
	Buildpacks []string
	Excludes   []string
	Dotenv     string // the report's file, "" for none
	Health     health.Options
}

// Check checks, before any request, what deploy and review deploy share:
// the directory (symlinks resolved: the walk packs exactly what was
// checked), --buildpack, --exclude, --source-version, the health check and
// --dotenv. It returns the deploy's config so far.
func (a Source) Check() (Config, error) {
	dir, err := archive.CheckDir(a.Dir)
	switch {
	case errors.Is(err, archive.ErrNotDir):
		return Config{}, outcome.Inputf("--dir %s %v", a.Dir, err)
	case err != nil:
		return Config{}, outcome.Inputf("--dir %s: %v", a.Dir, err)
	}
	for _, bp := range a.Buildpacks {
		if err := CheckBuildpack(bp); err != nil {
			return Config{}, err
		}
	}
	exclude, err := ignore.New(a.Excludes)
	if err != nil {
		return Config{}, outcome.Inputf("--exclude: %v", err)
	}
	if strings.ContainsAny(a.Version, "\r\n") {
		return Config{}, outcome.Inputf("--source-version must be one line")
	}
	if err := a.Health.Validate(); err != nil {
		return Config{}, err
	}
	cfg := Config{App: a.App, Dir: dir, DirName: a.Dir, SourceVersion: a.Version, Buildpacks: a.Buildpacks, Exclude: exclude, Health: a.Health}
	return cfg, release.CheckDotenv(a.Dotenv)
}

// Version is what the build is recorded under: given (--source-version,
// CI_COMMIT_SHA), else git's HEAD in dir. HEAD names the tree only if
// nothing in it is uncommitted or ignored (the archive packs ignored files
// too): otherwise it is dirty, and the deploy records another version.
func Version(ctx context.Context, given, dir string) (version string, dirty bool) {
	if given != "" {
		return given, false
	}
	head, clean := gitrev.Head(ctx, dir)
	return head, head != "" && !clean
}
