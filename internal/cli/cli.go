// Package cli is heroku-deploy's command line: flags, validation before any
// request, signals, and the mapping from outcomes to documented exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/alecthomas/kong"
)

// Exit codes. README's "Exit codes" table documents them; consumers put them
// in GitLab's allow_failure:exit_codes.
const (
	ExitOK          = 0
	ExitFailed      = 1   // the Heroku build or release phase failed
	ExitUsage       = 2   // bad usage or configuration, found before any Heroku request
	ExitRefused     = 3   // Heroku refused the key or the app (401/403/404)
	ExitUnavailable = 4   // Heroku unavailable after retries, or the deploy timed out
	ExitCancelled   = 130 // SIGINT or SIGTERM
)

// CLI is the command tree.
type CLI struct {
	Version kong.VersionFlag `help:"Print the version and exit."`
	Verbose bool             `short:"v" env:"HEROKU_DEPLOY_VERBOSE" help:"Log each HTTP request (method, path, status, time) to stderr. Keys, signed URLs and config values are never logged."`

	Deploy DeployCmd `cmd:"" help:"Build and release a directory on Heroku, waiting for release phase."`
}

// Env is what commands read from the process environment: the key is looked
// up by name, never taken from a flag.
type Env struct {
	Getenv func(string) string
	Lookup func(string) (string, bool)
	Stdout io.Writer
	Stderr io.Writer
}

// Main runs the command line and returns the exit code.
func Main(version string, args []string) int {
	env := Env{Getenv: os.Getenv, Lookup: os.LookupEnv, Stdout: os.Stdout, Stderr: os.Stderr}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		// A second signal gets Go's default behaviour: exit at once.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		fmt.Fprintf(env.Stderr, "heroku-deploy: received %s: stopping\n", sigName(sig))
		cancel(&SignalError{Signal: sigName(sig)})
	}()
	defer signal.Stop(sigs)
	return Run(ctx, versionString(version), args, env)
}

// SignalError is the cause of a context cancelled by a signal.
type SignalError struct{ Signal string }

func (e *SignalError) Error() string { return "cancelled by " + e.Signal }

func sigName(s os.Signal) string {
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

type exitPanic int

// Run parses args and runs the chosen command.
func Run(ctx context.Context, version string, args []string, env Env) (code int) {
	var cli CLI
	parser, err := kong.New(&cli,
		kong.Name("heroku-deploy"),
		kong.Description("Deploy to Heroku from CI through the Platform API: no Heroku CLI, no git push, no key on the command line."),
		kong.Vars{"version": "heroku-deploy " + version},
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(c int) { panic(exitPanic(c)) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Resolvers(envResolver(env)),
	)
	if err != nil {
		fmt.Fprintf(env.Stderr, "heroku-deploy: error: %v\n", err)
		return ExitUsage
	}
	defer func() {
		r := recover()
		if p, ok := r.(exitPanic); ok {
			code = int(p)
			if code != 0 {
				code = ExitUsage // kong's 80 must not leak out
			}
		} else if r != nil {
			panic(r)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "heroku-deploy: error: %v\n", err)
		fmt.Fprintf(env.Stderr, "heroku-deploy: hint: run 'heroku-deploy --help' for usage\n")
		return ExitUsage
	}
	g := &Globals{Version: version, Verbose: cli.Verbose, Env: env}
	kctx.BindTo(ctx, (*context.Context)(nil))
	err = kctx.Run(g)
	return report(env.Stderr, err)
}

// envResolver makes kong's env tags read through Env, so tests can run the
// parser in-process with a controlled environment. A list flag (tagged
// list:"") takes its variable in the form GitLab renders an array input
// inside a string; on the command line it is repeated instead.
func envResolver(env Env) kong.Resolver {
	return kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		for _, name := range flag.Envs {
			v, ok := env.Lookup(name)
			if !ok {
				continue
			}
			if !flag.Tag.Has("list") {
				return v, nil
			}
			list, err := parseGitLabList(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			items := make([]any, len(list))
			for i, s := range list {
				items[i] = s
			}
			return items, nil
		}
		return nil, nil
	})
}

// Globals are shared by every command.
type Globals struct {
	Version string
	Verbose bool
	Env     Env
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

// UsageError is bad input found before any request.
type UsageError struct {
	Msg   string
	Hints []string
}

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) *UsageError {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// codedError carries an exit code and hints for report.
type codedError struct {
	code  int
	err   error
	hints []string
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	code, hints := ExitFailed, []string(nil)
	var ce *codedError
	var ue *UsageError
	switch {
	case errors.As(err, &ce):
		code, hints = ce.code, ce.hints
	case errors.As(err, &ue):
		code, hints = ExitUsage, ue.Hints
	}
	fmt.Fprintf(w, "heroku-deploy: error: %s\n", oneLine(err.Error()))
	for _, h := range hints {
		fmt.Fprintf(w, "heroku-deploy: hint: %s\n", h)
	}
	return code
}

func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
