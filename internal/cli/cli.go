// Package cli is heroku-deploy's command line: flags, their checks before
// any request, signals, and the one place every error becomes an outcome
// and an exit code (run: classify.Of). One file per command, which builds
// a workflow from its package and returns its error; heroku.go holds what
// every Heroku command shares (the session, --timeout, --app); what is
// printed on stderr goes through internal/voice.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/archive"
	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/civar"
	"gitlab.com/heroku-deploy/heroku/internal/classify"
	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
	"gitlab.com/heroku-deploy/heroku/internal/jobpage"
	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/redact"
	"gitlab.com/heroku-deploy/heroku/internal/rescue"
	"gitlab.com/heroku-deploy/heroku/internal/voice"
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
	Getenv func(string) string
	Lookup func(string) (string, bool)
	// Environ lists NAME=VALUE (os.Environ); nil: none. It recognises a
	// value the shell expanded where a variable's name belongs.
	Environ func() []string
	Stdout  io.Writer
	Stderr  io.Writer
}

// globals are shared by every command.
type globals struct {
	Version string
	Verbose bool
	Env     environment
	voice   *voice.Voice     // stderr
	out     *ciout.Writer    // the job log, on stdout
	redact  *redact.Redactor // everything printed passes through it
	// dryRun is a dry run's guard, once the session is built; nil in a
	// real run.
	dryRun *dryrun.Guard
	links  *jobpage.Links // the job page's links, recorded by the session
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
		defer rescue.Guard()
		v := &voice.Voice{W: env.Stderr}
		sig := <-sigs
		v.Say("", fmt.Sprintf("received %s: stopping", sigName(sig)))
		cancel(&outcome.Signal{Name: sigName(sig)})
		// A second signal cannot wait for the cancel requests: exit now,
		// but not without a word or with the temporary archive left behind,
		// and not as a plain cancel while an app may be in maintenance
		// mode: that is exit 6 and the alarm, as when turning it off fails.
		sig = <-sigs
		v.Say("error", fmt.Sprintf("received %s again: exiting at once; what Heroku is running was not cancelled", sigName(sig)))
		archive.RemoveTemporary()
		if sayLeftOn(v, true) {
			os.Exit(outcome.MaintenanceOn.Code())
		}
		os.Exit(outcome.Stopped.Code())
	}()
	defer signal.Stop(sigs)
	return main(ctx, env)
}

// sayLeftOn names the apps a maintenance window may have left on, when the
// run ends without turning it off (a second signal, a panic), with how to
// turn it off by hand if hint; it reports whether there was any.
func sayLeftOn(v *voice.Voice, hint bool) bool {
	apps := maintenance.LeftOn()
	for _, app := range apps {
		v.Say("", "!!! "+maintenance.Headline(app))
		if hint {
			v.Say("hint", classify.OffByHand(app))
		}
	}
	return len(apps) > 0
}

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
	v := &voice.Voice{W: env.Stderr, Redact: red}
	stdout := red.Writer(env.Stdout)
	defer stdout.Flush()
	out := ciout.New(stdout, env.Getenv("GITLAB_CI") == "true")
	var cli commandLine
	parser, err := newParser(&cli, version, env)
	if err != nil {
		return v.Report(outcome.Input(err.Error()))
	}
	// A panic in a goroutine of the command's: the same report, then
	// exit at once (its stack is not the command's to unwind).
	rescue.OnPanic(func(r any) {
		sayLeftOn(v, false)
		code := v.Report(classify.Panic(r))
		stdout.Flush()
		os.Exit(code)
	})
	defer func() {
		r := recover()
		if p, ok := r.(exitPanic); ok {
			code = int(p)
			if code != 0 {
				code = outcome.BadInput.Code() // kong's 80 must not leak out
			}
		} else if r != nil {
			// A bug. Unrecovered, Go's runtime would exit 2, which
			// promises that nothing changed.
			sayLeftOn(v, false)
			code = v.Report(classify.Panic(r))
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		var pe *kong.ParseError
		if errors.As(err, &pe) {
			kctx = pe.Context // how far parsing got: which command, if any
		}
		var oe *outcome.Error
		if !errors.As(err, &oe) { // a flag group's own check (AppFlag) keeps its hints
			oe = parseError(kctx, err)
		}
		return v.Report(classified(ctx, kctx, oe))
	}
	kctx.BindTo(ctx, (*context.Context)(nil))
	g := &globals{Version: version, Verbose: cli.Verbose, Env: env, voice: v, out: out, redact: red, links: &jobpage.Links{}}
	// The annotations report says what changed, whatever the outcome (a
	// panic included: this runs before the recover above).
	defer g.writeLinks(kctx)
	return v.Report(classified(ctx, kctx, planned(kctx, g, runCommand(kctx, g))))
}

