package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/ignore"
)

// DeployCmd is `heroku-deploy deploy`.
type DeployCmd struct {
	App           string   `env:"HEROKU_DEPLOY_APP,HEROKU_APP" required:"" placeholder:"NAME" help:"Heroku app to deploy to (Heroku's name rule: 3-30 lowercase letters, digits and dashes)."`
	Dir           string   `env:"HEROKU_DEPLOY_DIR" default:"." placeholder:"PATH" help:"Directory to ship; .git is always left out."`
	SourceVersion string   `env:"CI_COMMIT_SHA" placeholder:"STR" help:"Version recorded on the build (SOURCE_VERSION at build time). Default: $CI_COMMIT_SHA, else git rev-parse HEAD in --dir."`
	Buildpack     []string `env:"HEROKU_DEPLOY_BUILDPACKS" list:"" sep:"none" placeholder:"URL|NAME" help:"Buildpack for this build, repeatable, in order (e.g. heroku/nodejs). Default: the app's buildpacks, or detection."`
	Exclude       []string `env:"HEROKU_DEPLOY_EXCLUDE" list:"" sep:"none" placeholder:"PATTERN" help:"Leave out paths matching this gitignore-style pattern; repeatable."`
	Dotenv        string   `placeholder:"FILE" help:"Write HEROKU_APP_NAME, HEROKU_APP_URL, HEROKU_BUILD_ID, HEROKU_RELEASE_ID and HEROKU_RELEASE_VERSION here, for artifacts:reports:dotenv."`

	HerokuFlags `embed:""`
}

var bpNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// check validates the deploy's own flags before any request.
func (c *DeployCmd) check() (*ignore.Matcher, error) {
	if err := checkApp(c.App); err != nil {
		return nil, err
	}
	fi, err := os.Stat(c.Dir)
	switch {
	case err != nil:
		return nil, usagef("--dir %s: %v", c.Dir, unwrapPath(err))
	case !fi.IsDir():
		return nil, usagef("--dir %s is not a directory", c.Dir)
	}
	for _, bp := range c.Buildpack {
		if u, err := url.Parse(bp); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			continue
		}
		if !bpNameRE.MatchString(bp) {
			return nil, usage(fmt.Sprintf("--buildpack %q is neither a URL nor a buildpack name", bp),
				"use a registry name such as heroku/nodejs or an https:// URL")
		}
	}
	exclude, err := ignore.New(c.Exclude)
	if err != nil {
		return nil, usagef("--exclude: %v", err)
	}
	if strings.ContainsAny(c.SourceVersion, "\r\n") {
		return nil, usagef("--source-version must be one line")
	}
	if c.Dotenv != "" {
		if err := checkWritable(c.Dotenv); err != nil {
			return nil, usagef("--dotenv %s is not writable: %v", c.Dotenv, unwrapPath(err))
		}
	}
	return exclude, nil
}

// Run deploys.
func (c *DeployCmd) Run(ctx context.Context, h *Heroku) error {
	exclude, err := c.check()
	if err != nil {
		return err
	}
	if c.SourceVersion == "" {
		c.SourceVersion = gitHead(ctx, c.Dir)
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	d := &deploy.Deployer{Client: h.Client, Wait: h.Wait, Out: h.Out, Warn: h.Warn}
	res, err := d.Deploy(ctx, deploy.Config{
		App: c.App, Dir: c.Dir, SourceVersion: c.SourceVersion, Buildpacks: c.Buildpack, Exclude: exclude,
	})
	if err != nil {
		return h.classify(ctx, err, c.App)
	}
	if c.Dotenv != "" {
		err := ciout.WriteDotenv(c.Dotenv, []ciout.Var{
			{Name: "HEROKU_APP_NAME", Value: res.App},
			{Name: "HEROKU_APP_URL", Value: res.WebURL},
			{Name: "HEROKU_BUILD_ID", Value: res.BuildID},
			{Name: "HEROKU_RELEASE_ID", Value: res.ReleaseID},
			{Name: "HEROKU_RELEASE_VERSION", Value: strconv.Itoa(res.ReleaseVersion)},
		})
		if err != nil {
			return err
		}
	}
	h.Out.Step("Deployed %s: release v%d (build %s)", res.App, res.ReleaseVersion, res.BuildID)
	h.Out.Line("%s", res.WebURL)
	return nil
}

// checkWritable opens the file for writing without truncating it, and
// removes it again if it did not exist: nothing is left behind.
func checkWritable(p string) error {
	_, statErr := os.Lstat(p)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	f.Close()
	if errors.Is(statErr, os.ErrNotExist) {
		os.Remove(p)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// gitHead returns HEAD's commit in dir, or "" when git or a repository is
// missing: the version is optional on Heroku.
func gitHead(ctx context.Context, dir string) string {
	if _, err := exec.LookPath("git"); err != nil {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	out, err := exec.CommandContext(ctx, "git", "-C", abs, "rev-parse", "--verify", "-q", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
