package herokuapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const testKey = "HRKU-unit-5ec2e7-KEY"

// scripted answers each request to a path with the next step of its script
// and records what it received. The last step repeats.
type scripted struct {
	mu    sync.Mutex
	steps map[string][]string // "METHOD /path" -> "503", "503html", "429", "reset", "200"...
	got   []*http.Request
	n     map[string]int
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	s.got = append(s.got, r)
	steps := s.steps[key]
	i := min(s.n[key], len(steps)-1)
	s.n[key]++
	s.mu.Unlock()
	if len(steps) == 0 {
		http.Error(w, `{"id":"not_found","message":"no script"}`, 404)
		return
	}
	switch step := steps[i]; step {
	case "reset": // the request was read, then the connection dies
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	case "503html":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(503)
		io.WriteString(w, "<html><body><h1>Application Error</h1></body></html>")
	case "200", "201":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("RateLimit-Remaining", "4321")
		w.WriteHeader(map[string]int{"200": 200, "201": 201}[step])
		io.WriteString(w, wellFormedFor(r))
	default:
		code := map[string]int{"404": 404, "409": 409, "429": 429, "500": 500, "501": 501, "503": 503}[step]
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", "req-"+step)
		w.WriteHeader(code)
		io.WriteString(w, `{"id":"err`+step+`","message":"scripted `+step+`"}`)
	}
}

func (s *scripted) requests(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[key]
}

type harness struct {
	srv    *scripted
	url    string
	client *Client
	lines  []string // Notify and Trace output
}

func newHarness(t *testing.T, steps map[string][]string) *harness {
	t.Helper()
	h := &harness{srv: &scripted{steps: steps, n: map[string]int{}}}
	ts := httptest.NewServer(h.srv)
	t.Cleanup(ts.Close)
	h.url = ts.URL
	var mu sync.Mutex
	record := func(s string) { mu.Lock(); h.lines = append(h.lines, s); mu.Unlock() }
	h.client = New(Config{
		URL: ts.URL, Key: testKey, UserAgent: "unit",
		RetryMax: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond,
		Notify: record, Trace: record,
	})
	t.Cleanup(func() {
		for _, l := range h.lines {
			if strings.Contains(l, testKey) || strings.Contains(l, "Signature") {
				t.Errorf("secret in output line %q", l)
			}
		}
	})
	return h
}

func blobRequest() BuildRequest {
	return BuildRequest{SourceURL: "https://s3.example/get?Signature=g"}
}

