package herokusim

import (
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// Fault makes matching requests fail. Written as text (see ParseFault):
//
//	GET /apps/*/builds/* 503 html times=3   three HTML 503s while polling
//	POST /apps/*/builds 503 after           the build is created, then 503
//	PUT /s3/* reset                         connection reset mid-upload
//	GET /streams/* drop=40                  stream cut after 40 bytes
//	GET /apps/* 429 times=5                 rate limited five times
type Fault struct {
	Method string // "*" for any
	Path   string // path.Match pattern; "*" is one segment
	Status int
	HTML   bool // non-JSON body, as a load balancer sends
	After  bool // process the request, then answer with the fault
	Reset  bool // cut the connection before answering
	Drop   int  // streams: cut after this many bytes; -1 when unset
	Times  int  // requests affected; 0 = all
	Skip   int  // matching requests let through first
	hits   int
	text   string
}

func (f *Fault) String() string { return f.text }

// ParseFault reads the text form of a Fault.
func ParseFault(s string) (*Fault, error) {
	fields := strings.Fields(s)
	if len(fields) < 3 {
		return nil, fmt.Errorf("fault %q: want METHOD PATH EFFECT...", s)
	}
	f := &Fault{Method: strings.ToUpper(fields[0]), Path: fields[1], Drop: -1, text: s}
	if _, err := path.Match(f.Path, "/"); err != nil {
		return nil, fmt.Errorf("fault %q: bad path pattern: %v", s, err)
	}
	for _, tok := range fields[2:] {
		k, v, hasV := strings.Cut(tok, "=")
		n, nerr := strconv.Atoi(v)
		switch {
		case !hasV && isStatus(k):
			f.Status, _ = strconv.Atoi(k)
		case tok == "html":
			f.HTML = true
		case tok == "after":
			f.After = true
		case tok == "reset":
			f.Reset = true
		case k == "times" && nerr == nil:
			f.Times = n
		case k == "skip" && nerr == nil:
			f.Skip = n
		case k == "drop" && nerr == nil:
			f.Drop = n
		default:
			return nil, fmt.Errorf("fault %q: unknown effect %q", s, tok)
		}
	}
	if f.Status == 0 && !f.Reset && f.Drop < 0 {
		return nil, fmt.Errorf("fault %q: no effect (status, reset or drop=N)", s)
	}
	return f, nil
}

func isStatus(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 400 && n <= 599
}

func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.opts.Faults {
		if f.Method != "*" && f.Method != r.Method {
			continue
		}
		if ok, _ := path.Match(f.Path, r.URL.Path); !ok {
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

// applyFault reports whether the fault answered the request; next serves
// it when the fault lets it take effect first.
func (s *Server) applyFault(f *Fault, w *statusWriter, r *http.Request, next http.Handler) bool {
	if f.Drop >= 0 {
		s.mu.Lock()
		st := s.streams[strings.TrimPrefix(r.URL.Path, "/streams/")]
		s.mu.Unlock()
		if st != nil {
			st.mu.Lock()
			st.dropAfter = f.Drop
			st.mu.Unlock()
		}
		return false
	}
	if f.After {
		// Let the request take effect, then lose the answer.
		serveAside(next, r)
	}
	if f.Reset {
		if r.Body != nil {
			io.CopyN(io.Discard, r.Body, 1024) // part of the upload arrives
		}
		w.status = 0
		panic(http.ErrAbortHandler)
	}
	switch {
	case f.HTML:
		htmlError(w, f.Status)
	case strings.HasPrefix(r.URL.Path, "/s3/"):
		code := map[int]string{500: "InternalError", 503: "SlowDown"}[f.Status]
		if code == "" {
			code = http.StatusText(f.Status)
		}
		s3Error(w, f.Status, code, "Simulated failure")
	case strings.HasPrefix(r.URL.Path, "/streams/"):
		w.WriteHeader(f.Status)
	default:
		if f.Status == 429 {
			w.Header().Set("RateLimit-Remaining", "0")
		}
		apiError(w, f.Status, faultID(f.Status), "Simulated failure: "+http.StatusText(f.Status))
	}
	return true
}

func faultID(status int) string {
	switch status {
	case 401:
		return "unauthorized"
	case 403:
		return "forbidden"
	case 404:
		return "not_found"
	case 422:
		return "invalid_params"
	case 429:
		return "rate_limit"
	case 503:
		return "service_unavailable"
	}
	return "internal_server_error"
}
