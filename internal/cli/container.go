package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/container"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/image"
	"gitlab.com/heroku-deploy/heroku/internal/promote"
	"gitlab.com/heroku-deploy/heroku/internal/registry"
)

// ImageFlags are deploy's flags for a container image (internal/container):
// with --image or --image-for, deploy pushes and releases images instead
// of building a directory.
type ImageFlags struct {
	Image        string   `name:"image" env:"HEROKU_DEPLOY_CONTAINER_IMAGE" placeholder:"REF" help:"Deploy this container image (registry/path:tag or …@sha256:…) to a container-stack app instead of building --dir: read from its registry (the job token for $CI_REGISTRY, else DOCKER_AUTH_CONFIG, else anonymous), pushed to Heroku's registry as Docker v2 schema 2 linux/amd64 without a Docker daemon, and released for --process-types."`
	ProcessTypes []string `name:"process-types" env:"HEROKU_DEPLOY_PROCESS_TYPES" list:"" sep:"," placeholder:"TYPE,..." help:"Process types that run --image (default web); a release type runs release phase. promote: the types whose images are promoted (default web). Its variable holds a list: [\"web\", \"worker\"]."`
	ImageFor     []string `name:"image-for" env:"HEROKU_DEPLOY_IMAGE_FOR" list:"" sep:"none" placeholder:"TYPE=REF" help:"Give process type TYPE its own image; repeatable. $VARIABLES in REF are expanded (a reference holds no $). Its variable holds a list: [\"worker=$CI_REGISTRY_IMAGE/worker:TAG\"]."`
}

// on reports whether an image deploy was asked for.
func (f *ImageFlags) on() bool { return f.Image != "" || len(f.ImageFor) > 0 }

// sources checks the image flags and pairs each process type with its
// image, before any request.
func (f *ImageFlags) sources(getenv func(string) string, lookup func(string) (string, bool)) ([]container.Source, error) {
	types := f.ProcessTypes
	switch {
	case f.Image == "" && len(types) > 0:
		return nil, usage("--process-types names the types that run --image, and there is no --image", "give --image REF, or give each type its image with --image-for TYPE=REF")
	case f.Image != "" && len(types) == 0:
		types = []string{"web"}
	}
	refs := map[string]string{}
	var order []string
	for _, t := range types {
		t = strings.TrimSpace(t)
		if err := checkType("--process-types", t); err != nil {
			return nil, err
		}
		if _, dup := refs[t]; dup {
			return nil, usagef("--process-types names %s twice", t)
		}
		refs[t] = f.Image
		order = append(order, t)
	}
	given := map[string]bool{}
	for _, pair := range f.ImageFor {
		t, ref, ok := strings.Cut(pair, "=")
		if !ok || ref == "" {
			return nil, usage(fmt.Sprintf("--image-for %q is not TYPE=REF", pair), "e.g. --image-for worker=registry.example.com/group/app/worker:1.2")
		}
		if err := checkType("--image-for", t); err != nil {
			return nil, err
		}
		var unset []string
		ref = os.Expand(ref, func(name string) string {
			v, ok := lookup(name)
			if !ok {
				unset = append(unset, "$"+name)
			}
			return v
		})
		if len(unset) > 0 {
			return nil, usagef("--image-for %s: %s is not set", t, strings.Join(unset, ", "))
		}
		if given[t] {
			return nil, usagef("--image-for gives %s an image twice", t)
		}
		given[t] = true
		if _, ok := refs[t]; !ok {
			order = append(order, t)
		}
		refs[t] = ref
	}
	var out []container.Source
	for _, t := range order {
		ref := refs[t]
		if strings.ContainsAny(ref, " \t\r\n") {
			return nil, usagef("image reference of %s %q holds whitespace", t, ref)
		}
		creds, err := registry.ForSource(ref, getenv)
		if err != nil {
			return nil, err
		}
		out = append(out, container.Source{Type: t, Ref: ref, Creds: creds})
	}
	return out, nil
}

func checkType(flag, t string) error {
	if !herokuapi.ValidProcessType(t) {
		return usagef("%s: %q is not a process type (letters, digits, - and _)", flag, t)
	}
	return nil
}

