package herokusim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

const acceptPrefix = "application/vnd.heroku+json; version=3"

// routes is the simulator's handler: the API on net/http's method+pattern
// router behind Heroku's gate (Accept, auth, rate limit), storage and
// streams beside it, all behind the fault injector and the recorder.
func (s *Server) routes() http.Handler {
	api := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		if _, ok := routeScopes[pattern]; !ok {
			panic("herokusim: route " + pattern + " has no row in routeScopes (scope.go)")
		}
		s.patterns = append(s.patterns, pattern)
		api.HandleFunc(pattern, h)
	}
	handle("POST /sources", s.createSource)
	handle("POST /apps/{app}/sources", s.appRoute(func(w http.ResponseWriter, r *http.Request, _ *app) { s.createSource(w, r) }))
	handle("POST /apps", s.postApp)
	handle("GET /apps", s.listApps)
	handle("POST /teams/apps", s.postTeamApp)
	handle("POST /app-setups", s.postAppSetup)
	handle("GET /app-setups/{id}", s.getAppSetup)
	handle("GET /apps/{app}", s.appRoute(s.getApp))
	handle("DELETE /apps/{app}", s.appRoute(s.deleteApp))
	handle("GET /apps/{app}/addons", s.appRoute(s.listAddons))
	handle("POST /pipeline-couplings", s.postCoupling)
	handle("GET /pipelines/{pipeline}", s.getPipeline)
	handle("PATCH /apps/{app}", s.appRoute(s.patchApp))
	handle("GET /apps/{app}/config-vars", s.appRoute(s.getConfigVars))
	handle("PATCH /apps/{app}/config-vars", s.appRoute(s.patchConfigVars))
	handle("POST /apps/{app}/dynos", s.appRoute(s.postDyno))
	handle("GET /apps/{app}/dynos", s.appRoute(s.listDynos))
	handle("GET /apps/{app}/dynos/{id}", s.appRoute(s.getDyno))
	handle("POST /apps/{app}/dynos/{id}/actions/stop", s.appRoute(s.stopDyno))
	handle("DELETE /apps/{app}/dynos", s.appRoute(s.restartAll))
	handle("DELETE /apps/{app}/formations/{type}", s.appRoute(s.restartType))
	handle("GET /apps/{app}/formation", s.appRoute(s.listFormation))
	handle("PATCH /apps/{app}/formation", s.appRoute(s.patchFormation))
	handle("POST /apps/{app}/log-sessions", s.appRoute(s.postLogSession))
	handle("GET /apps/{app}/domains", s.appRoute(s.listDomains))
	handle("POST /apps/{app}/builds", s.appRoute(s.postBuild))
	handle("GET /apps/{app}/builds", s.appRoute(s.listBuilds))
	handle("GET /apps/{app}/builds/{id}", s.appRoute(s.getBuild))
	handle("DELETE /apps/{app}/builds/{id}", s.appRoute(s.cancelBuild))
	handle("GET /apps/{app}/builds/{id}/result", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, 410, "gone", "This endpoint has been removed. Use the output_stream_url of the build instead.")
	})
	handle("GET /apps/{app}/releases", s.appRoute(s.listReleases))
	handle("GET /apps/{app}/releases/{id}", s.appRoute(s.getRelease))
	handle("POST /apps/{app}/releases", s.appRoute(s.postRelease))
	handle("GET /apps/{app}/slugs/{id}", s.appRoute(s.getSlug))
	handle("GET /apps/{app}/oci-images/{id}", s.appRoute(s.getOCIImage))
	handle("GET /apps/{app}/pipeline-couplings", s.appRoute(s.getCoupling))
	handle("POST /pipeline-promotions", s.postPromotion)
	handle("GET /pipeline-promotions/{id}/promotion-targets", s.listPromotionTargets)

	mux := http.NewServeMux()
	mux.HandleFunc("/s3/{blob}", s.serveStorage)
	mux.HandleFunc("/streams/{id}", s.serveStream)
	mux.HandleFunc("/web/{app}/{rest...}", s.serveWeb) // apps' web_url (the web option)
	// Where the redirect fault points: a client that follows it, with or
	// without its key, is reported by Problems.
	mux.HandleFunc("/trap/", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{}) })
	mux.HandleFunc("GET /logs/{id}", s.serveLogs)
	mux.Handle("/", s.gate(api))
	return s.recorder(s.injector(mux))
}

