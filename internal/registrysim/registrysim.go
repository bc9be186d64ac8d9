// Package registrysim fakes two container registries for the tests, the
// benchmark and (later) the simulator: Heroku's, strict, and a GitLab-like
// source registry. Both keep everything in memory and speak the
// distribution spec (ping, manifests, blobs, upload sessions with
// monolithic or chunked bodies, cross-repository mounts); they differ in
// who may do what:
//
//   - Heroku (NewHeroku): HTTP Basic with "_" and an API key the
//     simulator was given (Grant), repositories "<app>/<type>" of the apps
//     that key may use; Docker v2 schema 2 manifests only, with Heroku's
//     errors for anything else; mounts only from repositories the key may
//     use.
//   - GitLab (NewGitLab): Docker's token auth, a Bearer realm at /jwt/auth
//     that takes the job's CI_REGISTRY_USER/CI_REGISTRY_PASSWORD as Basic;
//     any manifest, index, attestation or layer type, so tests can store
//     what builders produce (OCI, Docker, zstd, indexes with attestations).
//
// Faults (ParseFault) make requests misbehave. Requests() is the log, for
// assertions; Secrets() lists every credential and token for leak checks.
package registrysim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Kind is which registry a Registry fakes.
type Kind int

const (
	Heroku Kind = iota + 1
	GitLab
)

// Registry is one fake registry, an http.Handler.
type Registry struct {
	kind Kind

	mu        sync.Mutex
	blobs     map[string][]byte          // digest -> content
	links     map[string]map[string]bool // repository -> digests it holds
	manifests map[string]map[string]*stored
	uploads   map[string]*upload
	faults    []*Fault
	log       []string
	noMount   bool
	hook      func(method, path string)

	// Heroku
	keys map[string]map[string]bool // key -> apps it may use

	// GitLab
	user, password string
	public         map[string]bool
	tokens         map[string]string // token -> the scope it was issued for
	secrets        []string
}

type stored struct {
	mediaType string
	body      []byte
	digest    string
}

type upload struct {
	repo string
	data []byte
}

func newRegistry(k Kind) *Registry {
	return &Registry{kind: k, blobs: map[string][]byte{}, links: map[string]map[string]bool{},
		manifests: map[string]map[string]*stored{}, uploads: map[string]*upload{},
		keys: map[string]map[string]bool{}, public: map[string]bool{}, tokens: map[string]string{}}
}

// NewHeroku is Heroku's registry; Grant gives keys their apps.
func NewHeroku() *Registry { return newRegistry(Heroku) }

// NewGitLab is a project registry whose Bearer realm accepts user and
// password (CI_REGISTRY_USER, CI_REGISTRY_PASSWORD: the job token).
func NewGitLab(user, password string) *Registry {
	r := newRegistry(GitLab)
	r.user, r.password = user, password
	r.secrets = append(r.secrets, password)
	return r
}

// Grant lets key use apps' repositories (Heroku); "*" is every app (the
// benchmark's fresh app per run).
func (r *Registry) Grant(key string, apps ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys[key] == nil {
		r.keys[key] = map[string]bool{}
		r.secrets = append(r.secrets, key)
	}
	for _, a := range apps {
		r.keys[key][a] = true
	}
}

// Public lets anyone pull repo without credentials (GitLab: a public
// project).
func (r *Registry) Public(repo string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.public[repo] = true
}

// NoMounts makes every mount request start a plain upload instead, as a
// registry that does not do cross-repository mounts (the benchmark).
func (r *Registry) NoMounts() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noMount = true
}

// AddFault installs faults, matched in order.
func (r *Registry) AddFault(fs ...*Fault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = append(r.faults, fs...)
}

// OnRequest calls f before each request is served (tests: a change by
// someone else at a chosen moment).
func (r *Registry) OnRequest(f func(method, path string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hook = f
}

// Requests returns the log: "METHOD /path?query STATUS", in order.
func (r *Registry) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// Secrets returns every credential this registry knows or issued.
func (r *Registry) Secrets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.secrets...)
}

// Has reports whether repo holds blob.
func (r *Registry) Has(repo, blob string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.links[repo][blob]
}