// TestRetryPolicy pins which calls are repeated after which failures. The
// rule: anything safe to repeat (reads, POST /sources, the storage PUT) is
// retried on 429, 5xx but 501, and connection errors; so is cancelling a
// build (a DELETE). Creating a build is retried only on 429, which Heroku
// answers before doing anything, and on connections refused before sending.
func TestRetryPolicy(t *testing.T) {
	ctx := context.Background()
	appInfo := func(h *harness) error { _, err := h.client.AppInfo(ctx, "app"); return err }
	buildCreate := func(h *harness) error { _, err := h.client.BuildCreate(ctx, "app", blobRequest()); return err }
	sourceCreate := func(h *harness) error { _, err := h.client.SourceCreate(ctx); return err }
	cancel := func(h *harness) error {
		return h.client.CancelBuild(ctx, "app", "01234567-89ab-cdef-0123-456789abcdef")
	}
	const (
		app    = "GET /apps/app"
		builds = "POST /apps/app/builds"
		src    = "POST /sources"
		del    = "DELETE /apps/app/builds/01234567-89ab-cdef-0123-456789abcdef"
	)
	tests := []struct {
		name     string
		key      string
		steps    []string
		call     func(*harness) error
		requests int
		status   int // 0: success; -1: a connection error
	}{
		{"GET retries a 503 streak with an HTML body", app, []string{"503html", "503html", "200"}, appInfo, 3, 0},
		{"GET retries 429 and 500", app, []string{"429", "500", "200"}, appInfo, 3, 0},
		{"GET retries a reset connection", app, []string{"reset", "200"}, appInfo, 2, 0},
		{"GET gives up after RetryMax", app, []string{"503"}, appInfo, 4, 503},
		{"GET never retries 501", app, []string{"501"}, appInfo, 1, 501},
		{"GET never retries 404", app, []string{"404"}, appInfo, 1, 404},
		{"POST /sources is safe to repeat", src, []string{"503", "reset", "201"}, sourceCreate, 3, 0},
		{"build create is not repeated after a 503", builds, []string{"503", "201"}, buildCreate, 1, 503},
		{"build create is not repeated after a 500", builds, []string{"500", "201"}, buildCreate, 1, 500},
		{"build create is not repeated after a reset", builds, []string{"reset", "201"}, buildCreate, 1, -1},
		{"build create is repeated after a 429", builds, []string{"429", "429", "201"}, buildCreate, 3, 0},
		{"cancel (idempotent) is repeated after a 503", del, []string{"503", "reset", "200"}, cancel, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, map[string][]string{tt.key: tt.steps})
			err := tt.call(h)
			if got := h.srv.requests(tt.key); got != tt.requests {
				t.Errorf("%s sent %d times, want %d", tt.key, got, tt.requests)
			}
			switch {
			case tt.status == 0 && err != nil:
				t.Fatalf("err = %v, want success", err)
			case tt.status > 0 && StatusOf(err) != tt.status:
				t.Fatalf("err = %v, want status %d", err, tt.status)
			case tt.status == -1 && (err == nil || StatusOf(err) != 0 || !Unavailable(err)):
				t.Fatalf("err = %v, want a connection error", err)
			}
			if StatusOf(err) != 0 && !strings.HasPrefix(err.Error(), tt.key+": ") {
				t.Errorf("error %q: want it to start with %q, without net/http's URL wrapper", err, tt.key)
			}
		})
	}
}

