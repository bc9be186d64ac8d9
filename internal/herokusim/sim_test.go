package herokusim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/leakcheck"
)

// These tests hold the simulator to the real API's rules with plain
// net/http, independently of heroku-deploy's client: a simulator that
// quietly accepted what Heroku refuses would let the client's tests pass
// for the wrong reason.

const accept = "application/vnd.heroku+json; version=3"

type sim struct {
	*Server
	t   *testing.T
	url string
}

func start(t *testing.T, opts Options) *sim {
	t.Helper()
	if opts.Apps == nil {
		opts.Apps = []string{"demo", "theirs:foreign"}
	}
	s := New(opts)
	ts := httptest.NewServer(s)
	s.SetURL(ts.URL)
	t.Cleanup(func() { s.Close(); ts.Close() })
	return &sim{Server: s, t: t, url: ts.URL}
}

// do sends a request; hdr holds "Name: value" lines, "-Name" removes a
// default (Accept, Authorization).
func (s *sim) do(method, target string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	s.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = s.url + target
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if !strings.Contains(target, "/s3/") && !strings.Contains(target, "/streams/") && !strings.Contains(target, "/web/") {
		req.Header.Set("Accept", accept)
		req.Header.Set("Authorization", "Bearer "+DefaultKey)
	}
	for _, h := range hdr {
		if name, ok := strings.CutPrefix(h, "-"); ok {
			req.Header.Del(name)
			continue
		}
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp, b
}

// errorID is the id of an API error answer, "" for a success.
func errorID(resp *http.Response, b []byte) string {
	if resp.StatusCode < 400 {
		return ""
	}
	var e struct{ ID string }
	json.Unmarshal(b, &e)
	return e.ID
}

func TestAPIRefusesWhatHerokuRefuses(t *testing.T) {
	s := start(t, Options{})
	basic := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(":"+DefaultKey))
	tests := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		id                       string
	}{
		{"no versioned Accept", "GET", "/apps/demo", "", []string{"-Accept"}, 406, "not_acceptable"},
		{"plain JSON Accept", "GET", "/apps/demo", "", []string{"-Accept", "Accept: application/json"}, 406, "not_acceptable"},
		{"no key", "GET", "/apps/demo", "", []string{"-Authorization"}, 401, "unauthorized"},
		{"wrong key", "GET", "/apps/demo", "", []string{"-Authorization", "Authorization: Bearer HRKU-wrong"}, 401, "unauthorized"},
		{"two keys", "GET", "/apps/demo", "", []string{"Authorization: Bearer " + DefaultKey}, 401, "unauthorized"},
		{"basic auth with the key as password", "GET", "/apps/demo", "", []string{"-Authorization", basic}, 200, ""},
		{"someone else's app", "GET", "/apps/theirs", "", nil, 403, "forbidden"},
		{"no such app", "GET", "/apps/nope", "", nil, 404, "not_found"},
		{"unknown endpoint", "GET", "/apps/demo/nothing-here", "", nil, 404, "not_found"},
		{"build with an unknown field", "POST", "/apps/demo/builds", `{"source_blob":{"url":"x"},"extra":1}`, nil, 400, "bad_request"},
		{"build without source URL", "POST", "/apps/demo/builds", `{"source_blob":{}}`, nil, 422, "invalid_params"},
		{"build with a bare hex checksum", "POST", "/apps/demo/builds", `{"source_blob":{"url":"x","checksum":"` + strings.Repeat("a", 64) + `"}}`, nil, 422, "invalid_params"},
		{"build with an empty buildpack", "POST", "/apps/demo/builds", `{"source_blob":{"url":"x"},"buildpacks":[{}]}`, nil, 422, "invalid_params"},
		{"the removed build result endpoint", "GET", "/apps/demo/builds/b/result", "", nil, 410, "gone"},
		{"a known path with the wrong verb", "PUT", "/apps/demo/builds", "", nil, 404, "not_found"},
		{"dyno without a command", "POST", "/apps/demo/dynos", `{"attach":true}`, nil, 422, "invalid_params"},
		{"dyno of an unknown size", "POST", "/apps/demo/dynos", `{"command":"true","size":"huge"}`, nil, 422, "invalid_params"},
		{"dyno living over a day", "POST", "/apps/demo/dynos", `{"command":"true","time_to_live":86401}`, nil, 422, "invalid_params"},
		{"dyno with an unknown field", "POST", "/apps/demo/dynos", `{"command":"true","attach_url":"x"}`, nil, 400, "bad_request"},
		{"stopping a dyno that does not exist", "POST", "/apps/demo/dynos/run.9/actions/stop", "", nil, 404, "not_found"},
		{"log session without a dyno", "POST", "/apps/demo/log-sessions", `{"tail":true}`, nil, 422, "invalid_params"},
		{"config var with a bad name", "PATCH", "/apps/demo/config-vars", `{"BAD-NAME":"x"}`, nil, 422, "invalid_params"},
		{"config var that is not a string", "PATCH", "/apps/demo/config-vars", `{"N":1}`, nil, 422, "invalid_params"},
		{"renaming an app", "PATCH", "/apps/demo", `{"name":"other"}`, nil, 422, "invalid_params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			resp, b := s.do(tt.method, tt.path, body, append([]string{"Content-Type: application/json"}, tt.hdr...)...)
			if resp.StatusCode != tt.status || errorID(resp, b) != tt.id {
				t.Errorf("%s %s: %d %q, want %d %q (%s)", tt.method, tt.path, resp.StatusCode, errorID(resp, b), tt.status, tt.id, b)
			}
			if resp.Header.Get("Request-Id") == "" {
				t.Error("no Request-Id header")
			}
		})
	}
}

