package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"gitlab.com/heroku-deploy/heroku/internal/redact"
)

// Exit codes. README's "Exit codes" table documents them; consumers put them
// in GitLab's allow_failure:exit_codes.
const (
	exitOK          = 0
	exitFailed      = 1   // the Heroku build or release phase failed
	exitUsage       = 2   // bad usage or configuration, found before any Heroku request
	exitRefused     = 3   // Heroku refused the key or the app (401/403/404 with Heroku's error JSON)
	exitUnavailable = 4   // Heroku unavailable after retries, an answer that is not well-formed (unknown), or the deploy timed out
	exitSafety      = 5   // stopped by a safety check before anything changed
	exitCancelled   = 130 // SIGINT or SIGTERM
	exitMaintenance = 6   // maintenance mode could not be turned off: the app may still show its maintenance page
)

// exitError is an error with its exit code and hints for the user. Every
// error a command returns is reported through report; a plain error exits
// with exitFailed.
type exitError struct {
	Code  int
	Err   error
	Hints []string
}

func (e *exitError) Error() string { return e.Err.Error() }
func (e *exitError) Unwrap() error { return e.Err }

// ExitCode is what kong and Main read.
func (e *exitError) ExitCode() int { return e.Code }

// usage is bad input found before any request: exit 2.
func usage(msg string, hints ...string) *exitError {
	return &exitError{Code: exitUsage, Err: errors.New(msg), Hints: hints}
}

func usagef(format string, args ...any) *exitError {
	return usage(fmt.Sprintf(format, args...))
}

// safety is a safety check that stopped the command before it changed
// anything: exit 5.
func safety(err error, hints ...string) *exitError {
	return &exitError{Code: exitSafety, Err: err, Hints: hints}
}

// voice is heroku-deploy's one voice on stderr, after age's: every line
// starts "heroku-deploy: ", then an optional kind ("error", "hint",
// "warning", "http"), lower case, no final period, one line each.
// Every line passes through the session's redactor: errors and warnings
// quote Heroku's messages and URLs.
type voice struct {
	mu     sync.Mutex
	w      io.Writer
	redact *redact.Redactor // nil before the session has one
}

func (v *voice) say(kind, msg string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if kind != "" {
		kind += ": "
	}
	if v.redact != nil {
		msg = v.redact.String(msg)
	}
	fmt.Fprintf(v.w, "heroku-deploy: %s%s\n", kind, oneLine(msg))
}

func (v *voice) warn(msg string) { v.say("warning", msg) }

// report prints err and its hints, the one place that does, and returns the
// exit code.
func (v *voice) report(err error) int {
	if err == nil {
		return exitOK
	}
	code, hints := exitFailed, []string(nil)
	var ee *exitError
	if errors.As(err, &ee) {
		code, hints = ee.Code, ee.Hints
	}
	v.say("error", err.Error())
	for _, h := range hints {
		v.say("hint", h)
	}
	return code
}

// oneLine keeps a message on its line: a line break inside it would read as
// a line of its own, in our voice or not.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
