package image

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/registry"
	"gitlab.com/heroku-deploy/heroku/internal/registrysim"
)

const (
	key      = "HRKU-test-0f1e2d3c-SECRET-4b5a6978"
	jobUser  = "gitlab-ci-token"
	jobToken = "glcbt-64_JOBTOKEN-s3cr3t-abcdef"
	srcRepo  = "group/project"
)

// world is the two fakes and a client between them.
type world struct {
	t        *testing.T
	heroku   *registrysim.Registry
	gitlab   *registrysim.Registry
	hsrv     *httptest.Server
	gsrv     *httptest.Server
	client   *Client
	creds    registry.Credentials
	mu       sync.Mutex
	secrets  []string // what the client registered
	messages []string // every error message seen, for the leak check
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, heroku: registrysim.NewHeroku(), gitlab: registrysim.NewGitLab(jobUser, jobToken)}
	w.heroku.Grant(key, "my-app", "my-app-staging", "my-app-prod")
	w.hsrv = httptest.NewServer(w.heroku)
	w.gsrv = httptest.NewServer(w.gitlab)
	t.Cleanup(w.hsrv.Close)
	t.Cleanup(w.gsrv.Close)
	w.client = New(w.config(), w.hsrv.URL, key)
	w.creds = registry.Credentials{Username: jobUser, Password: jobToken, From: "CI_REGISTRY_USER"}
	t.Cleanup(w.leakCheck)
	return w
}

func (w *world) config() registry.Config {
	return registry.Config{
		Secret: func(s ...string) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.secrets = append(w.secrets, s...)
		},
		Retry: registry.Retry{Attempts: 3, Delay: time.Millisecond},
		Idle:  5 * time.Second,
	}
}

// ref names an image of the GitLab fake.
func (w *world) ref(tagOrDigest string) string {
	host := strings.TrimPrefix(w.gsrv.URL, "http://")
	if strings.HasPrefix(tagOrDigest, "sha256:") {
		return host + "/" + srcRepo + "@" + tagOrDigest
	}
	return host + "/" + srcRepo + ":" + tagOrDigest
}

// note records an error's message for the leak check.
func (w *world) note(err error) error {
	if err != nil {
		w.mu.Lock()
		w.messages = append(w.messages, err.Error())
		w.mu.Unlock()
	}
	return err
}

// leakCheck: no credential or token of either registry appears in any
// error message, in any encoding, nor an upload location.
func (w *world) leakCheck() {
	secrets := append(w.heroku.Secrets(), w.gitlab.Secrets()...)
	secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte("_:"+key)), base64.StdEncoding.EncodeToString([]byte(jobUser+":"+jobToken)))
	for _, m := range w.messages {
		for _, s := range secrets {
			if strings.Contains(m, s) {
				w.t.Errorf("error message leaks a secret: %q", m)
			}
		}
		if strings.Contains(m, "_state=") {
			w.t.Errorf("error message carries an upload location: %q", m)
		}
	}
}

func (w *world) resolve(ref string) (*Image, error) {
	img, err := w.client.Resolve(context.Background(), ref, w.creds)
	return img, w.note(err)
}

func (w *world) push(img *Image, app string, types ...string) ([]Pushed, error) {
	p, err := w.client.Push(context.Background(), img, app, types...)
	return p, w.note(err)
}