type sourceURLs struct{ get, put string }

func (s *sim) newSource() sourceURLs {
	s.t.Helper()
	resp, b := s.do("POST", "/sources", nil)
	var out struct {
		SourceBlob struct {
			GetURL string `json:"get_url"`
			PutURL string `json:"put_url"`
		} `json:"source_blob"`
	}
	if resp.StatusCode != 201 || json.Unmarshal(b, &out) != nil {
		s.t.Fatalf("POST /sources: %d %s", resp.StatusCode, b)
	}
	return sourceURLs{out.SourceBlob.GetURL, out.SourceBlob.PutURL}
}

func s3Code(b []byte) string {
	_, rest, _ := strings.Cut(string(b), "<Code>")
	code, _, _ := strings.Cut(rest, "</Code>")
	return code
}

func TestStorageFollowsS3PresignedRules(t *testing.T) {
	s := start(t, Options{URLTTL: time.Hour})
	src := s.newSource()
	data := []byte("not really a tarball")
	tampered := strings.Replace(src.put, "Signature=", "Signature=0", 1)

	// chunked: an io.Reader net/http cannot size is sent chunked.
	resp, b := s.do("PUT", src.put, io.MultiReader(bytes.NewReader(data)))
	if resp.StatusCode != 501 || s3Code(b) != "NotImplemented" {
		t.Errorf("chunked PUT: %d %s, want 501 NotImplemented", resp.StatusCode, s3Code(b))
	}
	for _, tt := range []struct {
		name   string
		target string
		hdr    []string
		status int
		code   string
	}{
		{"Content-Type is part of the signature", src.put, []string{"Content-Type: application/gzip"}, 403, "SignatureDoesNotMatch"},
		{"a second auth mechanism", src.put, []string{"Authorization: Bearer " + DefaultKey}, 400, "InvalidArgument"},
		{"tampered signature", tampered, nil, 403, "SignatureDoesNotMatch"},
		{"the GET URL used to PUT", src.get, nil, 403, "SignatureDoesNotMatch"},
	} {
		resp, b := s.do("PUT", tt.target, bytes.NewReader(data), tt.hdr...)
		if resp.StatusCode != tt.status || s3Code(b) != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, resp.StatusCode, s3Code(b), tt.status, tt.code)
		}
	}
	if resp, b := s.do("GET", src.get, nil); resp.StatusCode != 404 || s3Code(b) != "NoSuchKey" {
		t.Errorf("GET before upload: %d %s, want 404 NoSuchKey", resp.StatusCode, s3Code(b))
	}
	resp, _ = s.do("PUT", src.put, bytes.NewReader(data))
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
		t.Fatalf("valid PUT: %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
	if resp, b := s.do("GET", src.get, nil); resp.StatusCode != 200 || !bytes.Equal(b, data) {
		t.Errorf("GET after upload: %d %q", resp.StatusCode, b)
	}
	s.mu.Lock()
	s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	s.mu.Unlock()
	if resp, b := s.do("PUT", src.put, bytes.NewReader(data)); resp.StatusCode != 403 || !strings.Contains(string(b), "Request has expired") {
		t.Errorf("PUT after expiry: %d %s, want 403 expired", resp.StatusCode, b)
	}
}

