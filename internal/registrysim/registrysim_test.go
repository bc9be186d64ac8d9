package registrysim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const key = "HRKU-sim-key-0123"

func do(t *testing.T, h http.Handler, method, target, user, pass, ct string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// herokuWithBlobs is Heroku's fake with img's blobs in my-app/web.
func herokuWithBlobs(img Image) *Registry {
	h := NewHeroku()
	h.Grant(key, "my-app")
	_, cfg, _ := img.Manifest()
	h.PutBlob("my-app/web", cfg)
	for _, l := range img.Layers {
		h.PutBlob("my-app/web", l)
	}
	return h
}

func TestHerokuTakesDockerSchema2Only(t *testing.T) {
	layer := Layer(map[string]string{"a": "b"})
	docker := Image{Layers: [][]byte{layer}}
	oci := Image{OCI: true, Layers: [][]byte{layer}}
	mixed := Image{Layers: [][]byte{layer}, LayerType: OCILayer}
	for _, c := range []struct {
		img    Image
		status int
	}{{docker, 201}, {oci, 405}, {mixed, 405}} {
		h := herokuWithBlobs(c.img)
		m, _, mt := c.img.Manifest()
		rec := do(t, h, "PUT", "/v2/my-app/web/manifests/latest", "_", key, mt, m)
		if rec.Code != c.status {
			t.Errorf("%s (layers %s): %d %s; want %d", mt, c.img.LayerType, rec.Code, rec.Body, c.status)
		}
		if c.status == 405 && !strings.Contains(rec.Body.String(), `"UNSUPPORTED"`) {
			t.Errorf("refusal body %s; want UNSUPPORTED", rec.Body)
		}
	}
	// An index, even of Docker manifests, is refused.
	h := herokuWithBlobs(docker)
	m, _, mt := docker.Manifest()
	d := h.PutManifest("my-app/web", "", mt, m)
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": DockerList, "manifests": []map[string]any{{"mediaType": mt, "digest": d, "size": len(m), "platform": map[string]string{"os": "linux", "architecture": "amd64"}}}})
	if rec := do(t, h, "PUT", "/v2/my-app/web/manifests/latest", "_", key, DockerList, idx); rec.Code != 405 || !strings.Contains(rec.Body.String(), "The operation is unsupported.") {
		t.Errorf("index PUT: %d %s", rec.Code, rec.Body)
	}
	// A manifest naming a blob the repository lacks.
	other := Image{Layers: [][]byte{Layer(map[string]string{"c": "d"})}}
	om, _, _ := other.Manifest()
	if rec := do(t, h, "PUT", "/v2/my-app/web/manifests/latest", "_", key, DockerManifest, om); rec.Code != 400 || !strings.Contains(rec.Body.String(), "MANIFEST_BLOB_UNKNOWN") {
		t.Errorf("manifest with unknown blobs: %d %s", rec.Code, rec.Body)
	}
}

func TestHerokuAuth(t *testing.T) {
	h := NewHeroku()
	h.Grant(key, "my-app")
	cases := []struct {
		target, user, pass string
		status             int
	}{
		{"/v2/", "_", key, 200},
		{"/v2/", "", key, 200}, // the CLI's release request: empty user name
		{"/v2/", "someone", key, 401},
		{"/v2/", "_", "wrong", 401},
		{"/v2/", "", "", 401},
		{"/v2/my-app/web/manifests/latest", "_", key, 404},
		{"/v2/other-app/web/manifests/latest", "_", key, 401},
		{"/v2/my-app.herokuapp.com/web/manifests/latest", "_", key, 400},
		{"/v2/my-app/web/extra/manifests/latest", "_", key, 400},
	}
	for _, c := range cases {
		rec := do(t, h, "GET", c.target, c.user, c.pass, "", nil)
		if rec.Code != c.status {
			t.Errorf("GET %s as %q: %d, want %d", c.target, c.user, rec.Code, c.status)
		}
		if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") != `Basic realm="Heroku Registry"` {
			t.Errorf("401 challenge %q", rec.Header().Get("WWW-Authenticate"))
		}
	}
	// A Bearer token is not Heroku's way.
	req := httptest.NewRequest("GET", "/v2/", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("Bearer: %d", rec.Code)
	}
}

