package herokusim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const acceptPrefix = "application/vnd.heroku+json; version=3"

type app struct {
	ID, Name, WebURL, Owner string
	CreatedAt               time.Time
	builds                  []*build
	releases                []*release
	config                  map[string]string
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(c int) { w.status = c; w.ResponseWriter.WriteHeader(c) }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// ServeHTTP routes storage, streams and the API, applying faults and
// recording every request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{
		Method: r.Method, Path: r.URL.Path,
		Auth:          r.Header.Get("Authorization") != "",
		Chunked:       len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked",
		ContentLength: r.ContentLength,
		ContentType:   r.Header.Get("Content-Type"),
		Accept:        r.Header.Get("Accept"),
		Range:         r.Header.Get("Range"),
	}
	sw := &statusWriter{ResponseWriter: w, status: 200}
	w.Header().Set("Request-Id", fmt.Sprintf("sim-%06d", s.reqSeq.Add(1)))
	defer func() {
		rec.Status = sw.status
		s.record(rec)
	}()
	if f := s.takeFault(r); f != nil {
		rec.Fault = f.String()
		if s.applyFault(f, sw, r, &rec) {
			return
		}
	}
	s.route(sw, r, &rec)
}

func (s *Server) route(w *statusWriter, r *http.Request, rec *Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/s3/"):
		s.serveStorage(w, r)
	case strings.HasPrefix(r.URL.Path, "/streams/"):
		s.serveStream(w, r)
	default:
		s.serveAPI(w, r, rec)
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, rec *Request) {
	if !strings.HasPrefix(r.Header.Get("Accept"), acceptPrefix) {
		apiError(w, 406, "not_acceptable", "Please specify a version along with Heroku's API MIME type. For example, `Accept: application/vnd.heroku+json; version=3`.")
		return
	}
	acct := s.authenticate(r)
	if acct == nil {
		apiError(w, 401, "unauthorized", "Invalid credentials provided.")
		return
	}
	remaining, ok := s.takeToken(acct)
	w.Header().Set("RateLimit-Remaining", strconv.Itoa(remaining))
	if !ok {
		apiError(w, 429, "rate_limit", "Your account reached the API rate limit\nPlease wait a few minutes before making new requests")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	route := r.Method + " " + shape(parts)
	switch route {
	case "POST sources", "POST apps/*/sources":
		if len(parts) == 3 {
			if _, ok := s.appFor(w, acct, parts[1]); !ok {
				return
			}
		}
		s.createSource(w, r)
	case "GET account/rate-limits":
		writeJSON(w, 200, map[string]int{"remaining": remaining})
	case "POST apps":
		s.postApp(w, r, acct)
	case "GET apps/*":
		if a, ok := s.appFor(w, acct, parts[1]); ok {
			writeJSON(w, 200, s.appJSON(a))
		}
	case "POST apps/*/builds":
		if a, ok := s.appFor(w, acct, parts[1]); ok {
			s.postBuild(w, r, a, acct, rec)
		}
	case "GET apps/*/builds":
		if a, ok := s.appFor(w, acct, parts[1]); ok {
			s.listBuilds(w, r, a)
		}
	case "GET apps/*/builds/*":
		if a, ok := s.appFor(w, acct, parts[1]); ok {
			if b := s.findBuild(w, a, parts[3]); b != nil {
				s.mu.Lock()
				defer s.mu.Unlock()
				writeJSON(w, 200, s.buildJSON(b))
			}
		}
	case "DELETE apps/*/builds/*":
		if a, ok := s.appFor(w, acct, parts[1]); ok {
			s.cancelBuild(w, r, a, parts[3])
		}
	case "GET apps/*/builds/*/result":
		apiError(w, 410, "gone", "This endpoint has been removed. Use the output_stream_url of the build instead.")
	case "GET apps/*/releases":
		if a, ok := s.appFor(w, acct, parts[1]); ok {
			s.mu.Lock()
			defer s.mu.Unlock()
			out := []any{}
			for _, rel := range a.releases {
				out = append(out, s.releaseJSON(a, rel))
			}
			writeJSON(w, 200, out)
		}
	case "GET apps/*/releases/*":
		if a, ok := s.appFor(w, acct, parts[1]); ok {
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, rel := range a.releases {
				if rel.ID == parts[3] || strconv.Itoa(rel.Version) == strings.TrimPrefix(parts[3], "v") {
					writeJSON(w, 200, s.releaseJSON(a, rel))
					return
				}
			}
			apiError(w, 404, "not_found", "Couldn't find that release.")
		}
	case "GET apps/*/config-vars":
		if a, ok := s.appFor(w, acct, parts[1]); ok {
			s.mu.Lock()
			defer s.mu.Unlock()
			writeJSON(w, 200, a.config)
		}
	case "PATCH apps/*/config-vars":
		if a, ok := s.appFor(w, acct, parts[1]); ok {
			s.patchConfig(w, r, a)
		}
	default:
		apiError(w, 404, "not_found", "The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`), and did you specify your intent to use the Heroku API by providing the `Accept: application/vnd.heroku+json; version=3` header?")
	}
}

// shape replaces the variable path segments (app, build, release ids) by *.
func shape(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p
		if i%2 == 1 && (parts[0] == "apps") {
			out[i] = "*"
		}
	}
	return strings.Join(out, "/")
}

func (s *Server) authenticate(r *http.Request) *account {
	h := r.Header.Get("Authorization")
	var key string
	switch {
	case strings.HasPrefix(h, "Bearer "):
		key = strings.TrimPrefix(h, "Bearer ")
	case strings.HasPrefix(h, "Basic "):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
		if err != nil {
			return nil
		}
		_, key, _ = strings.Cut(string(raw), ":")
	default:
		return nil
	}
	if len(r.Header.Values("Authorization")) != 1 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[key]
}