func TestRetryPolicyFunctions(t *testing.T) {
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	read := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name       string
		ctx        context.Context
		resp       *http.Response
		err        error
		safe, uns  bool
		wantCtxErr bool
	}{
		{"429", ctx, resp(429), nil, true, true, false},
		{"500", ctx, resp(500), nil, true, false, false},
		{"502", ctx, resp(502), nil, true, false, false},
		{"503", ctx, resp(503), nil, true, false, false},
		{"501", ctx, resp(501), nil, false, false, false},
		{"422", ctx, resp(422), nil, false, false, false},
		{"201", ctx, resp(201), nil, false, false, false},
		{"refused before sending", ctx, nil, dial, true, true, false},
		{"reset after sending", ctx, nil, read, true, false, false},
		{"job cancelled", canceled, resp(503), nil, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range []struct {
				name   string
				policy func(context.Context, *http.Response, error) (bool, error)
				want   bool
			}{{"safe", safeRetry, tt.safe}, {"unsafe", unsafeRetry, tt.uns}} {
				retry, err := p.policy(tt.ctx, tt.resp, tt.err)
				if retry != p.want {
					t.Errorf("%s retry = %v, want %v", p.name, retry, p.want)
				}
				if (err != nil) != tt.wantCtxErr {
					t.Errorf("%s err = %v", p.name, err)
				}
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	lo, hi := 100*time.Millisecond, 3*time.Second
	for range 200 {
		for attempt := range 8 {
			w := backoff(lo, hi, attempt, resp503)
			base := min(lo<<attempt, hi)
			if w < base-base/8 || w > base+base/8 {
				t.Fatalf("attempt %d: %v outside %v ± 1/8", attempt, w, base)
			}
		}
		if w := backoff(lo, hi, 0, &http.Response{StatusCode: 429}); w < 4*lo-lo/2 {
			t.Fatalf("429 waited %v, want at least ~%v", w, 4*lo)
		}
		if w := backoff(lo, hi, 60, resp503); w > hi+hi/8 {
			t.Fatalf("attempt 60 waited %v, cap is %v", w, hi)
		}
	}
}

var resp503 = &http.Response{StatusCode: 503}

func TestErrorsDecodedAndClean(t *testing.T) {
	h := newHarness(t, map[string][]string{"GET /apps/app": {"503html"}, "POST /apps/app/builds": {"429"}})
	_, err := h.client.AppInfo(context.Background(), "app")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %#v, want *Error", err)
	}
	if got, want := err.Error(), "GET /apps/app: 503 Service Unavailable"; got != want {
		t.Errorf("HTML 503 reads %q, want %q", got, want)
	}
	if !Unavailable(err) {
		t.Errorf("503: Unavailable=false")
	}
	_, err = h.client.BuildCreate(context.Background(), "app", blobRequest())
	if got, want := err.Error(), "POST /apps/app/builds: 429 err429: scripted 429 (request req-429)"; got != want {
		t.Errorf("429 after retries reads %q, want %q", got, want)
	}
	if len(h.lines) == 0 {
		t.Fatal("no retry was reported")
	}
}

func TestRequestsCarryKeyOnlyToTheAPI(t *testing.T) {
	h := newHarness(t, map[string][]string{"POST /sources": {"201"}, "PUT /put": {"500", "200"}})
	if _, err := h.client.SourceCreate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := h.client.RateLimitRemaining(); got != 4321 {
		t.Errorf("RateLimitRemaining = %d, want 4321", got)
	}
	var opens, closes atomic.Int32
	body := "tarball bytes"
	err := h.client.Upload(context.Background(), h.url+"/put?Signature=sekrit", int64(len(body)), func() (io.ReadCloser, error) {
		opens.Add(1)
		return &closeCounter{Reader: strings.NewReader(body), n: &closes}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// retryablehttp opens the body once up front to probe its length, then
	// once per attempt; every one must be closed (they are files). net/http
	// may close the last one just after the response arrives.
	for deadline := time.Now().Add(2 * time.Second); closes.Load() < 3 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if opens.Load() != 3 || closes.Load() != 3 {
		t.Errorf("upload body opened %d times and closed %d, want 3 and 3", opens.Load(), closes.Load())
	}
	var puts int
	for _, r := range h.srv.got {
		auth := r.Header.Get("Authorization")
		switch r.Method {
		case http.MethodPost:
			if auth != "Bearer "+testKey {
				t.Errorf("POST %s: Authorization %q", r.URL.Path, auth)
			}
			if a := r.Header.Get("Accept"); a != "application/vnd.heroku+json; version=3" {
				t.Errorf("POST %s: Accept %q", r.URL.Path, a)
			}
		case http.MethodPut:
			puts++
			b, _ := io.ReadAll(r.Body)
			if auth != "" || r.Header.Get("Content-Type") != "" || r.ContentLength != int64(len(body)) ||
				len(r.TransferEncoding) != 0 || string(b) != body {
				t.Errorf("PUT attempt %d: Authorization %q, Content-Type %q, Content-Length %d, Transfer-Encoding %v, body %q",
					puts, auth, r.Header.Get("Content-Type"), r.ContentLength, r.TransferEncoding, b)
			}
		}
	}
	if puts != 2 {
		t.Errorf("%d PUTs, want 2", puts)
	}
}

func TestCancelSendsCancelBuildVariant(t *testing.T) {
	key := "DELETE /apps/app/builds/01234567-89ab-cdef-0123-456789abcdef"
	h := newHarness(t, map[string][]string{key: {"200"}})
	if err := h.client.CancelBuild(context.Background(), "app", "01234567-89ab-cdef-0123-456789abcdef"); err != nil {
		t.Fatal(err)
	}
	if a := h.srv.got[0].Header.Get("Accept"); a != "application/vnd.heroku+json; version=3.cancel-build" {
		t.Errorf("cancel Accept = %q", a)
	}
}

func TestUploadErrorHidesSignature(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every attempt is refused
	c := New(Config{URL: "http://" + addr, Key: testKey, RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	err = c.Upload(context.Background(), "http://"+addr+"/bucket/blob?X-Amz-Signature=deadbeef", 1, func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("x")), nil
	})
	if err == nil || !Unavailable(err) {
		t.Fatalf("err = %v, want a connection error", err)
	}
	if msg := err.Error(); strings.Contains(msg, "deadbeef") || strings.Contains(msg, "Signature") || !strings.Contains(msg, "/bucket/blob") {
		t.Errorf("upload error %q: want the path without the query string", msg)
	}
}

type closeCounter struct {
	io.Reader
	n *atomic.Int32
}

func (c *closeCounter) Close() error { c.n.Add(1); return nil }

// TestRedirectsAreNotFollowed: the API client never follows a redirect, so
// the key cannot travel to another port, host or scheme.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var trapped atomic.Int32
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { trapped.Add(1) }))
	defer trap.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, trap.URL+r.URL.Path+"?X-Amz-Signature=s3cr3t", http.StatusTemporaryRedirect)
	}))
	defer api.Close()
	c := New(Config{URL: api.URL, Key: testKey, RetryWaitMin: time.Millisecond})
	_, err := c.AppInfo(context.Background(), "app")
	var e *Error
	if !errors.As(err, &e) || e.Status != 307 || e.ID != "redirect" || !Unavailable(err) {
		t.Fatalf("err = %v, want a 307 redirect error", err)
	}
	if trapped.Load() != 0 {
		t.Error("the redirect was followed")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("the Location's query is in the error: %v", err)
	}
}