// planned is a dry run's end: a request its guard refused is a bug that
// outranks whatever the command made of it (exit 4, even if the workflow
// swallowed the error); otherwise, done, the job log says that nothing was
// changed.
func planned(kctx *kong.Context, g *globals, err error) error {
	if r := g.dryRun.Refused(); r != nil && !dryrun.IsRefused(err) {
		if err != nil {
			g.voice.Warn(err.Error())
		}
		return r
	}
	if p, ok := target(kctx).(interface{ plans() bool }); ok && p.plans() && err == nil {
		g.out.Step("Dry run: nothing was changed")
	}
	return err
}

// runCommand runs the command parsing selected. Tests replace it to
// inject a fault into a command's work (a panic).
var runCommand = func(kctx *kong.Context, g *globals) error { return kctx.Run(g) }

// parseError is kong's error in our words, pointing at the help of the
// command it concerns: a missing argument is named with the values it
// takes (kong says only `expected "<state>"`).
func parseError(kctx *kong.Context, err error) *outcome.Error {
	cmd := commandOf(kctx)
	if cmd == nil {
		return outcome.Input(err.Error(), "run 'heroku-deploy --help' for usage")
	}
	help := fmt.Sprintf("run '%s --help' for usage", cmd.FullPath())
	if m := keyFlagRE.FindStringSubmatch(err.Error()); m != nil {
		// Not kong's "did you mean --api-key-var?": that takes a name.
		return outcome.Input(fmt.Sprintf("%s: the API key is never taken as an argument (what was given is not shown)", m[1]),
			"put the key in a masked CI/CD variable: HEROKU_API_KEY is read by default, or name another with --api-key-var NAME", help)
	}
	for _, arg := range cmd.Positional {
		if !arg.Required || arg.Set || !strings.HasPrefix(err.Error(), "expected ") {
			continue
		}
		what, line := "<"+arg.Name+">", cmd.FullPath()+strings.TrimPrefix(cmd.Summary(), cmd.Path())
		if enum := arg.EnumSlice(); len(enum) > 0 {
			what = strings.Join(enum, " or ")
			line = strings.Replace(line, "<"+arg.Name+">", strings.Join(enum, "|"), 1)
		}
		return outcome.Input(fmt.Sprintf("%s needs its %s argument: %s", cmd.Path(), arg.Name, what), "usage: "+line, help)
	}
	return outcome.Input(err.Error(), help)
}

// keyFlagRE is kong's error for a flag meant to take the key itself.
var keyFlagRE = regexp.MustCompile(`(?i)^unknown flag (--?(?:heroku[-_])?(?:api[-_]?)?key)\b`)

// commandOf is the command parsing reached, the application if none, or
// nil if parsing did not start.
func commandOf(kctx *kong.Context) *kong.Node {
	if kctx == nil {
		return nil
	}
	n := kctx.Selected()
	for n != nil && n.Type != kong.CommandNode {
		n = n.Parent
	}
	if n == nil {
		return kctx.Model.Node
	}
	return n
}

// classified is err's outcome (classify.Of), with what the selected
// command knows: its app, the key's variable, the API URL, the OAuth scope
// it needs (scopes.go), and whether it is run, whose outcomes have codes
// of their own. Parsing errors (a deploy freeze's among them) and the
// key's go through it too.
func classified(ctx context.Context, kctx *kong.Context, err error) error {
	var c classify.Context
	if cmd := target(kctx); cmd != nil {
		if a, ok := cmd.(interface{ appName() string }); ok {
			c.App = a.appName()
		}
		if s, ok := cmd.(interface{ oauthScope() string }); ok {
			c.Scope = s.oauthScope()
		}
		if h, ok := cmd.(interface{ herokuFlags() *HerokuFlags }); ok {
			f := h.herokuFlags()
			c.KeyVar, c.APIURL = f.APIKeyVar, f.apiURL
			if f.ctx != nil {
				ctx = f.ctx
			}
		}
		_, c.Run = cmd.(*runCmd)
		c.DryRun = isDryRun(kctx)
	}
	if o := classify.Of(ctx, err, c); o != nil {
		return o
	}
	return nil
}

// newParser builds the parser for the command tree, shared by run and the
// tests that read the model.
func newParser(cli any, version string, env environment) (*kong.Kong, error) {
	return kong.New(cli,
		kong.Name("heroku-deploy"),
		kong.Description("Deploy to Heroku from CI through the Platform API: no Heroku CLI, no git push, no key on the command line."),
		kong.Vars{"version": "heroku-deploy " + version, "timeout_exit": "4"}, // run sets its own
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(c int) { panic(exitPanic(c)) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Resolvers(envResolver(env)),
		kong.Bind(env), // the hooks that read the environment (FreezeFlag)
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
				list, err := civar.List(name, v, flag.Tag.Get("list") == "or-item")
				if err != nil {
					return nil, err
				}
				items := make([]any, len(list)) // the shape kong's slice mapper takes
				for i, s := range list {
					items[i] = s
				}
				return items, nil
			case flag.IsBool():
				return civar.Bool(name, v)
			}
			return v, nil
		}
		return nil, nil
	})
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