func (w *world) count(substr string) int {
	n := 0
	for _, l := range w.heroku.Requests() {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

func layers(n int) [][]byte {
	var ls [][]byte
	for i := range n {
		ls = append(ls, registrysim.RandomLayer(50_000+i*1000, uint64(i+1)))
	}
	return ls
}

func TestOCIImageIsRelabelledAndCopiedByteForByte(t *testing.T) {
	w := newWorld(t)
	src := registrysim.Image{OCI: true, Layers: layers(3), Labels: map[string]string{RevisionLabel: "0123456789abcdef0123456789abcdef01234567"}}
	_, cfgDigest := w.gitlab.PushImage(srcRepo, "v1", src)

	img, err := w.resolve(w.ref("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if !img.Converted || img.ImageID != cfgDigest || img.Layers != 3 || img.Revision != "0123456789abcdef0123456789abcdef01234567" {
		t.Fatalf("resolved %+v; want converted, image id %s, 3 layers, the revision", img, cfgDigest)
	}
	pushed, err := w.push(img, "my-app", "web")
	if err != nil {
		t.Fatal(err)
	}
	p := pushed[0]
	if p.ImageID != cfgDigest || p.ManifestDigest != img.ManifestDigest || p.Repository != "my-app/web" {
		t.Fatalf("pushed %+v; want image id %s (the source's config digest), manifest %s", p, cfgDigest, img.ManifestDigest)
	}
	mt, body, ok := w.heroku.Manifest("my-app/web", "latest")
	if !ok || mt != DockerManifest {
		t.Fatalf("Heroku's my-app/web:latest is %q", mt)
	}
	var m manifest
	json.Unmarshal(body, &m)
	if m.MediaType != DockerManifest || m.Config.MediaType != DockerConfig || m.Config.Digest != cfgDigest {
		t.Errorf("pushed manifest %s", body)
	}
	_, srcCfg, _ := src.Manifest()
	if got := w.heroku.Blob(cfgDigest); !bytes.Equal(got, srcCfg) {
		t.Errorf("the config reached Heroku changed:\n%s\nwant\n%s", got, srcCfg)
	}
	for i, l := range m.Layers {
		if l.MediaType != DockerLayer || !bytes.Equal(w.heroku.Blob(l.Digest), src.Layers[i]) || l.Size != int64(len(src.Layers[i])) {
			t.Errorf("layer %d: %+v, bytes equal %v", i, l, bytes.Equal(w.heroku.Blob(l.Digest), src.Layers[i]))
		}
	}
	if p.Uploaded != 4 || p.Skipped != 0 || p.Mounted != 0 {
		t.Errorf("blobs: %+v, want 4 uploaded", p)
	}
}

func TestDockerImageIsPushedAsItIs(t *testing.T) {
	w := newWorld(t)
	mDigest, cfgDigest := w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{Layers: layers(2)})
	img, err := w.resolve(w.ref("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if img.Converted || img.ManifestDigest != mDigest || img.ImageID != cfgDigest {
		t.Fatalf("resolved %+v; want the source manifest %s unchanged", img, mDigest)
	}
	p, err := w.push(img, "my-app", "web")
	if err != nil {
		t.Fatal(err)
	}
	if p[0].ManifestDigest != mDigest {
		t.Errorf("pushed %s, want the source's manifest digest %s", p[0].ManifestDigest, mDigest)
	}
}

func TestIndexGivesLinuxAmd64WithoutAttestations(t *testing.T) {
	for _, oci := range []bool{true, false} {
		w := newWorld(t)
		arm := registrysim.Image{OCI: oci, Layers: layers(1), Arch: "arm64", Variant: "v8"}
		amd := registrysim.Image{OCI: oci, Layers: layers(2)}
		_, digests := w.gitlab.PushIndex(srcRepo, "multi", oci, oci, arm, amd)
		img, err := w.resolve(w.ref("multi"))
		if err != nil {
			t.Fatal(err)
		}
		if !img.FromIndex || !strings.HasSuffix(img.Source, "@"+digests[1]) || img.Layers != 2 {
			t.Fatalf("oci=%v: resolved %+v; want the amd64 entry %s", oci, img, digests[1])
		}
		p, err := w.push(img, "my-app", "web")
		if err != nil {
			t.Fatal(err)
		}
		if w.count("/manifests/sha256:") != 0 || w.count("PUT /v2/my-app/web/manifests/latest 201") != 1 {
			t.Errorf("oci=%v: the push wrote more than one manifest: %q", oci, w.heroku.Requests())
		}
		if _, cfg := w.gitlab.PushImage(srcRepo, "", amd); p[0].ImageID != cfg {
			t.Errorf("oci=%v: image id %s, want amd64's config %s", oci, p[0].ImageID, cfg)
		}
	}
}

func TestAttestationsAloneAreNoImage(t *testing.T) {
	idx := &manifest{Manifests: []descriptor{
		{MediaType: OCIManifest, Digest: "sha256:" + strings.Repeat("a", 64), Platform: &platform{OS: "unknown", Architecture: "unknown"}},
		{MediaType: OCIManifest, Digest: "sha256:" + strings.Repeat("b", 64), Platform: &platform{OS: "linux", Architecture: "amd64"},
			Annotations: map[string]string{"vnd.docker.reference.type": "attestation-manifest"}},
	}}
	_, err := choose("r", idx)
	var u *Unsupported
	if !errors.As(err, &u) || u.Reason != NoPlatform || !strings.Contains(u.Detail, "found no platform at all") {
		t.Fatalf("choose: %v", err)
	}
}

func TestNoLinuxAmd64IsRefusedWithTheBuildFlag(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushIndex(srcRepo, "arm", true, true, registrysim.Image{OCI: true, Layers: layers(1), Arch: "arm64"})
	w.gitlab.PushImage(srcRepo, "arm-single", registrysim.Image{OCI: true, Layers: layers(1), Arch: "arm64"})
	for _, tag := range []string{"arm", "arm-single"} {
		_, err := w.resolve(w.ref(tag))
		var u *Unsupported
		if !errors.As(err, &u) || u.Reason != NoPlatform || !strings.Contains(err.Error(), "--platform linux/amd64") || !strings.Contains(err.Error(), "linux/arm64") {
			t.Errorf("%s: %v; want NoPlatform naming linux/arm64 and --platform linux/amd64", tag, err)
		}
	}
	if n := len(w.heroku.Requests()); n != 0 {
		t.Errorf("Heroku's registry got %d requests", n)
	}
}

func TestLayersHerokuCannotTakeAreRefusedBeforeAnyPush(t *testing.T) {
	cases := []struct {
		img    registrysim.Image
		reason Reason
		fix    string
	}{
		{registrysim.Image{OCI: true, Layers: layers(1), LayerType: registrysim.OCILayerZstd}, Zstd, "--compression-format gzip"},
		{registrysim.Image{OCI: true, Layers: layers(1), LayerType: registrysim.OCILayerPlain}, Uncompressed, "--compression-format gzip"},
		{registrysim.Image{Layers: layers(1), LayerType: "application/vnd.docker.image.rootfs.diff.tar"}, Uncompressed, "gzip"},
		{registrysim.Image{OCI: true, Layers: layers(1), LayerType: registrysim.OCILayerNondis}, NonDistributable, "build FROM"},
		{registrysim.Image{Layers: layers(1), LayerType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", URLs: []string{"https://example.com/l"}}, NonDistributable, "build FROM"},
		{registrysim.Image{OCI: true, Layers: layers(1), URLs: []string{"https://example.com/l"}}, NonDistributable, "build FROM"},
		{registrysim.Image{OCI: true, Layers: layers(1), LayerType: "application/vnd.example.unknown"}, UnknownLayer, "gzip"},
	}
	for _, c := range cases {
		w := newWorld(t)
		w.gitlab.PushImage(srcRepo, "x", c.img)
		_, err := w.resolve(w.ref("x"))
		var u *Unsupported
		if !errors.As(err, &u) || u.Reason != c.reason || !strings.Contains(u.Fix, c.fix) || strings.Contains(u.Fix, "\n") {
			t.Errorf("%s: %v; want %s with a one-line fix naming %q", c.img.LayerType, err, c.reason, c.fix)
		}
	}
}

func TestArtifactIsNotAnImage(t *testing.T) {
	w := newWorld(t)
	cfg := []byte(`{}`)
	l := registrysim.Layer(map[string]string{"chart.yaml": "x"})
	m, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": OCIManifest,
		"config": map[string]any{"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": w.gitlab.PutBlob(srcRepo, cfg), "size": len(cfg)},
		"layers": []map[string]any{{"mediaType": OCILayer, "digest": w.gitlab.PutBlob(srcRepo, l), "size": len(l)}}})
	w.gitlab.PutManifest(srcRepo, "chart", OCIManifest, m)
	_, err := w.resolve(w.ref("chart"))
	var u *Unsupported
	if !errors.As(err, &u) || u.Reason != NotAnImage {
		t.Fatalf("%v; want NotAnImage", err)
	}
}

func TestBlobsThereAreSkippedAndTheAppsOtherRepositoriesMounted(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(3)})
	img, err := w.resolve(w.ref("v1"))
	if err != nil {
		t.Fatal(err)
	}
	pushed, err := w.push(img, "my-app", "web", "worker", "release")
	if err != nil {
		t.Fatal(err)
	}
	if pushed[0].Uploaded != 4 {
		t.Errorf("web: %+v; want 4 uploaded", pushed[0])
	}
	for _, p := range pushed[1:] {
		if p.Mounted != 4 || p.Uploaded != 0 || p.ImageID != img.ImageID || p.ManifestDigest != img.ManifestDigest {
			t.Errorf("%s: %+v; want 4 mounted from my-app/web, nothing uploaded", p.Repository, p)
		}
	}
	if n := w.count("from=my-app%2Fweb"); n != 8 {
		t.Errorf("%d mounts from my-app/web, want 8: %q", n, w.heroku.Requests())
	}
	// Pushed again: every blob is there already.
	again, err := w.push(img, "my-app", "web")
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Skipped != 4 || again[0].Uploaded+again[0].Mounted != 0 {
		t.Errorf("second push: %+v; want 4 skipped", again[0])
	}
	read := 0
	for _, l := range w.gitlab.Requests() {
		if strings.HasPrefix(l, "GET /v2/"+srcRepo+"/blobs/") {
			read++
		}
	}
	if n := read - 1; n != 3 { // the config was read once, by Resolve
		t.Errorf("the source's layers were read %d times, want 3 (once each)", n)
	}
}

func TestMountsStayWithinTheApp(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(2)})
	img, err := w.resolve(w.ref("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.push(img, "my-app", "web"); err != nil {
		t.Fatal(err)
	}
	p, err := w.push(img, "my-app-prod", "web")
	if err != nil {
		t.Fatal(err)
	}
	if p[0].Mounted != 0 || p[0].Uploaded != 3 || w.count("from=") != 0 {
		t.Errorf("another app: %+v; want uploads, no mount attempt", p[0])
	}
}

