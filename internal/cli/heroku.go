package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/classify"
	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/container"
	"gitlab.com/heroku-deploy/heroku/internal/credential"
	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/redact"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// HerokuFlags are the flags of every command that talks to Heroku. A
// command embeds them and takes a *heroku in its Run: the parser builds it
// on first use, after checking the key and the API URL, before any request.
// The flag groups commands embed (HerokuFlags, AppFlag, HealthFlags,
// ReviewFlags) stay exported: an embedded field is named after its type,
// and kong runs hooks only on exported ones.
type HerokuFlags struct {
	APIKeyVar string        `name:"api-key-var" env:"HEROKU_DEPLOY_API_KEY_VARIABLE" default:"HEROKU_API_KEY" placeholder:"NAME" help:"NAME of the environment variable that holds the API key (default ${default}); the key itself is never accepted as an argument."`
	Timeout   time.Duration `env:"HEROKU_DEPLOY_TIMEOUT" default:"30m" help:"Give up after this long; what is still pending on Heroku (a build, a dyno) is stopped where it can be. It then exits ${timeout_exit}."`

	// Test seams: hidden, read from the environment too. The defaults are
	// Heroku's pace; the tests compress it.
	PollInterval   time.Duration `hidden:"" env:"HEROKU_DEPLOY_POLL_INTERVAL" default:"2s"`
	StreamPoll     time.Duration `hidden:"" env:"HEROKU_DEPLOY_STREAM_POLL" default:"10s"`
	RetryWait      time.Duration `hidden:"" env:"HEROKU_DEPLOY_RETRY_WAIT" default:"1s"`
	StreamWait     time.Duration `hidden:"" env:"HEROKU_DEPLOY_STREAM_WAIT" default:"60s"`
	StreamQuiet    time.Duration `hidden:"" env:"HEROKU_DEPLOY_STREAM_QUIET" default:"60s"`
	RequestTimeout time.Duration `hidden:"" env:"HEROKU_DEPLOY_REQUEST_TIMEOUT" default:"30s"`
	LookupWindow   time.Duration `hidden:"" env:"HEROKU_DEPLOY_LOOKUP_WINDOW" default:"10s"`

	apiURL string          // the API's URL, once connect checked it
	ctx    context.Context // the command's, bounded by --timeout, once it runs
}

// herokuFlags gives the outcome's mapper the key's variable and the URL.
func (f *HerokuFlags) herokuFlags() *HerokuFlags { return f }

// heroku is what a command needs to talk to Heroku.
type heroku struct {
	*session.Session
	flags *HerokuFlags
}

// AfterApply makes *heroku available to the command's Run, built lazily:
// commands that do not talk to Heroku (and --help) never check a key.
func (f *HerokuFlags) AfterApply(kctx *kong.Context) error {
	f.APIKeyVar = credential.VarRef(f.APIKeyVar)
	return kctx.BindSingletonProvider(func(g *globals) (*heroku, error) { return f.connect(g, isDryRun(kctx)) })
}

// DryRunFlag is --dry-run, on the commands that change an app: every read
// the real run makes, then what it would change, and nothing changed (the
// session's guard refuses every request but GET and HEAD). No variable:
// one left set at the project level would make every deploy a plan that
// exits 0. (review sweep's --dry-run, older, is its own flag and reads
// HEROKU_DEPLOY_DRY_RUN.)
type DryRunFlag struct {
	DryRun bool `name:"dry-run" help:"Make every read the real run makes, then say what it would change, and change nothing: exit 0, or the code of a refusal the reads find (2, 3, 5). No report file is written."`
}

// dryRun: the command runs as a dry run; plans: it ends with the line
// that says nothing was changed (review sweep says it its own way).
func (f *DryRunFlag) dryRun() bool { return f.DryRun }
func (f *DryRunFlag) plans() bool  { return f.DryRun }

// isDryRun reports whether the command parsing selected runs as a dry
// run.
func isDryRun(kctx *kong.Context) bool {
	d, ok := target(kctx).(interface{ dryRun() bool })
	return ok && d.dryRun()
}

// target is the command parsing selected, as the struct of its flags; nil
// if none.
func target(kctx *kong.Context) any {
	if kctx == nil {
		return nil
	}
	if n := kctx.Selected(); n != nil && n.Target.CanAddr() {
		return n.Target.Addr().Interface()
	}
	return nil
}

