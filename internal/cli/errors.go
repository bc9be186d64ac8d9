package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/redact"
)

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
		return outcome.Done.Code()
	}
	code, hints := outcome.Failed.Code(), []string(nil)
	var oe *outcome.Error
	if errors.As(err, &oe) {
		code, hints = oe.ExitCode(), oe.Hints
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