func TestPromotionCopyMountsWithinHeroku(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(3), Labels: map[string]string{RevisionLabel: "feedface"}})
	img, err := w.resolve(w.ref("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.push(img, "my-app-staging", "web"); err != nil {
		t.Fatal(err)
	}
	cur, err := w.client.Latest(context.Background(), "my-app-staging", "web")
	if w.note(err) != nil {
		t.Fatal(err)
	}
	if cur.ImageID != img.ImageID || cur.ManifestDigest != img.ManifestDigest || cur.Revision != "feedface" {
		t.Fatalf("Latest: %+v", cur)
	}
	before := len(w.heroku.Requests())
	fresh := New(w.config(), w.hsrv.URL, key) // another job: knows nothing of the push
	p, err := fresh.Copy(context.Background(), "my-app-staging", "my-app-prod", "web", cur.ManifestDigest)
	if w.note(err) != nil {
		t.Fatal(err)
	}
	if p.Mounted != 4 || p.Uploaded != 0 || p.ImageID != img.ImageID || p.ManifestDigest != cur.ManifestDigest || p.Repository != "my-app-prod/web" {
		t.Errorf("copy: %+v; want 4 mounted, same digests", p)
	}
	for _, l := range w.heroku.Requests()[before:] {
		if strings.HasPrefix(l, "GET /v2/my-app-staging/web/blobs/") || strings.HasPrefix(l, "PATCH") {
			t.Errorf("the copy downloaded or uploaded a blob: %s", l)
		}
	}
}

