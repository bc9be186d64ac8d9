// Package voice is heroku-deploy's one voice on stderr, after age's: every
// line starts "heroku-deploy: ", then an optional kind ("error", "hint",
// "warning", "http"), lower case, no final period, one line each. Every
// line passes through the run's redactor: errors and warnings quote
// Heroku's messages and URLs. Report is the one place an error and its
// hints are printed.
package voice

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/redact"
)

// Voice writes to W, through Redact (nil: before the run has one).
type Voice struct {
	mu     sync.Mutex
	W      io.Writer
	Redact *redact.Redactor
}

// Say prints msg as a line of kind ("": none).
func (v *Voice) Say(kind, msg string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if kind != "" {
		kind += ": "
	}
	if v.Redact != nil {
		msg = v.Redact.String(msg)
	}
	fmt.Fprintf(v.W, "heroku-deploy: %s%s\n", kind, oneLine(msg))
}

// Warn prints a warning.
func (v *Voice) Warn(msg string) { v.Say("warning", msg) }

// Report prints err and its hints, the one place that does, and returns
// the exit code (outcome.Error.ExitCode; 0 for nil).
func (v *Voice) Report(err error) int {
	if err == nil {
		return outcome.Done.Code()
	}
	code, hints := outcome.Failed.Code(), []string(nil)
	var oe *outcome.Error
	if errors.As(err, &oe) {
		code, hints = oe.ExitCode(), oe.Hints
	}
	v.Say("error", err.Error())
	for _, h := range hints {
		v.Say("hint", h)
	}
	return code
}

// oneLine keeps a message on its line: a line break inside it would read as
// a line of its own, in our voice or not.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
