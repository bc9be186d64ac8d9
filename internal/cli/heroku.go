package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
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
	Timeout   time.Duration `env:"HEROKU_DEPLOY_TIMEOUT" default:"30m" help:"Give up after this long; what is still pending on Heroku (a build, a dyno) is stopped where it can be. The exit code says so (deploy: 4, run: 124)."`

	// Test seams: hidden, read from the environment too. The defaults are
	// Heroku's pace; the tests compress it.
	PollInterval   time.Duration `hidden:"" env:"HEROKU_DEPLOY_POLL_INTERVAL" default:"2s"`
	StreamPoll     time.Duration `hidden:"" env:"HEROKU_DEPLOY_STREAM_POLL" default:"10s"`
	RetryWait      time.Duration `hidden:"" env:"HEROKU_DEPLOY_RETRY_WAIT" default:"1s"`
	StreamWait     time.Duration `hidden:"" env:"HEROKU_DEPLOY_STREAM_WAIT" default:"60s"`
	StreamQuiet    time.Duration `hidden:"" env:"HEROKU_DEPLOY_STREAM_QUIET" default:"60s"`
	RequestTimeout time.Duration `hidden:"" env:"HEROKU_DEPLOY_REQUEST_TIMEOUT" default:"30s"`
	LookupWindow   time.Duration `hidden:"" env:"HEROKU_DEPLOY_LOOKUP_WINDOW" default:"10s"`
}

// heroku is what a command needs to talk to Heroku.
type heroku struct {
	*session.Session
	flags  *HerokuFlags
	apiURL string
}

// AfterApply makes *heroku available to the command's Run, built lazily:
// commands that do not talk to Heroku (and --help) never check a key.
func (f *HerokuFlags) AfterApply(kctx *kong.Context) error {
	f.APIKeyVar = varRef(f.APIKeyVar)
	return kctx.BindSingletonProvider(func(g *globals) (*heroku, error) { return f.connect(g) })
}

// varRef is the name in a reference to a variable, $NAME or ${NAME}: the
// component's api_key_variable input takes one, as written after dpl's
// --api-key=, and passes it unexpanded. Anything else is returned as it is.
func varRef(s string) string {
	name, ok := strings.CutPrefix(s, "$")
	if inner, braced := strings.CutPrefix(name, "{"); ok && braced {
		name, ok = strings.CutSuffix(inner, "}")
	}
	if ok && configvars.IsVarName(name) {
		return name
	}
	return s
}

// connect checks the key and the API URL and builds the client. It makes
// no request.
func (f *HerokuFlags) connect(g *globals) (*heroku, error) {
	key, err := secretVar(g, f.APIKeyVar, secretSpec{flag: "--api-key-var", example: "HEROKU_API_KEY", noun: "key", holds: "the Heroku API key"})
	if err != nil {
		return nil, err
	}
	if f.Timeout <= 0 {
		return nil, usagef("--timeout must be positive, got %s", f.Timeout)
	}
	apiURL, err := checkAPIURL(g.Env.Getenv("HEROKU_API_URL"))
	if err != nil {
		return nil, err
	}
	cfg := herokuapi.Config{
		URL: apiURL, Key: key, UserAgent: "heroku-deploy/" + g.Version,
		RetryWaitMin: f.RetryWait, RetryWaitMax: 30 * f.RetryWait,
		RequestTimeout: f.RequestTimeout, LookupWindow: f.LookupWindow,
		Notify: g.voice.warn, Secret: g.redact.AddAny,
	}
	if g.Verbose {
		cfg.Trace = func(msg string) { g.voice.say("http", msg) }
	}
	client := herokuapi.New(cfg)
	return &heroku{
		Session: &session.Session{
			Client: client,
			Wait: &follow.Waiter{Client: client, Warn: g.voice.warn, Poll: f.PollInterval, StreamPoll: f.StreamPoll,
				StreamWait: f.StreamWait, Quiet: f.StreamQuiet, RetryWait: f.RetryWait},
			Out:       g.out,
			Warn:      g.voice.warn,
			Secret:    g.redact.Add,
			RetryWait: f.RetryWait,
		},
		flags:  f,
		apiURL: apiURL,
	}, nil
}

