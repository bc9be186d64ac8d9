package container

import (
	"errors"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/credential"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/ignore"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// TestPlan: an image deploy's flags, checked before any request: each
// process type paired with its image in the order given, --image-for's
// variables expanded; the flags of a source deploy refused, and
// --process-types without --image (all input refused, exit 2).
func TestPlan(t *testing.T) {
	env := map[string]string{"CI_REGISTRY_IMAGE": "registry.example.com/group/app"}
	creds := &credential.Reader{Lookup: func(n string) (string, bool) { v, ok := env[n]; return v, ok }}
	exclude, _ := ignore.New([]string{"*.log"})
	ask := func(a Ask) Ask {
		if a.DirName == "" {
			a.DirName = "."
		}
		return a
	}
	srcs, err := Plan(ask(Ask{Image: "registry.example.com/group/app:v1", ProcessTypes: []string{"web", "release"},
		ImageFor: []string{"worker=$CI_REGISTRY_IMAGE/worker:v1", "web=$CI_REGISTRY_IMAGE/web:v1"}}), creds)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range srcs {
		got = append(got, s.Type+"="+s.Ref+" ("+s.Creds.From+")")
	}
	want := "web=registry.example.com/group/app/web:v1 (anonymous), release=registry.example.com/group/app:v1 (anonymous), worker=registry.example.com/group/app/worker:v1 (anonymous)"
	if strings.Join(got, ", ") != want {
		t.Errorf("sources:\n%s\nwant\n%s", strings.Join(got, ", "), want)
	}
	if srcs, err := Plan(ask(Ask{Image: "registry.example.com/group/app:v1"}), creds); err != nil || len(srcs) != 1 || srcs[0].Type != "web" {
		t.Errorf("--image alone: %v %v, want web", srcs, err)
	}
	for _, tc := range []struct {
		ask  Ask
		want string
	}{
		{Ask{ProcessTypes: []string{"web"}}, "--process-types names the types that run --image, and there is no --image"},
		{Ask{Image: "r/a:1", Config: deploy.Config{DirName: "app"}}, "--dir is for source deploys"},
		{Ask{Image: "r/a:1", Config: deploy.Config{Buildpacks: []string{"heroku/nodejs"}}}, "--buildpack, --exclude and --rebuild are for source deploys"},
		{Ask{Image: "r/a:1", Config: deploy.Config{Exclude: exclude}}, "--buildpack, --exclude and --rebuild are for source deploys"},
		{Ask{Image: "r/a:1", Config: deploy.Config{Rebuild: true}}, "--buildpack, --exclude and --rebuild are for source deploys"},
		{Ask{ImageFor: []string{"worker"}}, `--image-for "worker" is not TYPE=REF`},
		{Ask{ImageFor: []string{"worker=$NOPE/w:1"}}, "--image-for worker: $NOPE is not set"},
		{Ask{ImageFor: []string{"w=r/a:1", "w=r/b:1"}}, "--image-for gives w an image twice"},
		{Ask{Image: "r/a:1", ProcessTypes: []string{"web", "web"}}, "--process-types names web twice"},
		{Ask{Image: "r/a:1", ProcessTypes: []string{"we b"}}, "is not a process type"},
	} {
		_, err := Plan(ask(tc.ask), creds)
		var oe *outcome.Error
		if !errors.As(err, &oe) || oe.Kind != outcome.BadInput || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want input refused: %s", tc.ask, err, tc.want)
		}
	}
}