// TestHerokuAuthWhileGranting: the simulator grants a key its apps on
// each request while others are served (a push's layers go side by side);
// under -race, a key's apps read outside the lock is caught here.
func TestHerokuAuthWhileGranting(t *testing.T) {
	h := NewHeroku()
	h.Grant(key, "my-app")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				h.Grant(key, "my-app", "other-app")
			}
		})
		wg.Go(func() {
			for range 50 {
				if rec := do(t, h, "GET", "/v2/my-app/web/manifests/latest", "_", key, "", nil); rec.Code != 404 {
					t.Errorf("GET as the key: %d, want 404", rec.Code)
				}
			}
		})
	}
	wg.Wait()
}

func TestGitLabTokenAuth(t *testing.T) {
	g := NewGitLab("gitlab-ci-token", "jobtok-123")
	g.PushImage("g/p", "v1", Image{Layers: [][]byte{Layer(map[string]string{"a": "b"})}})
	srv := httptest.NewServer(g)
	defer srv.Close()
	resp, _ := http.Get(srv.URL + "/v2/g/p/manifests/v1")
	c := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != 401 || !strings.Contains(c, `realm="`+srv.URL+`/jwt/auth"`) || !strings.Contains(c, `scope="repository:g/p:pull"`) || !strings.Contains(c, `service="container_registry"`) {
		t.Fatalf("%d %q", resp.StatusCode, c)
	}
	token := func(user, pass string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/jwt/auth?service=container_registry&scope=repository:g/p:pull", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Token string }
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Token
	}
	if code, _ := token("gitlab-ci-token", "wrong"); code != 401 {
		t.Errorf("wrong job token: %d", code)
	}
	get := func(tok string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/v2/g/p/manifests/v1", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, _ := http.DefaultClient.Do(req)
		return resp.StatusCode
	}
	_, tok := token("gitlab-ci-token", "jobtok-123")
	if get(tok) != 200 {
		t.Error("the job token's token does not pull")
	}
	_, anon := token("", "")
	if get(anon) != 401 {
		t.Error("an anonymous token pulls a private project")
	}
	g.Public("g/p")
	_, anon = token("", "")
	if get(anon) != 200 {
		t.Error("an anonymous token does not pull a public project")
	}
	if s := g.Secrets(); len(s) != 4 || s[0] != "jobtok-123" {
		t.Errorf("Secrets() = %d entries", len(s))
	}
}

func TestChunkedAndMonolithicUploadsAndDigestCheck(t *testing.T) {
	h := NewHeroku()
	h.Grant(key, "my-app")
	blob := []byte("0123456789abcdef")
	d := digestOf(blob)
	// Monolithic POST ?digest=.
	if rec := do(t, h, "POST", "/v2/my-app/web/blobs/uploads/?digest="+d, "_", key, "", blob); rec.Code != 201 || !h.Has("my-app/web", d) {
		t.Fatalf("monolithic POST: %d", rec.Code)
	}
	// Chunked: POST, two PATCHes with Content-Range, PUT.
	rec := do(t, h, "POST", "/v2/my-app/worker/blobs/uploads/", "_", key, "", nil)
	loc := rec.Header().Get("Location")
	if rec.Code != 202 || !strings.Contains(loc, "_state=") {
		t.Fatalf("POST: %d %q", rec.Code, loc)
	}
	req := httptest.NewRequest("PATCH", loc, bytes.NewReader(blob[:6]))
	req.SetBasicAuth("_", key)
	req.Header.Set("Content-Range", "0-5")
	r1 := httptest.NewRecorder()
	h.ServeHTTP(r1, req)
	req = httptest.NewRequest("PATCH", r1.Header().Get("Location"), bytes.NewReader(blob[6:]))
	req.SetBasicAuth("_", key)
	req.Header.Set("Content-Range", "0-9") // wrong start
	r2 := httptest.NewRecorder()
	h.ServeHTTP(r2, req)
	if r1.Code != 202 || r2.Code != 416 {
		t.Fatalf("PATCHes: %d %d", r1.Code, r2.Code)
	}
	req = httptest.NewRequest("PATCH", r1.Header().Get("Location"), bytes.NewReader(blob[6:]))
	req.SetBasicAuth("_", key)
	req.Header.Set("Content-Range", "6-15")
	r3 := httptest.NewRecorder()
	h.ServeHTTP(r3, req)
	bad := do(t, h, "PUT", strings.Replace(r3.Header().Get("Location"), "?", "?digest=sha256:"+strings.Repeat("0", 64)+"&", 1), "_", key, "", nil)
	if bad.Code != 400 || h.Has("my-app/worker", d) {
		t.Fatalf("PUT with a wrong digest: %d", bad.Code)
	}
}