// secretSpec describes a credential read by the name of its variable.
type secretSpec struct {
	flag    string // "--api-key-var"
	example string // a usual name: "HEROKU_API_KEY"
	noun    string // "key"
	holds   string // what the variable must hold: "the Heroku API key"
}

// secretVar reads a credential by the NAME of its variable, checks it can
// go into an HTTP header, and registers it with the redactor. Nothing it
// says repeats the value, or a name that may be one.
func secretVar(g *globals, name string, sp secretSpec) (string, error) {
	flag, holds := sp.flag, sp.holds
	if !configvars.IsVarName(name) {
		// The value is not repeated: it may be a key pasted by mistake.
		return "", usage(fmt.Sprintf("%s is not a variable name (what was given is not shown: it may be a %s)", flag, sp.noun),
			fmt.Sprintf("pass the NAME of the variable that holds the %s (e.g. %s), never the %[1]s itself", sp.noun, sp.example))
	}
	v, ok := g.Env.Lookup(name)
	if !ok {
		return "", usage(fmt.Sprintf("%s is not set: it must hold %s", name, holds),
			fmt.Sprintf("create a masked CI/CD variable named %s (Settings > CI/CD > Variables)", name),
			"a protected variable is only visible to pipelines on protected branches and tags")
	}
	return checkSecret(g, name, v, sp)
}

// checkSecret checks a credential found in name (a variable, or where else
// it was given) can go into an HTTP header, and registers it with the
// redactor. Nothing it says repeats the value.
func checkSecret(g *globals, name, v string, sp secretSpec) (string, error) {
	isNot := sp.holds // what a bad value is not: "a Heroku API key"
	if rest, ok := strings.CutPrefix(sp.holds, "the "); ok {
		isNot = "a " + rest
	}
	switch {
	case v == "":
		return "", usage(fmt.Sprintf("%s is set but empty", name),
			"a protected variable is empty in pipelines on unprotected branches: protect the branch or unprotect the variable")
	case strings.TrimSpace(v) != v:
		return "", usage(fmt.Sprintf("%s has leading or trailing whitespace (a newline?): it was not sent", name),
			"edit the variable and remove the surrounding whitespace")
	case strings.ContainsAny(v, " \t\r\n"):
		return "", usagef("%s contains whitespace: it is not %s", name, isNot)
	case strings.IndexFunc(v, func(r rune) bool { return r < '!' || r > '~' }) >= 0:
		// An HTTP header cannot carry it: every request would fail.
		return "", usagef("%s contains a control or non-ASCII character: it is not %s", name, isNot)
	}
	g.redact.Add(v)
	return v, nil
}

// withTimeout bounds a command by --timeout.
func (h *heroku) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, h.flags.Timeout, fmt.Errorf("timed out after %s", h.flags.Timeout))
}

