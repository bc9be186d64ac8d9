// Package gitlabfake is a small fake of GitLab's REST API for the tests of
// the review app sweep: one project's merge requests, listed by state with
// GitLab's offset pagination (per_page at most 100, X-Next-Page empty on
// the last page, X-Page, X-Per-Page, X-Total, X-Total-Pages, Link), behind
// its authentication (PRIVATE-TOKEN, JOB-TOKEN or Authorization: Bearer;
// 401 for a token it does not know, 404 for a project the token cannot
// see, as GitLab answers both). A job token can be refused, as instances
// from before job tokens could list merge requests refuse it. Every
// request is recorded. Faults in internal/fault's language make chosen
// requests misbehave (Options.Faults, -fault), with paths below the API's
// base: "GET /projects/*/merge_requests 200 null", "… 200 wrongtype=iid",
// "… 502 html", "… 503"; alone, an error status carries GitLab's
// {"message": "…"}, and leak echoes the caller's token in it. Tests only:
// the binary never links it.
package gitlabfake

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"gitlab.com/heroku-deploy/heroku/internal/fault"
	"gitlab.com/heroku-deploy/heroku/internal/leakcheck"
)

// Options configure a Server.
type Options struct {
	Project string // the project's id [42]
	Token   string // the access token it accepts (read_api), "" for none
	// JobToken is the CI_JOB_TOKEN it accepts; JobTokenRefused makes the
	// merge request list refuse it (401), as GitLab does where job tokens
	// may not call that endpoint.
	JobToken        string
	JobTokenRefused bool
	// MRs are the project's merge requests, "IID" (open) or "IID:STATE"
	// (closed, merged, locked).
	MRs []string
	// Fail answers the first N list requests with this status (503…).
	Fail, FailTimes int
	// Faults are armed faults (ParseFault).
	Faults []*fault.Fault
}

// ParseFault reads a fault for Options.Faults: internal/fault's language,
// paths below the API's base (/projects/*/merge_requests).
func ParseFault(s string) (*fault.Fault, error) { return fault.Parse(s, dialect(nil)) }

// dialect is the fake's: GitLab's error body, a leak of the caller's token.
func dialect(s *Server) *fault.Dialect {
	return &fault.Dialect{
		Name:   "gitlabfake",
		Prefix: "/api/v4",
		Error: func(w http.ResponseWriter, r *http.Request, f *fault.Fault) {
			msg := fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status))
			if f.Leak {
				msg += " for token " + callerToken(r)
			}
			apiError(w, f.Status, msg)
		},
		Leak: callerToken,
		Missed: func(f *fault.Fault, r *http.Request, why string) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.problems = append(s.problems, fmt.Sprintf("fault %q met %s %s but did nothing: %s", f, r.Method, r.URL.Path, why))
		},
	}
}