// TestGarbledSuccessIsAmbiguous: a 2xx whose body is not JSON reads as an
// answer that may or may not have been processed: a GET is retried, a POST
// is not, and the error says so.
func TestGarbledSuccessIsAmbiguous(t *testing.T) {
	var gets, posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" && gets.Add(1) > 2 {
			io.WriteString(w, appJSON)
			return
		}
		if r.Method == "POST" {
			posts.Add(1)
		}
		w.WriteHeader(201)
		io.WriteString(w, `{"id":"b0000000-0000-4000-8000-0000000000ff","status":"pend`)
	}))
	defer srv.Close()
	c := New(Config{URL: srv.URL, Key: testKey, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if a, err := c.AppInfo(context.Background(), "app"); err != nil || a.Name != "app" {
		t.Fatalf("GET: %v, %v; want success after retries", a, err)
	}
	_, err := c.BuildCreate(context.Background(), "app", blobRequest())
	var e *Error
	if !errors.As(err, &e) || e.ID != "invalid_response" || e.Status != 201 || !ambiguous(err) {
		t.Fatalf("POST: %v, want an ambiguous invalid_response", err)
	}
	if posts.Load() != 1 {
		t.Errorf("the POST was sent %d times", posts.Load())
	}
}

// TestShapelessSuccessIsAmbiguous: a 2xx that is valid JSON but no answer
// (empty, null, a scalar, or a list where an object is due) is a garbled
// answer too; a GET's list is an answer.
func TestShapelessSuccessIsAmbiguous(t *testing.T) {
	for _, body := range []string{"", "  \n", "null", `"ok"`, "[]", `[{"id":"b"}]`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(201)
			io.WriteString(w, body)
		}))
		c := New(Config{URL: srv.URL, Key: testKey, RetryMax: -1})
		_, err := c.BuildCreate(context.Background(), "app", blobRequest())
		var e *Error
		if !errors.As(err, &e) || e.ID != "invalid_response" || !ambiguous(err) {
			t.Errorf("POST answered %q: %v, want an ambiguous invalid_response", body, err)
		}
		srv.Close()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `[`+buildJSON+`]`)
	}))
	defer srv.Close()
	c := New(Config{URL: srv.URL, Key: testKey})
	if list, err := c.RecentBuilds(context.Background(), "app", 10); err != nil || len(list) != 1 {
		t.Errorf("GET list: %v, %v", list, err)
	}
}

