// Package outcome names how a command ended: a small set of kinds, each
// with its exit code in one table (the one the docs' "Exit codes" tables
// document, which a test holds them to), and the one error type that
// carries a kind, its cause and hints for the user.
//
// It imports nothing of the project, so that any package may return an
// outcome where it knows it (a key variable that is not set: input
// refused). Most return their own typed errors instead, which
// internal/classify turns into outcomes: the one function that does.
package outcome

import (
	"errors"
	"fmt"
)

// Kind is how a command ended.
type Kind int

const (
	// Done: the command did what it was asked.
	Done Kind = iota
	// Failed: the build, a release phase, a promotion target, an app
	// setup or the health check failed; or anything not known to be one
	// of the kinds below.
	Failed
	// BadInput: bad usage or input, refused before any change.
	BadInput
	// Denied: Heroku (or GitLab's API) refused the key or the app.
	Denied
	// Unknown: the platform was unavailable, answered what cannot be read,
	// or the command timed out: what happened is not known.
	Unknown
	// Unsafe: a safety check stopped the command before anything changed.
	Unsafe
	// MaintenanceOn: maintenance mode may still be on.
	MaintenanceOn
	// Stopped: a signal (SIGINT, SIGTERM) stopped the command.
	Stopped
	// RunTimedOut: run's --timeout was reached; the dyno was stopped.
	RunTimedOut
	// RunBroken: run failed before its command's status was known.
	RunBroken
	// RunNoStatus: run's output ended without the command's status.
	RunNoStatus
	// RunStatus: run's command exited with its own status, passed through.
	RunStatus
)

// codes is the one table from kind to exit code. The docs' "Exit codes"
// tables document it; a test reads them against it. 2 always means that
// nothing changed.
var codes = [...]int{
	Done:          0,
	Failed:        1,
	BadInput:      2,
	Denied:        3,
	Unknown:       4,
	Unsafe:        5,
	MaintenanceOn: 6,
	Stopped:       130,
	RunTimedOut:   124,
	RunBroken:     125,
	RunNoStatus:   126,
	RunStatus:     -1, // the command's own: Error.Status
}

// Code is the kind's exit code (RunStatus has none of its own: -1).
func (k Kind) Code() int { return codes[k] }

// General are the kinds of every command but run; Run, run's own
// (besides its command's status).
var (
	General = []Kind{Done, Failed, BadInput, Denied, Unknown, Unsafe, MaintenanceOn, Stopped}
	Run     = []Kind{RunTimedOut, RunBroken, RunNoStatus, Stopped}
)

// Error is an outcome: its kind, what went wrong, and hints for the user.
type Error struct {
	Kind  Kind
	Err   error
	Hints []string
	// Status is run's command's own exit status (Kind RunStatus).
	Status int
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode is the process's exit code.
func (e *Error) ExitCode() int {
	if e.Kind == RunStatus {
		return e.Status
	}
	return e.Kind.Code()
}

// New is err as an outcome of kind.
func New(kind Kind, err error, hints ...string) *Error {
	return &Error{Kind: kind, Err: err, Hints: hints}
}

// Input is bad input found before any change: msg and its hints.
func Input(msg string, hints ...string) *Error {
	return &Error{Kind: BadInput, Err: errors.New(msg), Hints: hints}
}

// Inputf is bad input found before any change, with no hint.
func Inputf(format string, args ...any) *Error {
	return &Error{Kind: BadInput, Err: fmt.Errorf(format, args...)}
}

// Noted is an error with hints its workflow adds in front of whatever
// the error maps to, because it knows what was not done ("nothing was
// deleted"). A stop gets none: it says what it left itself.
type Noted struct {
	Err   error
	Hints []string
}

func (e *Noted) Error() string { return e.Err.Error() }
func (e *Noted) Unwrap() error { return e.Err }

// Note adds hints to err (nil stays nil).
func Note(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &Noted{Err: err, Hints: hints}
}

// AppError is an error about app: the hints that name an app name this
// one, not the command's.
type AppError struct {
	App string
	Err error
}

func (e *AppError) Error() string { return e.Err.Error() }
func (e *AppError) Unwrap() error { return e.Err }

// Signal is the cause of a context a signal cancelled.
type Signal struct{ Name string }

func (e *Signal) Error() string { return "cancelled by " + e.Name }
