package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/oneoff"
	"gitlab.com/heroku-deploy/heroku/internal/rendezvous"
)

// Exit codes of `run`, after GNU timeout and docker run: the command's own
// status passes through (0-255), and these mean the tool's outcome instead.
// They can collide with a command's own status; README says which to use in
// allow_failure.
const (
	exitRunTimeout  = 124 // --timeout reached: the dyno was stopped
	exitRunFailed   = 125 // heroku-deploy failed before the command's status was known
	exitRunNoStatus = 126 // the output ended without an exit status: outcome unknown
)

// runCmd is `heroku-deploy run`.
type runCmd struct {
	AppFlag `embed:"" set:"app_help=Heroku app to run the command on."`
	Size    string   `env:"HEROKU_DEPLOY_SIZE" placeholder:"SIZE" help:"Dyno size (standard-1X, performance-l…). Default: the app's."`
	Env     []string `sep:"none" placeholder:"NAME[=CI_VAR]" help:"Set NAME in the dyno's environment to the value of the CI/CD variable CI_VAR (NAME alone: the variable NAME); repeatable. Values are never printed."`
	Command string   `env:"HEROKU_DEPLOY_COMMAND" placeholder:"LINE" help:"The command as one shell command line, instead of arguments after --."`
	Args    []string `arg:"" optional:"" passthrough:"partial" name:"command" help:"The command and its arguments, after --. One argument is a shell command line as it is."`

	// Test seams: hidden, read from the environment.
	AttachTimeout time.Duration `hidden:"" env:"HEROKU_DEPLOY_ATTACH_TIMEOUT" default:"10s"`
	RendezvousCA  string        `hidden:"" env:"HEROKU_DEPLOY_RENDEZVOUS_CA"`

	HerokuFlags `embed:""`

	heroku *heroku // once Run has it, for exit's hints
}

var sizeRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,40}$`)

// maxTTL is Heroku's limit for a dyno's time_to_live; ttlMargin leaves the
// stop at --timeout to heroku-deploy, the time_to_live being the bound when
// heroku-deploy itself is killed.
const (
	maxTTL    = 24 * time.Hour
	ttlMargin = time.Minute
)

// check validates the flags before any request.
func (c *runCmd) check(g *globals) (oneoff.Config, *x509.CertPool, error) {
	if len(c.Args) > 0 && c.Args[0] == "--" {
		c.Args = c.Args[1:] // kong keeps the separator in a passthrough argument
	}
	cfg := oneoff.Config{App: c.App, Args: c.Args, Size: c.Size}
	switch {
	case c.Command != "" && len(c.Args) > 0:
		return cfg, nil, usage("the command is given twice: as --command (or HEROKU_DEPLOY_COMMAND) and after --")
	case c.Command != "":
		cfg.Args = []string{c.Command}
	case len(c.Args) == 0 || c.Args[0] == "":
		return cfg, nil, usage("no command to run", "heroku-deploy run --app NAME -- COMMAND [ARGS...]")
	}
	if c.Size != "" && !sizeRE.MatchString(c.Size) {
		return cfg, nil, usagef("--size %q is not a dyno size", c.Size)
	}
	if c.Timeout+ttlMargin > maxTTL {
		return cfg, nil, usagef("--timeout %s is too long: a one-off dyno lives at most %s", c.Timeout, maxTTL-ttlMargin)
	}
	cfg.TimeToLive = int(math.Ceil((c.Timeout + ttlMargin).Seconds()))
	env, err := configvars.Resolve(c.Env, g.Env.Lookup, g.Env.environ())
	if err != nil {
		return cfg, nil, varError("--env", err)
	}
	cfg.Env = env
	var roots *x509.CertPool
	if c.RendezvousCA != "" {
		pem, err := os.ReadFile(c.RendezvousCA)
		if err != nil {
			return cfg, nil, usagef("HEROKU_DEPLOY_RENDEZVOUS_CA: %v", unwrapPath(err))
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return cfg, nil, usagef("HEROKU_DEPLOY_RENDEZVOUS_CA: %s holds no PEM certificate", c.RendezvousCA)
		}
	}
	return cfg, roots, nil
}

// Run runs the command; its exit status becomes heroku-deploy's. Errors go
// through exit, by way of run in cli.go.
func (c *runCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	c.heroku = h
	cfg, roots, err := c.check(g)
	if err != nil {
		return err
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	g.addValues(cfg.Env, "--env", "the command's output") // should the command print one, it is masked
	cfg.Attach = rendezvous.Options{Timeout: c.AttachTimeout, LoopbackRoots: roots}
	res, err := oneoff.Run(ctx, h.Session, cfg)
	if err != nil {
		return err
	}
	if res.Status != 0 {
		return &commandStatus{Dyno: res.Dyno, Status: res.Status}
	}
	h.Out.Step("Exited with status 0 (dyno %s)", res.Dyno)
	return nil
}

// commandStatus is the command's own non-zero exit status.
type commandStatus struct {
	Dyno   string
	Status int
}

func (e *commandStatus) Error() string {
	return fmt.Sprintf("the command exited with status %d (dyno %s)", e.Status, e.Dyno)
}

// exit is the one place where run's outcomes become exit codes: the
// command's status as it is, 124 for a timeout, 126 for a missing status,
// 130 for a signal, and 125 for every failure of heroku-deploy itself
// (what the general table numbers 1 to 4), keeping classify's message and
// hints. run in cli.go calls it for parse and key errors too.
func (c *runCmd) exit(ctx context.Context, err error) error {
	var st *commandStatus
	var ns *oneoff.NoStatusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &st):
		return &exitError{Code: st.Status, Err: err}
	case errors.As(err, &ns):
		return &exitError{Code: exitRunNoStatus, Err: err}
	}
	h := c.heroku
	if h == nil { // parsing or the key failed: no request was made
		h = &heroku{flags: &c.HerokuFlags}
	}
	var ee *exitError
	if !errors.As(h.classify(ctx, err, c.App), &ee) {
		ee = &exitError{Code: exitFailed, Err: err}
	}
	switch {
	case ee.Code == exitCancelled:
		return ee
	case ee.Code == exitUnavailable && follow.IsStopped(err):
		return &exitError{Code: exitRunTimeout, Err: ee.Err, Hints: []string{"raise --timeout (the component's timeout input) if the command needs longer"}}
	}
	return &exitError{Code: exitRunFailed, Err: ee.Err, Hints: ee.Hints}
}

// varError reports a NAME[=CI_VAR] list that cannot be read.
func varError(flag string, err error) error {
	var ae *configvars.ArgError
	if errors.As(err, &ae) {
		return usage(flag+" "+ae.Msg, ae.Hints...)
	}
	return usagef("%s %v", flag, err)
}