type ctxKey int

const (
	recordKey ctxKey = iota
	accountKey
)

// recordOf returns the record of the request being served, for handlers
// that add to it.
func recordOf(r *http.Request) *Request { return r.Context().Value(recordKey).(*Request) }

// accountOf returns the account an API request authenticated as.
func accountOf(r *http.Request) *account { return r.Context().Value(accountKey).(*account) }

// recorder gives every answer a Request-Id and records every request with
// its final status (0 for a connection cut by a fault).
func (s *Server) recorder(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &Request{
			Method: r.Method, Path: r.URL.Path,
			Auth:          r.Header.Get("Authorization") != "",
			Chunked:       len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked",
			ContentLength: r.ContentLength,
			ContentType:   r.Header.Get("Content-Type"),
			Accept:        r.Header.Get("Accept"),
			Range:         r.Header.Get("Range"),
		}
		sw := &statusWriter{ResponseWriter: w, status: 200}
		rec.Seq = s.reqSeq.Add(1)
		w.Header().Set("Request-Id", fmt.Sprintf("sim-%06d", rec.Seq))
		defer func() {
			rec.Status = sw.status
			s.mu.Lock()
			s.requests = append(s.requests, *rec)
			s.mu.Unlock()
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), recordKey, rec)))
	})
}

// gate checks what Heroku checks before any endpoint: the versioned Accept
// header, the key, the account's rate limit, and that the endpoint exists.
func (s *Server) gate(api *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Accept"), acceptPrefix) {
			apiError(w, 406, "not_acceptable", "Please specify a version along with Heroku's API MIME type. For example, `Accept: application/vnd.heroku+json; version=3`.")
			return
		}
		acct := s.authenticate(r)
		if acct == nil {
			apiError(w, 401, "unauthorized", "Invalid credentials provided.")
			return
		}
		_, pattern := api.Handler(r)
		allowed := scopeGate(w, acct, pattern)
		remaining, ok := s.takeToken(acct)
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(remaining))
		if !ok {
			apiError(w, 429, "rate_limit", "Your account reached the API rate limit\nPlease wait a few minutes before making new requests")
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), accountKey, acct))
		if pattern == "" {
			apiError(w, 404, "not_found", "The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`), and did you specify your intent to use the Heroku API by providing the `Accept: application/vnd.heroku+json; version=3` header?")
			return
		}
		if !allowed {
			apiError(w, http.StatusForbidden, "forbidden", scopeMessage)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// appRoute serves a route under /apps/{app}: an unknown app is 404, an app
// of another account 403.
func (s *Server) appRoute(h func(http.ResponseWriter, *http.Request, *app)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a, ok := s.appFor(w, accountOf(r), r.PathValue("app")); ok {
			h(w, r, a)
		}
	}
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

// takeToken spends one token of the account's bucket, refilled at the
// configured rate, and returns what is left.
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

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(c int) { w.status = c; w.ResponseWriter.WriteHeader(c) }

// Abort records a connection cut by a fault, without an answer.
func (w *statusWriter) Abort() { w.status = 0 }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
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

// decodeStrict reads a JSON request body into v, refusing unknown fields as
// Heroku does, and answers 400 itself when it cannot.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		apiError(w, 400, "bad_request", "Invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, id, msg string) {
	writeJSON(w, status, map[string]string{"id": id, "message": msg})
}

// parseListRange reads a list's Range header, "FIELD [[]START]..[END][;
// max=N[, order=desc]]", for a list that honours where a page starts (the
// app list): the field ("id" without a header), the start with its "]"
// (exclusive) kept, and parseRange's max and order. def is the page size
// without max.
func parseListRange(h string, def int) (field, start string, max int, desc bool) {
	max, desc = parseRange(h)
	if !strings.Contains(h, "max=") && def > 0 {
		max = def
	}
	rng, _, _ := strings.Cut(h, ";")
	field, bounds, _ := strings.Cut(strings.TrimSpace(rng), " ")
	if field == "" {
		field = "id"
	}
	start, _, _ = strings.Cut(strings.TrimSpace(bounds), "..")
	return field, start, max, desc
}
