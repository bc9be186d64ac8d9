// Package herokuapi wires heroku-go to an HTTP stack that is safe to run in
// CI: retries that never duplicate a build, errors that keep their HTTP
// status, requests that cannot hang, a key that never follows a redirect,
// and nothing that prints a key or a signed URL.
package herokuapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	heroku "github.com/heroku/heroku-go/v6"

	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
)

// DefaultURL is the Platform API.
const DefaultURL = "https://api.heroku.com"

// Config configures a Client.
type Config struct {
	URL       string // API base URL; DefaultURL when empty
	Key       string
	UserAgent string
	// Retries after the first attempt [4] (-1: none), and the backoff
	// bounds between them [1s, 30s].
	RetryMax     int
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// RequestTimeout bounds each attempt's wait for the response headers
	// [30s]; an API answer must also arrive whole within twice that.
	RequestTimeout time.Duration
	// LookupWindow is how long BuildCreateOnce keeps looking for a build
	// that an ambiguous POST may have created, before it posts again [10s]:
	// Heroku's build list can show a new build only seconds later.
	LookupWindow time.Duration
	// Notify receives one line per retry, per Heroku warning header and
	// per step of the one-build lookup.
	Notify func(msg string)
	// Trace, when set, receives one line per HTTP exchange: method,
	// redacted URL, status and duration. Never headers or bodies.
	Trace func(msg string)
	// Secret receives every secret the API hands out: signed URLs found in
	// an answer (upload slots, output streams, attach URLs) and config var
	// values, so the session can scrub them from anything it prints.
	Secret func(string)
	// DryRun, in a dry run, refuses every request but GET and HEAD before
	// it is sent, to the API, to storage and to streams alike (it sits
	// under every other layer); nil in a real run.
	DryRun *dryrun.Guard
}

// Client talks to the Platform API (one file per resource: apps.go,
// builds.go…), to the signed storage URLs (Upload) and to log streams
// (Plain, which never carries the key).
type Client struct {
	// Plain reads output streams: no key, no retries (logstream resumes a
	// dropped stream itself), a bounded wait for response headers.
	Plain *http.Client

	api *heroku.Service
	// apiHTTP is api's HTTP client, for what heroku-go cannot do: read a
	// list's Next-Range (ListApps).
	apiHTTP *http.Client
	// cancel sends the "3.cancel-build" Accept variant that build
	// cancellation requires; heroku-go has no per-request Accept.
	cancel *heroku.Service
	// docker sends the "3.docker-releases" variant under which a
	// formation update takes docker_image (dockerreleases.go).
	docker *heroku.Service

	upload *retryClient
	cfg    Config
	// ratelimit holds the last RateLimit-Remaining Heroku reported, -1 if none.
	ratelimit *atomic.Int64
}

// New builds a Client. It makes no request.
func New(cfg Config) *Client {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = 4
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = time.Second
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 30 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.LookupWindow <= 0 {
		cfg.LookupWindow = 10 * time.Second
	}
	for _, f := range []*func(string){&cfg.Notify, &cfg.Trace, &cfg.Secret} {
		if *f == nil {
			*f = func(string) {}
		}
	}
	rl := &atomic.Int64{}
	rl.Store(-1)
	pooled := cleanhttp.DefaultPooledTransport()
	pooled.ResponseHeaderTimeout = cfg.RequestTimeout
	wire := &tracer{next: cfg.DryRun.Wrap(pooled), trace: cfg.Trace}

	// An API attempt: a JSON answer checked whole, no redirects (the
	// Platform API sends none; following one could carry the key to
	// another host, or from https to http), a bound on the whole exchange.
	attempt := &http.Client{
		Transport:     &jsonChecker{next: wire, secret: cfg.Secret},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       2 * cfg.RequestTimeout,
	}
	retrier := &methodRetrier{
		safe:   newRetryClient(cfg, attempt, safeRetry, pathOnly),
		unsafe: newRetryClient(cfg, attempt, unsafeRetry, pathOnly),
	}
	decoder := &errorDecoder{next: retrier, ratelimit: rl, notify: cfg.Notify}
	newService := func(extra http.Header) (*heroku.Service, *http.Client) {
		hc := &http.Client{Transport: &heroku.Transport{
			BearerToken:       cfg.Key,
			UserAgent:         cfg.UserAgent,
			AdditionalHeaders: extra,
			Transport:         decoder, // never nil: heroku-go writes the field on first use (data race)
		}}
		s := heroku.NewService(hc)
		s.URL = strings.TrimRight(cfg.URL, "/")
		return s, hc
	}
	api, apiHTTP := newService(nil)
	cancel, _ := newService(http.Header{"Accept": {"application/vnd.heroku+json; version=3.cancel-build"}})
	docker, _ := newService(http.Header{"Accept": {"application/vnd.heroku+json; version=3." + dockerReleases}})
	return &Client{
		api:       api,
		apiHTTP:   apiHTTP,
		cancel:    cancel,
		docker:    docker,
		Plain:     &http.Client{Transport: wire},
		upload:    newRetryClient(cfg, &http.Client{Transport: wire}, safeRetry, Redact),
		cfg:       cfg,
		ratelimit: rl,
	}
}