// deployImages is deploy with --image: the flags of a source deploy do
// not apply.
func (c *deployCmd) deployImages(ctx context.Context, g *globals, h *heroku) error {
	switch {
	case c.Dir != ".":
		return usage("--dir is for source deploys: an image deploy ships the image (--image), not a directory", "drop --dir (the dir input)")
	case len(c.Buildpack) > 0 || len(c.Exclude) > 0 || c.Rebuild:
		return usage("--buildpack, --exclude and --rebuild are for source deploys, not an image deploy (--image)")
	}
	srcs, err := c.ImageFlags.sources(g.Env.Getenv, g.Env.Lookup)
	if err != nil {
		return h.classify(ctx, err, c.App)
	}
	if err := c.HealthFlags.check(); err != nil {
		return err
	}
	if c.Dotenv != "" {
		if err := checkDotenv(c.Dotenv); err != nil {
			return err
		}
	}
	images, err := h.images()
	if err != nil {
		return err
	}
	config, err := configvars.Resolve(c.ConfigVar, g.Env.Lookup, g.Env.environ())
	if err != nil {
		return varError("--config-var:", err)
	}
	g.addValues(config, "--config-var", "the release phase")
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	d := &container.Deployer{Client: h.Client, Wait: h.Wait, Out: h.Out, Warn: h.Warn, Images: images}
	res, err := d.Deploy(ctx, container.Config{App: c.App, Images: srcs, ConfigVars: config, Maintenance: c.Maintenance, Health: c.HealthFlags.options(h)})
	if err != nil {
		return h.classify(ctx, err, c.App)
	}
	r := report{App: res.App, WebURL: res.WebURL, Generation: res.Generation, ReleaseID: res.ReleaseID, ReleaseVersion: res.ReleaseVersion, Images: res.Images}
	if c.Dotenv != "" {
		if err := ciout.WriteDotenv(c.Dotenv, r.vars("")); err != nil {
			return err
		}
	}
	var each []string
	for _, i := range res.Images {
		each = append(each, fmt.Sprintf("%s %s", i.Type, i.ImageID))
	}
	h.Out.Step("Deployed %s: release v%d (%s)", res.App, res.ReleaseVersion, strings.Join(each, ", "))
	if res.WebURL != "" {
		h.Out.Line("%s", res.WebURL)
	}
	return nil
}

// PromoteImageFlags are promote's flags for container apps.
type PromoteImageFlags struct {
	ProcessTypes         []string `name:"process-types" env:"HEROKU_DEPLOY_PROCESS_TYPES" list:"" sep:"," placeholder:"TYPE,..." help:"Container apps: the process types whose images are promoted (default web). Its variable holds a list: [\"web\", \"worker\"]."`
	ImageCommitUnknownOK bool     `name:"image-commit-unknown-ok" env:"HEROKU_DEPLOY_IMAGE_COMMIT_UNKNOWN_OK" help:"Container apps: promote an image without the org.opencontainers.image.revision label, whose commit cannot be checked (exit 5 otherwise)."`
}

// promoteImages is promote from an app on the container stack: its images
// are copied within Heroku's registry and released on each target.
func (c *promoteCmd) promoteImages(ctx context.Context, h *heroku, from *herokuapi.App) error {
	types := c.ProcessTypes
	if len(types) == 0 {
		types = []string{"web"}
	}
	for i, t := range types {
		if err := checkType("--process-types", t); err != nil {
			return err
		}
		if slices.Contains(types[:i], t) {
			return usagef("--process-types names %s twice", t)
		}
	}
	images, err := h.images()
	if err != nil {
		return err
	}
	p := &container.Promoter{Client: h.Client, Wait: h.Wait, Out: h.Out, Warn: h.Warn, Images: images}
	res, err := p.Promote(ctx, container.PromoteConfig{From: from, To: c.To, Types: types, SourceVersion: c.SourceVersion,
		AnyCommit: c.AnyCommit, CommitUnknownOK: c.ImageCommitUnknownOK, Health: c.HealthFlags.options(h)})
	if err != nil {
		return c.classify(ctx, h, err)
	}
	var vars []ciout.Var
	for _, t := range res.Targets {
		var imgs []container.Image
		for _, s := range res.Images {
			imgs = append(imgs, container.Image{Type: s.Type, ManifestDigest: s.ManifestDigest, ImageID: s.ImageID, Revision: s.Revision})
		}
		r := report{App: t.App, WebURL: t.WebURL, Generation: t.Generation, ReleaseID: t.Release.ID, ReleaseVersion: t.Release.Version, Images: imgs}
		suffix := ""
		if len(res.Targets) > 1 {
			suffix = suffixOf(t.App)
		}
		vars = append(vars, r.vars(suffix)...)
		h.Out.Step("Promoted %s to %s: release v%d (%s)", res.Source, t.App, t.Release.Version, r.artifact())
		if t.WebURL != "" {
			h.Out.Line("%s", t.WebURL)
		}
	}
	if c.Dotenv != "" {
		return ciout.WriteDotenv(c.Dotenv, vars)
	}
	return nil
}