// classify maps what went wrong while working on app to its exit code and
// hints.
func (h *heroku) classify(ctx context.Context, err error, app string) error {
	var ee *exitError
	var ie *archive.InputError
	var te *archive.TempError
	var fi *follow.InputError
	var fe *follow.Failed
	var fu *follow.Unknown
	var se *signalError
	var he *herokuapi.Error
	var ue *maintenance.UnconfirmedError
	keyVar := h.flags.APIKeyVar
	switch {
	case maintenance.IsStillOn(err):
		return stillOn(h.classify(ctx, errors.Unwrap(err), app), err, app)
	case errors.As(err, &ee):
		return err
	case errors.As(context.Cause(ctx), &se) || errors.As(err, &se):
		return &exitError{Code: exitCancelled, Err: err}
	case follow.IsStopped(err):
		return &exitError{Code: exitUnavailable, Err: err,
			Hints: []string{"raise --timeout (the component's timeout input) if Heroku builds this app slowly"}}
	case errors.As(err, &ie):
		return &exitError{Code: exitUsage, Err: err}
	case errors.As(err, &te):
		return &exitError{Code: exitUsage, Err: err, Hints: []string{
			fmt.Sprintf("the archive is written to TMPDIR (%s) before the upload: point TMPDIR at a writable directory with room for it", te.Dir)}}
	case errors.As(err, &fi):
		return &exitError{Code: exitUsage, Err: err, Hints: []string{fi.Hint}}
	case errors.As(err, &fu):
		where := app
		if fu.App != "" {
			where = fu.App
		}
		return &exitError{Code: exitUnavailable, Err: err, Hints: []string{
			fmt.Sprintf("what happened is unknown: look at https://dashboard.heroku.com/apps/%s/activity before acting again", where)}}
	case errors.As(err, &fe):
		return &exitError{Code: exitFailed, Err: err, Hints: []string{"the Heroku output above says why"}}
	case errors.As(err, &he) && he.Unknown && he.Status != 429 && he.Status < 500:
		// A 503 page is an outage whatever its body: the hint below.
		return &exitError{Code: exitUnavailable, Err: err, Hints: []string{
			"nothing was decided on that answer: it is not Heroku's well-formed JSON, so what it says is unknown",
			fmt.Sprintf("something other than the Platform API may have answered at %s (a proxy's or a router's page): check HEROKU_API_URL and any proxy between the runner and Heroku, then run the job again", h.apiURL)}}
	case herokuapi.StatusOf(err) == 401:
		return &exitError{Code: exitRefused, Err: err, Hints: []string{
			fmt.Sprintf("Heroku rejected the key in %s: create a new one with 'heroku authorizations:create' and update the variable", keyVar)}}
	case errors.As(err, &he) && he.ID == "two_factor":
		return &exitError{Code: exitRefused, Err: err, Hints: []string{
			fmt.Sprintf("Heroku asks for a second factor, which a CI job cannot give: the key in %s must come from 'heroku authorizations:create' (a long-lived authorization), not a user's session token", keyVar)}}
	case herokuapi.StatusOf(err) == 403 && errors.As(err, &he) && strings.Contains(he.Path, "/config-vars") && !scopeReachesConfig(he.Scope):
		return &exitError{Code: exitRefused, Err: err, Hints: []string{
			fmt.Sprintf("the key in %s has OAuth scope %q, which cannot read or change config vars: that needs write-protected (or global)", keyVar, he.Scope),
			"create such a key with 'heroku authorizations:create --scope write-protected' and store it in the variable",
		}}
	case herokuapi.StatusOf(err) == 403:
		return &exitError{Code: exitRefused, Err: err, Hints: []string{
			fmt.Sprintf("the key in %s has no access to app %s: add its account as a collaborator", keyVar, app)}}
	case herokuapi.StatusOf(err) == 404:
		return &exitError{Code: exitRefused, Err: err, Hints: []string{
			fmt.Sprintf("check the app name %q and that the key in %s belongs to an account that can see it", app, keyVar)}}
	case errors.As(err, &he) && he.ID == "redirect":
		return &exitError{Code: exitUnavailable, Err: err, Hints: []string{
			fmt.Sprintf("something other than the Platform API answered at %s: check HEROKU_API_URL and any proxy between the runner and Heroku", h.apiURL)}}
	case herokuapi.Unavailable(err):
		hint := "Heroku did not answer after retries; see https://status.heroku.com"
		if h.apiURL != herokuapi.DefaultURL {
			hint = fmt.Sprintf("%s did not answer after retries (HEROKU_API_URL overrides %s)", h.apiURL, herokuapi.DefaultURL)
		}
		return &exitError{Code: exitUnavailable, Err: err, Hints: []string{hint}}
	case errors.As(err, &ue):
		return &exitError{Code: exitUnavailable, Err: err, Hints: []string{
			fmt.Sprintf("see the app's maintenance mode in the Heroku dashboard, or set it with heroku-deploy maintenance on|off --app %s", app)}}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		// --timeout ended the command where nothing else says so (turning
		// maintenance mode on): exit 4, as every timeout.
		return &exitError{Code: exitUnavailable, Err: err, Hints: []string{"raise --timeout (the component's timeout input)"}}
	}
	return err
}