func TestPromotionCopyOfAnAppTheKeyCannotUse(t *testing.T) {
	w := newWorld(t)
	_, err := w.client.Copy(context.Background(), "not-mine", "my-app-prod", "web", "sha256:"+strings.Repeat("a", 64))
	w.note(err)
	var he *HerokuError
	if !errors.As(err, &he) || !registry.IsKind(err, registry.Denied) {
		t.Fatalf("%v; want a HerokuError of kind Denied", err)
	}
}

func TestABlobUploadThatFailsOnceIsRedoneWhole(t *testing.T) {
	for _, fault := range []string{
		"PATCH /v2/*/*/blobs/uploads/* 500 times=1",
		"PATCH /v2/*/*/blobs/uploads/* reset times=1",
		"PUT /v2/*/*/blobs/uploads/* 503 times=1",
	} {
		w := newWorld(t)
		w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(2)})
		w.heroku.AddFault(registrysim.MustFault(fault))
		img, err := w.resolve(w.ref("v1"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.push(img, "my-app", "web")
		if err != nil {
			t.Fatalf("%s: %v", fault, err)
		}
		if p[0].FailedUploads != 1 || p[0].Uploaded != 3 {
			t.Errorf("%s: %+v; want one failed upload, 3 uploaded", fault, p[0])
		}
		// Redone whole: a new session for each of the 3 blobs and one more.
		if n := w.count("POST /v2/my-app/web/blobs/uploads/"); n != 4 {
			t.Errorf("%s: %d upload sessions, want 4: %q", fault, n, w.heroku.Requests())
		}
	}
}

