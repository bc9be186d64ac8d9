package herokusim

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching requests misbehave, as Heroku, a proxy in front of
// it, or a hostile server might. Written as text (see ParseFault):
//
//	METHOD PATH EFFECT... [times=N] [skip=N]
//
// METHOD is a verb or *, PATH a path.Match pattern ("*" is one segment).
// times=N affects N matching requests (default: all), skip=N lets the first
// N through. The effects:
//
//	NNN           answer with this status: 4xx/5xx with Heroku's JSON error
//	              (S3's XML on /s3/), or 2xx with one of the bodies below
//	html          the body is an HTML page, as a load balancer sends
//	truncated     the body is JSON cut off halfway
//	after         let the request take effect first, then answer with the fault
//	reset         cut the connection after reading part of the request
//	hang          never answer; the client must give up on its own
//	redirect      answer 302 to /trap on this simulator: nothing may follow it
//	leak          echo the caller's key and a signed URL: in the error
//	              message, in an X-Heroku-Warning, or (streams) in a log line
//	leak-config   streams: a log line printing the first app's DATABASE_URL
//	drop=N        streams: cut the connection after N bytes
//	ignore-range  streams: answer from byte 0 whatever Range asks
//	quiet         streams: send nothing at all, not even keepalives
//	delay=D       wait D before anything else (alone: a slow answer); the
//	              request is served even if the client gave up meanwhile
//	barrier=N     hold each matching request until N have arrived, then
//	              serve them all, answering none before all were served:
//	              concurrent clients that read the same state (two
//	              pipelines that both find no app)
//
// Examples:
//
//	GET /apps/*/builds/* 503 html times=3     three HTML 503s while polling
//	POST /apps/*/builds 503 after             the build is created, then 503
//	POST /apps/*/builds 201 truncated after   the build is created, the answer garbled
//	PUT /s3/* reset                           connection reset mid-upload
//	GET /streams/* drop=40                    stream cut after 40 bytes
//	GET /apps/* 429 times=5                   rate limited five times
//	POST /apps/*/dynos delay=1s               a dyno created a second late
type Fault struct {
	Method      string // "*" for any
	Path        string
	Status      int
	HTML        bool
	Truncated   bool
	After       bool
	Reset       bool
	Hang        bool
	Redirect    bool
	Leak        bool
	LeakConfig  bool
	Drop        int // -1 when unset
	IgnoreRange bool
	Quiet       bool
	Delay       time.Duration
	Barrier     int // hold requests until this many arrived (0 = off)
	arrived     int
	released    chan struct{}
	served      int
	answered    chan struct{}
	Times       int // requests affected; 0 = all
	Skip        int // matching requests let through first
	hits        int
	text        string
}

func (f *Fault) String() string { return f.text }

// ParseFault reads the text form of a Fault.
func ParseFault(s string) (*Fault, error) {
	fields := strings.Fields(s)
	if len(fields) < 3 {
		return nil, fmt.Errorf("fault %q: want METHOD PATH EFFECT... (see herokusim -help)", s)
	}
	f := &Fault{Method: strings.ToUpper(fields[0]), Path: fields[1], Drop: -1, text: s}
	if _, err := path.Match(f.Path, "/"); err != nil {
		return nil, fmt.Errorf("fault %q: bad path pattern: %v", s, err)
	}
	flags := map[string]*bool{"html": &f.HTML, "truncated": &f.Truncated, "after": &f.After, "reset": &f.Reset,
		"hang": &f.Hang, "redirect": &f.Redirect, "leak": &f.Leak, "leak-config": &f.LeakConfig, "ignore-range": &f.IgnoreRange, "quiet": &f.Quiet}
	for _, tok := range fields[2:] {
		k, v, hasV := strings.Cut(tok, "=")
		n, nerr := strconv.Atoi(v)
		switch {
		case !hasV && isStatus(k):
			f.Status, _ = strconv.Atoi(k)
		case !hasV && flags[k] != nil:
			*flags[k] = true
		case k == "times" && nerr == nil && n >= 0:
			f.Times = n
		case k == "skip" && nerr == nil && n >= 0:
			f.Skip = n
		case k == "drop" && nerr == nil && n >= 0:
			f.Drop = n
		case k == "barrier" && nerr == nil && n >= 2:
			f.Barrier, f.released, f.answered = n, make(chan struct{}), make(chan struct{})
		case k == "delay":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("fault %q: bad delay %q", s, v)
			}
			f.Delay = d
		default:
			return nil, fmt.Errorf("fault %q: unknown effect %q (see herokusim -help)", s, tok)
		}
	}
	switch {
	case f.Status == 0 && !f.Reset && !f.Hang && !f.Redirect && !f.Leak && !f.LeakConfig && f.Drop < 0 && !f.IgnoreRange && !f.Quiet && f.Delay == 0 && f.Barrier == 0:
		return nil, fmt.Errorf("fault %q: no effect (a status, reset, hang, redirect, leak, leak-config, drop=N, ignore-range, quiet, delay=D or barrier=N)", s)
	case f.Status/100 == 2 && !f.HTML && !f.Truncated:
		return nil, fmt.Errorf("fault %q: a %d fault needs a body effect: html or truncated", s, f.Status)
	}
	return f, nil
}