func (s *Server) takeToken(a *account) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	a.tokens = min(float64(s.opts.RateLimit), a.tokens+now.Sub(a.last).Seconds()*s.opts.RateRefill)
	a.last = now
	if a.tokens < 1 {
		return 0, false
	}
	a.tokens--
	return int(a.tokens), true
}

func (s *Server) appFor(w http.ResponseWriter, acct *account, ident string) (*app, bool) {
	s.mu.Lock()
	a := s.apps[ident]
	s.mu.Unlock()
	if a == nil {
		apiError(w, 404, "not_found", "Couldn't find that app.")
		return nil, false
	}
	if a.Owner != acct.email {
		apiError(w, 403, "forbidden", fmt.Sprintf("You do not have access to the app %s.", a.Name))
		return nil, false
	}
	return a, true
}

var (
	appName   = regexp.MustCompile(`^[a-z][a-z0-9-]{1,28}[a-z0-9]$`)
	configKey = regexp.MustCompile(`^\w+$`)
)

func (s *Server) createApp(name, owner string) *app {
	sum := sha256.Sum256([]byte(name))
	a := &app{
		ID: s.id('a'), Name: name, Owner: owner, CreatedAt: s.now().UTC(),
		// Apps created since 2023-06-14 carry a random suffix: clients
		// must read web_url, never build it from the name.
		WebURL: fmt.Sprintf("https://%s-%s.herokuapp.com/", name, hex.EncodeToString(sum[:6])),
		// A secret every app carries, so tests can prove it never leaks.
		config: map[string]string{"DATABASE_URL": "postgres://u:" + ConfigSecret + "@db.example.com:5432/d"},
	}
	s.apps[a.Name] = a
	s.apps[a.ID] = a
	// Heroku creates v1 and v2 with every app: the first deploy is v3.
	s.newRelease(a, "Initial release", "", nil)
	s.newRelease(a, "Enable Logplex by "+owner, "", nil)
	return a
}

func (s *Server) postApp(w http.ResponseWriter, r *http.Request, acct *account) {
	var body struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil && err.Error() != "EOF" {
		apiError(w, 400, "bad_request", "Invalid JSON body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if body.Name == "" {
		body.Name = fmt.Sprintf("sim-app-%d", s.seq['a']+1)
	}
	if !appName.MatchString(body.Name) {
		apiError(w, 422, "invalid_params", "Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes.")
		return
	}
	if s.apps[body.Name] != nil {
		apiError(w, 422, "invalid_params", "Name "+body.Name+" is already taken")
		return
	}
	writeJSON(w, 201, s.appJSON(s.createApp(body.Name, acct.email)))
}

func (s *Server) appJSON(a *app) map[string]any {
	return map[string]any{
		"id": a.ID, "name": a.Name, "web_url": a.WebURL,
		"git_url":     "https://git.heroku.com/" + a.Name + ".git",
		"stack":       map[string]string{"id": "50000000-0000-4000-8000-000000000024", "name": "heroku-24"},
		"build_stack": map[string]string{"id": "50000000-0000-4000-8000-000000000024", "name": "heroku-24"},
		"region":      map[string]string{"id": "59accabd-516d-4f0e-83e6-6e3757701145", "name": "us"},
		"owner":       map[string]string{"id": "00000000-0000-4000-8000-0000000000aa", "email": a.Owner},
		"maintenance": false, "created_at": a.CreatedAt, "updated_at": a.CreatedAt,
	}
}

func (s *Server) patchConfig(w http.ResponseWriter, r *http.Request, a *app) {
	var body map[string]*string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		apiError(w, 400, "bad_request", "Invalid JSON body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range body {
		if !configKey.MatchString(k) {
			apiError(w, 422, "invalid_params", "Invalid config var name: "+k)
			return
		}
		if v == nil {
			delete(a.config, k)
		} else {
			a.config[k] = *v
		}
	}
	s.newRelease(a, "Set config vars", "", nil)
	writeJSON(w, 200, a.config)
}

func (s *Server) listBuilds(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	max, desc := parseRange(r.Header.Get("Range"))
	bs := append([]*build(nil), a.builds...)
	if desc {
		for i, j := 0, len(bs)-1; i < j; i, j = i+1, j-1 {
			bs[i], bs[j] = bs[j], bs[i]
		}
	}
	status := 200
	if len(bs) > max {
		bs = bs[:max]
		status = 206
		w.Header().Set("Next-Range", fmt.Sprintf("id ]%s..; max=%d", bs[len(bs)-1].ID, max))
	}
	out := []any{}
	for _, b := range bs {
		out = append(out, s.buildJSON(b))
	}
	writeJSON(w, status, out)
}

// parseRange reads "field [start]..[end][; max=N[,order=desc]]" in any of
// the spellings Heroku accepts.
func parseRange(h string) (max int, desc bool) {
	max = 200
	_, opts, ok := strings.Cut(h, ";")
	if !ok {
		return
	}
	for _, kv := range strings.FieldsFunc(opts, func(r rune) bool { return r == ',' || r == ';' }) {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch strings.TrimSpace(k) {
		case "max":
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
				max = min(n, 1000)
			}
		case "order":
			desc = strings.TrimSpace(v) == "desc"
		}
	}
	return
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, id, msg string) {
	writeJSON(w, status, map[string]string{"id": id, "message": msg})
}

// htmlError writes what a load balancer in front of Heroku sends.
func htmlError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", status, http.StatusText(status))
}

// recordResponse runs h and returns what it would have answered.
func recordResponse(h func(http.ResponseWriter)) *httptest.ResponseRecorder {
	rr := httptest.NewRecorder()
	h(rr)
	return rr
}