// RateLimitRemaining is the last RateLimit-Remaining header seen, or -1.
func (c *Client) RateLimitRemaining() int64 { return c.ratelimit.Load() }

// LookupWindow is how long to look for what an ambiguous request may have
// made (a build, a release) before concluding it made none.
func (c *Client) LookupWindow() time.Duration { return c.cfg.LookupWindow }

type ctxKey int

const retrySafeKey ctxKey = 0

// readKey labels the requests of one read in a series (a status read
// after others were lost to an outage): their retry lines say which.
type readKey struct{}

// WithRead labels the requests made with ctx as part of read, e.g. "read
// 2 of the build's status": each retry line says it first, so the request's
// attempts read as nested in the caller's reads.
func WithRead(ctx context.Context, read string) context.Context {
	return context.WithValue(ctx, readKey{}, read)
}

// retrySafe marks a POST as safe to repeat after an ambiguous failure
// (POST /sources only hands out a fresh upload slot).
func retrySafe(ctx context.Context) context.Context {
	return context.WithValue(ctx, retrySafeKey, true)
}

// isRetrySafe: GET and HEAD read; PUT (storage) and DELETE (cancel a build)
// are idempotent, so repeating one that did reach Heroku changes nothing.
func isRetrySafe(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		return true
	}
	v, _ := req.Context().Value(retrySafeKey).(bool)
	return v
}

// methodRetrier sends requests that are safe to repeat through a client that
// retries 5xx and connection errors, and the rest (creating a build or a
// release) through one that retries only what provably did not reach Heroku.
type methodRetrier struct {
	safe, unsafe *retryClient
}

func (m *methodRetrier) RoundTrip(req *http.Request) (*http.Response, error) {
	c := m.unsafe
	if isRetrySafe(req) {
		c = m.safe
	}
	return c.do(req)
}

// retryClient makes retryablehttp clients whose every retry is announced
// in one format: "GET /apps/x/builds/y: 503 Service Unavailable (attempt 1
// of 5, next in 1s)".
type retryClient struct {
	hc       *http.Client
	cfg      Config
	policy   retryablehttp.CheckRetry
	describe func(string) string // how a URL is named in the line
}

func newRetryClient(cfg Config, hc *http.Client, policy retryablehttp.CheckRetry, describe func(string) string) *retryClient {
	return &retryClient{hc: hc, cfg: cfg, policy: policy, describe: describe}
}

// client returns a retryablehttp client for one request, whose policy and
// backoff remember that request's last failure, so the line announcing a
// retry can say what failed, which attempt it was and how long the wait is.
// Requests run in parallel: each gets its own.
func (r *retryClient) client() *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.HTTPClient = r.hc
	c.Logger = nil // its default logger prints whole URLs, signatures included
	c.RetryMax = r.cfg.RetryMax
	c.RetryWaitMin = r.cfg.RetryWaitMin
	c.RetryWaitMax = r.cfg.RetryWaitMax
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	var last, read string
	c.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, cerr := r.policy(ctx, resp, err)
		if retry && cerr == nil {
			last = r.failure(resp, err)
			if read, _ = ctx.Value(readKey{}).(string); read != "" {
				read += ", "
			}
		}
		return retry, cerr
	}
	c.Backoff = func(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
		wait := backoff(lo, hi, attempt, resp)
		r.cfg.Notify(fmt.Sprintf("%s (%sattempt %d of %d, next in %s)", last, read, attempt+1, c.RetryMax+1, roundWait(wait)))
		return wait
	}
	return c
}

func (r *retryClient) do(req *http.Request) (*http.Response, error) {
	return (&retryablehttp.RoundTripper{Client: r.client()}).RoundTrip(req)
}

