package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Kind sorts registry failures by what the caller can do about them.
type Kind int

const (
	// Denied: 401 or 403; the credentials were refused or give no access
	// to the repository.
	Denied Kind = iota + 1
	// NotFound: the repository, tag, manifest or blob does not exist.
	NotFound
	// Unavailable: 5xx, 429, a network error, a stall or a stop; the
	// outcome of the request is unknown.
	Unavailable
	// Refused: another 4xx; the registry will not take this request
	// (Heroku's UNSUPPORTED for an OCI manifest or an index, 405).
	Refused
	// Malformed: an answer that is not what the protocol promises (not
	// JSON, a digest that does not match): unknown, never "absent".
	Malformed
)

func (k Kind) String() string {
	switch k {
	case Denied:
		return "access denied"
	case NotFound:
		return "not found"
	case Unavailable:
		return "unavailable"
	case Refused:
		return "refused"
	case Malformed:
		return "unexpected answer"
	}
	return "failed"
}

// Error is a registry request that failed. Its message names the
// operation, the kind, the HTTP status and the registry's error code and
// message; never a URL (upload locations carry signed state) nor a header.
type Error struct {
	Op      string // "reading manifest registry.example.com/group/app:tag"
	Kind    Kind
	Status  int    // 0 when no answer came
	Code    string // the registry's error code: UNAUTHORIZED, UNSUPPORTED, …
	Message string // the registry's message for it
	Err     error  // the cause, for errors.Is (context.Canceled…)
}

func (e *Error) Error() string {
	s := e.Op + ": " + e.Kind.String()
	switch {
	case e.Status != 0 && e.Code != "":
		s += fmt.Sprintf(" (HTTP %d %s: %s)", e.Status, e.Code, e.Message)
	case e.Status != 0:
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	case e.Err != nil:
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Wrap turns an error of go-containerregistry (or of this package's
// transport) into an *Error for op; nil stays nil, an *Error is kept with
// op prefixed to it.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var re *Error
	if errors.As(err, &re) {
		c := *re
		c.Op = op + ": " + re.Op
		return &c
	}
	e := &Error{Op: op, Err: cause(err)}
	var te *transport.Error
	var st *StalledError
	var ne *NotRegistryError
	switch {
	case errors.As(err, &te):
		e.Status = te.StatusCode
		e.Err = te // kept for errors.As (ggcr's retries ask it Temporary()), never printed
		if len(te.Errors) > 0 {
			e.Code, e.Message = string(te.Errors[0].Code), te.Errors[0].Message
		}
		e.Kind = kindOf(te.StatusCode, e.Code) // a page in its place is a *NotRegistryError (observer)
	case errors.As(err, &ne) && ne.Status != 0:
		e.Status, e.Kind = ne.Status, Malformed
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.As(err, &st):
		e.Kind = Unavailable
	default:
		var ue *url.Error
		var ne net.Error
		if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
			e.Kind = Unavailable
		} else {
			// ggcr's own failures: JSON that does not parse, a digest that
			// does not match, a missing header.
			e.Kind = Malformed
		}
	}
	return e
}

// NotRegistryError is a refusal or a "not found" that is no registry's
// verdict, found by the transport (observer.notRegistry): a proxy's page, a
// 401 without the challenge HTTP requires (go-containerregistry would take
// such a ping as "no authentication" and go on anonymously, to a refusal
// that says nothing of the credentials), a blob's storage refusing. Its
// kind is Malformed: unknown, never "absent" or "refused".
type NotRegistryError struct {
	Status int
	Why    string
}

func (e *NotRegistryError) Error() string {
	return fmt.Sprintf("HTTP %d %s: not a registry's answer", e.Status, e.Why)
}

func kindOf(status int, code string) Kind {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden || code == "UNAUTHORIZED" || code == "DENIED":
		return Denied
	case status == http.StatusNotFound || code == "MANIFEST_UNKNOWN" || code == "NAME_UNKNOWN" || code == "BLOB_UNKNOWN":
		return NotFound
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		return Unavailable
	case status >= 400:
		return Refused
	}
	return Malformed
}

// cause strips the URL a *url.Error carries: an upload location holds
// signed state, and the operation already names the repository.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// IsKind reports whether err is a registry *Error of kind k.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}
