package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/oneoff"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/rendezvous"
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

	FreezeFlag  `embed:""`
	HerokuFlags `embed:"" set:"timeout_exit=124"`
}

// check validates the flags before any request.
func (c *runCmd) check(g *globals) (oneoff.Config, *x509.CertPool, error) {
	if len(c.Args) > 0 && c.Args[0] == "--" {
		c.Args = c.Args[1:] // kong keeps the separator in a passthrough argument
	}
	cfg, err := oneoff.Ask{App: c.App, Command: c.Command, Args: c.Args, Size: c.Size, Timeout: c.Timeout}.Check()
	if err != nil {
		return cfg, nil, err
	}
	if cfg.Env, err = configvars.Resolve(c.Env, g.Env.Lookup, g.Env.environ()); err != nil {
		return cfg, nil, varError("--env", err)
	}
	var roots *x509.CertPool
	if c.RendezvousCA != "" {
		if roots, err = rendezvous.LoopbackRoots(c.RendezvousCA); err != nil {
			return cfg, nil, outcome.Inputf("HEROKU_DEPLOY_RENDEZVOUS_CA: %v", err)
		}
	}
	return cfg, roots, nil
}

// Run runs the command; its exit status becomes heroku-deploy's (the
// outcome RunStatus). Every error of run, those of parsing its flags and
// checking its key included, maps to run's own codes (classify.Context.Run).
func (c *runCmd) Run(ctx context.Context, g *globals, h *heroku) error {
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
		return &outcome.Error{Kind: outcome.RunStatus, Status: res.Status,
			Err: fmt.Errorf("the command exited with status %d (dyno %s)", res.Status, res.Dyno)}
	}
	h.Out.Step("Exited with status 0 (dyno %s)", res.Dyno)
	return nil
}

// varError reports a NAME[=CI_VAR] list that cannot be read.
func varError(flag string, err error) error {
	var ae *configvars.ArgError
	if errors.As(err, &ae) {
		return outcome.Input(flag+" "+ae.Msg, ae.Hints...)
	}
	return outcome.Inputf("%s %v", flag, err)
}