func TestRateLimitIsATokenBucket(t *testing.T) {
	s := start(t, Options{RateLimit: 2, RateRefill: 1})
	clock := time.Now()
	s.mu.Lock()
	s.now = func() time.Time { return clock }
	for _, a := range s.keys {
		a.last = clock
	}
	s.mu.Unlock()
	var got []string
	for range 3 {
		resp, b := s.do("GET", "/apps/demo", nil)
		got = append(got, resp.Status[:3]+" remaining="+resp.Header.Get("RateLimit-Remaining")+" "+errorID(resp, b))
	}
	s.mu.Lock()
	clock = clock.Add(1500 * time.Millisecond) // 1.5 tokens come back
	s.mu.Unlock()
	resp, _ := s.do("GET", "/apps/demo", nil)
	got = append(got, resp.Status[:3]+" remaining="+resp.Header.Get("RateLimit-Remaining")+" ")
	want := []string{"200 remaining=1 ", "200 remaining=0 ", "429 remaining=0 rate_limit", "200 remaining=0 "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func tarball(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

type buildOut struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	OutputStreamURL string `json:"output_stream_url"`
	Release         *struct {
		ID string `json:"id"`
	} `json:"release"`
}

// deploy uploads files and creates a build of demo; checksum "" sends the
// right one.
func (s *sim) deploy(files map[string]string, checksum string) buildOut {
	s.t.Helper()
	return s.deployTo("demo", "abc123", files, checksum)
}

// deployTo uploads files and creates a build of app recording version.
func (s *sim) deployTo(app, version string, files map[string]string, checksum string) buildOut {
	s.t.Helper()
	data := tarball(s.t, files)
	src := s.newSource()
	if resp, b := s.do("PUT", src.put, bytes.NewReader(data)); resp.StatusCode != 200 {
		s.t.Fatalf("PUT: %d %s", resp.StatusCode, b)
	}
	if checksum == "" {
		sum := sha256.Sum256(data)
		checksum = "SHA256:" + hex.EncodeToString(sum[:])
	}
	body, _ := json.Marshal(map[string]any{"source_blob": map[string]string{"url": src.get, "checksum": checksum, "version": version}})
	resp, b := s.do("POST", "/apps/"+app+"/builds", bytes.NewReader(body), "Content-Type: application/json")
	var out buildOut
	if resp.StatusCode != 201 || json.Unmarshal(b, &out) != nil || out.Status != "pending" {
		s.t.Fatalf("POST build: %d %s", resp.StatusCode, b)
	}
	return out
}

func (s *sim) finish(b buildOut) (log string, final buildOut) {
	s.t.Helper()
	return s.finishOf("demo", b)
}

// finishOf reads the build's log to its end and waits for its outcome.
func (s *sim) finishOf(app string, b buildOut) (log string, final buildOut) {
	s.t.Helper()
	_, raw := s.do("GET", b.OutputStreamURL, nil) // follows until the stream closes
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := s.do("GET", "/apps/"+app+"/builds/"+b.ID, nil)
		json.Unmarshal(body, &final)
		if final.Status != "pending" || time.Now().After(deadline) {
			return strings.ReplaceAll(string(raw), "\x00", ""), final
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBuildsFollowTheSource(t *testing.T) {
	node := map[string]string{"package.json": `{"scripts":{"start":"node index.js"}}`, "index.js": "1"}
	tests := []struct {
		name     string
		files    map[string]string
		checksum string
		status   string
		logHas   string
	}{
		{"Node.js", node, "", "succeeded", "Node.js app detected"},
		{"Python with a Procfile", map[string]string{"requirements.txt": "flask\ngunicorn\n", "Procfile": "web: gunicorn app:app\n", "app.py": "app = 1"}, "", "succeeded", "Python app detected"},
		{"no language", map[string]string{"README": "hi"}, "", "failed", "No default language could be detected"},
		{"checksum of other bytes", node, "SHA256:" + strings.Repeat("0", 64), "failed", "does not match its checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Options{})
			log, final := s.finish(s.deploy(tt.files, tt.checksum))
			if final.Status != tt.status || !strings.Contains(log, tt.logHas) {
				t.Errorf("status %q, want %q; log:\n%s", final.Status, tt.status, log)
			}
			if (final.Release != nil) != (tt.status == "succeeded") {
				t.Errorf("release %v with status %s", final.Release, final.Status)
			}
			if p := s.Problems(); len(p) != 0 {
				t.Errorf("problems: %v", p)
			}
		})
	}
}

func TestProblemsReportsTwoBuildsFromOneBlob(t *testing.T) {
	s := start(t, Options{})
	data := tarball(t, map[string]string{"package.json": `{}`})
	src := s.newSource()
	s.do("PUT", src.put, bytes.NewReader(data))
	body := `{"source_blob":{"url":"` + src.get + `"}}`
	for range 2 {
		if resp, b := s.do("POST", "/apps/demo/builds", strings.NewReader(body)); resp.StatusCode != 201 {
			t.Fatalf("POST build: %d %s", resp.StatusCode, b)
		}
	}
	p := s.Problems()
	if len(p) != 1 || !strings.Contains(p[0], "2 builds were created from source") {
		t.Errorf("Problems() = %q", p)
	}
	if s.BuildCount("demo") != 2 {
		t.Errorf("BuildCount = %d", s.BuildCount("demo"))
	}
}

func TestCancelOnlyPendingBuilds(t *testing.T) {
	s := start(t, Options{Stuck: true})
	b := s.deploy(map[string]string{"package.json": `{}`}, "")
	path := "/apps/demo/builds/" + b.ID
	cancel := "Accept: " + accept + ".cancel-build"
	if resp, body := s.do("DELETE", path, nil); resp.StatusCode != 404 || errorID(resp, body) != "not_found" {
		t.Errorf("cancel without the cancel-build variant: %d %s, want 404", resp.StatusCode, body)
	}
	if resp, body := s.do("DELETE", path, nil, "-Accept", cancel); resp.StatusCode != 200 {
		t.Fatalf("cancel: %d %s", resp.StatusCode, body)
	}
	log, final := s.finish(b)
	if final.Status != "failed" || !strings.Contains(log, "Build cancelled") {
		t.Errorf("after cancel: %s, log %q", final.Status, log)
	}
	if resp, body := s.do("DELETE", path, nil, "-Accept", cancel); resp.StatusCode != 422 {
		t.Errorf("second cancel: %d %s, want 422", resp.StatusCode, body)
	}
}

func TestStreamsLikeBusl(t *testing.T) {
	s := start(t, Options{BuildStream404: 300 * time.Millisecond})
	b := s.deploy(map[string]string{"package.json": `{}`}, "")
	resp, body := s.do("GET", b.OutputStreamURL, nil)
	if resp.StatusCode != 404 || string(body) != "Channel is not registered." {
		t.Errorf("inside the 404 window: %d %q", resp.StatusCode, body)
	}
	u, _ := url.Parse(b.OutputStreamURL)
	u.RawQuery = ""
	if resp, _ := s.do("GET", u.String(), nil); resp.StatusCode != 404 {
		t.Errorf("without its signature: %d, want 404", resp.StatusCode)
	}
	time.Sleep(350 * time.Millisecond)
	full, _ := s.finish(b)
	if !strings.Contains(full, "Build succeeded!") {
		t.Fatalf("log: %q", full)
	}
	_, tail := s.do("GET", b.OutputStreamURL, nil, "Range: 10-")
	if string(tail) != full[10:] {
		t.Errorf("Range 10- gave %q, want the log from byte 10", tail)
	}
	if resp, _ := s.do("GET", b.OutputStreamURL, nil, "Range: 99999999-"); resp.StatusCode != 416 {
		t.Errorf("Range past the end: %d, want 416", resp.StatusCode)
	}
}

func TestFaultsAreCountedAndRecorded(t *testing.T) {
	f, err := ParseFault("GET /apps/* 503 html skip=1 times=2")
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, Options{Faults: []*Fault{f}})
	var got []int
	for range 5 {
		resp, _ := s.do("GET", "/apps/demo", nil)
		got = append(got, resp.StatusCode)
	}
	if want := []int{200, 503, 503, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	var faulted int
	for _, r := range s.Requests() {
		if r.Fault != "" {
			faulted++
		}
	}
	if faulted != 2 {
		t.Errorf("%d requests recorded as faulted, want 2", faulted)
	}
}

func TestParseFault(t *testing.T) {
	good := []string{"GET /apps/*/builds/* 503 html times=3", "POST /apps/*/builds 503 after", "PUT /s3/* reset", "GET /streams/* drop=40",
		"POST /apps/*/builds 201 truncated after", "GET /apps/* redirect", "GET /apps/* hang times=1", "GET /apps/* 403 leak",
		"GET /streams/* ignore-range", "GET /streams/* quiet times=1", "GET /apps/* barrier=2 times=2",
		"GET /apps/*/pipeline-couplings 404 html", "GET /apps/* 200 null", "GET /apps/* 503 text", "GET /apps/* 200 empty-object",
		"GET /apps/*/releases 200 wrongtype=version", "PATCH /apps/* after reset"}
	for _, s := range good {
		if _, err := ParseFault(s); err != nil {
			t.Errorf("ParseFault(%q): %v", s, err)
		}
	}
	bad := []string{"GET /apps", "GET /apps/* html", "GET /apps/* 200", "GET /apps/* 302", "GET /apps/* 503 sometimes", "GET [ 503", "GET /apps/* drop=-1", "GET /apps/* barrier=1"}
	for _, s := range bad {
		if _, err := ParseFault(s); err == nil {
			t.Errorf("ParseFault(%q) accepted", s)
		}
	}
}

// TestStreamEndsWith204: like busl, a finished stream read from its end
// answers 204, not an empty 200.
func TestStreamEndsWith204(t *testing.T) {
	s := start(t, Options{})
	b := s.deploy(map[string]string{"package.json": `{}`}, "")
	full, _ := s.finish(b)
	resp, _ := s.do("GET", b.OutputStreamURL, nil, "Range: "+strconv.Itoa(len(full))+"-")
	if resp.StatusCode != 204 {
		t.Errorf("Range at the end of a finished stream: %d, want 204", resp.StatusCode)
	}
}

// TestFirAppsBuildOCIImages: a Fir app's build makes an OCI image (no
// slug), and buildpacks sent with its build are a client bug Problems
// reports (Heroku ignores them on Fir).
func TestFirAppsBuildOCIImages(t *testing.T) {
	s := start(t, Options{Apps: []string{"demo:fir"}})
	_, app := s.do("GET", "/apps/demo", nil)
	if !strings.Contains(string(app), `"generation":{"id":"70000000-0000-4000-8000-0000000000f1","name":"fir"}`) {
		t.Errorf("app: %s", app)
	}
	log, final := s.finish(s.deploy(map[string]string{"package.json": `{}`}, ""))
	if final.Status != "succeeded" || !strings.Contains(log, "===> DETECTING") {
		t.Fatalf("%s: %s", final.Status, log)
	}
	_, rel := s.do("GET", "/apps/demo/releases/"+final.Release.ID, nil)
	if !strings.Contains(string(rel), `"artifacts":[{"id":"90000000-0000-4000-8000-000000000001","type":"oci-image"}]`) || !strings.Contains(string(rel), `"slug":null`) {
		t.Errorf("release: %s", rel)
	}
	data := tarball(t, map[string]string{"package.json": `{}`})
	src := s.newSource()
	s.do("PUT", src.put, bytes.NewReader(data))
	s.do("POST", "/apps/demo/builds", strings.NewReader(`{"source_blob":{"url":"`+src.get+`"},"buildpacks":[{"name":"heroku/nodejs"}]}`))
	if p := s.Problems(); len(p) != 1 || !strings.Contains(p[0], "was sent buildpacks, which Heroku ignores on Fir") {
		t.Errorf("Problems() = %q", p)
	}
}

// TestReleaseLagsBehindBuild: with ReleaseLag, a succeeded build shows no
// release for that many reads.
func TestReleaseLagsBehindBuild(t *testing.T) {
	s := start(t, Options{ReleaseLag: 2})
	b := s.deploy(map[string]string{"package.json": `{}`}, "")
	s.do("GET", b.OutputStreamURL, nil)
	var seen []string
	for range 4 {
		var out buildOut
		for deadline := time.Now().Add(5 * time.Second); out.Status != "succeeded" && time.Now().Before(deadline); {
			_, body := s.do("GET", "/apps/demo/builds/"+b.ID, nil)
			json.Unmarshal(body, &out)
		}
		seen = append(seen, fmt.Sprintf("%s/%v", out.Status, out.Release != nil))
	}
	if want := []string{"succeeded/false", "succeeded/false", "succeeded/true", "succeeded/true"}; !slices.Equal(seen, want) {
		t.Errorf("reads: %v, want %v", seen, want)
	}
}

// TestRedirectTrapIsAProblem: a client that follows the redirect fault is
// caught, whatever else its script checks.
func TestRedirectTrapIsAProblem(t *testing.T) {
	f, _ := ParseFault("GET /apps/* redirect")
	s := start(t, Options{Faults: []*Fault{f}})
	// http.DefaultClient follows redirects, key and all, as a careless
	// client would.
	s.do("GET", "/apps/demo", nil)
	if p := s.Problems(); len(p) != 1 || !strings.Contains(p[0], "followed a redirect (auth: true)") {
		t.Errorf("Problems() = %q", p)
	}
}

// TestScopes: every answer names the key's scopes and the call's accepted
// ones; a key none of whose scopes the call accepts is refused (403),
// whatever the route: config vars and releases need a protected scope,
// changes need write, and a key may hold several scopes.
func TestScopes(t *testing.T) {
	s := start(t, Options{Keys: []string{DefaultKey, "HRKU-write:write", "HRKU-rp:read-protected", "HRKU-both:write,read-protected", "HRKU-id:identity", "HRKU-read:read"},
		Apps: []string{"demo", "mine:user2", "rp-app:user3", "both:user4", "id-app:user5", "ro-app:user6"}})
	for _, tc := range []struct {
		key, method, path string
		status            int
		scope, accepted   string
	}{
		{DefaultKey, "GET", "/apps/demo/config-vars", 200, "global", acceptReadProt},
		{"HRKU-write", "GET", "/apps/mine/config-vars", 403, "write", acceptReadProt},
		{"HRKU-write", "PATCH", "/apps/mine/config-vars", 403, "write", acceptWriteProt},
		{"HRKU-write", "GET", "/apps/mine/releases", 403, "write", acceptReadProt},
		{"HRKU-write", "GET", "/apps/mine", 200, "write", acceptRead},
		{"HRKU-write", "GET", "/apps/mine/formation", 200, "write", acceptRead},
		{"HRKU-rp", "GET", "/apps/rp-app/config-vars", 200, "read-protected", acceptReadProt},
		{"HRKU-rp", "PATCH", "/apps/rp-app/config-vars", 403, "read-protected", acceptWriteProt},
		{"HRKU-rp", "DELETE", "/apps/rp-app/dynos", 403, "read-protected", acceptWrite},
		{"HRKU-both", "GET", "/apps/both/releases", 200, "write read-protected", acceptReadProt},
		{"HRKU-both", "DELETE", "/apps/both/dynos", 202, "write read-protected", acceptWrite},
		{"HRKU-both", "PATCH", "/apps/both/config-vars", 403, "write read-protected", acceptWriteProt},
		{"HRKU-id", "GET", "/apps/id-app", 403, "identity", acceptRead},
		{"HRKU-read", "PATCH", "/apps/ro-app", 403, "read", acceptWrite},
	} {
		resp, b := s.do(tc.method, tc.path, strings.NewReader(`{"A":"b"}`), "-Authorization", "Authorization: Bearer "+tc.key)
		got := fmt.Sprintf("%d %q %q", resp.StatusCode, resp.Header.Get("Oauth-Scope"), resp.Header.Get("Oauth-Scope-Accepted"))
		if want := fmt.Sprintf("%d %q %q", tc.status, tc.scope, tc.accepted); got != want {
			t.Errorf("%s %s with %s: %s; want %s (%s)", tc.method, tc.path, tc.key, got, want, b)
		}
		if resp.StatusCode == 403 && !strings.Contains(string(b), scopeMessage) {
			t.Errorf("%s %s with %s: %s, not Heroku's scope message", tc.method, tc.path, tc.key, b)
		}
	}
}

// TestConfigPatchMakesARelease: every PATCH, even one that changes
// nothing, is a release; the answer is the whole config, secrets included.
func TestConfigPatchMakesARelease(t *testing.T) {
	s := start(t, Options{})
	for _, body := range []string{`{"A":"1","B":"2"}`, `{"A":"1"}`, `{"B":null}`} {
		resp, b := s.do("PATCH", "/apps/demo/config-vars", strings.NewReader(body))
		if resp.StatusCode != 200 || !strings.Contains(string(b), ConfigSecret) {
			t.Fatalf("PATCH %s: %d %s", body, resp.StatusCode, b)
		}
	}
	_, b := s.do("GET", "/apps/demo/releases", nil, "Range: version ..; max=1, order=desc")
	var rels []struct {
		Version     int
		Description string
	}
	json.Unmarshal(b, &rels)
	if len(rels) != 1 || rels[0].Version != 5 || rels[0].Description != "Remove B config vars" {
		t.Errorf("newest release: %+v, want v5 \"Remove B config vars\"", rels)
	}
}

// TestLogsAreNotForTheKey: a log session's URL carries its own credential;
// without it the log is not found, and a key sent along is a problem.
func TestLogsAreNotForTheKey(t *testing.T) {
	s := start(t, Options{})
	resp, b := s.do("POST", "/apps/demo/dynos", strings.NewReader(`{"command":"echo hi","attach":false}`))
	if resp.StatusCode != 201 {
		t.Fatalf("dyno: %d %s", resp.StatusCode, b)
	}
	resp, b = s.do("POST", "/apps/demo/log-sessions", strings.NewReader(`{"dyno_name":"run.1"}`))
	var ls struct {
		LogplexURL string `json:"logplex_url"`
	}
	json.Unmarshal(b, &ls)
	u, _ := url.Parse(ls.LogplexURL)
	u.RawQuery = ""
	if r, _ := s.do("GET", u.String(), nil, "-Accept", "-Authorization"); r.StatusCode != 404 {
		t.Errorf("log without its credential: %d", r.StatusCode)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, b := s.do("GET", ls.LogplexURL, nil, "-Accept", "-Authorization")
		if r.StatusCode != 200 {
			t.Fatalf("log: %d", r.StatusCode)
		}
		if strings.Contains(string(b), "app[run.1]: hi\n") && strings.Contains(string(b), "heroku[run.1]: Process exited with status 0") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.do("GET", ls.LogplexURL, nil, "-Accept")
	if p := s.Problems(); len(p) != 1 || !strings.Contains(p[0], "Authorization") {
		t.Errorf("problems %q: want the key sent to the log", p)
	}
}

// TestSecretLengthIsTheLeakChecks: Secrets leaves out what the leak check
// would not look for, no more.
func TestSecretLengthIsTheLeakChecks(t *testing.T) {
	if minSecretLen != leakcheck.MinLen {
		t.Errorf("minSecretLen is %d, leakcheck.MinLen %d", minSecretLen, leakcheck.MinLen)
	}
}
