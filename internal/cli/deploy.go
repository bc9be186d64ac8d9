package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/ignore"
)

// DeployCmd is `heroku-deploy deploy`.
type DeployCmd struct {
	App           string        `env:"HEROKU_DEPLOY_APP,HEROKU_APP" required:"" placeholder:"NAME" help:"Heroku app to deploy to (Heroku's name rule: 3-30 lowercase letters, digits and dashes)."`
	Dir           string        `env:"HEROKU_DEPLOY_DIR" default:"." placeholder:"PATH" help:"Directory to ship; .git is always left out."`
	APIKeyVar     string        `name:"api-key-var" env:"HEROKU_DEPLOY_API_KEY_VARIABLE" default:"HEROKU_API_KEY" placeholder:"NAME" help:"NAME of the environment variable that holds the API key. The key itself is never accepted as an argument."`
	SourceVersion string        `env:"CI_COMMIT_SHA" placeholder:"STR" help:"Version recorded on the build (SOURCE_VERSION at build time). Default: $CI_COMMIT_SHA, else git rev-parse HEAD in --dir."`
	Buildpack     []string      `env:"HEROKU_DEPLOY_BUILDPACKS" list:"" sep:"none" placeholder:"URL|NAME" help:"Buildpack for this build, repeatable, in order (e.g. heroku/nodejs). Default: the app's buildpacks, or detection."`
	Exclude       []string      `env:"HEROKU_DEPLOY_EXCLUDE" list:"" sep:"none" placeholder:"PATTERN" help:"Leave out paths matching this gitignore-style pattern; repeatable."`
	Dotenv        string        `placeholder:"FILE" help:"Write HEROKU_APP_NAME, HEROKU_APP_URL, HEROKU_BUILD_ID, HEROKU_RELEASE_ID and HEROKU_RELEASE_VERSION here, for artifacts:reports:dotenv."`
	Timeout       time.Duration `env:"HEROKU_DEPLOY_TIMEOUT" default:"30m" help:"Give up on the whole deploy after this long (exit 4); a pending build is cancelled."`

	// Test seams: hidden, read from the environment too.
	PollInterval time.Duration `hidden:"" env:"HEROKU_DEPLOY_POLL_INTERVAL" default:"2s"`
	RetryWait    time.Duration `hidden:"" env:"HEROKU_DEPLOY_RETRY_WAIT" default:"1s"`
	StreamWait   time.Duration `hidden:"" env:"HEROKU_DEPLOY_STREAM_WAIT" default:"60s"`
}