func isStatus(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && ((n >= 200 && n <= 299) || (n >= 400 && n <= 599))
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

// faultKey holds the fault applied to a request, for the handlers whose
// answer it shapes (streams).
type faultKeyType struct{}

var faultKey faultKeyType

// faultOf returns the fault applied to r, or nil.
func faultOf(r *http.Request) *Fault {
	f, _ := r.Context().Value(faultKey).(*Fault)
	return f
}

// applyFault reports whether the fault answered the request; next serves
// it when the fault lets it take effect first.
func (s *Server) applyFault(f *Fault, w *statusWriter, r *http.Request, next http.Handler) bool {
	stream := strings.HasPrefix(r.URL.Path, "/streams/")
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
		}
	}
	if f.Barrier > 0 {
		s.mu.Lock()
		f.arrived++
		if f.arrived == f.Barrier {
			close(f.released)
		}
		s.mu.Unlock()
		select {
		case <-f.released:
		case <-r.Context().Done():
		}
		if f.plainBarrier() && !stream {
			s.serveTogether(f, w, r, next)
			return true
		}
	}
	if f.Drop >= 0 {
		s.mu.Lock()
		st := s.streams[strings.TrimPrefix(r.URL.Path, "/streams/")]
		s.mu.Unlock()
		if st != nil {
			st.mu.Lock()
			st.dropAfter = f.Drop
			st.mu.Unlock()
		}
	}
	if f.After {
		// Let the request take effect, then lose the answer.
		serveAside(next, r)
	}
	if f.Hang {
		<-r.Context().Done() // the client gave up
		w.status = 0
		panic(http.ErrAbortHandler)
	}
	if f.Reset {
		if r.Body != nil {
			io.CopyN(io.Discard, r.Body, 1024) // part of the upload arrives
		}
		w.status = 0
		panic(http.ErrAbortHandler)
	}
	switch {
	case stream && f.Status == 0 && !f.Redirect:
		return false // the stream handler reads the rest of the fault
	case f.Redirect:
		w.Header().Set("Location", s.URL+"/trap"+r.URL.Path+"?X-Amz-Signature="+s.sign("trap", r.URL.Path))
		w.WriteHeader(http.StatusFound)
	case f.Status == 0:
		if f.Leak {
			w.Header().Set("X-Heroku-Warning", "Deprecated; see "+s.leakText(r))
		}
		return false // the request goes on, only marked
	case f.Status/100 == 2:
		body := `{"id":"b0000000-0000-4000-8000-0000000000ff","status":"pend`
		ctype := "application/json"
		if f.HTML {
			body, ctype = "<html><body><h1>Welcome to nginx!</h1></body></html>\n", "text/html"
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(f.Status)
		io.WriteString(w, body)
	case f.HTML:
		htmlError(w, f.Status)
	case strings.HasPrefix(r.URL.Path, "/s3/"):
		code := map[int]string{500: "InternalError", 503: "SlowDown"}[f.Status]
		if code == "" {
			code = http.StatusText(f.Status)
		}
		s3Error(w, f.Status, code, "Simulated failure")
	case stream:
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
	return true
}

// plainBarrier reports whether the barrier is the fault's only effect.
func (f *Fault) plainBarrier() bool {
	return f.Status == 0 && !f.Reset && !f.Hang && !f.Redirect && !f.Leak && !f.LeakConfig && f.Drop < 0 && !f.IgnoreRange && !f.Quiet
}

// serveTogether serves a request held by a barrier but answers it only
// once every held request was served: releasing them is not enough, as
// one client could get its answer and act on it (create the app) before
// the simulator reads the state for another.
func (s *Server) serveTogether(f *Fault, w *statusWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(&statusWriter{ResponseWriter: rec}, r)
	s.mu.Lock()
	f.served++
	if f.served == f.Barrier {
		close(f.answered)
	}
	s.mu.Unlock()
	select {
	case <-f.answered:
	case <-r.Context().Done():
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
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