// callerToken is the token a request carried, whichever header.
func callerToken(r *http.Request) string {
	for _, h := range []string{"PRIVATE-TOKEN", "JOB-TOKEN"} {
		if v := r.Header.Get(h); v != "" {
			return v
		}
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// Server is a running fake.
type Server struct {
	URL      string // the API's base: what CI_API_V4_URL holds
	opts     Options
	srv      *http.Server
	mu       sync.Mutex
	reqs     []string
	n        int
	problems []string // faults that did nothing
}

type mr struct {
	IID   int    `json:"iid"`
	State string `json:"state"`
	Title string `json:"title"`
}

// Start serves on a loopback port.
func Start(opts Options) (*Server, error) {
	if opts.Project == "" {
		opts.Project = "42"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + l.Addr().String() + "/api/v4", opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/projects/{id}/merge_requests", s.list)
	faulted := dialect(s).Middleware(func() []*fault.Fault { return s.opts.Faults }, func(f *fault.Fault, r *http.Request) {
		*r.Context().Value(faultedKey{}).(*bool) = true
	}, mux)
	s.srv = &http.Server{Handler: s.record(faulted)}
	go s.srv.Serve(l)
	return s, nil
}

// LeakSecrets are the tokens it accepts, for the leak check.
func (s *Server) LeakSecrets() []leakcheck.Secret {
	var out []leakcheck.Secret
	if s.opts.Token != "" {
		out = append(out, leakcheck.Secret{Kind: "the GitLab access token", Value: s.opts.Token})
	}
	if s.opts.JobToken != "" {
		out = append(out, leakcheck.Secret{Kind: "the CI job token", Value: s.opts.JobToken})
	}
	return out
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Problems lists the faults that met a request and did nothing
// (wrongtype without its field): a test that relies on one is wrong.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// Reads returns the GET requests received, paths below the API's base:
// for a test that runs a command once, then again with a fault on each
// read (ParseFault(read.Fault("200 null"))).
func (s *Server) Reads() []fault.Read {
	s.mu.Lock()
	defer s.mu.Unlock()
	reqs := append([]string(nil), s.reqs...)
	return fault.Reads(func(yield func(string, string) bool) {
		for _, r := range reqs {
			method, rest, _ := strings.Cut(r, " ")
			p, _, _ := strings.Cut(rest, "?")
			if !yield(method, strings.TrimPrefix(p, "/api/v4")) {
				return
			}
		}
	})
}

// Requests lists the requests received: "METHOD PATH?QUERY STATUS AUTH"
// with AUTH the header that carried a token, and " (fault)" when a fault
// met it.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(c int) { w.status = c; w.ResponseWriter.WriteHeader(c) }

// Abort records a connection cut by a fault, without an answer.
func (w *statusWriter) Abort() { w.status = 0 }

type faultedKey struct{}

func (s *Server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: 200}
		faulted := false
		defer func() { // a fault may cut the connection (a panic)
			auth := "none"
			for _, h := range []string{"PRIVATE-TOKEN", "JOB-TOKEN", "Authorization"} {
				if r.Header.Get(h) != "" {
					auth = h
				}
			}
			line := fmt.Sprintf("%s %s?%s %d %s", r.Method, r.URL.Path, r.URL.RawQuery, sw.status, auth)
			if faulted {
				line += " (fault)"
			}
			s.mu.Lock()
			s.reqs = append(s.reqs, line)
			s.mu.Unlock()
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), faultedKey{}, &faulted)))
	})
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.n++
	failing := s.opts.Fail != 0 && s.n <= s.opts.FailTimes
	s.mu.Unlock()
	if failing {
		apiError(w, s.opts.Fail, http.StatusText(s.opts.Fail))
		return
	}
	bearer := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case r.Header.Get("JOB-TOKEN") != "" && r.Header.Get("JOB-TOKEN") == s.opts.JobToken:
		if s.opts.JobTokenRefused {
			apiError(w, 401, "401 Unauthorized")
			return
		}
	case s.opts.Token != "" && (r.Header.Get("PRIVATE-TOKEN") == s.opts.Token || bearer == s.opts.Token):
	default:
		apiError(w, 401, "401 Unauthorized")
		return
	}
	if r.PathValue("id") != s.opts.Project {
		apiError(w, 404, "404 Project Not Found")
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "all"
	}
	if !slices.Contains([]string{"opened", "closed", "locked", "merged", "all"}, state) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		json.NewEncoder(w).Encode(map[string]string{"error": "state does not have a valid value"})
		return
	}
	var all []mr
	for _, spec := range s.opts.MRs {
		iid, st, _ := strings.Cut(spec, ":")
		if st == "" {
			st = "opened"
		}
		n, _ := strconv.Atoi(iid)
		if state == "all" || st == state {
			all = append(all, mr{IID: n, State: st, Title: "Merge request !" + iid})
		}
	}
	// GitLab lists newest first (order_by created_at, sort desc).
	slices.SortFunc(all, func(a, b mr) int { return b.IID - a.IID })
	perPage := 20
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	pages := max(1, (len(all)+perPage-1)/perPage)
	from := min(len(all), (page-1)*perPage)
	to := min(len(all), from+perPage)
	next := ""
	if page < pages {
		next = strconv.Itoa(page + 1)
	}
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Next-Page", next)
	h.Set("X-Total", strconv.Itoa(len(all)))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	if next != "" {
		u := *r.URL
		qq := u.Query()
		qq.Set("page", next)
		u.RawQuery = qq.Encode()
		h.Set("Link", fmt.Sprintf("<http://%s%s>; rel=\"next\"", r.Host, u.String()))
	}
	h.Set("Content-Type", "application/json")
	out := all[from:to]
	if out == nil {
		out = []mr{}
	}
	json.NewEncoder(w).Encode(out)
}