var (
	appNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,28}[a-z0-9]$`)
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	bpNameRE  = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
)

// checked is the validated input of a deploy.
type checked struct {
	key     string
	apiURL  string
	exclude *ignore.Matcher
	dir     string
}

// check validates everything that can be validated without a request.
func (c *DeployCmd) check(env Env) (*checked, error) {
	var out checked
	if !appNameRE.MatchString(c.App) {
		return nil, &UsageError{Msg: fmt.Sprintf("invalid app name %q", c.App),
			Hints: []string{"Heroku app names are 3 to 30 characters: a lowercase letter, then lowercase letters, digits or dashes, not ending in a dash"}}
	}
	if !envNameRE.MatchString(c.APIKeyVar) {
		return nil, &UsageError{Msg: fmt.Sprintf("--api-key-var %q is not a variable name", c.APIKeyVar),
			Hints: []string{"pass the NAME of the variable that holds the key (e.g. HEROKU_API_KEY), never the key itself"}}
	}
	key, ok := env.Lookup(c.APIKeyVar)
	switch {
	case !ok:
		return nil, &UsageError{Msg: fmt.Sprintf("%s is not set: it must hold the Heroku API key", c.APIKeyVar),
			Hints: []string{fmt.Sprintf("create a masked CI/CD variable named %s (Settings > CI/CD > Variables)", c.APIKeyVar),
				"a protected variable is only visible to pipelines on protected branches and tags"}}
	case key == "":
		return nil, &UsageError{Msg: fmt.Sprintf("%s is set but empty", c.APIKeyVar),
			Hints: []string{"a protected variable is empty in pipelines on unprotected branches: protect the branch or unprotect the variable"}}
	case strings.TrimSpace(key) != key:
		return nil, &UsageError{Msg: fmt.Sprintf("%s has leading or trailing whitespace (a newline?): it was not sent", c.APIKeyVar),
			Hints: []string{"edit the variable and remove the surrounding whitespace"}}
	case strings.ContainsAny(key, " \t\r\n"):
		return nil, &UsageError{Msg: fmt.Sprintf("%s contains whitespace: it is not a Heroku API key", c.APIKeyVar)}
	}
	out.key = key

	apiURL, err := checkAPIURL(env.Getenv("HEROKU_API_URL"))
	if err != nil {
		return nil, err
	}
	out.apiURL = apiURL

	fi, err := os.Stat(c.Dir)
	switch {
	case err != nil:
		return nil, usagef("--dir %s: %v", c.Dir, unwrapPath(err))
	case !fi.IsDir():
		return nil, usagef("--dir %s is not a directory", c.Dir)
	}
	out.dir = c.Dir
	if c.Timeout <= 0 {
		return nil, usagef("--timeout must be positive, got %s", c.Timeout)
	}
	for _, bp := range c.Buildpack {
		if u, err := url.Parse(bp); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			continue
		}
		if !bpNameRE.MatchString(bp) {
			return nil, &UsageError{Msg: fmt.Sprintf("--buildpack %q is neither a URL nor a buildpack name", bp),
				Hints: []string{"use a registry name such as heroku/nodejs or an https:// URL"}}
		}
	}
	m, err := ignore.New(c.Exclude)
	if err != nil {
		return nil, usagef("--exclude: %v", err)
	}
	out.exclude = m
	if strings.ContainsAny(c.SourceVersion, "\r\n") {
		return nil, usagef("--source-version must be one line")
	}
	if c.Dotenv != "" {
		if err := checkWritable(c.Dotenv); err != nil {
			return nil, usagef("--dotenv %s is not writable: %v", c.Dotenv, unwrapPath(err))
		}
	}
	return &out, nil
}

// checkAPIURL accepts https, and plain http only to loopback (the simulator):
// the key must never cross a network in clear text.
func checkAPIURL(raw string) (string, error) {
	if raw == "" {
		return herokuapi.DefaultURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", &UsageError{Msg: fmt.Sprintf("HEROKU_API_URL %q is not an http(s) URL", herokuapi.Redact(raw))}
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", usagef("HEROKU_API_URL must not carry a query, fragment or credentials")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", &UsageError{Msg: fmt.Sprintf("HEROKU_API_URL uses plain http to %s: refused, the API key would travel unencrypted", u.Hostname()),
			Hints: []string{"use https://, or http:// only to a loopback address such as 127.0.0.1"}}
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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

// Run deploys.
func (c *DeployCmd) Run(ctx context.Context, g *Globals) error {
	in, err := c.check(g.Env)
	if err != nil {
		return err
	}
	if c.SourceVersion == "" {
		c.SourceVersion = gitHead(ctx, c.Dir)
	}
	out := ciout.New(g.Env.Stdout, g.Env.Getenv("GITLAB_CI") == "true")
	warn := func(msg string) { fmt.Fprintf(g.Env.Stderr, "heroku-deploy: warning: %s\n", oneLine(msg)) }
	cfg := herokuapi.Config{
		URL: in.apiURL, Key: in.key, UserAgent: "heroku-deploy/" + g.Version,
		RetryMax: 4, RetryWaitMin: c.RetryWait, RetryWaitMax: 30 * c.RetryWait,
		Notify: warn,
	}
	if g.Verbose {
		cfg.Trace = func(msg string) { fmt.Fprintf(g.Env.Stderr, "heroku-deploy: http: %s\n", msg) }
	}
	d := &deploy.Deployer{Client: herokuapi.New(cfg), Out: out, Warn: warn}
	dcfg := deploy.Config{
		App: c.App, Dir: in.dir, SourceVersion: c.SourceVersion, Buildpacks: c.Buildpack,
		Exclude: in.exclude, PollInterval: c.PollInterval, RetryWait: c.RetryWait, StreamWait: c.StreamWait,
	}

	ctx, cancel := context.WithTimeoutCause(ctx, c.Timeout, fmt.Errorf("timed out after %s", c.Timeout))
	defer cancel()

	src, err := d.Package(ctx, dcfg)
	if err != nil {
		return c.classify(ctx, err)
	}
	defer src.Remove()
	res, err := d.Run(ctx, dcfg, src)
	if err != nil {
		return c.classify(ctx, err)
	}
	if c.Dotenv != "" {
		if err := deploy.WriteDotenv(c.Dotenv, res); err != nil {
			return err
		}
	}
	out.Step("Deployed %s: release v%d (build %s)", res.App, res.ReleaseVersion, res.BuildID)
	out.Line("%s", res.WebURL)
	return nil
}

// classify maps an error to its exit code and hints.
func (c *DeployCmd) classify(ctx context.Context, err error) error {
	var ie *archive.InputError
	var fe *deploy.FailedError
	var se *SignalError
	switch {
	case errors.As(context.Cause(ctx), &se) || errors.As(err, &se):
		return &codedError{code: ExitCancelled, err: err}
	case deploy.IsStopped(err):
		return &codedError{code: ExitUnavailable, err: err,
			hints: []string{"raise --timeout (the component's timeout input) if Heroku builds this app slowly"}}
	case errors.As(err, &ie):
		return &codedError{code: ExitUsage, err: err}
	case errors.As(err, &fe):
		return &codedError{code: ExitFailed, err: err, hints: []string{"the Heroku output above says why"}}
	case herokuapi.StatusOf(err) == 401:
		return &codedError{code: ExitRefused, err: err, hints: []string{
			fmt.Sprintf("Heroku rejected the key in %s: create a new one with 'heroku authorizations:create' and update the variable", c.APIKeyVar)}}
	case herokuapi.StatusOf(err) == 403:
		return &codedError{code: ExitRefused, err: err, hints: []string{
			fmt.Sprintf("the key in %s has no access to app %s: add its account as a collaborator", c.APIKeyVar, c.App)}}
	case herokuapi.StatusOf(err) == 404:
		return &codedError{code: ExitRefused, err: err, hints: []string{
			fmt.Sprintf("check the app name %q and that the key in %s belongs to an account that can see it", c.App, c.APIKeyVar)}}
	case herokuapi.Unavailable(err):
		return &codedError{code: ExitUnavailable, err: err, hints: []string{"Heroku did not answer after retries; see https://status.heroku.com"}}
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
