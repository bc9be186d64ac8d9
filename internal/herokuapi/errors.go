package herokuapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Error is a non-2xx answer from Heroku, decoded whether or not its body was
// JSON (heroku-go alone loses the status of an HTML 503).
type Error struct {
	Method    string
	Path      string // never carries a query string
	Status    int
	ID        string // Heroku's error id, e.g. "forbidden", "rate_limit"
	Message   string
	RequestID string
	// Scope is the key's OAuth scope (the Oauth-Scope header), when Heroku
	// sent it: a 403 from a "write" key on config vars is a scope problem.
	Scope string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	if e.ID == "" && e.Message == "" {
		fmt.Fprintf(&b, " %s", http.StatusText(e.Status)) // an HTML error page says nothing more useful
	}
	if e.ID != "" {
		fmt.Fprintf(&b, " %s", e.ID)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", shortMessage(e.Message))
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// shortMessage makes a server's message fit one log line: whitespace runs,
// line breaks included, become one space, and it stops at 200 characters.
func shortMessage(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// StatusOf returns the HTTP status carried by err, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Unavailable reports whether err means Heroku could not be reached, or
// answered with a server-side or rate-limit error after every retry, or
// something that is not the Platform API answered (a redirect, a body that
// is not JSON).
func Unavailable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Status == 429 || e.Status >= 500 || e.Status/100 == 3 || e.ID == "invalid_response"
	}
	// A connection failure, not any net.Error: a file's errno is one too.
	var ue *url.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Redact returns the URL without its query string and user info: presigned
// storage and stream URLs carry their credentials there.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.User = "", false, "", nil
	return u.String()
}

// Clean strips net/http's `Get "URL":` wrapper from an error that carries a
// decoded *Error, and redacts the URL of any other *url.Error.
func Clean(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return cleanErr(err)
}

// cleanErr replaces a *url.Error's URL with its redacted form: net/http puts
// the whole URL, signature included, into the message.
func cleanErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return ue.Err
		}
		return &url.Error{Op: ue.Op, URL: Redact(ue.URL), Err: ue.Err}
	}
	return err
}

// Ambiguous reports whether a request that changes something may have
// taken effect although it failed: a 5xx, an answer that is not the
// Platform API's JSON, a connection lost after sending. A 3xx or 4xx is a
// definite answer (nothing was done); 429 and refused connections were
// retried by the transport already.
func Ambiguous(err error) bool { return ambiguous(err) }