// TestAnswerShape: what counts as an answer, by method and status: an
// object always; a list only to a GET; no body only with 202 or 204.
func TestAnswerShape(t *testing.T) {
	for _, tc := range []struct {
		method string
		status int
		body   string
		ok     bool
	}{
		{"GET", 200, `{"id":"a"}`, true},
		{"GET", 200, `[{"id":"a"}]`, true},
		{"POST", 201, `{"id":"a"}`, true},
		{"POST", 201, `[{"id":"a"}]`, false},
		{"PATCH", 200, `{"maintenance":true}`, true},
		{"PATCH", 200, `[]`, false},
		{"PUT", 200, `[]`, false},
		{"DELETE", 200, `[{"id":"a"}]`, false},
		{"DELETE", 200, `{"id":"a"}`, true},
		{"DELETE", 204, "", true},
		{"POST", 202, " \n", true},
		{"DELETE", 200, "", false},
		{"GET", 200, "", false},
		{"GET", 200, "null", false},
		{"GET", 200, `"ok"`, false},
		{"GET", 200, "<html>", false},
	} {
		var v any
		if got := answerShape(tc.method, tc.status, []byte(tc.body), &v); got != tc.ok {
			t.Errorf("%s answered %d %q: answer %v, want %v", tc.method, tc.status, tc.body, got, tc.ok)
		}
	}
}

// TestSignedURLsAreReported: every URL with a query in an API answer goes
// to the Secret callback, for the redactor.
func TestSignedURLsAreReported(t *testing.T) {
	h := newHarness(t, map[string][]string{"POST /sources": {"201"}})
	var got []string
	h.client.cfg.Secret = func(s string) { got = append(got, s) }
	h.client = New(h.client.cfg)
	if _, err := h.client.SourceCreate(context.Background()); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"https://s3.example/get?Signature=g", "https://s3.example/put?Signature=p"}; !slices.Equal(got, want) {
		t.Errorf("Secret got %q, want %q", got, want)
	}
}

// TestHangingRequestIsBounded: an API request whose answer never comes is
// given up per attempt, then retried.
func TestHangingRequestIsBounded(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done()
			return
		}
		io.WriteString(w, appJSON)
	}))
	defer srv.Close()
	c := New(Config{URL: srv.URL, Key: testKey, RequestTimeout: 100 * time.Millisecond, RetryWaitMin: time.Millisecond})
	start := time.Now()
	if _, err := c.AppInfo(context.Background(), "app"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s", took)
	}
}

// TestSlowHeadersAreGivenUp: an answer whose headers come later than
// RequestTimeout is given up and the request retried, even though the whole
// exchange may take twice as long (for a long body).
func TestSlowHeadersAreGivenUp(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select { // headers after 1.5x the timeout: within the exchange's 2x
			case <-time.After(750 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		io.WriteString(w, appJSON)
	}))
	defer srv.Close()
	c := New(Config{URL: srv.URL, Key: testKey, RequestTimeout: 500 * time.Millisecond, RetryWaitMin: time.Millisecond})
	if _, err := c.AppInfo(context.Background(), "app"); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests: the late headers were waited for", n.Load())
	}
}

// TestFileSystemErrorsAreNotOutages: an errno (which satisfies net.Error)
// from a file is not "Heroku unavailable".
func TestFileSystemErrorsAreNotOutages(t *testing.T) {
	if Unavailable(&os.PathError{Op: "open", Path: "/tmp/x", Err: syscall.ENOENT}) {
		t.Error("ENOENT reads as an outage")
	}
	if !Unavailable(&url.Error{Op: "Get", URL: "https://api.heroku.com/apps", Err: syscall.ECONNREFUSED}) {
		t.Error("a refused connection does not read as an outage")
	}
}
