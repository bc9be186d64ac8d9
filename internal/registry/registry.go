// Package registry is how heroku-deploy talks to container registries: the
// credentials of a source image and of Heroku's registry, a transport with
// bounded waits that registers every token it sends with the redactor, the
// retry policy, and registry errors as typed errors. The protocol itself
// (challenges, token exchange, uploads, mounts) is go-containerregistry's
// remote package; this package configures it and is the only one that
// builds its options.
package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
)

// Config is what every registry session shares.
type Config struct {
	// Secret registers secrets with the redactor: the credentials and every
	// token the registry hands out, before it is sent. Nil: not registered.
	Secret func(...string)
	// Transport is the base transport; nil: a default one with bounded
	// connection, TLS and response-header waits.
	Transport http.RoundTripper
	// UserAgent of every request.
	UserAgent string
	// Retry is the policy for 5xx, 429 and network errors.
	Retry Retry
	// Idle bounds a request that makes no progress (no byte sent or read);
	// 0: two minutes.
	Idle time.Duration
	// DryRun, in a dry run, refuses every request but GET and HEAD before
	// it is sent (a token request excepted: tokenRequest); nil in a real
	// run.
	DryRun *dryrun.Guard
}

// Retry is how often a step that failed for a passing reason is tried and
// how long to wait first. A step is an idempotent request (GET, HEAD, a
// manifest PUT of the same bytes) or a whole blob upload, started afresh
// from a new upload session: never the middle of an upload.
type Retry struct {
	Attempts int           // 0: 3
	Delay    time.Duration // before the second attempt, then ×3; 0: 1s
}

// Session is one registry with one set of credentials: the options of
// go-containerregistry's remote package for it.
type Session struct {
	Host     string // as in references: "registry.heroku.com", "127.0.0.1:5001"
	Insecure bool   // plain HTTP
	options  []remote.Option
}

// Open prepares a session with creds for the registry at host. A host
// given as a URL ("http://127.0.0.1:5001") picks its scheme; a bare host
// uses HTTPS but for loopback addresses, which go-containerregistry reaches
// over HTTP.
func (c Config) Open(host string, creds Credentials) *Session {
	s := &Session{Host: host}
	if scheme, rest, ok := strings.Cut(host, "://"); ok {
		s.Host = strings.TrimSuffix(rest, "/")
		s.Insecure = scheme == "http"
	}
	if c.Secret != nil {
		c.Secret(creds.secrets()...)
	}
	retry := c.Retry
	if retry.Attempts <= 0 {
		retry.Attempts = 3
	}
	if retry.Delay <= 0 {
		retry.Delay = time.Second
	}
	idle := c.Idle
	if idle <= 0 {
		idle = 2 * time.Minute
	}
	base := c.Transport
	if base == nil {
		base = defaultTransport()
	}
	obs := &observer{secret: c.Secret, idle: idle}
	obs.inner = c.DryRun.Wrap(base, obs.tokenRequest)
	s.options = []remote.Option{
		remote.WithAuth(creds.authenticator()),
		remote.WithTransport(obs),
		remote.WithRetryBackoff(remote.Backoff{Duration: retry.Delay, Factor: 3, Jitter: 0.1, Steps: retry.Attempts}),
	}
	if c.UserAgent != "" {
		s.options = append(s.options, remote.WithUserAgent(c.UserAgent))
	}
	return s
}

// Options are the remote options of this session, and ctx for the calls
// that take no context of their own.
func (s *Session) Options(ctx context.Context) []remote.Option {
	return append([]remote.Option{remote.WithContext(ctx)}, s.options...)
}

// Repository names a repository of this session's registry.
func (s *Session) Repository(path string) (name.Repository, error) {
	opts := []name.Option{name.StrictValidation}
	if s.Insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.NewRepository(s.Host+"/"+path, opts...)
	if err != nil {
		return name.Repository{}, &RefError{Ref: s.Host + "/" + path, Err: err}
	}
	return r, nil
}

// ParseReference parses an image reference ("registry/path:tag",
// "…@sha256:…") of any registry.
func ParseReference(ref string) (name.Reference, error) {
	r, err := name.ParseReference(ref, name.WeakValidation)
	if err != nil {
		return nil, &RefError{Ref: ref, Err: err}
	}
	return r, nil
}

// tokenRequest reports whether req asks a registry's token service for a
// token with OAuth2's POST (go-containerregistry's refreshOauth, for an
// identity token in DOCKER_AUTH_CONFIG): a form posted outside the
// registry API, which lives under /v2/ (the distribution spec), or to a
// token service a challenge named there (Google's /v2/token), changes
// nothing, and a dry run lets it through to read the image.
func (o *observer) tokenRequest(req *http.Request) bool {
	ct, _, _ := strings.Cut(req.Header.Get("Content-Type"), ";")
	if req.Method != http.MethodPost || strings.TrimSpace(ct) != "application/x-www-form-urlencoded" {
		return false
	}
	_, realm := o.realms.Load(realmKey(req.URL))
	return realm || !strings.HasPrefix(req.URL.Path, "/v2/")
}