// failure reads "METHOD URL: what went wrong", for an answer and for a
// connection failure alike.
func (r *retryClient) failure(resp *http.Response, err error) string {
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Sprintf("%s %s: connection failed: %v", strings.ToUpper(ue.Op), r.describe(ue.URL), ue.Err)
		}
		return fmt.Sprintf("connection failed: %v", cleanErr(err))
	}
	if st := resp.Header.Get(badBody); st != "" {
		// A jsonChecker's 502: say what came, not the 502 standing in.
		return fmt.Sprintf("%s %s: %s whose body is not the JSON the API sends (%s)", resp.Request.Method, r.describe(resp.Request.URL.String()), st, resp.Header.Get(badBodyWhy))
	}
	return fmt.Sprintf("%s %s: %s", resp.Request.Method, r.describe(resp.Request.URL.String()), statusLine(resp))
}

// pathOnly names an API request by its path: the host is always the API's.
func pathOnly(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	return u.Path
}

// statusLine is "503 Service Unavailable", whatever reason phrase the
// server sent.
func statusLine(resp *http.Response) string {
	return fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
}

func roundWait(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}

// safeRetry retries 429, 5xx (but 501, which means "never") and connection
// errors.
func safeRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return !dryrun.IsRefused(err), nil // a dry run's refusal sent nothing, and never will
	}
	return resp.StatusCode == 429 || (resp.StatusCode >= 500 && resp.StatusCode != 501), nil
}

// unsafeRetry retries only answers that mean "not processed": 429, and
// connections that failed before anything was sent.
func unsafeRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var oe *net.OpError
		return errors.As(err, &oe) && oe.Op == "dial", nil
	}
	return resp.StatusCode == 429, nil
}

// backoff is exponential with jitter. A 429 waits at least 4× the minimum:
// Heroku refills its token bucket slowly and documents no Retry-After.
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	wait := lo << min(attempt, 16)
	if resp != nil && resp.StatusCode == 429 {
		wait = max(wait, 4*lo)
	}
	if wait > hi || wait <= 0 {
		wait = hi
	}
	jitter := time.Duration(rand.Int64N(int64(wait)/4 + 1))
	return wait - wait/8 + jitter
}

// jsonChecker reads every 2xx API answer whole and checks it is the JSON
// of the resource asked for (checkAnswer: required fields present, of the
// right types). An HTML page, a cut-off body, {} or a field of the wrong
// type with a 2xx status (a proxy's, a broken connection's, a hostile
// server's) would otherwise read as a decoding error, or worse as an
// answer, and after a build POST as a failed deploy; it means what a 502
// means: the request may or may not have been processed. So it becomes
// one, which the retry policies treat as such, and which decodeError turns
// into an unknown answer. Signed URLs found in the answer go to the
// redactor.
type jsonChecker struct {
	next   http.RoundTripper
	secret func(string)
}

// maxBody bounds an API answer; the largest (a list of 1000 releases) is a
// few MB.
const maxBody = 32 << 20

// badBody marks the 502 a jsonChecker made; badBodyWhy says what was wrong
// with the answer.
const (
	badBody    = "X-Heroku-Deploy-Bad-Body"
	badBodyWhy = "X-Heroku-Deploy-Bad-Body-Why"
)

func (j *jsonChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := j.next.RoundTrip(req)
	if err != nil || resp.StatusCode/100 != 2 {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if err != nil {
		return nil, err // a body cut short: a connection failure
	}
	var v any
	why := "not JSON, or not an object"
	if answerShape(answerMethod(req), resp.StatusCode, body, &v) {
		why = checkAnswer(req.Method, req.URL.Path, variantOf(req), body, v)
	}
	if why != "" {
		bad := *resp
		bad.StatusCode, bad.Status = 502, "502 Bad Gateway"
		bad.Header = resp.Header.Clone()
		bad.Header.Set(badBody, strconv.Itoa(resp.StatusCode))
		bad.Header.Set(badBodyWhy, why)
		bad.Body = io.NopCloser(strings.NewReader(""))
		return &bad, nil
	}
	findURLs(v, j.secret)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// answerShape decodes a 2xx answer into v and reports whether it has the
// shape every Platform API answer has: an object, or a list for a GET, or
// nothing for a 202 or 204 (stopping a dyno answers an empty 202). Any
// other empty body, null, or a list where an object was due (a proxy's
// doing) is no answer: as for a body that is not JSON, the request may or
// may not have been processed.
func answerShape(method string, status int, body []byte, v *any) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		return status == http.StatusAccepted || status == http.StatusNoContent
	}
	if json.Unmarshal(body, v) != nil {
		return false
	}
	switch (*v).(type) {
	case map[string]any:
		return true
	case []any:
		return method == http.MethodGet
	}
	return false
}

