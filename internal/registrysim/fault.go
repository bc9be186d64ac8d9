package registrysim

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
)

// Fault makes matching requests misbehave. Written as text (ParseFault),
// in the shape of the Heroku simulator's faults:
//
//	METHOD PATH EFFECT... [times=N] [skip=N]
//
// METHOD is a verb or *, PATH a path.Match pattern on the URL path ("*" is
// one segment: /v2/*/*/blobs/uploads/* for an app's upload sessions).
// times=N affects N matching requests (default: all), skip=N lets the
// first N through. Effects:
//
//	NNN      answer with this status and the distribution spec's error
//	         body (a 401 carries the registry's challenge)
//	after    let the request take effect first, then answer with NNN
//	reset    cut the connection (after reading the request body)
//	drop=N   a blob GET: cut the connection after N bytes of the body
//
// Examples:
//
//	PATCH /v2/*/*/blobs/uploads/* 500 times=1       a blob upload fails once
//	GET /v2/*/*/manifests/* 401 times=1            the source asks again for a token
//	PUT /v2/*/*/manifests/latest 500 after times=1 stored, then a 5xx
//	GET /v2/*/*/blobs/* drop=1000 times=1          a layer cut mid-stream
type Fault struct {
	Method string
	Path   string
	Status int
	After  bool
	Reset  bool
	Drop   int // -1 when unset
	Times  int
	Skip   int
	hits   int
	text   string
}

func (f *Fault) String() string { return f.text }

// ParseFault reads the text form of a Fault.
func ParseFault(s string) (*Fault, error) {
	fields := strings.Fields(s)
	if len(fields) < 3 {
		return nil, fmt.Errorf("registry fault %q: want METHOD PATH EFFECT...", s)
	}
	f := &Fault{Method: strings.ToUpper(fields[0]), Path: fields[1], Drop: -1, text: s}
	if _, err := path.Match(f.Path, "/"); err != nil {
		return nil, fmt.Errorf("registry fault %q: bad path pattern: %v", s, err)
	}
	for _, tok := range fields[2:] {
		k, v, hasV := strings.Cut(tok, "=")
		n, nerr := strconv.Atoi(v)
		switch {
		case !hasV && len(k) == 3 && (k[0] == '4' || k[0] == '5'):
			if f.Status, nerr = strconv.Atoi(k); nerr != nil {
				return nil, fmt.Errorf("registry fault %q: bad status %q", s, k)
			}
		case tok == "after":
			f.After = true
		case tok == "reset":
			f.Reset = true
		case k == "drop" && nerr == nil && n >= 0:
			f.Drop = n
		case k == "times" && nerr == nil && n >= 0:
			f.Times = n
		case k == "skip" && nerr == nil && n >= 0:
			f.Skip = n
		default:
			return nil, fmt.Errorf("registry fault %q: unknown effect %q", s, tok)
		}
	}
	switch {
	case f.Status == 0 && !f.Reset && f.Drop < 0:
		return nil, fmt.Errorf("registry fault %q: no effect (a status, reset or drop=N)", s)
	case f.After && f.Status == 0:
		return nil, fmt.Errorf("registry fault %q: after needs a status", s)
	}
	return f, nil
}

// MustFault is ParseFault for tests' literals.
func MustFault(s string) *Fault {
	f, err := ParseFault(s)
	if err != nil {
		panic(err)
	}
	return f
}

func (r *Registry) takeFault(req *http.Request) *Fault {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.faults {
		if f.Method != "*" && f.Method != req.Method {
			continue
		}
		if ok, _ := path.Match(f.Path, req.URL.Path); !ok {
			continue
		}
		f.hits++
		if f.hits <= f.Skip || (f.Times > 0 && f.hits > f.Skip+f.Times) {
			continue
		}
		return f
	}
	return nil
}

type dropKey struct{}

// apply reports whether the fault answered the request; serve serves it
// when the fault lets it take effect.
func (r *Registry) apply(f *Fault, w http.ResponseWriter, req *http.Request) bool {
	serve := r.serve
	switch {
	case f.Drop >= 0:
		serve(w, req.WithContext(context.WithValue(req.Context(), dropKey{}, f.Drop)))
		return true
	case f.Reset:
		io.Copy(io.Discard, req.Body)
		panic(http.ErrAbortHandler)
	case f.After:
		serve(httptest.NewRecorder(), req)
	default:
		io.Copy(io.Discard, req.Body)
	}
	if f.Status == http.StatusUnauthorized {
		repo, _, _, _ := route(req.URL.Path)
		w.Header().Set("WWW-Authenticate", r.challenge(req, repo, req.Method != http.MethodGet && req.Method != http.MethodHead))
	}
	regErr(w, f.Status, codeOf(f.Status), http.StatusText(f.Status))
	return true
}

func codeOf(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "DENIED"
	case http.StatusNotFound:
		return "NAME_UNKNOWN"
	case http.StatusTooManyRequests:
		return "TOOMANYREQUESTS"
	}
	return "UNKNOWN"
}

// writeBody writes a blob, cut after the fault's drop bytes if any.
func writeBody(w http.ResponseWriter, req *http.Request, b []byte) {
	if n, ok := req.Context().Value(dropKey{}).(int); ok && n < len(b) {
		w.Write(b[:n])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	w.Write(b)
}
