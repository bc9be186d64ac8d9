// Package herokuapi wires heroku-go to an HTTP stack that is safe to run in
// CI: retries that never duplicate a build, errors that keep their HTTP
// status, and nothing that prints a key or a signed URL.
package herokuapi

import (
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
	// Notify receives one line per retry, per Heroku warning header and
	// per step of the one-build lookup.
	Notify func(msg string)
	// Trace, when set, receives one line per HTTP exchange: method,
	// redacted URL, status and duration. Never headers or bodies.
	Trace func(msg string)
}

// Client talks to the Platform API (one file per resource: apps.go,
// builds.go…), to the signed storage URLs (Upload) and to log streams
// (Plain, which never carries the key).
type Client struct {
	Plain *http.Client

	api *heroku.Service
	// cancel sends the "3.cancel-build" Accept variant that build
	// cancellation requires; heroku-go has no per-request Accept.
	cancel *heroku.Service

	plainRetry *retryablehttp.Client
	notify     func(string)
	// waitMin and waitMax bound the backoff between build-create attempts.
	waitMin, waitMax time.Duration
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
	if cfg.Notify == nil {
		cfg.Notify = func(string) {}
	}
	if cfg.Trace == nil {
		cfg.Trace = func(string) {}
	}
	rl := &atomic.Int64{}
	rl.Store(-1)
	base := &tracer{next: cleanhttp.DefaultPooledTransport(), trace: cfg.Trace}

	retrier := &methodRetrier{
		safe:   newRetryClient(cfg, base, safeRetry),
		unsafe: newRetryClient(cfg, base, unsafeRetry),
	}
	decoder := &errorDecoder{next: retrier, ratelimit: rl, notify: cfg.Notify}
	newService := func(extra http.Header) *heroku.Service {
		s := heroku.NewService(&http.Client{Transport: &heroku.Transport{
			BearerToken:       cfg.Key,
			UserAgent:         cfg.UserAgent,
			AdditionalHeaders: extra,
			Transport:         decoder, // never nil: heroku-go writes the field on first use (data race)
		}})
		s.URL = strings.TrimRight(cfg.URL, "/")
		return s
	}
	plain := newRetryClient(cfg, base, safeRetry)
	return &Client{
		api:        newService(nil),
		cancel:     newService(http.Header{"Accept": {"application/vnd.heroku+json; version=3.cancel-build"}}),
		Plain:      &http.Client{Transport: &plainTransport{rt: plain}},
		plainRetry: plain,
		notify:     cfg.Notify,
		waitMin:    cfg.RetryWaitMin,
		waitMax:    cfg.RetryWaitMax,
		ratelimit:  rl,
	}
}

// RateLimitRemaining is the last RateLimit-Remaining header seen, or -1.
func (c *Client) RateLimitRemaining() int64 { return c.ratelimit.Load() }

type ctxKey int

const retrySafeKey ctxKey = 0

// RetrySafe marks a POST as safe to repeat after an ambiguous failure
// (POST /sources only hands out a fresh upload slot).
func RetrySafe(ctx context.Context) context.Context {
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
	safe, unsafe *retryablehttp.Client
}

func (m *methodRetrier) RoundTrip(req *http.Request) (*http.Response, error) {
	c := m.unsafe
	if isRetrySafe(req) {
		c = m.safe
	}
	return (&retryablehttp.RoundTripper{Client: c}).RoundTrip(req)
}

func newRetryClient(cfg Config, base http.RoundTripper, policy retryablehttp.CheckRetry) *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.HTTPClient = &http.Client{Transport: base}
	c.Logger = nil // its default logger prints whole URLs, signatures included
	c.RetryMax = cfg.RetryMax
	c.RetryWaitMin = cfg.RetryWaitMin
	c.RetryWaitMax = cfg.RetryWaitMax
	c.Backoff = backoff
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	notify := cfg.Notify
	c.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, cerr := policy(ctx, resp, err)
		if retry && cerr == nil {
			notify(describeFailure(resp, err) + "; retrying")
		}
		return retry, cerr
	}
	return c
}

// safeRetry retries 429, 5xx (but 501, which means "never") and connection
// errors.
func safeRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return true, nil
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

// describeFailure reads "METHOD URL: what went wrong", URL redacted, for an
// answer and for a connection failure alike.
func describeFailure(resp *http.Response, err error) string {
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Sprintf("%s %s: connection failed: %v", strings.ToUpper(ue.Op), Redact(ue.URL), ue.Err)
		}
		return fmt.Sprintf("connection failed: %v", cleanErr(err))
	}
	return fmt.Sprintf("%s %s: %s", resp.Request.Method, Redact(resp.Request.URL.String()), resp.Status)
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
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var j struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &j) == nil && (j.ID != "" || j.Message != "") {
		e.ID, e.Message = j.ID, j.Message
	} else {
		e.Message = http.StatusText(resp.StatusCode) // an HTML error page says nothing more useful
	}
	return e
}

// plainTransport is for storage and stream URLs: no Heroku key, retries on
// transient failures, errors without query strings.
type plainTransport struct{ rt *retryablehttp.Client }

func (p *plainTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := (&retryablehttp.RoundTripper{Client: p.rt}).RoundTrip(req)
	if err != nil {
		return nil, cleanErr(&url.Error{Op: req.Method, URL: req.URL.String(), Err: err})
	}
	return resp, nil
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
