package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"gitlab.com/heroku-deploy/heroku/internal/dryrun"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestForSource(t *testing.T) {
	dac := `{"auths":{"https://index.docker.io/v1/":{"auth":"` + b64("hubuser:hubpass") + `"},` +
		`"quay.io":{"username":"qu","password":"qp"},` +
		`"registry.gitlab.com":{"auth":"` + b64("other:otherpass") + `"},` +
		`"ghcr.io":{"identitytoken":"idtok"}}}`
	ci := map[string]string{"CI_REGISTRY": "registry.gitlab.com", "CI_REGISTRY_USER": "gitlab-ci-token", "CI_REGISTRY_PASSWORD": "jobtok", "DOCKER_AUTH_CONFIG": dac}
	cases := []struct {
		vars             map[string]string
		ref              string
		user, pass, from string
		ident            string
	}{
		{ci, "registry.gitlab.com/g/p:sha", "gitlab-ci-token", "jobtok", "CI_REGISTRY_USER", ""},
		{ci, "REGISTRY.gitlab.com/g/p@sha256:" + strings.Repeat("a", 64), "gitlab-ci-token", "jobtok", "CI_REGISTRY_USER", ""},
		{ci, "busybox:1.37", "hubuser", "hubpass", "DOCKER_AUTH_CONFIG", ""},
		{ci, "docker.io/library/busybox", "hubuser", "hubpass", "DOCKER_AUTH_CONFIG", ""},
		{ci, "quay.io/a/b:c", "qu", "qp", "DOCKER_AUTH_CONFIG", ""},
		{ci, "ghcr.io/a/b:c", "", "", "DOCKER_AUTH_CONFIG", "idtok"},
		{ci, "example.com/a:b", "", "", "anonymous", ""},
		// Without the job's credentials, DOCKER_AUTH_CONFIG's entry.
		{map[string]string{"CI_REGISTRY": "registry.gitlab.com", "DOCKER_AUTH_CONFIG": dac}, "registry.gitlab.com/g/p:t", "other", "otherpass", "DOCKER_AUTH_CONFIG", ""},
		{map[string]string{"CI_REGISTRY": "gitlab.example.com:5050", "CI_REGISTRY_USER": "u", "CI_REGISTRY_PASSWORD": "p"}, "gitlab.example.com:5050/g/p:t", "u", "p", "CI_REGISTRY_USER", ""},
		{map[string]string{"CI_REGISTRY": "gitlab.example.com:5050", "CI_REGISTRY_USER": "u", "CI_REGISTRY_PASSWORD": "p"}, "gitlab.example.com/g/p:t", "", "", "anonymous", ""},
		{nil, "busybox", "", "", "anonymous", ""},
	}
	for _, c := range cases {
		got, err := ForSource(c.ref, env(c.vars))
		if err != nil || got.Username != c.user || got.Password != c.pass || got.From != c.from || got.IdentityToken != c.ident {
			t.Errorf("ForSource(%s) = %+v, %v; want %s:%s from %s", c.ref, got, err, c.user, c.pass, c.from)
		}
	}
}

func TestForSourceBadDockerAuthConfigNeverQuotesIt(t *testing.T) {
	for _, raw := range []string{`{"auths":`, `{"auths":{"quay.io":{"auth":"bm90LWEtcGFpcg=="}}}`, `{"auths":{"quay.io":{"auth":"!!secretish!!"}}}`} {
		_, err := ForSource("quay.io/a/b", env(map[string]string{"DOCKER_AUTH_CONFIG": raw}))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Variable != "DOCKER_AUTH_CONFIG" {
			t.Errorf("%s: %v; want a ConfigError", raw, err)
			continue
		}
		if strings.Contains(err.Error(), "secretish") || strings.Contains(err.Error(), "bm90") {
			t.Errorf("the error quotes the value: %v", err)
		}
	}
	if _, err := ForSource("Not A Ref!!", env(nil)); err == nil {
		t.Error("a bad reference: no error")
	}
}