// connect checks the key and the API URL and builds the client (for a dry
// run, with the guard that refuses every change). It makes no request.
func (f *HerokuFlags) connect(g *globals, dry bool) (*heroku, error) {
	key, err := g.creds().Var(f.APIKeyVar, credential.HerokuKey)
	if err != nil {
		return nil, err
	}
	if f.Timeout <= 0 {
		return nil, outcome.Inputf("--timeout must be positive, got %s", f.Timeout)
	}
	apiURL := herokuapi.DefaultURL
	if raw := g.Env.Getenv("HEROKU_API_URL"); raw != "" {
		if apiURL, err = credential.CheckURL("HEROKU_API_URL", raw, "the API key"); err != nil {
			return nil, err
		}
	}
	f.apiURL = apiURL
	if dry {
		g.dryRun = &dryrun.Guard{}
	}
	cfg := herokuapi.Config{
		URL: apiURL, Key: key, UserAgent: "heroku-deploy/" + g.Version,
		RetryWaitMin: f.RetryWait, RetryWaitMax: 30 * f.RetryWait,
		RequestTimeout: f.RequestTimeout, LookupWindow: f.LookupWindow,
		Notify: g.voice.Warn, Secret: g.redact.AddAny, Trace: g.trace(), DryRun: g.dryRun,
	}
	client := herokuapi.New(cfg)
	return &heroku{
		Session: &session.Session{
			Client: client,
			Wait: &follow.Waiter{Client: client, Warn: g.voice.Warn, Poll: f.PollInterval, StreamPoll: f.StreamPoll,
				StreamWait: f.StreamWait, Quiet: f.StreamQuiet, RetryWait: f.RetryWait},
			Out:       g.out,
			Warn:      g.voice.Warn,
			Secret:    g.redact.Add,
			RetryWait: f.RetryWait,
			DryRun:    g.dryRun,
			Links:     g.links,
		},
		flags: f,
	}, nil
}

// registry is how internal/container reaches Heroku's registry: the key
// read again by its variable's name, the environment through creds.
func (h *heroku) registry(g *globals) container.Registry {
	return container.Registry{Creds: g.creds(), KeyVar: h.flags.APIKeyVar, UserAgent: "heroku-deploy/" + g.Version, Idle: h.flags.RequestTimeout}
}

// withTimeout bounds a command by --timeout.
// The outcome's mapper reads it: an error after the deadline is a
// timeout, whatever it says.
func (h *heroku) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeoutCause(ctx, h.flags.Timeout, fmt.Errorf("timed out after %s", h.flags.Timeout))
	h.flags.ctx = ctx
	return ctx, cancel
}

// AppFlag is --app for the commands that work on one app. A command embeds
// it with set:"app_help=…", its own help text.
type AppFlag struct {
	App string `env:"HEROKU_DEPLOY_APP,HEROKU_APP" required:"" placeholder:"NAME" help:"${app_help}"`
}

// AfterApply checks the name while parsing: after kong's own checks (a
// missing --app is kong's error), before the key is read or any request.
func (f *AppFlag) AfterApply() error { return checkApp(f.App) }

// appName is the app the outcome's hints name.
func (f *AppFlag) appName() string { return f.App }

// checkApp is Heroku's app name rule in the outcome's words, for the
// checks reported before run's classify.Of (parsing, dpl's plan).
func checkApp(name string) error {
	if err := herokuapi.CheckAppName(name); err != nil {
		return classify.Of(context.Background(), err, classify.Context{})
	}
	return nil
}

// environ is the process environment as NAME=VALUE, none without Environ.
func (e environment) environ() []string {
	if e.Environ == nil {
		return nil
	}
	return e.Environ()
}

// configVars reads NAME[=CI_VAR] specs (flag names them in errors) and
// registers the values with the redactor (addValues).
func (g *globals) configVars(specs []string, flag, what, where string) (map[string]string, error) {
	vars, err := configvars.Resolve(specs, g.Env.Lookup, g.Env.environ())
	if err != nil {
		return nil, varError(flag, err)
	}
	g.addValues(vars, what, where)
	return vars, nil
}

// addValues registers config values with the redactor. A value too short
// to mask (redact.MinLen) is never printed by heroku-deploy, which names
// config vars only, but Heroku's side (where) can print it as it is: one
// warning names them.
func (g *globals) addValues(vars map[string]string, what, where string) {
	if short := g.redact.AddValues(vars); len(short) > 0 {
		g.voice.Warn(fmt.Sprintf("%s %s: a value under %d characters is too short to mask: heroku-deploy prints only names, but %s would show it as it is",
			what, strings.Join(short, ", "), redact.MinLen, where))
	}
}

// creds reads credentials from the environment, registering each with the
// redactor.
func (g *globals) creds() *credential.Reader {
	return &credential.Reader{Lookup: g.Env.Lookup, Register: g.redact.Add}
}

// trace is --verbose's line per HTTP answer; nil without it.
func (g *globals) trace() func(string) {
	if !g.Verbose {
		return nil
	}
	return func(msg string) { g.voice.Say("http", msg) }
}