// The testscript commands:
//
//	gitlabfake [-project ID] [-token VAR] [-job-token VAR] [-job-token-refused] [-fail STATUS -fail-times N] [-fault F]... [MR...]
//	    start a fake for this script; MR is IID or IID:STATE; it takes the
//	    values of the script's variables VAR as its tokens, and points
//	    CI_API_V4_URL and CI_PROJECT_ID at itself; -fault arms a fault
//	    (ParseFault: 'GET /projects/*/merge_requests 200 null'), repeatable
//	gitlabfake-requests   the requests it received, one line each; fails if
//	    a fault did nothing (Problems)
//
// Its tokens are secrets for the leak check of every run (internal/leakcheck).
type holderKey struct{}

// Commands returns the commands above, by name.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"gitlabfake":          cmdFake,
		"gitlabfake-requests": cmdRequests,
	}
}

type holder struct{ s *Server }

func cmdFake(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("gitlabfake", flag.ContinueOnError)
	var o Options
	var tokenVar, jobVar string
	fs.StringVar(&o.Project, "project", "42", "project id")
	fs.StringVar(&tokenVar, "token", "", "the script variable holding the access token it accepts")
	fs.StringVar(&jobVar, "job-token", "", "the script variable holding the job token it accepts")
	fs.BoolVar(&o.JobTokenRefused, "job-token-refused", false, "the merge request list refuses job tokens")
	fs.IntVar(&o.Fail, "fail", 0, "answer with this status")
	fs.IntVar(&o.FailTimes, "fail-times", 1, "this many times")
	fs.Func("fault", "arm a fault (internal/fault's language), repeatable", func(v string) error {
		f, err := ParseFault(v)
		if err == nil {
			o.Faults = append(o.Faults, f)
		}
		return err
	})
	if err := fs.Parse(args); err != nil {
		ts.Fatalf("gitlabfake: %v", err)
	}
	if tokenVar != "" {
		o.Token = ts.Getenv(tokenVar)
	}
	if jobVar != "" {
		o.JobToken = ts.Getenv(jobVar)
	}
	o.MRs = fs.Args()
	s, err := Start(o)
	if err != nil {
		ts.Fatalf("gitlabfake: %v", err)
	}
	ts.Defer(func() { s.Close() })
	h, _ := ts.Value(holderKey{}).(*holder)
	if h == nil {
		ts.Fatalf("gitlabfake: Setup was not called for this script")
	}
	h.s = s
	if err := leakcheck.Register(ts, s.LeakSecrets); err != nil {
		ts.Fatalf("gitlabfake: %v", err)
	}
	ts.Setenv("CI_API_V4_URL", s.URL)
	ts.Setenv("CI_PROJECT_ID", o.Project)
}

// Setup prepares a script for the commands.
func Setup(values map[any]any) { values[holderKey{}] = &holder{} }

func cmdRequests(ts *testscript.TestScript, neg bool, args []string) {
	h, _ := ts.Value(holderKey{}).(*holder)
	if h == nil || h.s == nil {
		ts.Fatalf("no GitLab fake: run 'gitlabfake' first")
	}
	for _, r := range h.s.Requests() {
		fmt.Fprintln(ts.Stdout(), r)
	}
	if p := h.s.Problems(); len(p) > 0 {
		ts.Fatalf("gitlabfake saw:\n%s", strings.Join(p, "\n"))
	}
}