func TestWrap(t *testing.T) {
	te := func(status int, code string) error {
		e := &transport.Error{StatusCode: status}
		if code != "" {
			e.Errors = []transport.Diagnostic{{Code: transport.ErrorCode(code), Message: "msg"}}
		}
		return e
	}
	cases := []struct {
		err  error
		kind Kind
	}{
		{te(401, "UNAUTHORIZED"), Denied},
		{te(403, ""), Denied},
		{te(404, "MANIFEST_UNKNOWN"), NotFound},
		{te(405, "UNSUPPORTED"), Refused},
		{te(400, "MANIFEST_INVALID"), Refused},
		{te(429, "TOOMANYREQUESTS"), Unavailable},
		{te(502, ""), Unavailable},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), Unavailable},
		{&StalledError{Idle: time.Second}, Unavailable},
		{io.ErrUnexpectedEOF, Unavailable},
		{errors.New("invalid character '<' looking for beginning of value"), Malformed},
	}
	for _, c := range cases {
		err := Wrap("op", c.err)
		if !IsKind(err, c.kind) {
			t.Errorf("Wrap(%v) = %v; want kind %v", c.err, err, c.kind)
		}
	}
	// The cause stays reachable: ggcr's retries ask it Temporary().
	var tr *transport.Error
	if !errors.As(Wrap("op", te(503, "")), &tr) {
		t.Error("Wrap hides the transport error from errors.As")
	}
	if !errors.Is(Wrap("op", context.Canceled), context.Canceled) {
		t.Error("Wrap hides context.Canceled")
	}
}

// TestObserverRegistersCredentialsAndStopsStalls: every credential sent is
// registered before the request leaves; a request that makes no progress
// for Idle is cut.
func TestObserverRegistersCredentialsAndStopsStalls(t *testing.T) {
	stall := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/silent" {
			<-stall
		}
		if r.URL.Path == "/slow" {
			w.Write([]byte("a"))
			w.(http.Flusher).Flush()
			<-stall
		}
	}))
	defer srv.Close()
	defer close(stall)
	var got []string
	o := &observer{inner: http.DefaultTransport, secret: func(s ...string) { got = append(got, s...) }, idle: 200 * time.Millisecond}
	c := &http.Client{Transport: o}
	req, _ := http.NewRequest("GET", srv.URL+"/fast", nil)
	req.Header.Set("Authorization", "Bearer tok-1234567")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(got) != 1 || got[0] != "tok-1234567" {
		t.Errorf("registered %q", got)
	}
	start := time.Now()
	_, err = c.Get(srv.URL + "/silent")
	var st *StalledError
	if !errors.As(err, &st) || time.Since(start) > 5*time.Second {
		t.Errorf("no answer: %v after %s; want a StalledError after about 200ms", err, time.Since(start))
	}
	start = time.Now()
	resp, err = c.Get(srv.URL + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	if !errors.As(err, &st) || time.Since(start) > 5*time.Second {
		t.Errorf("stalled read: %v after %s; want a StalledError after about 200ms", err, time.Since(start))
	}
}

func TestOpenTakesTheSchemeOfAURL(t *testing.T) {
	var reg []string
	s := Config{Secret: func(x ...string) { reg = append(reg, x...) }}.Open("http://127.0.0.1:5001/", Heroku("HRKU-abcdef"))
	r, err := s.Repository("my-app/web")
	if err != nil || s.Host != "127.0.0.1:5001" || r.Scheme() != "http" || r.String() != "127.0.0.1:5001/my-app/web" {
		t.Errorf("%+v %v %v", s, r, err)
	}
	want := []string{"HRKU-abcdef", b64("_:HRKU-abcdef")}
	if fmt.Sprint(reg) != fmt.Sprint(want) {
		t.Errorf("registered %q, want the key and its Basic encoding", reg)
	}
	if h := (Config{}).Open("https://registry.heroku.com", Credentials{}); h.Host != "registry.heroku.com" || h.Insecure {
		t.Errorf("%+v", h)
	}
	if _, err := s.Repository("My_App.herokuapp.com/web"); err == nil {
		t.Error("an invalid repository name: no error")
	}
}