func TestFaults(t *testing.T) {
	for _, bad := range []string{"GET /v2/", "GET /v2/ 200", "GET /v2/ after", "GET [ 500", "GET /v2/ times=x 500"} {
		if _, err := ParseFault(bad); err == nil {
			t.Errorf("ParseFault(%q): no error", bad)
		}
	}
	h := NewHeroku()
	h.Grant(key, "my-app")
	h.AddFault(MustFault("GET /v2/ 503 times=1 skip=1"))
	codes := []int{}
	for range 3 {
		codes = append(codes, do(t, h, "GET", "/v2/", "_", key, "", nil).Code)
	}
	if codes[0] != 200 || codes[1] != 503 || codes[2] != 200 {
		t.Errorf("skip=1 times=1: %v", codes)
	}
	// after: the manifest is stored, the answer is a 500.
	img := Image{Layers: [][]byte{Layer(map[string]string{"a": "b"})}}
	h = herokuWithBlobs(img)
	h.AddFault(MustFault("PUT /v2/*/*/manifests/latest 500 after"))
	m, _, mt := img.Manifest()
	if rec := do(t, h, "PUT", "/v2/my-app/web/manifests/latest", "_", key, mt, m); rec.Code != 500 {
		t.Errorf("after: %d", rec.Code)
	}
	if _, body, ok := h.Manifest("my-app/web", "latest"); !ok || !bytes.Equal(body, m) {
		t.Error("after: the manifest was not stored")
	}
	// A 401 fault carries the registry's challenge.
	h.AddFault(MustFault("HEAD /v2/*/*/blobs/* 401"))
	if rec := do(t, h, "HEAD", "/v2/my-app/web/blobs/sha256:"+strings.Repeat("1", 64), "_", key, "", nil); rec.Code != 401 || rec.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("401 fault: %d %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
}

func TestHerokuMountsOnlyFromAppsTheKeyMayUse(t *testing.T) {
	h := NewHeroku()
	h.Grant(key, "my-app", "my-app-staging")
	h.Grant("HRKU-other-key-0000-1111", "someone-else")
	theirs := h.PutBlob("someone-else/web", []byte("a layer of another account"))
	ours := h.PutBlob("my-app-staging/web", []byte("a layer of staging"))
	if rec := do(t, h, "POST", "/v2/my-app/web/blobs/uploads/?mount="+theirs+"&from=someone-else%2Fweb", "_", key, "", nil); rec.Code != 202 || h.Has("my-app/web", theirs) {
		t.Errorf("mount from an app the key cannot use: %d; want 202, a plain upload", rec.Code)
	}
	if rec := do(t, h, "POST", "/v2/my-app/web/blobs/uploads/?mount="+ours+"&from=my-app-staging%2Fweb", "_", key, "", nil); rec.Code != 201 || !h.Has("my-app/web", ours) {
		t.Errorf("mount from the key's other app: %d; want 201", rec.Code)
	}
	h.NoMounts()
	if rec := do(t, h, "POST", "/v2/my-app/worker/blobs/uploads/?mount="+ours+"&from=my-app-staging%2Fweb", "_", key, "", nil); rec.Code != 202 {
		t.Errorf("NoMounts: %d; want 202", rec.Code)
	}
}
