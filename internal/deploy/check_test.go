package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// TestSourceCheck: every flag of a source deploy refused before any
// request, as input (exit 2), in the words the golden scripts assert.
func TestSourceCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ok := Source{App: "my-app", Dir: dir, Version: "abc", Buildpacks: []string{"heroku/go"}, Excludes: []string{"*.log"},
		Dotenv: filepath.Join(dir, "deploy.env"), Health: health.Options{Check: "/healthz", Timeout: time.Minute}}
	for _, tc := range []struct {
		name string
		edit func(*Source)
		msg  string
	}{
		{"no such dir", func(s *Source) { s.Dir = filepath.Join(dir, "nope") }, "--dir " + filepath.Join(dir, "nope") + ": "},
		{"not a dir", func(s *Source) { s.Dir = file }, "--dir " + file + " is not a directory"},
		{"buildpack", func(s *Source) { s.Buildpacks = []string{"nodejs"} }, `--buildpack "nodejs" is neither a URL nor a buildpack name`},
		{"exclude", func(s *Source) { s.Excludes = []string{"[a"} }, `--exclude: exclude pattern "[a"`},
		{"version", func(s *Source) { s.Version = "a\nb" }, "--source-version must be one line"},
		{"health", func(s *Source) { s.Health = health.Options{Contains: "ok"} }, "--health-check-contains needs --health-check"},
		{"dotenv", func(s *Source) { s.Dotenv = file + "/x" }, "--dotenv " + file + "/x is not writable: "},
	} {
		src := ok
		tc.edit(&src)
		_, err := src.Check()
		var oe *outcome.Error
		if !errors.As(err, &oe) || oe.Kind != outcome.BadInput || !strings.HasPrefix(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want input refused %q…", tc.name, err, tc.msg)
		}
	}
	cfg, err := ok.Check()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.App != "my-app" || cfg.DirName != dir || cfg.Dir == "" || cfg.SourceVersion != "abc" || cfg.Exclude == nil || cfg.Health.Check != "/healthz" {
		t.Errorf("config: %+v", cfg)
	}
}

// TestVersion: --source-version wins, never dirty; without it and outside
// a git checkout, none.
func TestVersion(t *testing.T) {
	if v, dirty := Version(context.Background(), "abc", t.TempDir()); v != "abc" || dirty {
		t.Errorf("given: %q %v", v, dirty)
	}
	if v, dirty := Version(context.Background(), "", t.TempDir()); v != "" || dirty {
		t.Errorf("no checkout: %q %v", v, dirty)
	}
}