// TestDryRunRefusesWrites (issue 23, point 6): a session opened for a dry
// run reads a registry and writes nothing to it: pushing an image fails
// with the dry run's refusal and the registry sees no request but GET and
// HEAD. Without the guard in Open, the push lands and this fails.
func TestDryRunRefusesWrites(t *testing.T) {
	// remote.Write sends its blob checks at once: the log is shared.
	var (
		mu      sync.Mutex
		methods []string
	)
	reg := ggcrregistry.New()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		methods = append(methods, r.Method)
		mu.Unlock()
		reg.ServeHTTP(w, r)
	}))
	defer srv.Close()
	guard := &dryrun.Guard{}
	s := Config{DryRun: guard, Retry: Retry{Attempts: 1, Delay: time.Millisecond}}.Open(srv.URL, Credentials{})
	repo, err := s.Repository("my-app/web")
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	err = remote.Write(repo.Tag("latest"), img, s.Options(context.Background())...)
	if !dryrun.IsRefused(err) || guard.Refused() == nil {
		t.Fatalf("a push in a dry run: %v, want the dry run's refusal", err)
	}
	mu.Lock()
	seen := append([]string(nil), methods...)
	mu.Unlock()
	for _, m := range seen {
		if m != http.MethodGet && m != http.MethodHead {
			t.Errorf("the registry saw a %s in a dry run (all: %v)", m, seen)
		}
	}
	if _, err := remote.Head(repo.Tag("latest"), s.Options(context.Background())...); err == nil || dryrun.IsRefused(err) {
		t.Errorf("a read of a tag never pushed: %v, want the registry's not found", err)
	}
}

// TestTokenRequest: what a dry run lets through besides reads is a token
// request (a form POSTed outside /v2/), never a write of the registry API.
func TestTokenRequest(t *testing.T) {
	for _, c := range []struct {
		method, url, ct string
		want            bool
	}{
		{"POST", "https://auth.example/token", "application/x-www-form-urlencoded", true},
		{"POST", "https://gitlab.example/jwt/auth", "application/x-www-form-urlencoded; charset=utf-8", true},
		{"POST", "https://registry.example/v2/app/web/blobs/uploads/", "application/x-www-form-urlencoded", false},
		{"POST", "https://auth.example/token", "application/json", false},
		{"PUT", "https://auth.example/token", "application/x-www-form-urlencoded", false},
		{"PATCH", "https://registry.example/v2/app/web/blobs/uploads/1", "application/octet-stream", false},
		// A token service the ping's challenge named under /v2/.
		{"POST", "https://europe-docker.pkg.dev/v2/token", "application/x-www-form-urlencoded", true},
		{"POST", "https://europe-docker.pkg.dev/v2/app/web/blobs/uploads/", "application/x-www-form-urlencoded", false},
	} {
		o := &observer{}
		o.noteRealms(&http.Response{Header: http.Header{"Www-Authenticate": {`Bearer realm="https://europe-docker.pkg.dev/v2/token",service="europe-docker.pkg.dev"`}}})
		req, _ := http.NewRequest(c.method, c.url, nil)
		req.Header.Set("Content-Type", c.ct)
		if got := o.tokenRequest(req); got != c.want {
			t.Errorf("%s %s (%s): %v, want %v", c.method, c.url, c.ct, got, c.want)
		}
	}
}

