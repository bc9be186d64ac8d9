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

	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
)

// Error is a non-2xx answer from Heroku, decoded whether or not its body was
// JSON (heroku-go alone loses the status of an HTML 503), or a 2xx answer
// that is not the resource asked for.
type Error struct {
	Method    string
	Path      string // never carries a query string
	Status    int
	ID        string // Heroku's error id, e.g. "forbidden", "rate_limit"
	Message   string
	RequestID string
	// Scope is the key's OAuth scopes (the Oauth-Scope header) and
	// Accepted the scopes the call accepts (Oauth-Scope-Accepted), when
	// Heroku sent them: Heroku answers both on every request (scope.go),
	// so a 403 says whether the key's scope is the cause (ScopeRefused).
	Scope    string
	Accepted string
	// Unknown: the answer is not a well-formed Heroku answer, so what it
	// says is unknown: an error status whose body is not Heroku's error
	// JSON (a proxy's or a router's page, plain text, {}, a cut body), or a
	// 2xx whose body is not the resource (ID "invalid_response"). Its
	// status decides nothing: StatusOf reports 0 for it.
	Unknown bool
	// Body guesses what an unknown error's body was ("an HTML page?").
	Body string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	switch {
	case e.Unknown && e.ID == "" && (e.Status >= 500 || e.Status == 429):
		// Unavailable whatever the body says: the status is the news.
		fmt.Fprintf(&b, " %s", http.StatusText(e.Status))
	case e.Unknown && e.ID == "":
		fmt.Fprintf(&b, " whose body is not Heroku's JSON (%s): the answer is unknown", e.Body)
	case e.ID == "" && e.Message == "":
		fmt.Fprintf(&b, " %s", http.StatusText(e.Status))
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

// StatusOf returns the HTTP status of a well-formed Heroku error carried by
// err, or 0: an answer whose body is not Heroku's error JSON (an HTML 404
// from a proxy) has no meaning to read from its status.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) && !e.Unknown {
		return e.Status
	}
	return 0
}

// Absent reports whether err is Heroku's positive answer that what was
// asked for does not exist: a 404 whose body is Heroku's error JSON with id
// "not_found" ({"id":"not_found","message":"Couldn't find that app."}).
// Any other answer, an HTML 404 included, proves nothing.
func Absent(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.Unknown && e.Status == http.StatusNotFound && e.ID == "not_found"
}

// IsUnknown reports whether err carries an answer that is not a
// well-formed Heroku answer (see Error.Unknown).
func IsUnknown(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Unknown
}

// Unavailable reports whether err means Heroku could not be reached, or
// answered with a server-side or rate-limit error after every retry, or
// something that is not the Platform API answered (a redirect, a body that
// is not Heroku's JSON): whatever was asked, the answer is unknown.
func Unavailable(err error) bool {
	if dryrun.IsRefused(err) {
		return false // refused before it was sent: nothing is unknown
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status == 429 || e.Status >= 500 || e.Status/100 == 3 || e.Unknown
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
// decoded *Error or a dry run's refusal, and redacts the URL of any other
// *url.Error.
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
	var r *dryrun.Refused
	if errors.As(err, &r) {
		return r // it names the request itself, without its query
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return ue.Err
		}
		return &url.Error{Op: ue.Op, URL: Redact(ue.URL), Err: ue.Err}
	}
	return err
}

// unknownAnswer is a 2xx answer that is well-formed JSON but not an answer
// to what was asked (another app's name, no release at all).
func unknownAnswer(method, path, why string) *Error {
	return &Error{Method: method, Path: path, Status: http.StatusOK, ID: "invalid_response", Unknown: true,
		Message: "the answer was not the JSON the API sends (" + why + "): the answer is unknown"}
}

// Ambiguous reports whether a request that changes something may have
// taken effect although it failed: a 5xx, an answer that is not the
// Platform API's JSON, a connection lost after sending. A 3xx or 4xx is a
// definite answer (nothing was done); 429 and refused connections were
// retried by the transport already.
func Ambiguous(err error) bool { return ambiguous(err) }
