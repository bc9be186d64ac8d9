// Package dryrun makes a dry run's promise, that nothing changes,
// mechanical instead of a promise each workflow keeps. Every HTTP client a
// dry run builds (the Platform API's, the storage uploads', the
// registries') sends its requests through a Guard, which refuses every
// request but GET and HEAD before it is sent. The workflows say "would …"
// at each change point instead of making the request; a request the Guard
// refuses is a change point a workflow missed: a bug. The Guard remembers
// it, so the command ends with exit 4 saying so even if the workflow made
// something else of the error.
package dryrun

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// Guard refuses, in a dry run, every request that could change something.
// A nil *Guard is a real run: it guards nothing.
type Guard struct {
	mu    sync.Mutex
	first *Refused
}

// Refused is a request a dry run refused before sending it: a bug.
type Refused struct {
	Method string
	URL    string // scheme, host and path: never the query or user info (a signed URL's credentials)
}

func (e *Refused) Error() string {
	return fmt.Sprintf("a dry run tried to change something: %s %s was refused before it was sent (a bug in heroku-deploy)", e.Method, e.URL)
}

// IsRefused reports whether err is, or wraps, a dry run's refusal.
func IsRefused(err error) bool {
	var r *Refused
	return errors.As(err, &r)
}

// Wrap returns next guarded by g: a request other than GET or HEAD fails
// with *Refused and never reaches next, unless one of allow lets it
// through (a registry's token request, which changes nothing). A nil g
// returns next as it is.
func (g *Guard) Wrap(next http.RoundTripper, allow ...func(*http.Request) bool) http.RoundTripper {
	if g == nil {
		return next
	}
	return &transport{g: g, next: next, allow: allow}
}

// Refused returns the first request g refused, nil if none was (or g is
// nil).
func (g *Guard) Refused() *Refused {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.first
}

type transport struct {
	g     *Guard
	next  http.RoundTripper
	allow []func(*http.Request) bool
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return t.next.RoundTrip(req)
	}
	for _, ok := range t.allow {
		if ok(req) {
			return t.next.RoundTrip(req)
		}
	}
	if req.Body != nil {
		req.Body.Close() // a RoundTripper closes the body, even on error
	}
	u := *req.URL
	u.RawQuery, u.ForceQuery, u.Fragment, u.User = "", false, "", nil
	r := &Refused{Method: req.Method, URL: u.String()}
	t.g.mu.Lock()
	if t.g.first == nil {
		t.g.first = r
	}
	t.g.mu.Unlock()
	return nil, r
}