// TestPagesAreNoRegistryAnswers (issue 19, fail closed): a router's or a
// proxy's page where the registry's answer was due is unknown (Malformed,
// exit 4), never "absent" (NotFound: exit 2 for a source image, 5 for a
// promotion's source) nor "the credentials were refused" (Denied); the
// registry's own 404 stays NotFound.
func TestPagesAreNoRegistryAnswers(t *testing.T) {
	page := func(w http.ResponseWriter, status int) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		io.WriteString(w, "<html><body><h1>Not Found</h1></body></html>\n")
	}
	regErr := func(w http.ResponseWriter, status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"m"}]}`, code)
	}
	cases := []struct {
		name  string
		serve func(w http.ResponseWriter, r *http.Request)
		kind  Kind
	}{{
		name: "the registry's 404",
		serve: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			regErr(w, 404, "MANIFEST_UNKNOWN")
		},
		kind: NotFound,
	}, {
		name: "a 404 page for a manifest",
		serve: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			page(w, 404)
		},
		kind: Malformed,
	}, {
		name: "a 404 page for the ping",
		serve: func(w http.ResponseWriter, r *http.Request) {
			page(w, 404)
		},
		kind: Malformed,
	}, {
		// go-containerregistry goes on anonymously, to the registry's own
		// refusal: no verdict on the credentials.
		name: "a 401 page without a challenge for the ping",
		serve: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				page(w, 401)
				return
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="r"`)
			regErr(w, 401, "UNAUTHORIZED")
		},
		kind: Malformed,
	}, {
		name: "the token service's 404",
		serve: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="s"`, r.Host))
				regErr(w, 401, "UNAUTHORIZED")
				return
			}
			page(w, 404)
		},
		kind: Malformed,
	}, {
		name: "the token service refuses the credentials",
		serve: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="s"`, r.Host))
				regErr(w, 401, "UNAUTHORIZED")
				return
			}
			w.WriteHeader(401)
			io.WriteString(w, `{"details":"incorrect username or password"}`) // Docker Hub's
		},
		kind: Denied,
	}, {
		// Google's Artifact Registry and Quay serve their token service
		// under /v2/ (/v2/token, /v2/auth): the challenge says where, and
		// its refusal is one, whatever its body.
		name: "a token service under /v2/ refuses the credentials",
		serve: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/v2/token",service="s"`, r.Host))
				regErr(w, 401, "UNAUTHORIZED")
				return
			}
			w.WriteHeader(401)
			io.WriteString(w, `{"error":"invalid credentials"}`)
		},
		kind: Denied,
	}, {
		name: "a token service under /v2/ forbids",
		serve: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/v2/token",service="s"`, r.Host))
				regErr(w, 401, "UNAUTHORIZED")
				return
			}
			w.WriteHeader(403)
			io.WriteString(w, `{"error":"denied"}`)
		},
		kind: Denied,
	}, {
		// The spec lets a 4xx carry any body; a distribution registry's
		// header says the answer is its own.
		name: "a registry's bodyless 404",
		serve: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
			if r.URL.Path == "/v2/" {
				return
			}
			w.WriteHeader(404)
		},
		kind: NotFound,
	}, {
		name: "a bodyless 404 without the registry's header",
		serve: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			w.WriteHeader(404)
		},
		kind: Malformed,
	}, {
		// A GET redirected to storage that refuses (an expired signed
		// URL): not the registry refusing the credentials.
		name: "storage refuses a redirected read",
		serve: func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/v2/":
			case strings.HasPrefix(r.URL.Path, "/v2/"):
				http.Redirect(w, r, "/storage/blob?X-Amz-Signature=s", http.StatusTemporaryRedirect)
			default:
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(403)
				io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
			}
		},
		kind: Malformed,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(c.serve))
			defer srv.Close()
			s := Config{Retry: Retry{Attempts: 1, Delay: time.Millisecond}}.Open(srv.URL, Credentials{Username: "u", Password: "p", From: "test"})
			repo, err := s.Repository("group/app")
			if err != nil {
				t.Fatal(err)
			}
			_, err = remote.Get(repo.Tag("v1"), s.Options(context.Background())...)
			err = Wrap("reading manifest", err)
			if !IsKind(err, c.kind) {
				t.Errorf("got %v; want kind %v", err, c.kind)
			}
		})
	}
}
