// Package cli is heroku-deploy's command line: flags, validation before any
// request, signals, and the mapping from outcomes to documented exit codes.
// One file per command; heroku.go holds what every Heroku command shares,
// errors.go the exit codes and the one voice on stderr.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
	"gitlab.com/heroku-deploy/heroku/internal/redact"
)

// commandLine is the command tree.
type commandLine struct {
	Version kong.VersionFlag `help:"Print the version and exit."`
	Verbose bool             `short:"v" env:"HEROKU_DEPLOY_VERBOSE" help:"Log each HTTP request (method, URL without its query, status, time) to stderr. Keys, signed URLs and config values are never logged."`

	Deploy      deployCmd      `cmd:"" help:"Build and release a directory on Heroku, waiting for release phase."`
	Promote     promoteCmd     `cmd:"" help:"Promote the source app's release, checked against the tested commit, to downstream apps of its pipeline."`
	Rollback    rollbackCmd    `cmd:"" help:"Roll an app back to an earlier release (its code and config vars), waiting for release phase."`
	Run         runCmd         `cmd:"" help:"Run a command on a one-off dyno, streaming its output; exit with its exit status."`
	Config      configCmd      `cmd:"" help:"Manage config vars."`
	Maintenance maintenanceCmd `cmd:"" help:"Turn maintenance mode on or off."`
	Restart     restartCmd     `cmd:"" help:"Restart every dyno of an app, or those of some process types."`
	Scale       scaleCmd       `cmd:"" help:"Set the quantity and size of process types; print the formation read back."`
	Review      reviewCmd      `cmd:"" help:"Review apps: one Heroku app per merge request, created, deployed and deleted."`
}

// environment is what commands read from the process environment: the key
// is looked up by name, never taken from a flag.
type environment struct {
	Getenv  func(string) string
	Lookup  func(string) (string, bool)
	Environ func() []string // every NAME=value; nil in tests that need none
	Stdout  io.Writer
	Stderr  io.Writer
}

// globals are shared by every command.
type globals struct {
	Version string
	Verbose bool
	Env     environment
	voice   *voice           // stderr
	out     *ciout.Writer    // the job log, on stdout
	redact  *redact.Redactor // everything printed passes through it
}

// Main runs the command line and returns the exit code.
func Main(version string, args []string) int {
	return withSignals(func(ctx context.Context, env environment) int {
		return run(ctx, versionString(version), args, env)
	})
}

// withSignals runs main with the process environment and a context that a
// SIGINT or SIGTERM cancels; a second signal exits at once.
func withSignals(main func(context.Context, environment) int) int {
	env := environment{Getenv: os.Getenv, Lookup: os.LookupEnv, Environ: os.Environ, Stdout: os.Stdout, Stderr: os.Stderr}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		v := &voice{w: env.Stderr}
		sig := <-sigs
		v.say("", fmt.Sprintf("received %s: stopping", sigName(sig)))
		cancel(&signalError{Signal: sigName(sig)})
		// A second signal cannot wait for the cancel requests: exit now,
		// but not without a word or with the temporary archive left behind,
		// and not as a plain cancel while an app may be in maintenance
		// mode: that is exit 6 and the alarm, as when turning it off fails.
		sig = <-sigs
		v.say("error", fmt.Sprintf("received %s again: exiting at once; what Heroku is running was not cancelled", sigName(sig)))
		archive.RemoveTemporary()
		if apps := maintenance.LeftOn(); len(apps) > 0 {
			for _, app := range apps {
				v.say("", "!!! "+maintenance.Headline(app))
				v.say("hint", offByHand(app))
			}
			os.Exit(exitMaintenance)
		}
		os.Exit(exitCancelled)
	}()
	defer signal.Stop(sigs)
	return main(ctx, env)
}

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ Signal string }

func (e *signalError) Error() string { return "cancelled by " + e.Signal }

func sigName(s os.Signal) string {
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

type exitPanic int

// run parses args and runs the chosen command.
func run(ctx context.Context, version string, args []string, env environment) (code int) {
	red := &redact.Redactor{}
	v := &voice{w: env.Stderr, redact: red}
	stdout := red.Writer(env.Stdout)
	defer stdout.Flush()
	out := ciout.New(stdout, env.Getenv("GITLAB_CI") == "true")
	var cli commandLine
	parser, err := newParser(&cli, version, env)
	if err != nil {
		return v.report(usage(err.Error()))
	}
	defer func() {
		r := recover()
		if p, ok := r.(exitPanic); ok {
			code = int(p)
			if code != 0 {
				code = exitUsage // kong's 80 must not leak out
			}
		} else if r != nil {
			panic(r)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		var pe *kong.ParseError
		if errors.As(err, &pe) {
			kctx = pe.Context // how far parsing got: which command, if any
		}
		var ee *exitError
		if !errors.As(err, &ee) { // a flag group's own check (AppFlag) keeps its hints
			ee = usage(err.Error(), "run 'heroku-deploy --help' for usage")
		}
		return v.report(exitOf(ctx, kctx, ee))
	}
	kctx.BindTo(ctx, (*context.Context)(nil))
	return v.report(exitOf(ctx, kctx, kctx.Run(&globals{Version: version, Verbose: cli.Verbose, Env: env, voice: v, out: out, redact: red})))
}

// exitMapper is a command with exit codes of its own (run's 124-126): all
// of its errors go through exit, those of parsing its flags and checking
// its key included.
type exitMapper interface {
	exit(ctx context.Context, err error) error
}

// exitOf maps err through the selected command's exit, if it has one.
func exitOf(ctx context.Context, kctx *kong.Context, err error) error {
	if kctx == nil || err == nil {
		return err
	}
	if n := kctx.Selected(); n != nil && n.Target.CanAddr() {
		if m, ok := n.Target.Addr().Interface().(exitMapper); ok {
			return m.exit(ctx, err)
		}
	}
	return err
}

// newParser builds the parser for the command tree, shared by run and the
// tests that read the model.
func newParser(cli any, version string, env environment) (*kong.Kong, error) {
	return kong.New(cli,
		kong.Name("heroku-deploy"),
		kong.Description("Deploy to Heroku from CI through the Platform API: no Heroku CLI, no git push, no key on the command line."),
		kong.Vars{"version": "heroku-deploy " + version},
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(c int) { panic(exitPanic(c)) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Resolvers(envResolver(env)),
	)
}

// envResolver makes kong's env tags read through environment, so tests can
// run the parser in-process with a controlled environment. A list flag
// (tagged list:"", or list:"or-item" to take one plain item too) takes its
// variable in the form GitLab renders an array input inside a string; on
// the command line it is repeated instead.
func envResolver(env environment) kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		for _, name := range flag.Envs {
			v, ok := env.Lookup(name)
			if !ok {
				continue
			}
			switch {
			case flag.Tag.Has("list"):
				return listValue(name, v, flag.Tag.Get("list") == "or-item")
			case flag.IsBool():
				return boolValue(name, v)
			}
			return v, nil
		}
		return nil, nil
	})
}

// boolValue reads a switch from its variable the ways people write one:
// empty, 0, false, no, off, or 1, true, yes, on.
func boolValue(name, raw string) (any, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return nil, fmt.Errorf("%s=%q: want true or false (1/0, yes/no, on/off)", name, raw)
}

func versionString(v string) string {
	if v != "" {
		return v
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