// AppFlag is --app for the commands that work on one app. A command embeds
// it with set:"app_help=…", its own help text.
type AppFlag struct {
	App string `env:"HEROKU_DEPLOY_APP,HEROKU_APP" required:"" placeholder:"NAME" help:"${app_help}"`
}

// AfterApply checks the name while parsing: after kong's own checks (a
// missing --app is kong's error), before the key is read or any request.
func (f *AppFlag) AfterApply() error { return checkApp(f.App) }

// checkApp applies Heroku's app name rule before any request.
func checkApp(name string) error {
	if herokuapi.ValidAppName(name) {
		return nil
	}
	if name == "" {
		return usage("the app name is empty", "a variable that gives it (HEROKU_DEPLOY_APP, or the one the component's app input names) is unset or empty")
	}
	if ref := varRef(name); ref != name {
		return usage(fmt.Sprintf("app name %q is a variable's name, not an app's: %s was not expanded", name, ref),
			fmt.Sprintf("define the CI/CD variable %s (Settings > CI/CD > Variables; not masked, so that the component can name its job after it), or write the app's name", ref))
	}
	return usage(fmt.Sprintf("invalid app name %q", name),
		"Heroku app names are 3 to 30 characters: a lowercase letter, then lowercase letters, digits or dashes, not ending in a dash")
}

// checkAPIURL accepts https, and plain http only to loopback (the simulator):
// the key must never cross a network in clear text.
func checkAPIURL(raw string) (string, error) {
	if raw == "" {
		return herokuapi.DefaultURL, nil
	}
	return checkServiceURL("HEROKU_API_URL", raw, "the API key")
}

// checkServiceURL checks the URL in variable name, to which secret (what
// travels with each request) will be sent.
func checkServiceURL(name, raw, secret string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", usagef("%s %q is not an http(s) URL", name, herokuapi.Redact(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", usagef("%s must not carry a query, fragment or credentials", name)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", usage(fmt.Sprintf("%s uses plain http to %s: refused, %s would travel unencrypted", name, u.Hostname(), secret),
			"use https://, or http:// only to a loopback address such as 127.0.0.1")
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

// scopeReachesConfig reports whether an OAuth scope (the Oauth-Scope
// header; "" when Heroku sent none) may read config vars: "read" and
// "write" exclude them by Heroku's design.
func scopeReachesConfig(scope string) bool {
	if scope == "" {
		return true // unknown: the generic 403 hint applies
	}
	scopes := strings.FieldsFunc(scope, func(r rune) bool { return r == ',' || r == ' ' })
	return slices.Contains(scopes, "global") || slices.Contains(scopes, "write-protected")
}

// environ is the process environment as NAME=VALUE, none without Environ.
func (e environment) environ() []string {
	if e.Environ == nil {
		return nil
	}
	return e.Environ()
}

// addValues registers config values with the redactor. A value too short
// to mask (redact.MinLen) is never printed by heroku-deploy, which names
// config vars only, but Heroku's side (where) can print it as it is: one
// warning names them.
func (g *globals) addValues(vars map[string]string, what, where string) {
	var short []string
	for name, v := range vars {
		g.redact.Add(v)
		if redact.Short(v) {
			short = append(short, name)
		}
	}
	if len(short) == 0 {
		return
	}
	slices.Sort(short)
	g.voice.warn(fmt.Sprintf("%s %s: a value under %d characters is too short to mask: heroku-deploy prints only names, but %s would show it as it is",
		what, strings.Join(short, ", "), redact.MinLen, where))
}