// Blob returns a blob's content, nil when unknown.
func (r *Registry) Blob(digest string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.blobs[digest]
}

// Manifest returns what repo holds under ref (a tag or digest): its media
// type and bytes; ok false when nothing.
func (r *Registry) Manifest(repo, ref string) (mediaType string, body []byte, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.manifests[repo][ref]
	if m == nil {
		return "", nil, false
	}
	return m.mediaType, m.body, true
}

// PutBlob stores b in repo and returns its digest.
func (r *Registry) PutBlob(repo string, b []byte) string {
	d := digestOf(b)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.link(repo, d, b)
	return d
}

// PutManifest stores a manifest in repo under its digest and, when tag is
// not empty, under tag; no checks. It returns the digest.
func (r *Registry) PutManifest(repo, tag, mediaType string, body []byte) string {
	d := digestOf(body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.storeManifest(repo, tag, &stored{mediaType: mediaType, body: body, digest: d})
	return d
}

func (r *Registry) link(repo, d string, b []byte) {
	if b != nil {
		r.blobs[d] = b
	}
	if r.links[repo] == nil {
		r.links[repo] = map[string]bool{}
	}
	r.links[repo][d] = true
}

func (r *Registry) storeManifest(repo, tag string, m *stored) {
	if r.manifests[repo] == nil {
		r.manifests[repo] = map[string]*stored{}
	}
	r.manifests[repo][m.digest] = m
	if tag != "" {
		r.manifests[repo][tag] = m
	}
}

func digestOf(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// regErr is the distribution spec's error body.
func regErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

var digestRE = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

// route splits /v2/<name>/{manifests,blobs}/<ref> and
// /v2/<name>/blobs/uploads/[<id>].
func route(p string) (repo, kind, ref string, ok bool) {
	rest, found := strings.CutPrefix(p, "/v2/")
	if !found {
		return "", "", "", false
	}
	if i := strings.LastIndex(rest, "/blobs/uploads/"); i > 0 {
		return rest[:i], "uploads", rest[i+len("/blobs/uploads/"):], true
	}
	for _, k := range []string{"manifests", "blobs"} {
		if i := strings.LastIndex(rest, "/"+k+"/"); i > 0 {
			return rest[:i], k, rest[i+len(k)+2:], true
		}
	}
	return "", "", "", false
}

// ServeHTTP logs, applies faults, checks credentials and serves.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		r.mu.Lock()
		r.log = append(r.log, fmt.Sprintf("%s %s %d", req.Method, req.URL.RequestURI(), sw.status))
		r.mu.Unlock()
	}()
	r.mu.Lock()
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		hook(req.Method, req.URL.Path)
	}
	if f := r.takeFault(req); f != nil && r.apply(f, sw, req) {
		return
	}
	r.serve(sw, req)
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	if r.kind == GitLab && req.URL.Path == "/jwt/auth" {
		r.issueToken(w, req)
		return
	}
	if req.URL.Path == "/v2/" || req.URL.Path == "/v2" {
		if _, ok := r.authorize(w, req, "", false); ok {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "{}")
		}
		return
	}
	repo, kind, ref, ok := route(req.URL.Path)
	if !ok {
		regErr(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		return
	}
	write := req.Method != http.MethodGet && req.Method != http.MethodHead
	if r.kind == Heroku && !herokuRepo.MatchString(repo) {
		// registry.heroku.com/<app>.herokuapp.com/web answers 400 with an
		// empty body (thread: onplus/v2hero#3).
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	who, ok := r.authorize(w, req, repo, write)
	if !ok {
		return
	}
	switch kind {
	case "manifests":
		r.manifest(w, req, repo, ref)
	case "blobs":
		r.blob(w, req, repo, ref)
	case "uploads":
		r.upload(w, req, repo, ref, who)
	}
}

// herokuRepo is <app>/<type>: Heroku's app-name rule, a process type.
var herokuRepo = regexp.MustCompile(`^[a-z][a-z0-9-]{2,29}/[a-z0-9_-]+$`)

func (r *Registry) manifest(w http.ResponseWriter, req *http.Request, repo, ref string) {
	switch req.Method {
	case http.MethodGet, http.MethodHead:
		r.mu.Lock()
		m := r.manifests[repo][ref]
		r.mu.Unlock()
		if m == nil {
			regErr(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		w.Header().Set("Content-Type", m.mediaType)
		w.Header().Set("Docker-Content-Digest", m.digest)
		w.Header().Set("Content-Length", strconv.Itoa(len(m.body)))
		if req.Method == http.MethodGet {
			w.Write(m.body)
		}
	case http.MethodPut:
		r.putManifest(w, req, repo, ref)
	default:
		regErr(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
	}
}

// Docker schema 2 and OCI media types the fakes know.
const (
	dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	dockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	dockerConfig   = "application/vnd.docker.container.image.v1+json"
	dockerLayer    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	ociManifest    = "application/vnd.oci.image.manifest.v1+json"
	ociIndex       = "application/vnd.oci.image.index.v1+json"
)

type descriptor struct {
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	Digest    string `json:"digest"`
}

type manifestBody struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        *descriptor  `json:"config"`
	Layers        []descriptor `json:"layers"`
	Manifests     []descriptor `json:"manifests"`
}

func (r *Registry) putManifest(w http.ResponseWriter, req *http.Request, repo, ref string) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 4<<20+1))
	if err != nil || len(body) > 4<<20 {
		regErr(w, http.StatusBadRequest, "MANIFEST_INVALID", "manifest invalid")
		return
	}
	ct := req.Header.Get("Content-Type")
	var m manifestBody
	if json.Unmarshal(body, &m) != nil || m.SchemaVersion != 2 {
		regErr(w, http.StatusBadRequest, "MANIFEST_INVALID", "manifest invalid")
		return
	}
	if m.MediaType != "" && m.MediaType != ct {
		regErr(w, http.StatusBadRequest, "MANIFEST_INVALID", "manifest invalid: mediaType does not match Content-Type")
		return
	}
	if r.kind == Heroku && !dockerSchema2Only(ct, &m) {
		// Heroku takes Docker v2 schema 2 only: an index PUT answers
		// "UNSUPPORTED: The operation is unsupported." (thread:
		// akhilerm/tag-push-action#299) or 405 (gperdomor/oss#728); the
		// distribution registry's UNSUPPORTED is a 405. OCI manifests are
		// refused too (heroku/cli#1807, #1081 "unsupported"): the same
		// answer is inferred for them and for mixed manifests.
		regErr(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
		return
	}
	d := digestOf(body)
	if strings.HasPrefix(ref, "sha256:") && ref != d {
		regErr(w, http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var refs []descriptor
	if m.Config != nil {
		refs = append(refs, *m.Config)
	}
	refs = append(refs, m.Layers...)
	for _, b := range refs {
		if !r.links[repo][b.Digest] {
			regErr(w, http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry: "+b.Digest)
			return
		}
	}
	for _, c := range m.Manifests {
		if r.manifests[repo][c.Digest] == nil {
			regErr(w, http.StatusBadRequest, "MANIFEST_UNKNOWN", "manifest unknown: "+c.Digest)
			return
		}
	}
	tag := ref
	if strings.HasPrefix(ref, "sha256:") {
		tag = ""
	}
	r.storeManifest(repo, tag, &stored{mediaType: ct, body: body, digest: d})
	w.Header().Set("Docker-Content-Digest", d)
	w.Header().Set("Location", "/v2/"+repo+"/manifests/"+d)
	w.WriteHeader(http.StatusCreated)
}

func dockerSchema2Only(ct string, m *manifestBody) bool {
	if ct != dockerManifest || m.Config == nil || m.Config.MediaType != dockerConfig || len(m.Manifests) > 0 {
		return false
	}
	for _, l := range m.Layers {
		if l.MediaType != dockerLayer {
			return false
		}
	}
	return true
}

func (r *Registry) blob(w http.ResponseWriter, req *http.Request, repo, d string) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		regErr(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
		return
	}
	r.mu.Lock()
	b, ok := r.blobs[d]
	ok = ok && r.links[repo][d]
	r.mu.Unlock()
	if !ok {
		if req.Method == http.MethodHead {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		regErr(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown to registry")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Docker-Content-Digest", d)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if req.Method == http.MethodGet {
		writeBody(w, req, b)
	}
}

func (r *Registry) upload(w http.ResponseWriter, req *http.Request, repo, id string, who string) {
	q := req.URL.Query()
	switch {
	case req.Method == http.MethodPost && id == "":
		if d, from := q.Get("mount"), q.Get("from"); d != "" && from != "" && r.mount(repo, d, from, who) {
			w.Header().Set("Location", "/v2/"+repo+"/blobs/"+d)
			w.Header().Set("Docker-Content-Digest", d)
			w.WriteHeader(http.StatusCreated)
			return
		}
		if d := q.Get("digest"); d != "" {
			r.finish(w, req, repo, &upload{repo: repo}, d)
			return
		}
		id := randomHex(16)
		r.mu.Lock()
		r.uploads[id] = &upload{repo: repo}
		r.mu.Unlock()
		r.uploadLocation(w, repo, id, 0)
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodPatch && id != "":
		u := r.session(w, repo, id)
		if u == nil {
			return
		}
		if cr := req.Header.Get("Content-Range"); cr != "" {
			start, _, _ := strings.Cut(cr, "-")
			if n, err := strconv.Atoi(start); err != nil || n != len(u.data) {
				regErr(w, http.StatusRequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID", "content range does not match the upload")
				return
			}
		}
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		r.mu.Lock()
		u.data = append(u.data, b...)
		n := len(u.data)
		r.mu.Unlock()
		r.uploadLocation(w, repo, id, n)
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodPut && id != "":
		u := r.session(w, repo, id)
		if u == nil {
			return
		}
		r.mu.Lock()
		delete(r.uploads, id)
		r.mu.Unlock()
		r.finish(w, req, repo, u, q.Get("digest"))
	default:
		regErr(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
	}
}

// uploadLocation names the upload session, with opaque signed state in the
// query as real registries send (it must never be printed).
func (r *Registry) uploadLocation(w http.ResponseWriter, repo, id string, n int) {
	w.Header().Set("Location", "/v2/"+repo+"/blobs/uploads/"+id+"?_state="+id+"-"+randomHex(8))
	w.Header().Set("Docker-Upload-UUID", id)
	w.Header().Set("Range", fmt.Sprintf("0-%d", max(n-1, 0)))
}

func (r *Registry) session(w http.ResponseWriter, repo, id string) *upload {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.uploads[id]
	if u == nil || u.repo != repo {
		regErr(w, http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
		return nil
	}
	return u
}

// finish ends an upload: the rest of the body, then the digest checked.
func (r *Registry) finish(w http.ResponseWriter, req *http.Request, repo string, u *upload, d string) {
	if !digestRE.MatchString(d) {
		regErr(w, http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content")
		return
	}
	rest, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	data := append(u.data, rest...)
	if digestOf(data) != d {
		regErr(w, http.StatusBadRequest, "DIGEST_INVALID", "provided digest did not match uploaded content")
		return
	}
	r.mu.Lock()
	if have, ok := r.blobs[d]; ok {
		data = have
	}
	r.link(repo, d, data)
	r.mu.Unlock()
	w.Header().Set("Location", "/v2/"+repo+"/blobs/"+d)
	w.Header().Set("Docker-Content-Digest", d)
	w.WriteHeader(http.StatusCreated)
}

// mount links blob d of repository from into repo, when the caller may read
// from and from holds it. Otherwise the caller gets a plain upload session,
// as the distribution spec says.
func (r *Registry) mount(repo, d, from, who string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.noMount || !r.links[from][d] {
		return false
	}
	if r.kind == Heroku {
		app, _, _ := strings.Cut(from, "/")
		if !r.keys[who][app] && !r.keys[who]["*"] {
			return false
		}
	}
	r.link(repo, d, nil)
	return true
}

// authorize checks the request's credentials for repo ("" for the ping);
// it answers 401 with the challenge itself. It returns who is asking (the
// Heroku key).
func (r *Registry) authorize(w http.ResponseWriter, req *http.Request, repo string, write bool) (string, bool) {
	if r.kind == Heroku {
		return r.authorizeHeroku(w, req, repo)
	}
	return r.authorizeGitLab(w, req, repo, write)
}

// authorizeHeroku: Basic "_" and the key, as `heroku container:login`
// gives docker login (heroku/cli src/commands/container/login.ts); the
// CLI's own release request sends an empty user name (release.ts), taken
// too. A key that may not use the app gets "authentication required"
// (thread: testdrivenio/fastapi-tdd-docker#25).
func (r *Registry) authorizeHeroku(w http.ResponseWriter, req *http.Request, repo string) (string, bool) {
	user, key, ok := req.BasicAuth()
	app, _, _ := strings.Cut(repo, "/")
	// The key's apps are read under the lock: Grant adds to them while
	// other requests are served (a push's layers go side by side).
	r.mu.Lock()
	apps := r.keys[key]
	may := apps != nil && (repo == "" || apps[app] || apps["*"])
	r.mu.Unlock()
	if ok && (user == "_" || user == "") && may {
		return key, true
	}
	w.Header().Set("WWW-Authenticate", r.challenge(req, repo, false))
	regErr(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
	return "", false
}

// authorizeGitLab: Docker's token auth. A request without a token, or
// with one not issued for this repository and action, gets the challenge
// naming the realm, the service and the scope it needs.
func (r *Registry) authorizeGitLab(w http.ResponseWriter, req *http.Request, repo string, write bool) (string, bool) {
	tok, _ := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	r.mu.Lock()
	scope, known := r.tokens[tok]
	r.mu.Unlock()
	if known && (repo == "" || grants(scope, repo, write)) {
		return "", true
	}
	w.Header().Set("WWW-Authenticate", r.challenge(req, repo, write))
	code := "UNAUTHORIZED"
	if known {
		code = "DENIED"
	}
	regErr(w, http.StatusUnauthorized, code, "authentication required")
	return "", false
}

// challenge is the WWW-Authenticate of a 401 for repo ("" for the ping).
// Heroku's is Basic (inferred: the CLI and docker login send Basic); the
// GitLab fake's names its realm, service and the scope the request needs,
// as GitLab's registry does.
func (r *Registry) challenge(req *http.Request, repo string, write bool) string {
	if r.kind == Heroku {
		return `Basic realm="Heroku Registry"`
	}
	c := fmt.Sprintf(`Bearer realm="http://%s/jwt/auth",service="container_registry"`, req.Host)
	if repo != "" {
		action := "pull"
		if write {
			action = "push,pull"
		}
		c += fmt.Sprintf(`,scope="repository:%s:%s"`, repo, action)
	}
	return c
}

// grants reports whether a token's scopes ("repository:a/b:pull
// repository:c/d:push,pull") allow the request.
func grants(scopes, repo string, write bool) bool {
	for _, s := range strings.Fields(scopes) {
		parts := strings.Split(s, ":")
		if len(parts) != 3 || parts[0] != "repository" || parts[1] != repo {
			continue
		}
		acts := "," + parts[2] + ","
		if strings.Contains(acts, ",pull,") && (!write || strings.Contains(acts, ",push,")) {
			return true
		}
	}
	return false
}

// issueToken is the realm: Basic user:password (or none, for public
// projects' pulls) for the scopes asked, as GitLab's /jwt/auth does.
func (r *Registry) issueToken(w http.ResponseWriter, req *http.Request) {
	user, pass, hasAuth := req.BasicAuth()
	if hasAuth && (user != r.user || pass != r.password) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"HTTP Basic: Access denied"}]}`)
		return
	}
	var granted []string
	r.mu.Lock()
	for _, s := range req.URL.Query()["scope"] {
		for _, one := range strings.Fields(s) {
			parts := strings.Split(one, ":")
			if len(parts) != 3 || parts[0] != "repository" {
				continue
			}
			if hasAuth {
				granted = append(granted, one)
			} else if r.public[parts[1]] {
				granted = append(granted, "repository:"+parts[1]+":pull")
			}
		}
	}
	tok := "glcbt-" + randomHex(20)
	r.tokens[tok] = strings.Join(granted, " ")
	r.secrets = append(r.secrets, tok)
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token": tok, "expires_in": 900})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