// classifyImages maps the failures of registries and images to exit
// codes: the image or its reference cannot go (2, found before any
// change), the source registry refused or lacks it (2) or failed (4),
// Heroku's registry refused the key (3) or failed (4), a push read back as
// another image (4); and the safety checks of a container promotion (5).
// ok false: err is none of those.
func classifyImages(err error, app, keyVar string) (*exitError, bool) {
	var un *image.Unsupported
	var re *registry.RefError
	var ce *registry.ConfigError
	var se *image.SourceError
	var he *image.HerokuError
	var rb *image.ReadBackError
	var np *container.NotPushedError
	var lm *container.LatestMismatchError
	var nr *container.NoRevisionError
	var nn *container.NotRunningError
	var mc *container.MixedCommitsError
	switch {
	case errors.As(err, &un):
		return &exitError{Code: exitUsage, Err: err, Hints: []string{un.Fix}}, true
	case errors.As(err, &re):
		return &exitError{Code: exitUsage, Err: err, Hints: []string{"an image reference is REGISTRY/PATH:TAG or REGISTRY/PATH@sha256:DIGEST, e.g. $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"}}, true
	case errors.As(err, &ce):
		return &exitError{Code: exitUsage, Err: err, Hints: []string{"DOCKER_AUTH_CONFIG holds a Docker config.json: {\"auths\": {\"registry.example.com\": {\"auth\": \"<base64 of user:password>\"}}}"}}, true
	case errors.As(err, &se) && registry.IsKind(se, registry.Denied):
		return &exitError{Code: exitUsage, Err: err, Hints: []string{
			"the source registry refused the credentials: in $CI_REGISTRY the job token reads this project's images (and those of projects that allow its job token); elsewhere set DOCKER_AUTH_CONFIG with a token that can pull the image"}}, true
	case errors.As(err, &se) && registry.IsKind(se, registry.NotFound):
		return &exitError{Code: exitUsage, Err: err, Hints: []string{"check the reference: the build job pushes $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA before this job runs (needs:)"}}, true
	case errors.As(err, &se):
		return &exitError{Code: exitUnavailable, Err: err, Hints: []string{"the source registry failed after retries; run the job again"}}, true
	case errors.As(err, &he) && registry.IsKind(he, registry.Denied):
		return &exitError{Code: exitRefused, Err: err, Hints: []string{
			fmt.Sprintf("Heroku's registry refused the key in %s for %s: the key's account must be able to deploy the app (a collaborator or team member)", keyVar, app)}}, true
	case errors.As(err, &he):
		return &exitError{Code: exitUnavailable, Err: err, Hints: []string{"Heroku's registry failed after retries (see https://status.heroku.com); nothing was released: run the job again"}}, true
	case errors.As(err, &rb):
		return &exitError{Code: exitUnavailable, Err: err, Hints: []string{"nothing was released: run the job again when no one else pushes to the app"}}, true
	case errors.As(err, &np), errors.As(err, &nn):
		return safety(err, "deploy the image to the source app with this component (deploy --image), then promote"), true
	case errors.As(err, &lm):
		return safety(err, "release what the registry holds on the source first (re-run its deploy job), or push again the image it runs; a promotion ships only what the source runs"), true
	case errors.As(err, &nr):
		return safety(err, "build the image with --label "+image.RevisionLabel+"=$CI_COMMIT_SHA (buildah and docker build take it), or pass --image-commit-unknown-ok (the image_commit_unknown_ok input) to promote it unchecked"), true
	case errors.As(err, &mc):
		return safety(err, "build every process type's image from one commit, or promote them in separate jobs"), true
	}
	return nil, false
}

// images builds the registry client: Heroku's registry at
// HEROKU_REGISTRY_URL (tests; https, or http to loopback only), with the
// key, which never leaves memory.
func (h *heroku) images() (*image.Client, error) {
	u := image.DefaultHerokuRegistry
	if raw := h.getenv("HEROKU_REGISTRY_URL"); raw != "" {
		var err error
		if u, err = checkServiceURL("HEROKU_REGISTRY_URL", raw, "the API key"); err != nil {
			return nil, err
		}
	}
	cfg := registry.Config{
		Secret:    func(s ...string) { h.secret(s...) },
		UserAgent: h.userAgent,
		Retry:     registry.Retry{Attempts: 3, Delay: h.flags.RetryWait},
		Idle:      max(2*time.Minute, h.flags.RequestTimeout),
	}
	return image.New(cfg, u, h.key), nil
}

// containerSource is the source app of a promotion when it is on the
// container stack, read already: promote copies its image.
func containerSource(err error, from string) (*herokuapi.App, bool) {
	var cs *promote.ContainerStackError
	if errors.As(err, &cs) && cs.App.Name == from {
		return cs.App, true
	}
	return nil, false
}