// findURLs passes every string in v that is a URL with a query string.
func findURLs(v any, found func(string)) {
	switch v := v.(type) {
	case string:
		if strings.Contains(v, "://") && strings.Contains(v, "?") {
			found(v)
		}
	case []any:
		for _, e := range v {
			findURLs(e, found)
		}
	case map[string]any:
		for _, e := range v {
			findURLs(e, found)
		}
	}
}

// errorDecoder turns every non-2xx answer into *Error before heroku-go sees
// it, records RateLimit-Remaining and reports X-Heroku-Warning (which
// heroku-go would otherwise print to the global logger).
type errorDecoder struct {
	next      http.RoundTripper
	ratelimit *atomic.Int64
	notify    func(string)
}

func (d *errorDecoder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(req)
	if err != nil {
		return nil, cleanErr(err)
	}
	if v, perr := strconv.ParseInt(resp.Header.Get("RateLimit-Remaining"), 10, 64); perr == nil {
		d.ratelimit.Store(v)
	}
	if w := resp.Header.Get("X-Heroku-Warning"); w != "" {
		d.notify("Heroku: " + shortMessage(w))
		resp.Header.Del("X-Heroku-Warning")
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, decodeError(req, resp)
}

func decodeError(req *http.Request, resp *http.Response) *Error {
	e := &Error{
		Method:    req.Method,
		Path:      req.URL.Path,
		Status:    resp.StatusCode,
		RequestID: resp.Header.Get("Request-Id"),
		Scope:     resp.Header.Get("Oauth-Scope"),
		Accepted:  resp.Header.Get("Oauth-Scope-Accepted"),
	}
	switch {
	case resp.Header.Get(badBody) != "":
		e.Status, _ = strconv.Atoi(resp.Header.Get(badBody))
		e.ID, e.Unknown = "invalid_response", true
		e.Message = "the answer was not the JSON the API sends"
		if why := resp.Header.Get(badBodyWhy); why != "" {
			e.Message += " (" + why + ")"
		}
		if isRetrySafe(req) {
			e.Message += ": the answer is unknown"
		} else {
			e.Message += "; it may or may not have been processed"
		}
		return e
	case resp.StatusCode/100 == 3:
		e.ID = "redirect"
		e.Message = fmt.Sprintf("the API answered with a redirect to %s, which is not followed: the Platform API never redirects, and the key goes nowhere else",
			Redact(resp.Header.Get("Location")))
		return e
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		e.Unknown, e.Body = true, "a body cut short"
		return e
	}
	id, msg, why := herokuError(body)
	if why != "" {
		e.Unknown, e.Body = true, why
		return e
	}
	e.ID, e.Message = id, msg
	return e
}

// herokuError reads Heroku's error JSON: an object with a non-empty string
// id and a string message ({"id":"not_found","message":"Couldn't find that
// app."}). Anything else, a proxy's HTML page, plain text, {}, a cut body,
// is not Heroku's: why guesses what it was.
func herokuError(body []byte) (id, msg, why string) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t := bytes.TrimSpace(body)
		switch {
		case len(t) == 0:
			return "", "", "an empty body"
		case t[0] == '<':
			return "", "", "an HTML page?"
		case t[0] == '{' || t[0] == '[':
			return "", "", "JSON cut short"
		}
		return "", "", "plain text?"
	}
	j, ok := v.(map[string]any)
	if !ok {
		return "", "", "JSON that is not an object"
	}
	id, iok := j["id"].(string)
	msg, mok := j["message"].(string)
	if !iok || id == "" || !mok {
		return "", "", "JSON without a string id and message"
	}
	return id, msg, ""
}

// tracer reports each exchange on the wire, retries included.
type tracer struct {
	next  http.RoundTripper
	trace func(string)
}

func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		// The line names the redacted URL already; the error itself must
		// not repeat the query string if it quotes the request.
		msg := err.Error()
		if q := req.URL.RawQuery; q != "" {
			msg = strings.ReplaceAll(msg, q, "…")
		}
		t.trace(fmt.Sprintf("%s %s: %s (%s)", req.Method, Redact(req.URL.String()), msg, took))
	} else {
		t.trace(fmt.Sprintf("%s %s: %d (%s)", req.Method, Redact(req.URL.String()), resp.StatusCode, took))
	}
	return resp, err
}
