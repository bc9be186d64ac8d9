package herokusim

import (
	"fmt"
	"iter"
	"net/http"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/fault"
)

// Fault makes matching requests misbehave, as Heroku, a proxy in front of
// it, or a hostile server might. The language is internal/fault's, shared
// with the GitLab fake (read its doc for every word):
//
//	METHOD PATH EFFECT... [times=N] [skip=N]
//
// with the effects NNN, html, text, truncated, empty-object, null,
// wrongtype=FIELD[:AS], after, reset, hang, delay=D, barrier=N, and here:
//
//	NNN           alone, a 4xx/5xx carries Heroku's JSON error (S3's XML
//	              on /s3/); a 2xx needs a body effect or wrongtype
//	redirect      answer 302 to /trap on this simulator: nothing may follow it
//	leak          echo the caller's key and a signed URL: in the error
//	              message, in an X-Heroku-Warning, or (streams) in a log line
//	leak-config   streams: a log line printing the first app's DATABASE_URL
//	drop=N        streams: cut the connection after N bytes
//	ignore-range  streams: answer from byte 0 whatever Range asks
//	quiet         streams: send nothing at all, not even keepalives
//
// A wrongtype that finds no such field in an answer is a problem of the
// script (Problems): the fault did nothing.
//
// Examples:
//
//	GET /apps/*/builds/* 503 html times=3        three HTML 503s while polling
//	POST /apps/*/builds 503 after                the build is created, then 503
//	POST /apps/*/builds 201 truncated after      the build is created, the answer garbled
//	PATCH /apps/* after reset                    maintenance switched, the connection cut unanswered
//	GET /apps/*/pipeline-couplings 404 html      a router's 404 page, not Heroku's JSON
//	GET /apps/* 200 null                         an answer that is null
//	GET /apps/*/releases 200 wrongtype=version   every release's version a string
//	GET /apps/*/releases wrongtype=version:float every version with a fraction
//	PUT /s3/* reset                              connection reset mid-upload
//	GET /streams/* drop=40                       stream cut after 40 bytes
//	GET /apps/* 429 times=5                      rate limited five times
//	POST /apps/*/dynos delay=1s                  a dyno created a second late
type Fault = fault.Fault

// ParseFault reads the text form of a Fault: a Go test's way to arm one
// (Options.Faults).
func ParseFault(s string) (*Fault, error) { return fault.Parse(s, dialect(nil)) }

// dialect is the simulator's: its words, Heroku's error format, the trap
// and the leak. s is nil when only parsing.
func dialect(s *Server) *fault.Dialect {
	d := &fault.Dialect{
		Name:  "herokusim",
		Flags: []string{"leak-config", "ignore-range", "quiet"},
		Ints:  []string{"drop"},
		// Streams read their words themselves.
		Self:       func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/streams/") },
		LeakHeader: "X-Heroku-Warning",
	}
	if s == nil {
		d.Redirect = func(http.ResponseWriter, *http.Request) {}
		d.Leak = func(*http.Request) string { return "" }
		return d
	}
	d.Redirect = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", s.URL+"/trap"+r.URL.Path+"?X-Amz-Signature="+s.sign("trap", r.URL.Path))
		w.WriteHeader(http.StatusFound)
	}
	d.Leak = s.leakText
	d.Error = func(w http.ResponseWriter, r *http.Request, f *Fault) {
		switch {
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
			msg := "Simulated failure: " + http.StatusText(f.Status)
			if f.Leak {
				msg += " for " + s.leakText(r)
			}
			apiError(w, f.Status, faultID(f.Status), msg)
		}
	}
	d.Missed = func(f *Fault, r *http.Request, why string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.faultsMissed = append(s.faultsMissed, fmt.Sprintf("fault %q met %s %s but did nothing: %s", f, r.Method, r.URL.Path, why))
	}
	return d
}

// injector applies the first armed fault that matches the request.
func (s *Server) injector(next http.Handler) http.Handler {
	return dialect(s).Middleware(s.faults, func(f *Fault, r *http.Request) {
		recordOf(r).Fault = f.String()
		if n, ok := f.Int("drop"); ok {
			s.mu.Lock()
			st := s.streams[strings.TrimPrefix(r.URL.Path, "/streams/")]
			s.mu.Unlock()
			if st != nil {
				st.mu.Lock()
				st.dropAfter = n
				st.mu.Unlock()
			}
		}
	}, next)
}

// Reads returns the GET requests among reqs, for a test that runs a
// command once, then again with a body fault on each read it made:
//
//	for _, rd := range herokusim.Reads(s.Requests()) {
//		f, _ := herokusim.ParseFault(rd.Fault("200 null"))
//		// a fresh simulator with Options{Faults: []*Fault{f}}, the same command
//	}
func Reads(reqs []Request) []fault.Read {
	return fault.Reads(iter.Seq2[string, string](func(yield func(string, string) bool) {
		for _, r := range reqs {
			if !yield(r.Method, r.Path) {
				return
			}
		}
	}))
}

// leakText is what a leaking server echoes: the caller's key (or, for an
// unauthenticated stream, the first key) and a signed URL.
func (s *Server) leakText(r *http.Request) string {
	key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if key == "" {
		key = s.opts.Keys[0]
	}
	return fmt.Sprintf("key %s at %s/s3/leak?X-Amz-Signature=%s", key, s.URL, s.sign("leak"))
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