func TestALayerCutMidStreamAtTheSourceIsReadAgain(t *testing.T) {
	for _, fault := range []string{
		"GET /v2/*/*/blobs/* drop=1000 times=1 skip=1", // skip the config, read by Resolve
		"GET /v2/*/*/blobs/* 503 times=1 skip=1",
	} {
		w := newWorld(t)
		w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(1)})
		w.gitlab.AddFault(registrysim.MustFault(fault))
		img, err := w.resolve(w.ref("v1"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.push(img, "my-app", "web")
		if err != nil {
			t.Fatalf("%s: %v", fault, err)
		}
		if p[0].ImageID != img.ImageID {
			t.Errorf("%s: %+v", fault, p[0])
		}
	}
}

func TestABlobUploadThatAlwaysFailsIsAHerokuError(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(1)})
	w.heroku.AddFault(registrysim.MustFault("PATCH /v2/*/*/blobs/uploads/* 503"))
	img, _ := w.resolve(w.ref("v1"))
	_, err := w.push(img, "my-app", "web")
	var he *HerokuError
	if !errors.As(err, &he) || !registry.IsKind(err, registry.Unavailable) {
		t.Fatalf("%v; want a HerokuError of kind Unavailable", err)
	}
	if _, _, ok := w.heroku.Manifest("my-app/web", "latest"); ok {
		t.Error("a manifest was pushed after a blob failed")
	}
	// 3 attempts for the blob that failed first; the other one stops
	// when the push does.
	if n := w.count("PATCH"); n < 3 || n > 3*2 {
		t.Errorf("%d PATCHes, want 3 to 6 (3 attempts at most for each of 2 blobs)", n)
	}
}

func TestA401FromTheSourceGetsANewToken(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(1)})
	w.gitlab.AddFault(registrysim.MustFault("GET /v2/*/*/blobs/* 401 times=1"))
	img, err := w.resolve(w.ref("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.push(img, "my-app", "web"); err != nil {
		t.Fatal(err)
	}
	issued := 0
	for _, l := range w.gitlab.Requests() {
		if strings.HasPrefix(l, "GET /jwt/auth") {
			issued++
		}
	}
	if issued < 2 {
		t.Errorf("%d tokens asked for; want a new one after the 401", issued)
	}
}

func TestWrongJobTokenIsASourceDenial(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(1)})
	w.creds.Password = "glcbt-64_WRONG-token-zzzz"
	_, err := w.resolve(w.ref("v1"))
	var se *SourceError
	if !errors.As(err, &se) || !registry.IsKind(err, registry.Denied) {
		t.Fatalf("%v; want a SourceError of kind Denied", err)
	}
	if strings.Contains(err.Error(), "WRONG") {
		t.Errorf("the error quotes the password: %v", err)
	}
}

func TestPublicImageNeedsNoCredentials(t *testing.T) {
	w := newWorld(t)
	w.gitlab.Public(srcRepo)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{Layers: layers(1)})
	w.creds = registry.Credentials{From: "anonymous"}
	if _, err := w.resolve(w.ref("v1")); err != nil {
		t.Fatal(err)
	}
}

func TestAManifestPutAnswered5xxAfterItWasStored(t *testing.T) {
	for _, times := range []string{"times=1", ""} {
		w := newWorld(t)
		w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(1)})
		w.heroku.AddFault(registrysim.MustFault("PUT /v2/*/*/manifests/latest 500 after " + times))
		img, _ := w.resolve(w.ref("v1"))
		p, err := w.push(img, "my-app", "web")
		if err != nil {
			t.Fatalf("%q: %v", times, err)
		}
		if p[0].ManifestDigest != img.ManifestDigest || p[0].ManifestRetried != (times == "") {
			t.Errorf("%q: %+v", times, p[0])
		}
		// A retry sends the same bytes to the same tag; never another manifest.
		if n := w.count("PUT /v2/my-app/web/manifests/"); n > 3 || w.count("PUT /v2/my-app/web/manifests/sha256") != 0 {
			t.Errorf("%q: manifest PUTs: %q", times, w.heroku.Requests())
		}
	}
}

