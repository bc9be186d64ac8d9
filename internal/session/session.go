// Package session is what every workflow takes from the command line: the
// Heroku client, the waiting engine, the job log, the warnings, the
// redactor's Add, the pace of retries and the job page's links. The
// command line builds one per run, after checking the key; workflow
// packages (deploy, promote, review, release, health, maintenance, oneoff,
// formation) take it as their first argument after the context, never a
// carrier of their own.
//
// It sits just above internal/follow: it holds the waiting engine, so it
// cannot sit below it, and every workflow, which waits, sits above it.
package session

import (
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/jobpage"
)

// Session carries what every workflow needs.
type Session struct {
	Client *herokuapi.Client
	Wait   *follow.Waiter
	Out    *ciout.Writer // the job log, on stdout
	Warn   func(string)  // one warning line on stderr
	// Secret registers values no line printed may show (an attach URL, a
	// config value): the redactor's Add. Nil: nothing to register with.
	Secret func(...string)
	// RetryWait is the first pause of a retry or poll loop a workflow runs
	// itself (the health check's) [1s]; the tests compress it.
	RetryWait time.Duration
	// DryRun is set in a dry run (--dry-run), nil in a real one: a
	// workflow makes every read, and at each change point says what it
	// would do (Would) instead of doing it. The client's transports (and
	// the registries' a workflow opens with it) refuse every request but
	// GET and HEAD through it, so a change point a workflow missed is
	// refused, never sent.
	DryRun *dryrun.Guard
	// Links records what the job's page links to, as the run learns it:
	// the apps it changes, their URLs, builds and releases. Nil records
	// nothing.
	Links *jobpage.Links
}

// Dry reports whether this is a dry run.
func (s *Session) Dry() bool { return s.DryRun != nil }

// Would says, in a dry run's voice, what the real run would change here:
// "==> (dry run) Would …".
func (s *Session) Would(format string, args ...any) {
	s.Out.Step("(dry run) Would "+format, args...)
}

// WithOut is s writing its job log to out instead: one of several things
// that print at once (a promotion's targets, each with its prefix).
func (s *Session) WithOut(out *ciout.Writer) *Session {
	c := *s
	c.Out = out
	return &c
}

// Register passes values to Secret, if there is one.
func (s *Session) Register(values ...string) {
	if s.Secret != nil {
		s.Secret(values...)
	}
}

// NoReport says, in a dry run, that the dotenv report asked for (file; ""
// for none) is not written: a later job would read it as a change made.
func (s *Session) NoReport(file string) {
	if file != "" {
		s.Out.Step("(dry run) No dotenv report written to %s: a later job would read it as a change made", file)
	}
}