func defaultTransport() http.RoundTripper {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   30 * time.Second,
		ExpectContinueTimeout: time.Second,
		// A registry verifies a blob before it answers its commit: give it
		// time, but not for ever.
		ResponseHeaderTimeout: 5 * time.Minute,
	}
}

// observer is the innermost transport: it registers every credential it
// sends, counts blob outcomes for Stats, and cancels a request that makes
// no progress for idle.
type observer struct {
	inner  http.RoundTripper
	secret func(...string)
	idle   time.Duration
	seen   sync.Map
	realms sync.Map // token services (scheme://host/path), from the challenges seen
}

func (o *observer) RoundTrip(req *http.Request) (*http.Response, error) {
	if a := req.Header.Get("Authorization"); a != "" && o.secret != nil {
		if _, cred, ok := strings.Cut(a, " "); ok {
			if _, dup := o.seen.LoadOrStore(cred, true); !dup {
				o.secret(cred)
			}
		}
	}
	ctx, cancel := context.WithCancel(req.Context())
	w := newWatchdog(o.idle, cancel)
	req = req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &progressBody{ReadCloser: req.Body, w: w}
	}
	resp, err := o.inner.RoundTrip(req)
	if err != nil {
		record(req, 0)
		w.stop()
		cancel()
		if w.fired() {
			return nil, &StalledError{Idle: o.idle}
		}
		return nil, err
	}
	record(req, resp.StatusCode)
	o.noteRealms(resp)
	if why := o.notRegistry(req, resp); why != "" {
		resp.Body.Close()
		w.stop()
		cancel()
		return nil, &NotRegistryError{Status: resp.StatusCode, Why: why}
	}
	resp.Body = &progressBody{ReadCloser: resp.Body, w: w, done: func() { w.stop(); cancel() }}
	return resp, nil
}

// realmRE finds a challenge's realm (RFC 9110 §11.6.1: auth-param).
var realmRE = regexp.MustCompile(`(?i)\brealm="([^"]+)"`)

// noteRealms records the token services resp's challenges name: where a
// token service lives is the registry's to say, and some put it under
// /v2/ (Google's Artifact Registry /v2/token, Quay's /v2/auth).
func (o *observer) noteRealms(resp *http.Response) {
	for _, c := range resp.Header.Values("WWW-Authenticate") {
		for _, m := range realmRE.FindAllStringSubmatch(c, -1) {
			if u, err := url.Parse(m[1]); err == nil {
				o.realms.Store(realmKey(u), true)
			}
		}
	}
}

func realmKey(u *url.URL) string { return u.Scheme + "://" + u.Host + u.Path }

// notRegistry says why resp, a refusal or a "not found", is no verdict of
// the registry's (""; it is one). Only the registry's own answer means
// "refused" or "absent"; a router's or a proxy's page in its place is
// unknown (exit 4), never a missing image:
//   - in the registry API (/v2/…), a 401 carries the challenge HTTP
//     requires (RFC 9110 §15.5.2); a GET's 403 or 404 carries the
//     distribution spec's JSON errors or the Docker-Distribution-API-Version
//     header distribution registries send (a 4xx "MAY return a body in any
//     format": the header is what tells such a registry from a page);
//   - a token service's 401 or 403 refuses the credentials (their bodies
//     vary: Docker Hub's {"details": …}); its 404 says the realm is not
//     there, not that an image is absent;
//   - anything else (a blob's storage a GET was redirected to) answering
//     so is no registry's verdict.
//
// A HEAD has no body to tell them apart: its status stands.
func (o *observer) notRegistry(req *http.Request, resp *http.Response) string {
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
	default:
		return ""
	}
	if req.Method == http.MethodHead {
		return ""
	}
	if _, realm := o.realms.Load(realmKey(req.URL)); realm {
		if resp.StatusCode == http.StatusNotFound {
			return "from the token service named by the registry's challenge: it is not there"
		}
		return ""
	}
	if !strings.HasPrefix(req.URL.Path, "/v2/") {
		return "from outside the registry API (" + req.URL.Host + ")"
	}
	if resp.StatusCode == http.StatusUnauthorized {
		if len(resp.Header.Values("WWW-Authenticate")) == 0 {
			return "without a WWW-Authenticate challenge"
		}
		return ""
	}
	if resp.Header.Get("Docker-Distribution-Api-Version") != "" {
		return ""
	}
	// The body, kept for go-containerregistry, which reads the errors.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	var answer struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &answer) == nil && len(answer.Errors) > 0 && answer.Errors[0].Code != "" {
		return ""
	}
	return "whose body is not the registry's JSON errors (a proxy's or a router's page?)"
}