func TestAManifestPutThatWasNotStoredIsAnError(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(1)})
	w.heroku.AddFault(registrysim.MustFault("PUT /v2/*/*/manifests/latest 500"))
	img, _ := w.resolve(w.ref("v1"))
	_, err := w.push(img, "my-app", "web")
	if !registry.IsKind(err, registry.Unavailable) {
		t.Fatalf("%v; want Unavailable", err)
	}
}

func TestWrongKeyIsAHerokuDenial(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{Layers: layers(1)})
	img, _ := w.resolve(w.ref("v1"))
	bad := New(w.config(), w.hsrv.URL, "HRKU-wrong-key-9999-SECRET")
	_, err := bad.Push(context.Background(), img, "my-app", "web")
	w.note(err)
	var he *HerokuError
	if !errors.As(err, &he) || !registry.IsKind(err, registry.Denied) || strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("%v; want a HerokuError of kind Denied, without the key", err)
	}
	// An app the key cannot use is denied the same way.
	_, err = w.push(img, "not-mine", "web")
	if !errors.As(err, &he) || !registry.IsKind(err, registry.Denied) {
		t.Fatalf("%v; want Denied", err)
	}
}

func TestTheKeyAndTokensAreRegisteredBeforeUse(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{Layers: layers(1)})
	img, err := w.resolve(w.ref("v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.push(img, "my-app", "web"); err != nil {
		t.Fatal(err)
	}
	want := append(w.gitlab.Secrets(), key, base64.StdEncoding.EncodeToString([]byte("_:"+key)))
	for _, s := range want {
		found := false
		for _, r := range w.secrets {
			found = found || r == s
		}
		if !found {
			t.Errorf("%.12s… was not registered with the redactor", s)
		}
	}
}

func TestAnotherPushInBetweenIsCaughtByTheReadBack(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{Layers: layers(1)})
	img, _ := w.resolve(w.ref("v1"))
	// Someone else's push of the same image, written another way (same
	// image id, another manifest digest), lands between our PUT and the
	// read-back.
	var doc any
	json.Unmarshal(img.manifest, &doc)
	om, _ := json.MarshalIndent(doc, "", "\t")
	omt := DockerManifest
	w.heroku.OnRequest(func(method, path string) {
		if method == "GET" && path == "/v2/my-app/web/manifests/latest" {
			w.heroku.PutManifest("my-app/web", "latest", omt, om)
		}
	})
	_, err := w.push(img, "my-app", "web")
	var rb *ReadBackError
	if !errors.As(err, &rb) || rb.Got != digestOf(om) {
		t.Fatalf("%v; want a ReadBackError naming the other manifest", err)
	}
}

func TestRevisionLabel(t *testing.T) {
	for cfg, want := range map[string]string{
		`{"config":{"Labels":{"org.opencontainers.image.revision":"abc123"}}}`: "abc123",
		`{"config":{"Labels":null}}`: "",
		`{"config":{}}`:              "",
	} {
		if got, err := Revision([]byte(cfg)); err != nil || got != want {
			t.Errorf("Revision(%s) = %q, %v; want %q", cfg, got, err, want)
		}
	}
	if _, err := Revision([]byte("<html>")); err == nil {
		t.Error("Revision of HTML: no error")
	}
}

func TestALayerGoneFromTheSourceIsASourceError(t *testing.T) {
	w := newWorld(t)
	w.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(1)})
	img, err := w.resolve(w.ref("v1"))
	if err != nil {
		t.Fatal(err)
	}
	w.gitlab.AddFault(registrysim.MustFault("GET /v2/*/*/blobs/* 404"))
	_, err = w.push(img, "my-app", "web")
	var se *SourceError
	if !errors.As(err, &se) || !registry.IsKind(err, registry.NotFound) {
		t.Fatalf("%v; want a SourceError of kind NotFound", err)
	}
	// A source cut mid-stream every time is the source's failure too.
	w2 := newWorld(t)
	w2.gitlab.PushImage(srcRepo, "v1", registrysim.Image{OCI: true, Layers: layers(1)})
	img, _ = w2.resolve(w2.ref("v1"))
	w2.gitlab.AddFault(registrysim.MustFault("GET /v2/*/*/blobs/* drop=100"))
	_, err = w2.push(img, "my-app", "web")
	if !errors.As(err, &se) || !registry.IsKind(err, registry.Unavailable) {
		t.Fatalf("%v; want a SourceError of kind Unavailable", err)
	}
}
